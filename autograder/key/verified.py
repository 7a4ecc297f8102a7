"""The reference, by a verified path: each of its files executed from bytes that are the committed ones (or
whose digest is the configured one), so nothing a submission did to the files or their cached bytecode changes
anyone's grade."""
import hashlib
import subprocess
import sys
import types

from autograder.core.errors import TrustedGradingError
from autograder.core.paths import COURSE_ROOT, REFERENCE, REFERENCE_FILES

PACKAGE = "autograder.key.reference"


def _committed(path):
    """The committed bytes of `path` (git HEAD), or None when the course is not a git checkout."""
    if not (COURSE_ROOT / ".git").exists():
        return None
    try:
        name = path.relative_to(COURSE_ROOT).as_posix()
        proc = subprocess.run(["git", "-C", str(COURSE_ROOT), "show", f"HEAD:{name}"], capture_output=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise TrustedGradingError(f"could not read the committed {path.name} with git: {exc}") from None
    if proc.returncode != 0:
        raise TrustedGradingError(f"could not read the committed {path.name} with git "
                                  f"({proc.stderr.decode(errors='replace').strip()}); commit it, or set "
                                  "c.TrustedExecute.reference_sha256 to the reference's digest.")
    return proc.stdout


def reference_digest(files):
    """The reference's one digest, for c.TrustedExecute.reference_sha256: {path: bytes} -> the sha256 of
    what `sha256sum rnn.py architectures.py gated.py language.py` prints in autograder/key/reference/."""
    listing = "".join(f"{hashlib.sha256(data).hexdigest()}  {path.name}\n" for path, data in files.items())
    return hashlib.sha256(listing.encode()).hexdigest()


_verified = {}


def unverifiable_reference(expected_sha256=""):
    """Why the reference cannot be verified (a sentence), or None when it can."""
    if expected_sha256 or (COURSE_ROOT / ".git").exists():
        return None
    return (f"{REFERENCE} cannot be verified: the course is not a git checkout and "
            "c.TrustedExecute.reference_sha256 (RNN_REFERENCE_SHA256) is not set, so grades use the files as they are")


def _refuse_unless_expected(files, expected_sha256):
    if expected_sha256:
        digest = reference_digest(files)
        if digest != expected_sha256:
            raise TrustedGradingError(
                f"{REFERENCE} (digest {digest}) is not the version it must be (c.TrustedExecute.reference_sha256, "
                f"{expected_sha256}). A changed reference changes every grade: if you changed it on purpose, set "
                "the new digest (python -m autograder.key.verified prints it); if not, restore the files. "
                "Then grade again.")
        return
    changed = [path for path, data in files.items() if (committed := _committed(path)) is not None
               and committed != data]
    if changed:
        names = ", ".join(str(path.relative_to(COURSE_ROOT)) for path in changed)
        raise TrustedGradingError(
            f"{names} is not the version it must be (the committed version). A changed reference changes every "
            f"grade: if you changed it on purpose, commit it; if not, restore it with `git checkout {names}`. "
            "Then grade again.")
    if not (COURSE_ROOT / ".git").exists():
        print(f"[TrustedExecute] warning: {unverifiable_reference()}", file=sys.stderr)


def verified_reference(expected_sha256=""):
    """The reference namespace (autograder.key.reference), each file executed from bytes that match
    `expected_sha256` or, when that is empty, the committed files. Loaded once per process; checked again on
    every call."""
    files = {path: path.read_bytes() for path in REFERENCE_FILES}
    if "module" in _verified:
        if files != _verified["files"]:
            changed = ", ".join(p.name for p in files if files[p] != _verified["files"].get(p))
            raise TrustedGradingError(
                f"{REFERENCE}/{{{changed}}} changed while grading. Something outside the sandbox is writing to "
                "it; find out what, restore the files, and grade again.")
        return _verified["module"]
    _refuse_unless_expected(files, expected_sha256)
    package = types.ModuleType(PACKAGE, sys.modules[PACKAGE].__doc__ if PACKAGE in sys.modules else None)
    package.__path__ = [str(REFERENCE)]
    modules = {PACKAGE: package}
    saved = {name: sys.modules.get(name) for name in (PACKAGE, *(f"{PACKAGE}.{p.stem}" for p in files))}
    try:
        for path, data in files.items():
            # Executed from the verified bytes, not imported: an import could load a stale or planted .pyc. Each
            # file's imports of an earlier one find the verified module already in sys.modules.
            module = types.ModuleType(f"{PACKAGE}.{path.stem}")
            module.__file__ = str(path)
            sys.modules[module.__name__] = modules[module.__name__] = module
            exec(compile(data, str(path), "exec"), module.__dict__)
            package.__dict__.update({k: v for k, v in vars(module).items() if not k.startswith("_")})
            setattr(package, path.stem, module)
    finally:
        for name, old in saved.items():
            if old is None:
                sys.modules.pop(name, None)
            else:
                sys.modules[name] = old
    install_reference(package, modules)
    _verified.update(module=package, files=files)
    return package


def install_reference(package, modules=None):
    """Make `package` autograder.key.reference (and `modules` its submodules) for everything in this process,
    including modules that imported the old ones already (autograder.key.cases, each assignment's mistakes)."""
    import autograder.key
    modules = modules or {PACKAGE: package}
    swaps = [(sys.modules[name], new) for name, new in modules.items()
             if sys.modules.get(name) is not None and sys.modules[name] is not new]
    sys.modules.update(modules)
    autograder.key.reference = package
    for mod in list(sys.modules.values()):
        if getattr(mod, "__name__", "").startswith(("autograder", "course")):
            for key, value in list(vars(mod).items()):
                for old, new in swaps:
                    if value is old:
                        setattr(mod, key, new)

if __name__ == "__main__":
    print(reference_digest({path: path.read_bytes() for path in REFERENCE_FILES}))
