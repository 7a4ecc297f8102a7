"""The reference, by a verified path: executed from bytes whose sha256 is the committed (or configured) one, so
nothing a submission did to the file or its cached bytecode changes anyone's grade."""
import hashlib
import subprocess
import sys
import types

from autograder.core.errors import TrustedGradingError
from autograder.core.paths import COURSE_ROOT, REFERENCE


def _committed_digest(path):
    """sha256 of the committed version of `path` (git HEAD), or None when the course is not a git checkout."""
    root = COURSE_ROOT
    if not (root / ".git").exists():
        return None
    try:
        proc = subprocess.run(["git", "-C", str(root), "show", f"HEAD:{path.relative_to(root).as_posix()}"],
                              capture_output=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise TrustedGradingError(f"could not read the committed {path.name} with git: {exc}") from None
    if proc.returncode != 0:
        raise TrustedGradingError(f"could not read the committed {path.name} with git "
                                  f"({proc.stderr.decode(errors='replace').strip()}); commit it, or set "
                                  "c.TrustedExecute.reference_sha256 to its sha256.")
    return hashlib.sha256(proc.stdout).hexdigest()


_verified = {}


def unverifiable_reference(expected_sha256=""):
    """Why the reference cannot be verified (a sentence), or None when it can."""
    if expected_sha256 or (COURSE_ROOT / ".git").exists():
        return None
    return (f"{REFERENCE} cannot be verified: the course is not a git checkout and "
            "c.TrustedExecute.reference_sha256 (RNN_REFERENCE_SHA256) is not set, so grades use the file as it is")


def verified_reference(expected_sha256=""):
    """The reference module, executed from bytes whose sha256 matches `expected_sha256` or, when that is
    empty, the committed autograder/key/reference.py. Loaded once per process; checked again on every call."""
    data = REFERENCE.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    if "module" in _verified:
        if digest != _verified["digest"]:
            raise TrustedGradingError(
                f"{REFERENCE} changed while grading (sha256 {digest[:12]}, graded so far with "
                f"{_verified['digest'][:12]}). Something outside the sandbox is writing to it; find out what, "
                "restore the file, and grade again.")
        return _verified["module"]
    expected = expected_sha256 or _committed_digest(REFERENCE)
    if expected is None:
        print(f"[TrustedExecute] warning: {unverifiable_reference()}", file=sys.stderr)
    elif digest != expected:
        raise TrustedGradingError(
            f"{REFERENCE} (sha256 {digest}) is not the version it must be "
            f"({'c.TrustedExecute.reference_sha256' if expected_sha256 else 'the committed version'}, "
            f"sha256 {expected}). A changed reference changes every grade: if you changed it on purpose, commit "
            "it (or set c.TrustedExecute.reference_sha256 in nbgrader_config.py); if not, restore it with "
            "`git checkout autograder/key/reference.py`. Then grade again.")
    # Executed from the verified bytes, not imported: an import could load a stale or planted .pyc.
    module = types.ModuleType("autograder.key.reference")
    module.__file__ = str(REFERENCE)
    exec(compile(data, str(REFERENCE), "exec"), module.__dict__)
    install_reference(module)
    _verified.update(module=module, digest=digest)
    return module


def install_reference(module):
    """Make `module` autograder.key.reference for everything in this process, including modules that imported
    the old one already (autograder.key.cases, each assignment's mistakes)."""
    import autograder.key
    old = sys.modules.get("autograder.key.reference")
    sys.modules["autograder.key.reference"] = autograder.key.reference = module
    for mod in list(sys.modules.values()):
        if old is not None and getattr(mod, "__name__", "").startswith(("autograder", "course")):
            for key, value in list(vars(mod).items()):
                if value is old:
                    setattr(mod, key, module)
