"""Imported by the fork server of autograder.batch.grade (multiprocessing's preload, see
autograder.batch.pool.worker_context) and by nothing else: it prepares the process that every grading worker
is forked from.

  - It starts a sandbox for each worker's first notebook (autograder.sandbox.ahead.start_ahead) before anything
    else: they start on the other CPU, which has nothing else to do while this process imports.
  - It imports the worker's code and the trusted grading pipeline that nbgrader_config.py names.
  - It takes the first-time costs of grading once (autograder.batch.student.warm), not once per worker.
  - It moves everything imported so far out of the garbage collector's reach (gc.freeze): workers no
    longer scan those 150,000 objects in every full collection (0.02 s of CPU per student), nor copy
    the pages they sit on by touching their headers.
  - It makes the server skip the interpreter's teardown when the batch ends: 0.5 s of CPU, during which
    whoever started the batch may still be waiting on the server's copy of its stdout. The workers
    forked from it never run atexit handlers (multiprocessing ends them with os._exit), and the server
    holds nothing that needs a teardown (sandboxes it started die with it).
"""
import atexit
import gc
import os
import signal
import sys
import warnings

# Ctrl-C reaches every process of the batch. The batch's own process says what was kept, and this server
# ends with it; while preloading, it would only print a traceback.
signal.signal(signal.SIGINT, signal.SIG_IGN)
# So does SIGTERM (Slurm's scancel, a pod's end, `kill` of a process group): the batch's own process stops the
# workers and keeps every outcome written (autograder.commands.grade). This server and the workers forked from
# it let it: a worker that ended on SIGTERM first would be "the grading process died", a zero that stands.
# A handler, not SIG_IGN, so that what they start (sandboxes, whose exec resets handlers) keeps the default.
signal.signal(signal.SIGTERM, lambda signum, frame: None)
# The batch started this server with both blocked (autograder.batch.pool.worker_context), so that neither ended
# it while its interpreter started; ignored now, they can come.
signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT, signal.SIGTERM})

# First, one sandbox per worker, which start on the other CPU while this process imports the rest.
# multiprocessing's loop reaps them when they end, and would warn about each.
from autograder.sandbox.ahead import start_ahead_from_environment  # noqa: E402

warnings.filterwarnings("ignore", message="forkserver: waitpid returned unexpected pid")
start_ahead_from_environment()

import autograder.trusted.execute  # noqa: E402, F401 (c.Autograde.autograde_preprocessors names its TrustedExecute)
from autograder.batch.student import warm  # noqa: E402

try:
    warm()
except Exception as exc:  # warming only saves time: a worker that finds something cold does it itself
    print(f"grade: warming up the workers failed ({type(exc).__name__}: {exc}); grading goes on", file=sys.stderr)
gc.freeze()
atexit.register(os._exit, 0)
signal.signal(signal.SIGINT, signal.default_int_handler)  # what the workers forked from here get
