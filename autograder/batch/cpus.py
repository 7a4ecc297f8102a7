"""How many CPUs this process may use, the default number of grading workers.

os.cpu_count() counts the machine's CPUs. Inside a Slurm allocation, under `taskset`, or in a container with a CPU
limit (Docker's --cpus, a Kubernetes pod's limits.cpu) the batch may use fewer, and one worker per CPU of the
machine oversubscribes them. What may be used is the lower of two bounds:
  - the CPU affinity (os.sched_getaffinity: taskset, Slurm's task binding, a cpuset);
  - the CPU quota of this process's cgroup and of every group above it (cgroup v2 `cpu.max`, v1
    `cpu.cfs_quota_us` over `cpu.cfs_period_us`), rounded up: 1.5 CPUs of quota take 2 workers, which between
    them get the 1.5 CPUs that 1 worker could not use.
"""
import math
import os
from pathlib import Path


def usable_cpus(proc=Path("/proc/self")):
    """The CPUs this process may use (at least 1); `proc` is its /proc directory."""
    try:
        cpus = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not Linux
        cpus = os.cpu_count() or 1
    quota = cpu_quota(proc)
    if quota is not None:
        cpus = min(cpus, math.ceil(quota))
    return max(1, cpus)


def cpu_quota(proc=Path("/proc/self")):
    """The CPUs the lowest CPU quota over this process's cgroups allows (a float), or None without one."""
    try:
        mounts = cgroup_mounts((proc / "mountinfo").read_text())
        memberships = (proc / "cgroup").read_text().splitlines()
    except OSError:
        return None
    quotas = []
    for line in memberships:
        hierarchy, controllers, path = line.split(":", 2)
        version = "v2" if hierarchy == "0" and not controllers else "v1" if "cpu" in controllers.split(",") else None
        if version not in mounts:
            continue
        root, point = mounts[version][0], mounts[version][1].resolve()
        inside = os.path.relpath(path, root)
        group = point if inside.startswith("..") else (point / inside).resolve()
        while True:  # the group and each one above it, up to the mount point
            quota = read_quota(group, version)
            if quota is not None:
                quotas.append(quota)
            if group == point or point not in group.parents:
                break
            group = group.parent
    return min(quotas, default=None)


def cgroup_mounts(mountinfo):
    """{"v1": (root, mount point) of the v1 hierarchy holding the cpu controller, "v2": the same of cgroup2}."""
    mounts = {}
    for line in mountinfo.splitlines():
        left, _, right = line.partition(" - ")
        fields, kind = left.split(), right.split()
        if len(fields) < 5 or len(kind) < 3:
            continue
        if kind[0] == "cgroup2":
            mounts.setdefault("v2", (fields[3], Path(fields[4])))
        elif kind[0] == "cgroup" and "cpu" in kind[2].split(","):
            mounts.setdefault("v1", (fields[3], Path(fields[4])))
    return mounts


def read_quota(group, version):
    """The CPUs `group`'s quota allows, or None (no quota, or no such file)."""
    try:
        if version == "v2":
            quota, period = (group / "cpu.max").read_text().split()[:2]
        else:
            quota, period = ((group / name).read_text().strip() for name in ("cpu.cfs_quota_us", "cpu.cfs_period_us"))
    except (OSError, ValueError):
        return None
    if quota in ("max", "-1") or int(period) <= 0:
        return None
    return int(quota) / int(period)
