"""The student's copy of a released notebook, as `./run lab` makes it in work/:

    python -m autograder.commands.workcopy RELEASED COPY

The copy is the released notebook with the `language_info` the kernel will report (its Python version
included). JupyterLab writes what the kernel reports into the notebook as soon as the kernel starts, so a
notebook that held less showed as modified right after opening, before the student had typed anything.
"""
import json
import sys
from pathlib import Path

from ipykernel.ipkernel import IPythonKernel


def work_copy(released, copy):
    notebook = json.loads(Path(released).read_text(encoding="utf-8"))
    notebook["metadata"]["language_info"] = dict(IPythonKernel.language_info)
    Path(copy).parent.mkdir(parents=True, exist_ok=True)
    # JupyterLab's own layout (indent 1, keys sorted, a final newline): its first save changes nothing else
    Path(copy).write_text(json.dumps(notebook, indent=1, sort_keys=True, ensure_ascii=False) + "\n",
                          encoding="utf-8")


if __name__ == "__main__":
    work_copy(*sys.argv[1:3])
