"""Where the workspace is: resolved once, at the edges.

Order: an explicit location (``--workspace/-w`` or ``Workspace(location=...)``), then
``MODELYARD_WORKSPACE``, then the nearest ``.modelyard/`` folder upward from the current
directory, then ``~/.modelyard``. A location is an embedded workspace folder (holding
``workspace.db``, ``artifacts/`` and ``config.toml``; created on first use) or an
``http(s)://`` server URL.
"""

from __future__ import annotations

import os
import tomllib
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from modelyard.errors import InvalidArgument

__all__ = ["DB_FILENAME", "WorkspaceLocation", "init_workspace_folder", "resolve_location"]

DB_FILENAME = "workspace.db"
ARTIFACTS_DIRNAME = "artifacts"
CONFIG_FILENAME = "config.toml"
ENV_VAR = "MODELYARD_WORKSPACE"


@dataclass(frozen=True, slots=True)
class WorkspaceLocation:
    """A resolved workspace: either ``url`` (a server) or ``folder`` (embedded)."""

    url: str | None = None
    folder: Path | None = None

    @property
    def is_remote(self) -> bool:
        return self.url is not None

    @property
    def db_path(self) -> Path:
        assert self.folder is not None
        return self.folder / DB_FILENAME

    @property
    def artifact_root(self) -> Path:
        assert self.folder is not None
        return self.folder / ARTIFACTS_DIRNAME

    @property
    def store_url(self) -> str:
        return f"sqlite:///{self.db_path}"

    def __str__(self) -> str:
        return self.url if self.url else str(self.folder)


def _is_url(text: str) -> bool:
    return text.startswith(("http://", "https://"))


def resolve_location(explicit: str | os.PathLike[str] | None = None, *, cwd: Path | None = None) -> WorkspaceLocation:
    """Resolve a workspace location following the documented order.

    An embedded folder is created (with its ``config.toml``) if it does not exist yet.
    """
    raw: str | None = None
    if explicit is not None and str(explicit) != "":
        raw = str(explicit)
    elif os.environ.get(ENV_VAR):
        raw = os.environ[ENV_VAR]
    if raw is not None:
        if _is_url(raw):
            return WorkspaceLocation(url=raw.rstrip("/"))
        if "://" in raw:
            raise InvalidArgument(f"unsupported workspace location {raw!r}: use a folder or an http(s):// URL")
        folder = Path(raw).expanduser().resolve()
        init_workspace_folder(folder)
        return WorkspaceLocation(folder=folder)
    here = (cwd or Path.cwd()).resolve()
    for candidate in (here, *here.parents):
        marker = candidate / ".modelyard"
        if marker.is_dir():
            init_workspace_folder(marker)
            return WorkspaceLocation(folder=marker)
    home = Path.home() / ".modelyard"
    init_workspace_folder(home)
    return WorkspaceLocation(folder=home)


def init_workspace_folder(folder: Path) -> Path:
    """Create an embedded workspace folder if needed; return it. Idempotent.

    Nothing written here records an absolute path, so the folder can be moved or copied.
    """
    if folder.exists() and not folder.is_dir():
        raise InvalidArgument(f"workspace location {folder} exists and is not a folder")
    (folder / ARTIFACTS_DIRNAME).mkdir(parents=True, exist_ok=True)
    config = folder / CONFIG_FILENAME
    if not config.exists():
        tmp = folder / f".{CONFIG_FILENAME}.{uuid.uuid4().hex}.tmp"
        tmp.write_text(
            "# Modelyard embedded workspace. Paths in this folder are relative to it.\n"
            f'id = "{uuid.uuid4().hex}"\n'
            f'name = "{_default_name(folder)}"\n'
            f'created_at = "{datetime.now(UTC).isoformat()}"\n'
            "format_version = 1\n",
            encoding="utf-8",
        )
        try:
            os.link(tmp, config)  # atomic create-if-missing
        except FileExistsError:
            pass
        finally:
            tmp.unlink(missing_ok=True)
    return folder


def _default_name(folder: Path) -> str:
    """A project's ``.modelyard`` is named after the project; any other folder after itself."""
    name = folder.parent.name if folder.name == ".modelyard" else folder.name
    return (name or "workspace").replace('"', "").replace("\\", "")


def read_workspace_config(folder: Path) -> dict[str, object]:
    with open(folder / CONFIG_FILENAME, "rb") as fh:
        return tomllib.load(fh)
