"""The :class:`Run` handle: log params, metrics, tags and artifacts to one run.

Metric points go through the workspace's buffer (a few microseconds per call, sent in
batches by a background thread); everything else is written when the call returns.
"""

from __future__ import annotations

import atexit
import logging
import os
import threading
import time
import traceback
from collections.abc import Callable, Mapping
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self

from modelyard.errors import InvalidArgument, InvalidState, ModelyardError
from modelyard.sdk import _formats
from modelyard.sdk._runs import artifact_key
from modelyard.tracking.entities import Run as RunEntity
from modelyard.tracking.entities import RunStatus

if TYPE_CHECKING:
    from modelyard.sdk.workspace import Workspace

__all__ = ["Run", "format_error"]

logger = logging.getLogger(__name__)

_MAX_KEY = 250
_TRACEBACK_TAIL_LINES = 30


def format_error(error: BaseException) -> str:
    """``"Type: message"`` followed by the last lines of the traceback."""
    head = f"{type(error).__name__}: {error}"
    lines = "".join(traceback.format_exception(type(error), error, error.__traceback__)).splitlines()
    tail = "\n".join(lines[-_TRACEBACK_TAIL_LINES:])
    return f"{head}\n{tail}"


def _bad_key(key: object) -> InvalidArgument:
    return InvalidArgument(f"invalid metric key {key!r}: use a non-empty string of at most {_MAX_KEY} characters without control characters")


def _to_float(value: object) -> float:
    if isinstance(value, (str, bytes)):
        raise InvalidArgument(f"metric value must be a number, got {value!r}")
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError) as e:
        raise InvalidArgument(f"metric value must be a number, got {type(value).__name__}") from e


