"""Servers that some tests start for themselves, on loopback, in a temporary directory, stopped at the end:
PostgreSQL (a class's one gradebook) and a one-node Slurm cluster (munged, slurmctld and slurmd). As root
they are installed from Debian when missing (./run test does that first); elsewhere the PostgreSQL tests fail
saying how to install it, and the Slurm tests are skipped saying why."""
import glob
import os
import pwd
import re
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

SLURM_PACKAGES = ["slurmctld", "slurmd", "slurm-client", "munge"]


def apt_install(packages):
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    subprocess.run(["apt-get", "update", "-qq"], check=True, env=env, capture_output=True)
    subprocess.run(["apt-get", "install", "-y", "-qq", *packages], check=True, env=env, capture_output=True)


def can_install():
    return os.geteuid() == 0 and shutil.which("apt-get") is not None


def postgres_bin():
    """The directory of initdb and pg_ctl (Debian: /usr/lib/postgresql/<version>/bin), installing the
    Debian package when it is missing and we are root."""
    def newest():
        found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
        return Path(found[-1]).parent if found else None

    if newest() is None:
        if not can_install():
            pytest.fail("PostgreSQL is not installed: sudo apt-get install -y postgresql (or run ./run test as root)")
        apt_install(["postgresql"])
    return newest()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def postgres_server():
    """A PostgreSQL server on 127.0.0.1 in a temporary directory: yields the URL of its database `gradebook`."""
    import psycopg2

    bin_dir = postgres_bin()
    # initdb refuses to run as root: run the server as the postgres user (or nobody) then.
    run_as = []
    if os.geteuid() == 0:
        user = "postgres" if "postgres" in {p.pw_name for p in pwd.getpwall()} else "nobody"
        run_as = ["runuser", "-u", user, "--"]
    data = Path(tempfile.mkdtemp(prefix="gradebook-pg-"))  # in /tmp: pytest's tmp_path is root-only
    if run_as:
        shutil.chown(data, user=run_as[2])
    port = free_port()
    subprocess.run(run_as + [str(bin_dir / "initdb"), "-D", str(data / "db"), "-A", "trust", "-U", "grader"],
                   check=True, capture_output=True)
    subprocess.run(run_as + [str(bin_dir / "pg_ctl"), "-D", str(data / "db"), "-l", str(data / "log"), "-w",
                             "-o", f"-p {port} -k {data} -c listen_addresses=127.0.0.1", "start"],
                   check=True, capture_output=True)
    try:
        conn = psycopg2.connect(host="127.0.0.1", port=port, user="grader", dbname="postgres")
        conn.autocommit = True
        conn.cursor().execute("CREATE DATABASE gradebook")
        conn.close()
        yield f"postgresql+psycopg2://grader@127.0.0.1:{port}/gradebook"  # SQLAlchemy 2.1 defaults to psycopg 3
    finally:
        subprocess.run(run_as + [str(bin_dir / "pg_ctl"), "-D", str(data / "db"), "-m", "immediate", "-w", "stop"],
                       capture_output=True)
        shutil.rmtree(data, ignore_errors=True)


SBIN = ["/usr/sbin", "/sbin"]


def slurm_programs():
    """{name: path} of munged, slurmctld, slurmd and sbatch, installing Debian's packages as root when
    missing; skips the test, saying why, where they are missing and cannot be installed."""
    names = ["munged", "slurmctld", "slurmd", "sbatch", "squeue", "scontrol", "scancel", "sinfo"]
    path = os.pathsep.join([os.environ.get("PATH", ""), *SBIN])

    def found():
        return {n: shutil.which(n, path=path) for n in names}

    if os.geteuid() != 0:
        pytest.skip("a one-node Slurm needs root here (slurmd starts jobs as their users, munged signs as root)")
    if not all(found().values()):
        if not can_install():
            pytest.skip("Slurm is not installed and apt-get is not here to install it: "
                        f"apt-get install -y {' '.join(SLURM_PACKAGES)}")
        try:
            apt_install(SLURM_PACKAGES)
        except subprocess.CalledProcessError as exc:
            pytest.skip(f"Slurm could not be installed with apt-get ({exc.stderr.decode(errors='replace')[-300:]})")
    return found()


SLURM_CONF = """\
ClusterName=rnntest
SlurmctldHost={host}(127.0.0.1)
SlurmctldPort={ctld_port}
SlurmdPort={d_port}
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket={socket}
StateSaveLocation={dir}/state
SlurmdSpoolDir={dir}/spool
SlurmctldPidFile={dir}/slurmctld.pid
SlurmdPidFile={dir}/slurmd.pid
SlurmctldLogFile={dir}/slurmctld.log
SlurmdLogFile={dir}/slurmd.log
# processes followed by parentage; each task bound to the CPUs it was given, as on a cluster
ProctrackType=proctrack/linuxproc
TaskPlugin=task/affinity
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SchedulerType=sched/builtin
MpiDefault=none
ReturnToService=2
KillWait=10
MinJobAge=3600
NodeName={host} NodeAddr=127.0.0.1 CPUs={cpus} RealMemory={memory_mb} State=UNKNOWN
PartitionName=grading Nodes={host} Default=YES MaxTime=INFINITE State=UP
"""


