"""A limit on the CPU time this process spends in a block: for what the grader runs on a student's data
outside any sandbox (rendering the feedback page, an instructor's test cell)."""
import contextlib
import signal
import threading

AGAIN = 0.05  # seconds of CPU time between the first error and the next, until the block ends


@contextlib.contextmanager
def cpu_time_limit(seconds, error):
    """Raise error() once this process has spent `seconds` of CPU time in the block. It interrupts Python code
    only (a signal waits for a call into C to return), and waiting (for a sandbox's reply) costs no CPU time.
    Outside the main thread, where Python delivers no signal, there is no limit."""
    limit = CpuTimeLimit(seconds, error)
    if threading.current_thread() is not threading.main_thread():
        yield limit
        return

    # An exception raised by a signal handler is lost when it lands in a destructor or a callback ("Exception
    # ignored in ..."), or is caught by the code it interrupts: it is raised again every AGAIN s of CPU time,
    # the block is checked when it ends, and a caller can check between steps (`expired`).
    def stop(signum, frame):
        limit.expired = True
        raise error()
    previous = signal.signal(signal.SIGVTALRM, stop)
    signal.setitimer(signal.ITIMER_VIRTUAL, seconds, AGAIN)
    try:
        yield limit
    finally:
        signal.setitimer(signal.ITIMER_VIRTUAL, 0)
        signal.signal(signal.SIGVTALRM, previous)
    limit.check()


class CpuTimeLimit:
    """What cpu_time_limit yields: whether the time is up, and the error that says so."""

    def __init__(self, seconds, error):
        self.seconds, self.error, self.expired = seconds, error, False

    def check(self):
        if self.expired:
            raise self.error()
