"""Buffered, batched metric sending off the caller's thread.

``MetricBuffer.add`` is the hot path of ``log_metric``: it takes a lock, appends a plain
tuple and returns (a microsecond or two). A daemon thread sends the points with
``TrackingStore.log_metric_batches`` when ``batch_size`` points are waiting or
``flush_interval`` seconds after the first of them arrived. ``flush()``, ``close()`` and
interpreter exit send everything that is left.

Failures are never dropped in silence:

* ``BackendUnavailable`` (server or database unreachable) is retried ``send_retries`` times
  with exponential backoff; if it still fails, the points are kept for the next attempt
  and the error is raised from the next ``add``/``flush`` call.
* Any other error (a deleted run, a malformed key) cannot be fixed by retrying; the points
  of the offending run are discarded and the error is raised from the next call.

After ``os.fork()`` the child gets fresh locks, no thread and an empty buffer (the parent
still owns and sends the points it had), so a multiprocessing child never waits on a thread
that does not exist in it.
"""

from __future__ import annotations

import atexit
import logging
import os
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from modelyard.errors import BackendUnavailable, ModelyardError

if TYPE_CHECKING:
    from modelyard.tracking.store import TrackingStore

__all__ = ["MetricBuffer", "MetricsNotSent"]

logger = logging.getLogger(__name__)

_BACKOFF_FIRST_S = 0.1
_BACKOFF_MAX_S = 2.0

# (run_id, key, value, step, timestamp_ms)
_Point = tuple[str, str, float, int, int]


class MetricsNotSent(BackendUnavailable):
    """Buffered metric points could not be sent after every retry (they are kept)."""

    code = "METRICS_NOT_SENT"


