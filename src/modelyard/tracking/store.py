"""The tracking store interface. Its docstrings are the specification.

Two implementations exist: :class:`modelyard.tracking.sql.SqlTrackingStore` (SQLite for the
embedded workspace, PostgreSQL for a server) and
:class:`modelyard.tracking.rest.RestTrackingStore` (talks to a Modelyard server). One
contract suite (``tests/tracking/contract.py``) runs against every implementation.

Common rules:

* Every method is thread-safe; one store object may be shared by many threads.
* Ids are opaque strings. Unknown ids raise :class:`~modelyard.errors.NotFound`.
* Malformed values (empty names, keys with forbidden characters, non-finite steps...) raise
  :class:`~modelyard.errors.InvalidArgument` and write nothing.
* A write is durable when the method returns.
* Backend failures are raised as :class:`~modelyard.errors.BackendUnavailable`.
"""

from __future__ import annotations

import abc
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime

from modelyard.tracking.entities import (
    Experiment,
    ExperimentPage,
    Metric,
    Run,
    RunPage,
    RunSource,
    RunStatus,
)

__all__ = ["DEFAULT_EXPERIMENT_NAME", "MAX_RESULTS_LIMIT", "TrackingStore"]

DEFAULT_EXPERIMENT_NAME = "Default"
MAX_RESULTS_LIMIT = 50_000


