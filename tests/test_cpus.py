"""The default number of grading workers: the CPUs this process may use (autograder.batch.cpus), not the machine's."""
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from autograder.batch.cpus import cpu_quota, usable_cpus
from autograder.commands.workspace import Workspace

PROBE = "from autograder.batch.cpus import usable_cpus, cpu_quota; print(usable_cpus(), cpu_quota())"


def fake_proc(tmp_path, mountinfo, memberships):
    proc = tmp_path / "proc"
    proc.mkdir()
    (proc / "mountinfo").write_text(mountinfo)
    (proc / "cgroup").write_text(memberships)
    return proc


def test_the_lowest_quota_from_the_group_up_counts_in_cgroup_v2(tmp_path):
    mount = tmp_path / "cgroup2"
    group = mount / "kubepods" / "pod1" / "grader"
    group.mkdir(parents=True)
    (mount / "kubepods" / "cpu.max").write_text("max 100000\n")
    (mount / "kubepods" / "pod1" / "cpu.max").write_text("150000 100000\n")  # the pod's limit: 1.5 CPUs
    (group / "cpu.max").write_text("max 100000\n")
    proc = fake_proc(tmp_path, f"41 23 0:38 / {mount} rw,relatime - cgroup2 cgroup2 rw\n",
                     "0::/kubepods/pod1/grader\n")
    assert cpu_quota(proc) == 1.5
    assert usable_cpus(proc) == min(2, len(os.sched_getaffinity(0)))  # 1.5 CPUs take 2 workers
    (group / "cpu.max").write_text("50000 100000\n")
    assert cpu_quota(proc) == 0.5 and usable_cpus(proc) == 1  # never fewer than one


def test_a_v1_quota_counts_and_no_quota_leaves_the_affinity(tmp_path):
    mount = tmp_path / "cpu,cpuacct"
    group = mount / "slurm" / "job7"
    group.mkdir(parents=True)
    (group / "cpu.cfs_quota_us").write_text("100000\n")
    (group / "cpu.cfs_period_us").write_text("100000\n")
    (mount / "slurm" / "cpu.cfs_quota_us").write_text("-1\n")
    (mount / "slurm" / "cpu.cfs_period_us").write_text("100000\n")
    mountinfo = f"32 31 0:29 / {mount} rw,relatime - cgroup cgroup rw,cpu,cpuacct\n"
    proc = fake_proc(tmp_path, mountinfo, "4:memory:/slurm/job7\n1:cpu,cpuacct:/slurm/job7\n0::/\n")
    assert cpu_quota(proc) == 1.0 and usable_cpus(proc) == 1
    (group / "cpu.cfs_quota_us").write_text("-1\n")
    assert cpu_quota(proc) is None and usable_cpus(proc) == len(os.sched_getaffinity(0))
    assert usable_cpus(tmp_path / "no-such-proc") == len(os.sched_getaffinity(0))  # nothing readable: affinity


def on_cpu_0():
    os.sched_setaffinity(0, {0})


@pytest.mark.slow
def test_a_batch_under_taskset_starts_one_worker(tmp_path):
    # `taskset -c 0 ./run grade` started a worker per CPU of the machine, all sharing CPU 0
    proc = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, preexec_fn=on_cpu_0,
                          check=True)
    assert proc.stdout.split()[0] == "1", proc.stdout
    ws = Workspace.create(tmp_path / "course", ["rnn_forward"])
    ws.generate("rnn_forward")
    for student in ("alice", "bob"):  # not valid JSON: scored 0 at once, no sandbox needed
        ws.submit(student, "rnn_forward", {"rnn_forward": b"{"})
    env = dict(os.environ, RNN_COURSE_DB_URL=ws.db_url, PATH=f"{Path(sys.executable).parent}:{os.environ['PATH']}")
    proc = subprocess.run([sys.executable, "-m", "autograder.commands.grade", "rnn_forward", "--course", str(ws.root),
                           "--no-report"], capture_output=True, text=True, env=env, preexec_fn=on_cpu_0, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "2 students, 2 to grade, 1 worker" in proc.stderr, proc.stderr


def writable_cpu_group_parent():
    """A cgroup directory in which a group with a CPU quota can be made here, and its file names, or None."""
    for line in Path("/proc/self/mountinfo").read_text().splitlines():
        left, _, right = line.partition(" - ")
        point, kind = Path(left.split()[4]), right.split()
        if kind[0] == "cgroup" and "cpu" in kind[2].split(",") and os.access(point, os.W_OK):
            return point, "cpu.cfs_quota_us", "50000"
        if kind[0] == "cgroup2" and os.access(point, os.W_OK) and "cpu" in (
                (point / "cgroup.subtree_control").read_text().split() if (point / "cgroup.subtree_control").exists()
                else []):
            return point, "cpu.max", "50000 100000"
    return None


@pytest.mark.root
def test_a_real_cgroup_quota_of_half_a_cpu_takes_one_worker():
    if os.geteuid() != 0:
        pytest.skip("making a cgroup needs root")
    found = writable_cpu_group_parent()
    if found is None:
        pytest.skip("no writable cgroup hierarchy with the cpu controller here")
    parent, name, quota = found
    group = parent / f"rnn-test-cpus-{uuid.uuid4().hex[:8]}"
    group.mkdir()
    try:
        (group / name).write_text(quota)
        enter = f"import os; open({str(group / 'cgroup.procs')!r}, 'w').write(str(os.getpid())); "
        proc = subprocess.run([sys.executable, "-c", enter + PROBE], capture_output=True, text=True, check=True)
        assert proc.stdout.split() == ["1", "0.5"], proc.stdout
    finally:
        group.rmdir()