class MetricBuffer:
    """A thread-safe buffer of metric points sent in batches by a daemon thread.

    Args:
        get_store: returns the tracking store to send to (called on the sending thread).
        batch_size: send as soon as this many points are waiting.
        flush_interval: otherwise send this many seconds after the first point arrived.
        send_retries: retries of a batch failing with BackendUnavailable before the error
            is reported.
    """

    def __init__(
        self,
        get_store: Callable[[], TrackingStore],
        *,
        batch_size: int = 1000,
        flush_interval: float = 1.0,
        send_retries: int = 3,
    ) -> None:
        self._get_store = get_store
        self._batch_size = max(1, int(batch_size))
        self._flush_interval = max(0.001, float(flush_interval))
        self._send_retries = max(0, int(send_retries))
        self._atexit_registered = False
        self._reset_state()

    def _reset_state(self) -> None:
        self._pid = os.getpid()
        self._lock = threading.Lock()
        self._wake = threading.Condition(self._lock)
        self._send_lock = threading.Lock()
        self._points: list[_Point] = []
        self._error: ModelyardError | None = None
        self._thread: threading.Thread | None = None
        self._closed = False

    # ------------------------------------------------------------------ hot path
    def add(self, run_id: str, key: str, value: float, step: int, timestamp: int) -> None:
        """Queue one point. Raises the error of an earlier failed send, once."""
        if self._pid != os.getpid():
            self._reset_state()
        if self._error is not None:
            self._raise_pending()
        with self._lock:
            if self._closed:
                raise ModelyardError("the metric buffer is closed (its workspace was closed)")
            self._points.append((run_id, key, value, step, timestamp))
            if self._thread is None:
                self._start_thread()
            if len(self._points) >= self._batch_size:
                self._wake.notify()

    def add_many(self, points: list[_Point]) -> None:
        """Queue several points at once (``log_metrics``)."""
        if self._pid != os.getpid():
            self._reset_state()
        if self._error is not None:
            self._raise_pending()
        with self._lock:
            if self._closed:
                raise ModelyardError("the metric buffer is closed (its workspace was closed)")
            self._points.extend(points)
            if self._thread is None:
                self._start_thread()
            if len(self._points) >= self._batch_size:
                self._wake.notify()

    # ------------------------------------------------------------------ control
    def flush(self) -> None:
        """Send every queued point now; return when they are stored.

        Raises:
            MetricsNotSent: the store stayed unreachable after every retry (the points are
                kept and sent by a later flush).
            ModelyardError: an earlier batch was refused by the store (those points are lost
                and this is the report of it).
        """
        if self._pid != os.getpid():
            self._reset_state()
        self._send_pending()
        if self._error is not None:
            self._raise_pending()

    @property
    def pending(self) -> int:
        """Number of points waiting to be sent."""
        with self._lock:
            return len(self._points)

    def close(self) -> None:
        """Flush, stop the thread and unregister the exit hook. Raises like :meth:`flush`."""
        if self._pid != os.getpid():
            self._reset_state()
        try:
            self.flush()
        finally:
            with self._lock:
                self._closed = True
                self._wake.notify_all()
                thread = self._thread
            if thread is not None and thread is not threading.current_thread():
                thread.join(timeout=5.0)
            if self._atexit_registered:
                atexit.unregister(self._flush_at_exit)
                self._atexit_registered = False

    # ------------------------------------------------------------------ internals
    def _start_thread(self) -> None:  # called with self._lock held
        self._thread = threading.Thread(target=self._run, name="modelyard-metrics", daemon=True)
        self._thread.start()
        if not self._atexit_registered:
            atexit.register(self._flush_at_exit)
            self._atexit_registered = True

    def _raise_pending(self) -> None:
        with self._lock:
            error, self._error = self._error, None
            self._wake.notify()  # the sender waits while an error is unseen
        if error is not None:
            raise error

    def _run(self) -> None:
        pid = self._pid
        while True:
            with self._lock:
                if pid != self._pid:  # forked child: this thread object belongs to the parent
                    return
                # idle, or holding an error the caller has not seen yet: wait for news
                while (not self._points or self._error is not None) and not self._closed:
                    self._wake.wait()
                if self._closed:
                    return
                if len(self._points) < self._batch_size:
                    self._wake.wait(timeout=self._flush_interval)
                if self._closed:
                    return
            try:
                self._send_pending()
            except Exception:
                logger.exception("unexpected error in the metric sender")

    def _send_pending(self) -> None:
        with self._send_lock:
            with self._lock:
                points, self._points = self._points, []
            if points:
                self._send(points)

    def _send(self, points: list[_Point]) -> None:
        from modelyard.tracking.entities import Metric

        batches: dict[str, list[Metric]] = {}
        for run_id, key, value, step, ts in points:
            batches.setdefault(run_id, []).append(Metric(key, value, step, ts))
        delay = _BACKOFF_FIRST_S
        attempt = 0
        while True:
            try:
                self._get_store().log_metric_batches(batches)
            except BackendUnavailable as e:
                if attempt < self._send_retries:
                    attempt += 1
                    logger.debug("metric batch failed (%s); retry %d in %.2fs", e, attempt, delay)
                    time.sleep(delay)
                    delay = min(delay * 2, _BACKOFF_MAX_S)
                    continue
                with self._lock:
                    self._points[:0] = points  # keep them, in order, for the next attempt
                    self._error = MetricsNotSent(
                        f"{len(points)} metric point(s) could not be sent after "
                        f"{self._send_retries} retries (kept for the next flush): {e.message}"
                    )
                    self._error.__cause__ = e
                return
            except ModelyardError as e:
                self._send_separately(batches, e)
                return
            except Exception as e:  # noqa: BLE001 - a bug below us: report, do not loop
                with self._lock:
                    self._error = ModelyardError(
                        f"{len(points)} metric point(s) could not be sent: {type(e).__name__}: {e}"
                    )
                    self._error.__cause__ = e
                return
            with self._lock:
                if isinstance(self._error, MetricsNotSent):
                    self._error = None  # the kept points went through after all
            return

    def _send_separately(self, batches: dict[str, list], first: ModelyardError) -> None:
        """A batch was refused: send run by run so that one bad run loses only its points."""
        store = self._get_store()
        failures: list[tuple[str, int, ModelyardError]] = []
        if len(batches) == 1:
            ((run_id, metrics),) = batches.items()
            failures.append((run_id, len(metrics), first))
        else:
            for run_id, metrics in batches.items():
                try:
                    store.log_metric_batches({run_id: metrics})
                except ModelyardError as e:
                    failures.append((run_id, len(metrics), e))
        if not failures:
            return
        run_id, _, error = failures[0]
        lost = sum(c for _, c, _ in failures)
        report = type(error)(
            f"{lost} metric point(s) were refused by the store and not saved "
            f"(run {run_id}): {error.message}",
            details=dict(error.details),
        )
        report.__cause__ = error
        with self._lock:
            self._error = report

    def _flush_at_exit(self) -> None:
        if self._pid != os.getpid():
            return
        try:
            self.flush()
        except Exception as e:  # noqa: BLE001 - at exit the log is the only place left
            logger.error("Modelyard: metric points were not saved at exit: %s", e)
