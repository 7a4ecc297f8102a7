"""Every limit of grading with its default, in one place: nbgrader_config.py sets any of them
(`c.GradingLimits.sandbox_memory_mb = 4096`), and the batch, TrustedExecute and the sandbox read them here.

What one submission may make the grader itself do (bytes written, characters rendered) is autograder.core.budget:
those bound the grader's own work against a hostile notebook, not the student's code, and are not settings.
"""
from traitlets import Integer
from traitlets.config import Configurable


class GradingLimits(Configurable):
    cell_timeout = Integer(60, help="Seconds each cell of a notebook, and each graded call, may take. Where "
                                    "nbgrader_config.py sets nbgrader's own c.Execute.timeout and not this, that is "
                                    "the limit (./run grade --timeout overrides both).").tag(config=True)
    sandbox_memory_mb = Integer(2048, help="Memory of a sandbox, in MiB: each of its processes' address space, and "
                                           "all of them together where cgroups allow (autograder/sandbox/cgroups.py)."
                                ).tag(config=True)
    sandbox_processes = Integer(256, help="Processes and threads one sandbox may have.").tag(config=True)

    @classmethod
    def of(cls, config):
        """The limits that `config` (a course's nbgrader configuration) sets, defaults for the rest."""
        limits = cls(config=config)
        if "cell_timeout" not in config.GradingLimits and "timeout" in config.Execute:
            limits.cell_timeout = config.Execute.timeout
        return limits


DEFAULTS = GradingLimits()

# The batch's own process: it never reads nbgrader_config.py (that would import nbgrader into it), so these are
# ./run grade's flags, with these defaults.
PROCESS_MEMORY_MB = 2048  # --memory-mb: address-space cap of each grading process and what it starts; 0: none
LEAST_PROCESS_MEMORY_MB = 256  # below it not even a notebook's imports fit
