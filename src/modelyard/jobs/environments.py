"""Isolated job environments: virtualenvs built from a spec and cached by its hash.

An empty spec means the current interpreter (the fastest choice: nothing is built). Any
other spec is built once into ``<cache_root>/<digest>/`` with ``uv`` when it is available
and ``venv`` + pip otherwise; the next job with the same spec reuses it. Builds of one
spec by several processes are serialized with a file lock; a half-built folder (no ready
marker) is removed and rebuilt. A failed build keeps its log at ``<cache_root>/<digest>.log``.

So that code in the job can ``import modelyard`` and log metrics without listing it, the
environment sees the host interpreter's site-packages *after* its own packages (a ``.pth``
file): what the spec installs always wins. This needs the same Python minor version; with
another version only the spec's packages are visible.
"""

from __future__ import annotations

import fcntl
import logging
import os
import shutil
import site
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from modelyard.errors import UserCodeFailed
from modelyard.jobs.entities import EnvironmentSpec

__all__ = ["BuiltEnvironment", "EnvironmentBuildFailed", "ensure_environment", "find_uv"]

logger = logging.getLogger(__name__)

_READY = ".modelyard-ready"
_HOST_PTH = "_modelyard_host.pth"


class EnvironmentBuildFailed(UserCodeFailed):
    """Building a job's environment failed; ``details['log']`` is the build log."""

    code = "ENVIRONMENT_BUILD_FAILED"


@dataclass(frozen=True, slots=True)
class BuiltEnvironment:
    """A ready environment: run ``python`` to use it."""

    digest: str | None
    python: str
    reused: bool
    log_path: str | None = None

    @property
    def bin_dir(self) -> str:
        return str(Path(self.python).parent)


def find_uv() -> str | None:
    """The ``uv`` next to this interpreter, or on PATH, or None."""
    beside = Path(sys.executable).parent / "uv"
    if beside.is_file() and os.access(beside, os.X_OK):
        return str(beside)
    return shutil.which("uv")


def ensure_environment(spec: EnvironmentSpec | None, *, cache_root: str | Path) -> BuiltEnvironment:
    """Return a ready environment for ``spec``, building it if it is not cached.

    Raises:
        EnvironmentBuildFailed: the Python version is not available or an install failed;
            the message ends with the log's last lines.
    """
    if spec is None or spec.is_current_interpreter:
        return BuiltEnvironment(digest=None, python=sys.executable, reused=True)
    digest = spec.digest()
    root = Path(cache_root)
    root.mkdir(parents=True, exist_ok=True)
    target = root / digest
    python = target / "bin" / "python"
    log_path = root / f"{digest}.log"
    if (target / _READY).exists():
        return BuiltEnvironment(digest, str(python), reused=True, log_path=str(log_path))
    with open(root / f"{digest}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if (target / _READY).exists():  # built by someone else while we waited
            return BuiltEnvironment(digest, str(python), reused=True, log_path=str(log_path))
        if target.exists():
            shutil.rmtree(target)
        _build(spec, target, log_path)
        (target / _READY).write_text(digest)
    logger.info("built environment %s in %s", digest, target)
    return BuiltEnvironment(digest, str(python), reused=False, log_path=str(log_path))


def _run(cmd: list[str], log, env: dict[str, str] | None = None) -> int:
    log.write(f"$ {' '.join(cmd)}\n")
    log.flush()
    proc = subprocess.run(cmd, stdout=log, stderr=subprocess.STDOUT, env=env, check=False)
    log.write(f"[exit {proc.returncode}]\n")
    log.flush()
    return proc.returncode


def _tail(path: Path, lines: int = 8) -> str:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""
    return "\n".join(text.strip().splitlines()[-lines:])


def _build(spec: EnvironmentSpec, target: Path, log_path: Path) -> None:
    uv = find_uv()
    env = {**os.environ, "UV_PYTHON_DOWNLOADS": "never", "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    env.pop("VIRTUAL_ENV", None)
    current = f"{sys.version_info.major}.{sys.version_info.minor}"
    wanted = spec.python
    same_python = wanted is None or _version_matches(current + f".{sys.version_info.micro}", wanted)

    def fail(message: str) -> EnvironmentBuildFailed:
        tail = _tail(log_path)
        return EnvironmentBuildFailed(
            f"{message} (build log: {log_path})" + (f"\n{tail}" if tail else ""),
            details={"log": str(log_path)},
        )

    with open(log_path, "w", encoding="utf-8") as log:
        log.write(f"building environment {spec.digest()} with {'uv' if uv else 'pip'}\n")
        interpreter = sys.executable if same_python else (wanted or sys.executable)
        if uv:
            rc = _run([uv, "venv", "--quiet", "--python", interpreter, str(target)], log, env)
        elif same_python:
            rc = _run([sys.executable, "-m", "venv", str(target)], log, env)
        else:
            log.write(f"python {wanted} requested, but this is python {current} and uv is missing\n")
            rc = 1
        if rc != 0:
            raise fail(f"could not create a virtualenv with python {wanted or current}")
        python = target / "bin" / "python"
        got = subprocess.run(
            [str(python), "-c", "import sys; print('%d.%d.%d' % sys.version_info[:3])"],
            capture_output=True, text=True, check=False,
        ).stdout.strip()  # fmt: skip
        if wanted and not _version_matches(got, wanted):
            log.write(f"python {wanted} requested, the environment has {got}\n")
            raise fail(f"python {wanted} is not available (found {got})")
        if spec.pip:
            reqs = target / "requirements.txt"
            reqs.write_text("\n".join(spec.pip) + "\n", encoding="utf-8")
            if uv:
                cmd = [uv, "pip", "install", "-p", str(python), "-r", str(reqs)]
            else:
                cmd = [str(python), "-m", "pip", "install", "-r", str(reqs)]
            if _run(cmd, log, env) != 0:
                raise fail("installing the environment's packages failed")
        if got.rsplit(".", 1)[0] == current:
            _link_host_packages(python)


def _version_matches(actual: str, wanted: str) -> bool:
    a = actual.split(".")
    w = wanted.split(".")
    return a[: len(w)] == w


def _link_host_packages(python: Path) -> None:
    """Let the environment import modelyard (and its dependencies) from the host, after
    its own packages."""
    purelib = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    host_dirs = [p for p in site.getsitepackages() if Path(p).is_dir()]
    lines = "".join(f"import site; site.addsitedir({d!r})\n" for d in host_dirs)
    Path(purelib, _HOST_PTH).write_text(lines, encoding="utf-8")
