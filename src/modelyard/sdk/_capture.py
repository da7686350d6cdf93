"""Automatic capture of where a run came from: Git state and the Python environment.

Cheap by design: at most two ``git`` subprocess calls (each with a timeout), nothing at all
outside a Git repository or without a ``git`` executable, and package versions read from
installed metadata without importing the packages.
"""

from __future__ import annotations

import getpass
import logging
import os
import platform
import socket
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from modelyard.tracking.entities import RunSource

__all__ = ["KEY_PACKAGES", "GitInfo", "capture_git", "capture_source", "strip_credentials"]

logger = logging.getLogger(__name__)

#: distributions whose installed versions are recorded on each run (when installed)
KEY_PACKAGES: tuple[str, ...] = (
    "modelyard",
    "numpy",
    "pandas",
    "scipy",
    "scikit-learn",
    "torch",
    "tensorflow",
    "lightgbm",
    "xgboost",
    "catboost",
    "optuna",
    "onnx",
    "matplotlib",
)

_GIT_TIMEOUT_S = 3.0


@dataclass(frozen=True, slots=True)
class GitInfo:
    """The Git state of a working tree."""

    root: Path
    commit: str | None
    branch: str | None
    remote: str | None
    dirty: bool


def strip_credentials(url: str) -> str:
    """Remove a user name and password from a URL (``https://tok@host/x`` -> ``https://host/x``).

    scp-like addresses (``git@github.com:org/repo.git``) carry no secret and are kept.
    """
    if "://" not in url:
        return url
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url
    host = parts.netloc.rsplit("@", 1)[1]
    return urlunsplit((parts.scheme, host, parts.path, parts.query, parts.fragment))


def _git(args: list[str], cwd: Path) -> str | None:
    try:
        done = subprocess.run(
            ["git", *args],
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=_GIT_TIMEOUT_S,
            check=False,
            env={**os.environ, "GIT_OPTIONAL_LOCKS": "0", "LC_ALL": "C"},
        )
    except (OSError, subprocess.SubprocessError) as e:
        logger.debug("git %s failed: %s", args[0], e)
        return None
    if done.returncode != 0:
        return None
    return done.stdout


def _remote_from_config(git_dir: Path) -> str | None:
    """Read the URL of ``origin`` (else the first remote) from the repository's config file."""
    try:
        text = (git_dir / "config").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    section: str | None = None
    urls: dict[str, str] = {}
    for raw in text.splitlines():
        line = raw.strip()
        if line.startswith("["):
            section = None
            if line.startswith('[remote "') and line.endswith('"]'):
                section = line[len('[remote "') : -2]
        elif section is not None and "=" in line:
            key, value = (part.strip() for part in line.split("=", 1))
            if key.lower() == "url":
                urls.setdefault(section, value)
    url = urls.get("origin") or next(iter(urls.values()), None)
    return strip_credentials(url) if url else None


def capture_git(directory: str | os.PathLike[str]) -> GitInfo | None:
    """Return the Git state of the work tree holding ``directory``, or None outside one.

    Two ``git`` calls: ``rev-parse`` (root and git dir) and ``status --porcelain=v2
    --branch`` (commit, branch and whether tracked files changed). Untracked files do not
    make the tree dirty.
    """
    cwd = Path(directory)
    out = _git(["rev-parse", "--show-toplevel", "--absolute-git-dir"], cwd)
    if not out:
        return None
    lines = out.splitlines()
    if len(lines) < 2:
        return None
    root, git_dir = Path(lines[0]), Path(lines[1])
    status = _git(["status", "--porcelain=v2", "--branch", "--untracked-files=no"], cwd)
    commit = branch = None
    dirty = False
    for line in (status or "").splitlines():
        if line.startswith("# branch.oid "):
            oid = line.split(" ", 2)[2].strip()
            commit = None if oid == "(initial)" else oid
        elif line.startswith("# branch.head "):
            head = line.split(" ", 2)[2].strip()
            branch = None if head == "(detached)" else head
        elif line and not line.startswith("#"):
            dirty = True
    if status is None:
        dirty = False
    return GitInfo(root=root, commit=commit, branch=branch, remote=_remote_from_config(git_dir), dirty=dirty)


def _user() -> str | None:
    try:
        return getpass.getuser()
    except Exception:  # noqa: BLE001 - no user name in some containers
        return None


def package_versions(names: tuple[str, ...] = KEY_PACKAGES) -> dict[str, str]:
    """Versions of the installed distributions among ``names`` (missing ones are left out)."""
    from importlib import metadata

    out: dict[str, str] = {}
    for name in names:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
        except Exception as e:  # noqa: BLE001 - broken metadata must not break a run
            logger.debug("version of %s unreadable: %s", name, e)
    return out


def static_environment() -> dict[str, object]:
    """The parts of the source that do not change while a process lives (cache them)."""
    return {
        "user": _user(),
        "host": socket.gethostname() or None,
        "python_version": platform.python_version(),
        "packages": package_versions(),
    }


def _entry_point() -> Path | None:
    argv0 = sys.argv[0] if sys.argv else ""
    if not argv0 or argv0 in ("-c", "-m", "-"):
        return None
    path = Path(argv0)
    if not path.is_file():
        return None
    return path.resolve()


def capture_source(*, environment: dict[str, object] | None = None) -> RunSource:
    """Capture Git and environment information for a new run.

    Args:
        environment: the result of :func:`static_environment`, when the caller cached it.

    Returns:
        A :class:`RunSource`; Git fields are None outside a repository.
    """
    env = environment if environment is not None else static_environment()
    entry = _entry_point()
    git = capture_git(entry.parent if entry is not None else Path.cwd())
    entry_point: str | None = None
    if entry is not None:
        entry_point = entry.name
        if git is not None:
            try:
                entry_point = entry.relative_to(git.root.resolve()).as_posix()
            except ValueError:
                pass
    return RunSource(
        git_commit=git.commit if git else None,
        git_branch=git.branch if git else None,
        git_remote=git.remote if git else None,
        git_dirty=git.dirty if git else None,
        entry_point=entry_point,
        user=env.get("user"),  # type: ignore[arg-type]
        host=env.get("host"),  # type: ignore[arg-type]
        python_version=env.get("python_version"),  # type: ignore[arg-type]
        packages=dict(env.get("packages") or {}),  # type: ignore[call-overload]
    )
