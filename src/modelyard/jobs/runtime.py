"""The jobs side of a server process: its job store, its dispatcher and where live logs are.

``create_app`` builds one :class:`JobsRuntime` and starts it with the app (the dispatcher
only supervises: every job runs in its own process group under its own supervisor, so a
server restart does not stop them; the next dispatcher adopts them, see
:mod:`modelyard.jobs.dispatcher`). Stopping the app stops the dispatcher, not the jobs.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from modelyard.artifacts.store import ArtifactStore
    from modelyard.jobs.dispatcher import Dispatcher
    from modelyard.jobs.store import JobStore
    from modelyard.settings import Settings

__all__ = ["JobsRuntime"]

logger = logging.getLogger(__name__)


class JobsRuntime:
    """The job store, live-log folder and (optionally) a dispatcher of one server.

    Args:
        settings: the server's settings (store URL, workspace folder, host and port).
        artifacts: the server's artifact store.
        dispatch: run a dispatcher in this process (False: store and routes only).
    """

    def __init__(self, settings: Settings, *, artifacts: ArtifactStore, dispatch: bool = True) -> None:
        from modelyard.location import resolve_location

        self._settings = settings
        self._artifacts = artifacts
        self._dispatch = dispatch
        folder: Path | None = None
        store_url = settings.store_url
        served_folder = settings.workspace is not None or settings.store_url is None
        if served_folder and not str(settings.workspace or "").startswith(("http://", "https://")):
            location = resolve_location(settings.workspace)
            folder = location.folder
            store_url = store_url or location.store_url
        self.folder = folder
        self.store_url = store_url
        base = folder if folder is not None else Path.home() / ".modelyard" / "server"
        self.work_root = base / "jobs"
        self.env_cache = base / "environments"
        self._store: JobStore | None = None
        self.dispatcher: Dispatcher | None = None
        self._lock_file: Any = None
        self._listener: Any = None

    @property
    def store(self) -> JobStore:
        if self._store is None:
            from modelyard.jobs.sql import SqlJobStore

            self._store = SqlJobStore(self.store_url)
        return self._store

    def _open_data(self) -> Any:
        from modelyard.data.sql import SqlDataStore

        return SqlDataStore(self.store_url, self._artifacts)

    def log_path(self, job_id: str) -> Path:
        from modelyard.jobs.dispatcher import LOG_NAME

        return self.work_root / job_id / LOG_NAME

    def _job_workspace(self) -> str:
        """What jobs log to: the folder when serving one (direct and fastest), else this server."""
        if self.folder is not None and self._settings.store_url is None:
            return str(self.folder)
        server = self._settings.server
        host = "127.0.0.1" if server.host in ("0.0.0.0", "::", "") else server.host
        return f"http://{host}:{server.port}"

    def start(self) -> None:
        if not self._dispatch:
            return
        from modelyard.jobs.dispatcher import Dispatcher

        if self.folder is not None:  # an on-demand agent need not start while we serve
            from modelyard.jobs.agent import _try_lock

            self._lock_file = _try_lock(self.folder)
        self.dispatcher = Dispatcher(
            jobs=self.store, artifacts=self._artifacts, work_root=self.work_root,
            env_cache=self.env_cache, workspace=self._job_workspace(), data=self._open_data,
        )  # fmt: skip
        self.dispatcher.start()
        if self._lock_file is not None:  # embedded submitters to this folder wake us too
            from modelyard.jobs.agent import _listen

            self._listener = _listen(self.folder, self.dispatcher)
        logger.info("job dispatcher %s started", self.dispatcher.owner)

    def wake(self) -> None:
        """Tell the dispatcher that a job was queued or canceled (no waiting for its next tick)."""
        if self.dispatcher is not None:
            self.dispatcher.wake()

    def close(self) -> None:
        if self.dispatcher is not None:
            self.dispatcher.stop(timeout=10)
            self.dispatcher = None
        if self._listener is not None:
            self._listener.close()
            self._listener = None
        if self._lock_file is not None:
            self._lock_file.close()
            self._lock_file = None
        if self._store is not None:
            self._store.close()
            self._store = None
