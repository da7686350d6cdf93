"""The SDK's entry point: a :class:`Workspace` and its operation groups.

Example::

    import modelyard as yard

    ws = yard.Workspace()                       # nearest .modelyard/ or ~/.modelyard
    ws = yard.Workspace("http://127.0.0.1:8200")  # a server
    for run in ws.runs.search("metrics.acc > 0.9", order_by=["metrics.acc DESC"]):
        print(run.name, run.metrics["acc"].latest)
"""

from __future__ import annotations

import logging
import os
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any, Self

from modelyard.location import WorkspaceLocation, resolve_location
from modelyard.sdk._experiments import Experiments
from modelyard.sdk._runs import Runs

if TYPE_CHECKING:
    from modelyard.artifacts.store import ArtifactStore
    from modelyard.sdk._buffer import MetricBuffer
    from modelyard.settings import Settings
    from modelyard.tracking.store import TrackingStore

__all__ = ["Workspace"]

logger = logging.getLogger(__name__)


class Workspace:
    """One Modelyard workspace: an embedded folder or a server.

    The stores open lazily on first use and again in a forked child process (a child never
    reuses its parent's database connections or sender thread).

    Args:
        location: a workspace folder or an ``http(s)://`` server URL. None follows the
            documented order: ``settings.workspace`` / ``MODELYARD_WORKSPACE``, the nearest
            ``.modelyard/`` folder upward from the current directory, ``~/.modelyard``.
        settings: the settings to use; default: read from the environment.

    Attributes:
        experiments: create, get, find, list, update, delete, restore and tag experiments.
        runs: get, search, compare, delete and restore runs; read metric histories and
            artifacts; ``runs.start`` creates a run and returns its :class:`~modelyard.Run`.

    Example:
        >>> with Workspace(tmp_path / ".modelyard") as ws:
        ...     exp = ws.experiments.create("churn")
        ...     with ws.runs.start(experiment="churn") as run:
        ...         run.log_metric("acc", 0.91)
        ...     ws.runs.search("metrics.acc > 0.9")[0].id == run.id
        True
    """

    def __init__(self, location: str | os.PathLike[str] | None = None, *, settings: Settings | None = None) -> None:
        if settings is None:
            from modelyard.settings import Settings

            settings = Settings()
        self.settings = settings
        self.location: WorkspaceLocation = resolve_location(
            location if location is not None else settings.workspace
        )
        self._lock = threading.Lock()
        self._pid = os.getpid()
        self._tracking: TrackingStore | None = None
        self._artifacts: ArtifactStore | None = None
        self._buffer: MetricBuffer | None = None
        self._environment: dict[str, Any] | None = None
        self._closed = False
        self.experiments = Experiments(self)
        self.runs = Runs(self)
        from modelyard.data.operations import DataOperations, DatastoreOperations

        self.data = DataOperations(self)
        self.datastores = DatastoreOperations(self.data)
        from modelyard.jobs.client import Computes, Environments, Jobs

        self._job_store = None
        self.jobs = Jobs(self)
        self.computes = Computes(self)
        self.environments = Environments(self)
        from modelyard.endpoints.operations import EndpointOperations
        from modelyard.models.operations import ModelOperations

        self.models = ModelOperations(self)
        self.endpoints = EndpointOperations(self)

    def __repr__(self) -> str:
        return f"Workspace({str(self.location)!r})"

    # ------------------------------------------------------------------ stores
    def _check_pid(self) -> None:
        if self._pid != os.getpid():
            # forked: forget (do not close) the parent's connections, buffer and locks
            self._lock = threading.Lock()
            self._pid = os.getpid()
            self._tracking = self._artifacts = None
            self._buffer = None

    @property
    def tracking_store(self) -> TrackingStore:
        """The tracking store (SQL for a folder, REST for a URL), opened on first use."""
        self._check_pid()
        store = self._tracking
        if store is None:
            with self._lock:
                if self._closed:
                    from modelyard.errors import InvalidState

                    raise InvalidState(f"workspace {self.location} is closed")
                if self._tracking is None:
                    from modelyard.backends import open_tracking_store

                    target = self.location.url or self.location.store_url
                    self._tracking = open_tracking_store(target, token=self.settings.token)
                store = self._tracking
        return store

    @property
    def artifact_store(self) -> ArtifactStore:
        """The artifact store (the folder's ``artifacts/`` or the server's), opened on first use."""
        self._check_pid()
        store = self._artifacts
        if store is None:
            with self._lock:
                if self._closed:
                    from modelyard.errors import InvalidState

                    raise InvalidState(f"workspace {self.location} is closed")
                if self._artifacts is None:
                    from modelyard.backends import open_artifact_store

                    root: str | Path = self.location.url or self.location.artifact_root
                    self._artifacts = open_artifact_store(root, token=self.settings.token)
                store = self._artifacts
        return store

    @property
    def metric_buffer(self) -> MetricBuffer:
        """The buffer that batches this workspace's metric points off the caller's thread."""
        self._check_pid()
        buffer = self._buffer
        if buffer is None:
            with self._lock:
                if self._buffer is None:
                    from modelyard.sdk._buffer import MetricBuffer

                    tracking = self.settings.tracking
                    self._buffer = MetricBuffer(
                        lambda: self.tracking_store,
                        batch_size=tracking.batch_size,
                        flush_interval=tracking.flush_interval,
                        send_retries=tracking.send_retries,
                    )
                buffer = self._buffer
        return buffer

    def _static_environment(self) -> dict[str, Any]:
        if self._environment is None:
            from modelyard.sdk._capture import static_environment

            self._environment = static_environment()
        return self._environment

    # ------------------------------------------------------------------ lifecycle
    @property
    def closed(self) -> bool:
        """True once :meth:`close` was called."""
        return self._closed

    def flush(self) -> None:
        """Send every buffered metric point of this workspace; raise if that fails."""
        self._check_pid()
        if self._buffer is not None:
            self._buffer.flush()

    def close(self) -> None:
        """Flush buffered metrics and release the stores. Idempotent.

        Raises:
            ModelyardError: buffered points could not be saved (the stores are closed anyway).
        """
        self._check_pid()
        with self._lock:
            if self._closed:
                return
            buffer = self._buffer
        try:
            if buffer is not None:
                buffer.close()
        finally:
            with self._lock:
                self._closed = True
                self._buffer = None
                tracking, self._tracking = self._tracking, None
                artifacts, self._artifacts = self._artifacts, None
            self.data._close()
            self.models._close()
            self.endpoints._close()
            if tracking is not None:
                tracking.close()
            if artifacts is not None:
                artifacts.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
