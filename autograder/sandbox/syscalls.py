"""The system calls a sandboxed notebook may not make: a seccomp filter that bubblewrap installs on the
worker before it runs (`bwrap --seccomp FD`), inherited by every process the notebook starts.

Namespaces give each sandbox its own IPC objects, network, pids and /tmp, but some kernel state has no
namespace of its own: keys belong to a uid (and root grades as `nobody` in the host's user namespace) and
stay until reboot, so they reach every later sandbox. The other calls denied here reach the kernel or other
processes in ways a notebook has no use for. The list follows the default profiles of Docker and Podman,
which deny the same calls. A denied call fails with EPERM, an OSError in Python, never kills the notebook.
"""
import errno
import functools
import os
import tempfile

# Each entry: the calls, and why a notebook must not make them.
DENIED = [
    # Keys are kept per uid until reboot, not per sandbox: what one notebook stores there, later ones read
    (("add_key", "request_key", "keyctl"), "kernel keyrings, shared by every sandbox of one uid"),
    (("ptrace", "process_vm_readv", "process_vm_writev", "kcmp", "pidfd_getfd"), "other processes' memory"),
    (("bpf", "perf_event_open", "userfaultfd", "lookup_dcookie"), "kernel programs, tracing, fault handlers"),
    (("io_uring_setup", "io_uring_enter", "io_uring_register"), "runs system calls this filter never sees"),
    (("mount", "umount2", "pivot_root", "move_mount", "open_tree", "fsopen", "fsconfig", "fsmount", "fspick",
      "mount_setattr", "chroot"), "the sandbox's mounts are the grader's to make"),
    (("unshare", "setns"), "new or other namespaces: a way around these limits"),
    (("open_by_handle_at", "name_to_handle_at"), "opens files by handle, past the sandbox's mounts"),
    (("init_module", "finit_module", "delete_module", "kexec_load", "kexec_file_load", "reboot"), "the kernel"),
    (("swapon", "swapoff", "acct", "quotactl", "quotactl_fd", "syslog", "fanotify_init", "nfsservctl"),
     "machine-wide settings and logs"),
    (("clock_settime", "clock_adjtime", "settimeofday", "adjtimex", "stime"), "the machine's clock"),
    (("iopl", "ioperm", "vm86", "vm86old", "uselib", "ustat", "sysfs", "_sysctl"), "hardware ports, legacy calls"),
]

# clone() flags that make namespaces (flags are its first argument on x86-64 and arm64). CLONE_NEWTIME shares
# its bit with the exit signal in clone(), so only unshare (denied) could ask for it.
NAMESPACE_FLAGS = {"CLONE_NEWNS": 0x20000, "CLONE_NEWCGROUP": 0x02000000, "CLONE_NEWUTS": 0x04000000,
                   "CLONE_NEWIPC": 0x08000000, "CLONE_NEWUSER": 0x10000000, "CLONE_NEWPID": 0x20000000,
                   "CLONE_NEWNET": 0x40000000}
# personality() values Docker allows: PER_LINUX, PER_LINUX32 (8), each with UNAME26 (0x20000), and the query
# 0xffffffff. Other flags turn off address randomisation or no-exec memory for the notebook's children.
HARMLESS_PERSONA_BITS = 0x8 | 0x20000
QUERY_PERSONA = 0xFFFFFFFF


def _personality_denials(seccomp):
    """The argument tests under which personality() is denied: every value but the harmless ones (one test per
    rule, ORed: libseccomp compares each argument once per rule, so bit 31 tells the query apart)."""
    top = 1 << 31
    for bit in range(31):
        if not (1 << bit) & HARMLESS_PERSONA_BITS:  # a flag other than the harmless ones, with bit 31 clear
            yield seccomp.Arg(0, seccomp.MASKED_EQ, (1 << bit) | top, 1 << bit)
        yield seccomp.Arg(0, seccomp.MASKED_EQ, (1 << bit) | top, top)  # bit 31 set, yet not the query


def build_filter():
    """A pyseccomp SyscallFilter that allows every call but those of DENIED (EPERM), clone() asking for a new
    namespace (EPERM), personality() other than Docker's harmless values (EPERM), and clone3(), whose flags
    are out of a filter's reach (ENOSYS: glibc then uses clone)."""
    import pyseccomp as seccomp  # the system's libseccomp, loaded only where a sandbox starts

    deny = seccomp.ERRNO(errno.EPERM)
    f = seccomp.SyscallFilter(seccomp.ALLOW)
    f.set_attr(seccomp.Attr.ACT_BADARCH, seccomp.KILL_PROCESS)  # 32-bit calls (int 0x80) would pass the rules
    for names, _why in DENIED:
        for name in names:
            if seccomp.resolve_syscall(seccomp.Arch.NATIVE, name) != -1:  # a call this libseccomp knows
                f.add_rule(deny, name)
    for flag in NAMESPACE_FLAGS.values():
        f.add_rule(deny, "clone", seccomp.Arg(0, seccomp.MASKED_EQ, flag, flag))
    f.add_rule(seccomp.ERRNO(errno.ENOSYS), "clone3")
    for test in _personality_denials(seccomp):
        f.add_rule(deny, "personality", test)
    return f


@functools.cache
def bpf():
    """The filter as the BPF program bwrap's --seccomp reads (bytes), built once per process."""
    with tempfile.TemporaryFile() as out:
        build_filter().export_bpf(out)
        out.seek(0)
        return out.read()


def filter_fd():
    """A file descriptor to pass to bwrap --seccomp: the read end of a pipe holding bpf(), which bwrap reads
    to its end. The caller closes it once bwrap is started."""
    data = bpf()
    read, write = os.pipe()
    try:
        if len(data) > 65536:  # a pipe's buffer: more would block here (a filter is 8 bytes per instruction)
            raise ValueError(f"seccomp filter of {len(data)} bytes")
        os.write(write, data)
    except BaseException:
        os.close(read)
        raise
    finally:
        os.close(write)
    return read