class TrackingStore(abc.ABC):
    """Experiments, runs, params, metrics and tags."""

    # ----------------------------------------------------------------- experiments
    @abc.abstractmethod
    def create_experiment(
        self, name: str, *, description: str | None = None, tags: Mapping[str, str] | None = None
    ) -> Experiment:
        """Create an experiment.

        Raises:
            AlreadyExists: an experiment (active or deleted) already has that name.
            InvalidArgument: the name is empty, longer than 256 characters or has control
                characters.
        """

    @abc.abstractmethod
    def get_experiment(self, experiment_id: str) -> Experiment:
        """Return the experiment (active or deleted). Raises NotFound."""

    @abc.abstractmethod
    def find_experiment(self, name: str) -> Experiment | None:
        """Return the experiment with that exact name (active or deleted), or None."""

    @abc.abstractmethod
    def list_experiments(
        self,
        *,
        include_deleted: bool = False,
        max_results: int = 1000,
        page_token: str | None = None,
    ) -> ExperimentPage:
        """List experiments ordered by creation time (newest first), paged.

        Raises:
            InvalidArgument: ``max_results`` is not in 1..MAX_RESULTS_LIMIT or the page
                token is malformed.
        """

    @abc.abstractmethod
    def update_experiment(
        self, experiment_id: str, *, name: str | None = None, description: str | None = None
    ) -> Experiment:
        """Rename an experiment and/or change its description.

        Raises:
            NotFound, AlreadyExists (the new name is taken), InvalidArgument.
        """

    @abc.abstractmethod
    def set_experiment_tag(self, experiment_id: str, key: str, value: str) -> None:
        """Set (or overwrite) one tag of an experiment. Raises NotFound, InvalidArgument."""

    @abc.abstractmethod
    def delete_experiment(self, experiment_id: str) -> None:
        """Mark an experiment and all its runs deleted (restorable).

        Raises:
            NotFound; InvalidState if it is already deleted.
        """

    @abc.abstractmethod
    def restore_experiment(self, experiment_id: str) -> None:
        """Undo :meth:`delete_experiment` (runs deleted with it come back).

        Raises:
            NotFound; InvalidState if it is not deleted.
        """

    # ------------------------------------------------------------------------ runs
    @abc.abstractmethod
    def create_run(
        self,
        experiment_id: str,
        *,
        name: str | None = None,
        parent_id: str | None = None,
        kind: str = "run",
        status: RunStatus = RunStatus.RUNNING,
        tags: Mapping[str, str] | None = None,
        source: RunSource | None = None,
        start_time: datetime | None = None,
    ) -> Run:
        """Create a run in an active experiment.

        ``name`` defaults to a readable generated name. ``start_time`` defaults to now when
        the status is Running, and stays empty for Queued runs. The run's artifact location
        is a path relative to the workspace's artifact root (``runs/<id>``).

        Raises:
            NotFound: the experiment or the parent run does not exist.
            InvalidState: the experiment is deleted.
            InvalidArgument: the parent run is in another experiment.
        """

    @abc.abstractmethod
    def get_run(self, run_id: str) -> Run:
        """Return a run with its params, tags and metric summaries. Raises NotFound."""

    @abc.abstractmethod
    def update_run(
        self,
        run_id: str,
        *,
        status: RunStatus | None = None,
        name: str | None = None,
        end_time: datetime | None = None,
        error: str | None = None,
    ) -> Run:
        """Change a run's status and/or name.

        Moving to Running sets ``start_time`` if unset; moving to a terminal status sets
        ``end_time`` (now unless given). A terminal run stays terminal.

        Raises:
            NotFound; InvalidState for a transition out of a terminal status.
        """

    @abc.abstractmethod
    def delete_run(self, run_id: str) -> None:
        """Mark a run and its descendants deleted. Raises NotFound, InvalidState."""

    @abc.abstractmethod
    def restore_run(self, run_id: str) -> None:
        """Undo :meth:`delete_run`. Raises NotFound, InvalidState."""

    @abc.abstractmethod
    def list_deleted_runs(self) -> list[Run]:
        """Runs marked deleted (directly or with their experiment): candidates for gc."""

    @abc.abstractmethod
    def purge_run(self, run_id: str) -> None:
        """Remove a deleted run and everything logged to it for good.

        Raises:
            NotFound; InvalidState if the run is not deleted.
        """

    @abc.abstractmethod
    def log_batch(
        self,
        run_id: str,
        *,
        metrics: Sequence[Metric] = (),
        params: Mapping[str, str] | None = None,
        tags: Mapping[str, str] | None = None,
    ) -> None:
        """Atomically log metric points, params and tags to a run.

        Metric summaries (latest by step then timestamp, min, max, count) are updated in
        the same transaction. NaN and infinities are stored as such.

        Raises:
            NotFound: the run does not exist.
            InvalidState: the run is deleted.
            InvalidArgument: a key is malformed, or a param already logged with a different
                value (nothing of the batch is written).
        """

    @abc.abstractmethod
    def log_metric_batches(self, batches: Mapping[str, Sequence[Metric]]) -> None:
        """Log metric points for several runs in one transaction (used by buffered clients).

        Raises the same errors as :meth:`log_batch`; nothing is written on error.
        """

    @abc.abstractmethod
    def delete_tag(self, run_id: str, key: str) -> None:
        """Remove a tag from a run. Raises NotFound (run or tag)."""

    @abc.abstractmethod
    def get_metric_history(
        self,
        run_id: str,
        key: str,
        *,
        max_points: int | None = None,
        min_step: int | None = None,
        max_step: int | None = None,
    ) -> list[Metric]:
        """All points of a metric, ordered by step, then timestamp, then insertion.

        ``min_step`` and ``max_step`` (inclusive, each optional) keep the points within that
        step range only (a zoomed chart).

        With ``max_points``, a history (or range) longer than that is downsampled for
        charts: the steps are split into about ``(max_points - 2) / 2`` buckets and each
        bucket keeps its lowest and highest point, plus the first and last points of the
        range, so every spike stays visible. The points kept are real points. A bucket's
        edges may move to the edge of a stored block of points (by less than a bucket).
        The result then has at most ``max_points`` points (NaN points are left out of it,
        but for the first and last). The cost does not grow with the length of the series
        for a series logged in step order.

        Returns an empty list for a key never logged.

        Raises:
            NotFound: the run does not exist.
            InvalidArgument: ``max_points`` is below 4, a step bound is not a 64-bit
                integer, or ``min_step`` is greater than ``max_step``.
        """

    @abc.abstractmethod
    def search_runs(
        self,
        *,
        experiment_ids: Iterable[str] | None = None,
        filter: str | None = None,
        order_by: Sequence[str] | None = None,
        max_results: int = 1000,
        page_token: str | None = None,
        include_deleted: bool = False,
    ) -> RunPage:
        """Search runs with the filter language of :mod:`modelyard.tracking.filter`.

        ``experiment_ids=None`` searches every active experiment. ``order_by`` entries are
        ``"metrics.acc DESC"``, ``"params.lr"``, ``"attributes.start_time ASC"``...; runs
        lacking the key sort last; ties break by start time (newest first) then id.

        Raises:
            FilterSyntaxError: the filter or an order_by entry does not parse.
            InvalidArgument: ``max_results`` out of range or a malformed page token.
        """

    def close(self) -> None:
        """Release connections. The store must not be used afterwards."""