class Run:
    """A handle to one run, returned by :func:`modelyard.start_run` and ``ws.runs.start``.

    Use it as a context manager: leaving the block ends the run as Finished, or as Failed
    with the error (type, message, traceback tail) recorded when the block raises.

    Attributes:
        id: the run id.
        experiment_id: the id of the run's experiment.

    Example:
        >>> with ws.runs.start(experiment="demo") as run:
        ...     run.log_params({"lr": 0.1, "depth": 6})
        ...     for epoch in range(3):
        ...         run.log_metric("loss", 1 / (epoch + 1))   # steps 0, 1, 2
        ...     run.log_dict({"classes": ["a", "b"]}, "meta/classes.yaml")
    """

    def __init__(
        self,
        workspace: Workspace,
        entity: RunEntity,
        *,
        owned: bool = True,
        on_end: Callable[[Run], None] | None = None,
    ) -> None:
        self._ws = workspace
        self._entity = entity
        self.id: str = entity.id
        self.experiment_id: str = entity.experiment_id
        self._owned = owned
        self._on_end: list[Callable[[Run], None]] = [on_end] if on_end else []
        self._ended = False
        self._lock = threading.Lock()
        self._steps: dict[str, int] = {}
        self._keys: set[str] = set()
        self._pid = os.getpid()
        if owned and not entity.status.is_terminal:
            atexit.register(self._end_at_exit)

    def __repr__(self) -> str:
        return f"Run(id={self.id!r}, name={self._entity.name!r})"

    # ------------------------------------------------------------------ info
    @property
    def info(self) -> RunEntity:
        """The run as stored now (params, tags, metric summaries, status).

        Buffered metric points are flushed first, so the summaries include them.
        """
        self.flush()
        self._entity = self._ws.tracking_store.get_run(self.id)
        return self._entity

    @property
    def name(self) -> str:
        """The run's display name (as of when the handle was made or last refreshed)."""
        return self._entity.name

    @property
    def owned(self) -> bool:
        """Whether leaving the ``with`` block (or :meth:`end`) ends the run."""
        return self._owned

    def add_end_callback(self, callback: Callable[[Run], None]) -> None:
        self._on_end.append(callback)

    # ------------------------------------------------------------------ params and tags
    def log_param(self, key: str, value: Any) -> None:
        """Log one parameter (stored as text). Re-logging a key with another value is an error.

        Raises:
            InvalidArgument: malformed key, or the key was logged with a different value.
        """
        self.log_params({key: value})

    def log_params(self, params: Mapping[str, Any]) -> None:
        """Log several parameters at once (all or nothing)."""
        self._ws.tracking_store.log_batch(self.id, params={str(k): str(v) for k, v in params.items()})

    def set_tag(self, key: str, value: Any) -> None:
        """Set (or overwrite) one tag."""
        self.set_tags({key: value})

    def set_tags(self, tags: Mapping[str, Any]) -> None:
        """Set several tags at once."""
        self._ws.tracking_store.log_batch(self.id, tags={str(k): str(v) for k, v in tags.items()})

    # ------------------------------------------------------------------ metrics
    def log_metric(self, key: str, value: float, step: int | None = None, *, timestamp: int | None = None) -> None:
        """Log one metric point (buffered; cheap).

        Args:
            key: the metric name.
            value: a number (NaN and infinities are kept).
            step: the step; default: one more than this key's last step in this handle
                (0 for the first point).
            timestamp: milliseconds since the epoch; default: now.

        Raises:
            InvalidArgument: malformed key or a value that is not a number.
            ModelyardError: an earlier batch of points could not be saved (raised once).
        """
        if key not in self._keys:
            self._check_key(key)
        if type(value) is not float:
            value = _to_float(value)
        if self._ended:
            raise InvalidState(f"run {self.id} has ended; start a new run to log more metrics")
        with self._lock:
            if step is None:
                step = self._steps.get(key, 0)
                self._steps[key] = step + 1
            else:
                step = int(step)
                if step >= self._steps.get(key, 0):
                    self._steps[key] = step + 1
        ts = time.time_ns() // 1_000_000 if timestamp is None else int(timestamp)
        self._ws.metric_buffer.add(self.id, key, value, step, ts)

    def log_metrics(self, metrics: Mapping[str, float], step: int | None = None, *, timestamp: int | None = None) -> None:
        """Log several metrics at the same step and time (buffered).

        With ``step=None`` each key gets its own next step.
        """
        for key in metrics:
            if key not in self._keys:
                self._check_key(key)
        if self._ended:
            raise InvalidState(f"run {self.id} has ended; start a new run to log more metrics")
        ts = time.time_ns() // 1_000_000 if timestamp is None else int(timestamp)
        points = []
        with self._lock:
            for key, value in metrics.items():
                if type(value) is not float:
                    value = _to_float(value)
                if step is None:
                    s = self._steps.get(key, 0)
                else:
                    s = int(step)
                if s >= self._steps.get(key, 0):
                    self._steps[key] = s + 1
                points.append((self.id, key, value, s, ts))
        self._ws.metric_buffer.add_many(points)

    def _check_key(self, key: object) -> None:
        # the store's rule, checked once per key so a bad key fails here, not in a batch
        if (
            not isinstance(key, str)
            or not key.strip()
            or len(key) > _MAX_KEY
            or any(ord(c) < 32 or ord(c) == 127 for c in key)
        ):
            raise _bad_key(key)
        self._keys.add(key)

    def flush(self) -> None:
        """Send every buffered metric point of this workspace and wait until it is stored.

        Raises:
            ModelyardError: points could not be saved (after retries, for an unreachable
                store).
        """
        self._ws.flush()

    # ------------------------------------------------------------------ artifacts
    def _key(self, artifact_path: str) -> str:
        return artifact_key(self._entity, artifact_path)

    def log_artifact(self, local_path: str | os.PathLike[str], artifact_path: str | None = None) -> None:
        """Upload a local file (or a folder, recursively) into the run's artifacts.

        Args:
            local_path: the file or folder to upload.
            artifact_path: the folder inside the run's artifacts to put it in (default: top).

        Raises:
            NotFound: ``local_path`` does not exist.
            InvalidArgument: ``artifact_path`` is unsafe (``..``, absolute...).
        """
        path = Path(local_path)
        if not path.exists():
            from modelyard.errors import NotFound

            raise NotFound(f"no such file or folder: {path}")
        prefix = "/".join(p for p in ((artifact_path or "").strip("/"), path.name) if p)
        store = self._ws.artifact_store
        if path.is_dir():
            store.write_folder(self._key(prefix), path)
        else:
            store.write_file(self._key(prefix), path)

    def log_artifacts(self, local_dir: str | os.PathLike[str], artifact_path: str | None = None) -> None:
        """Upload the contents of a local folder into ``artifact_path`` (default: top).

        Raises:
            NotFound: ``local_dir`` is not a folder.
        """
        path = Path(local_dir)
        if not path.is_dir():
            from modelyard.errors import NotFound

            raise NotFound(f"no such folder: {path}")
        self._ws.artifact_store.write_folder(self._key((artifact_path or "").strip("/")), path)

    def _write(self, artifact_file: str, data: bytes) -> None:
        if not isinstance(artifact_file, str) or not artifact_file.strip("/"):
            raise InvalidArgument("artifact_file must be a relative file path such as 'report.json'")
        self._ws.artifact_store.write(self._key(artifact_file), [data])

    def log_text(self, text: str, artifact_file: str) -> None:
        """Save text (UTF-8) as an artifact file, e.g. ``run.log_text(log, "notes.txt")``."""
        self._write(artifact_file, _formats.text_bytes(text))

    def log_dict(self, dictionary: Any, artifact_file: str) -> None:
        """Save a dict as JSON, or YAML when ``artifact_file`` ends in .yaml/.yml."""
        self._write(artifact_file, _formats.dict_bytes(dictionary, artifact_file))

    def log_figure(self, figure: Any, artifact_file: str) -> None:
        """Save a matplotlib figure; the extension picks the format (.png, .svg, .pdf...)."""
        self._write(artifact_file, _formats.figure_bytes(figure, artifact_file))

    def log_table(self, data: Any, artifact_file: str) -> None:
        """Save a pandas DataFrame (or dict of columns) as .json (split layout), .csv or .parquet."""
        self._write(artifact_file, _formats.table_bytes(data, artifact_file))

    # ------------------------------------------------------------------ end
    def end(self, status: RunStatus | str = RunStatus.FINISHED, *, error: str | None = None) -> None:
        """Flush buffered metrics and end the run with ``status``. A second call does nothing.

        For a run this handle does not own (an attached job run) only the flush happens.

        Raises:
            ModelyardError: buffered points could not be saved (the run is ended anyway).
        """
        with self._lock:
            if self._ended:
                return
            self._ended = True
        status = RunStatus(status)
        try:
            self._ws.flush()
        finally:
            try:
                if self._owned:
                    self._entity = self._ws.tracking_store.update_run(self.id, status=status, error=error)
            finally:
                if self._owned and self._pid == os.getpid():
                    atexit.unregister(self._end_at_exit)
                for callback in self._on_end:
                    callback(self)

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if exc is None:
            self.end(RunStatus.FINISHED)
            return
        status = RunStatus.CANCELED if isinstance(exc, KeyboardInterrupt) else RunStatus.FAILED
        try:
            self.end(status, error=format_error(exc))
        except ModelyardError as e:  # do not hide the user's exception behind ours
            logger.error("Modelyard: could not record the end of run %s: %s", self.id, e)

    def _end_at_exit(self) -> None:
        if self._pid != os.getpid() or self._ended or self._ws.closed:
            return
        try:
            self.end(RunStatus.FINISHED)
        except Exception as e:  # noqa: BLE001 - at exit the log is the only place left
            logger.error("Modelyard: could not end run %s at exit: %s", self.id, e)