class SlurmCluster:
    """A one-node Slurm on loopback whose daemons run in the foreground as children of the test."""

    def __init__(self):
        self.programs = slurm_programs()
        self.dir = Path(tempfile.mkdtemp(prefix="rnn-slurm-"))
        self.daemons = []
        self.env = dict(os.environ, SLURM_CONF=str(self.dir / "slurm.conf"),
                        PATH=os.pathsep.join([os.environ.get("PATH", ""), *SBIN]))

    def start(self):
        (self.dir / "munge").mkdir(mode=0o700)
        (self.dir / "socket").mkdir(mode=0o755)  # jobs' users reach munged's socket here
        key = self.dir / "munge" / "munge.key"
        key.write_bytes(os.urandom(1024))
        key.chmod(0o400)
        socket_path = self.dir / "socket" / "munge.sock"
        self.daemon([self.programs["munged"], "--foreground", "--force", f"--socket={socket_path}",
                     f"--key-file={key}", f"--pid-file={self.dir / 'munge' / 'munged.pid'}",
                     f"--log-file={self.dir / 'munge' / 'munged.log'}", f"--seed-file={self.dir / 'munge' / 'seed'}"])
        self.wait_for(socket_path.exists, "munged's socket", self.dir / "munge" / "munged.log")
        memory_mb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // 2**20 * 3 // 4
        (self.dir / "slurm.conf").write_text(SLURM_CONF.format(
            host=socket.gethostname().split(".")[0], ctld_port=free_port(), d_port=free_port(), socket=socket_path,
            dir=self.dir, cpus=os.cpu_count(), memory_mb=memory_mb))
        conf = str(self.dir / "slurm.conf")
        self.daemon([self.programs["slurmctld"], "-D", "-i", "-f", conf])
        self.wait_for(lambda: self.run("sinfo", "-h", check=False).returncode == 0, "slurmctld",
                      self.dir / "slurmctld.log")
        self.daemon([self.programs["slurmd"], "-D", "-f", conf])
        self.wait_for(lambda: "idle" in self.run("sinfo", "-h", "-o", "%T", check=False).stdout, "an idle node",
                      self.dir / "slurmd.log")
        return self

    def daemon(self, command):
        log = open(self.dir / f"{Path(command[0]).name}.out", "w")
        self.daemons.append(subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=self.env))
        log.close()

    def wait_for(self, ready, what, log, seconds=60):
        deadline = time.monotonic() + seconds
        while not ready():
            if time.monotonic() > deadline or any(d.poll() is not None for d in self.daemons):
                text = log.read_text()[-2000:] if log.exists() else "(no log)"
                raise RuntimeError(f"the test's Slurm did not start ({what} not ready):\n{text}")
            time.sleep(0.2)

    def run(self, program, *args, check=True):
        return subprocess.run([self.programs.get(program) or program, *args], env=self.env, capture_output=True,
                              text=True, check=check)

    def job_states(self):
        """{job id as squeue/scontrol show it ("12_2", "13"): state} of every job the controller knows."""
        out = self.run("scontrol", "show", "job", "-o", check=False).stdout
        states = {}
        for line in out.splitlines():
            job = re.search(r"\bJobId=(\d+)", line)
            array = re.search(r"\bArrayJobId=(\d+) ArrayTaskId=(\d+)", line)
            state = re.search(r"\bJobState=(\w+)", line)
            if job and state:
                states[f"{array[1]}_{array[2]}" if array else job[1]] = state[1]
        return states

    def wait_until_idle(self, seconds):
        deadline = time.monotonic() + seconds
        while self.run("squeue", "-h", check=False).stdout.strip():
            if time.monotonic() > deadline:
                raise AssertionError(f"jobs still queued after {seconds} s:\n{self.run('squeue').stdout}")
            time.sleep(1)

    def stop(self):
        """Cancel every job, then stop the daemons (those this test started, by their process ids)."""
        try:
            jobs = self.run("squeue", "-h", "-o", "%A", check=False).stdout.split()
            if jobs:
                self.run("scancel", *jobs, check=False)
                self.wait_until_idle(60)
        finally:
            for daemon in reversed(self.daemons):
                daemon.terminate()
                try:
                    daemon.wait(30)
                except subprocess.TimeoutExpired:
                    daemon.kill()
                    daemon.wait()
            shutil.rmtree(self.dir, ignore_errors=True)
