"""Garbage collection: remove the artifacts of deleted runs, then purge those runs for good;
with a data store and a model store, also remove the staged uploads of data and model
versions abandoned by a crashed client (see :mod:`modelyard.artifacts.uploads`).

Only the artifact location of a run marked deleted is ever removed, and only when no live run
uses the same location (or one inside it, or one containing it). A run's location is checked
again just before anything is removed, so a run restored meanwhile keeps its files.

Example:
    >>> report = collect_garbage(tracking_store, artifact_store, dry_run=True)
    >>> report.bytes_freed, [r.run_id for r in report.removed]
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, NamedTuple

from modelyard.artifacts.paths import normalize_prefix
from modelyard.artifacts.store import ArtifactStore
from modelyard.errors import InvalidArgument, InvalidState, NotFound
from modelyard.tracking.entities import LifecycleStage, Run
from modelyard.tracking.store import MAX_RESULTS_LIMIT, TrackingStore

if TYPE_CHECKING:
    from modelyard.artifacts.uploads import AbandonedUpload
    from modelyard.data.store import DataStore
    from modelyard.models.sql import SqlModelStore

__all__ = ["GcReport", "RemovedArtifacts", "collect_garbage"]

logger = logging.getLogger(__name__)


class RemovedArtifacts(NamedTuple):
    """The artifacts of one purged run: where they were and how many bytes they held."""

    run_id: str
    artifact_location: str
    bytes: int


@dataclass(frozen=True, slots=True)
class GcReport:
    """What a garbage collection removed (or, with ``dry_run``, would remove).

    Attributes:
        runs_purged: deleted runs removed from the tracking store.
        bytes_freed: artifact bytes removed.
        removed: one entry per artifact location removed.
        kept: (run_id, reason) for deleted runs whose files were kept: their location is
            shared with a live run, or is not a path inside the artifact root.
        dry_run: True when nothing was changed.
        uploads_removed: staged data and model uploads that no version used and that were idle longer
            than the threshold (their bytes count in ``bytes_freed``).
    """

    runs_purged: int
    bytes_freed: int
    removed: tuple[RemovedArtifacts, ...]
    kept: tuple[tuple[str, str], ...] = ()
    dry_run: bool = False
    uploads_removed: tuple[AbandonedUpload, ...] = ()


def _live_locations(tracking: TrackingStore) -> set[str]:
    """Artifact locations (normalized) of every run that is not deleted."""
    out: set[str] = set()
    token: str | None = None
    while True:
        page = tracking.search_runs(max_results=MAX_RESULTS_LIMIT, page_token=token)
        for run in page.runs:
            if run.lifecycle_stage != LifecycleStage.DELETED:
                loc = _location(run)
                if loc is not None:
                    out.add(loc)
        token = page.next_page_token
        if not token:
            return out


def _location(run: Run) -> str | None:
    try:
        loc = normalize_prefix(run.artifact_location)
    except InvalidArgument:
        return None
    return loc or None


def _overlaps(loc: str, live: set[str]) -> bool:
    return any(
        other == loc or other.startswith(loc + "/") or loc.startswith(other + "/") for other in live
    )


def _size(store: ArtifactStore, loc: str) -> int:
    info = store.info(loc)
    if info is None:
        return 0
    if not info.is_dir:
        return info.size or 0
    return sum(e.size or 0 for e in store.list(loc, recursive=True) if not e.is_dir)


def _still_deleted(tracking: TrackingStore, run_id: str) -> bool:
    """True if the run is still deleted, directly or with its experiment."""
    try:
        run = tracking.get_run(run_id)
        if run.lifecycle_stage == LifecycleStage.DELETED:
            return True
        experiment = tracking.get_experiment(run.experiment_id)
    except NotFound:
        return False
    return experiment.lifecycle_stage == LifecycleStage.DELETED


def collect_garbage(
    tracking_store: TrackingStore,
    artifact_store: ArtifactStore,
    *,
    dry_run: bool = False,
    data_store: DataStore | None = None,
    upload_max_age: timedelta | None = None,
    now: datetime | None = None,
    model_store: SqlModelStore | None = None,
) -> GcReport:
    """Remove the artifacts of runs marked deleted, then purge those runs; with
    ``data_store``, also remove abandoned data uploads.

    Args:
        tracking_store: where runs are recorded.
        artifact_store: the workspace's artifact root (run locations are relative to it).
        dry_run: report what would be removed, changing nothing.
        data_store: the workspace's data store: uploads staged in ``artifact_store`` that no
            data version uses and that were idle longer than ``upload_max_age`` are removed.
        upload_max_age: the idle time after which an upload counts as abandoned (default
            :data:`modelyard.artifacts.uploads.DEFAULT_MAX_AGE`, 24 hours).
        model_store: the workspace's SQL model store (``used_upload_ids``): model uploads
            likewise.
        now: the current time (tests pass another).

    Returns:
        A :class:`GcReport`.

    Raises:
        BackendUnavailable: a store failed; runs handled before the failure stay purged, the
            others stay deleted, so running it again finishes the work.
    """
    from modelyard.artifacts.uploads import DEFAULT_MAX_AGE, collect_abandoned

    max_age = DEFAULT_MAX_AGE if upload_max_age is None else upload_max_age
    found: list[AbandonedUpload] = []
    if data_store is not None:
        from modelyard.data.uploads import collect_abandoned_uploads

        found += collect_abandoned_uploads(data_store, artifact_store, max_age=max_age, now=now, dry_run=dry_run)
    if model_store is not None:
        found += collect_abandoned(artifact_store, root="models", committed=model_store.used_upload_ids,
                                   max_age=max_age, now=now, dry_run=dry_run)
    uploads = tuple(found)
    report = _collect_runs(tracking_store, artifact_store, dry_run=dry_run)
    if not uploads:
        return report
    return GcReport(
        runs_purged=report.runs_purged,
        bytes_freed=report.bytes_freed + sum(u.bytes for u in uploads),
        removed=report.removed,
        kept=report.kept,
        dry_run=dry_run,
        uploads_removed=uploads,
    )


def _collect_runs(
    tracking_store: TrackingStore, artifact_store: ArtifactStore, *, dry_run: bool
) -> GcReport:
    deleted = tracking_store.list_deleted_runs()
    if not deleted:
        return GcReport(runs_purged=0, bytes_freed=0, removed=(), dry_run=dry_run)
    live = _live_locations(tracking_store)
    removed: list[RemovedArtifacts] = []
    kept: list[tuple[str, str]] = []
    done: set[str] = set()
    purged = 0
    for run in deleted:
        if not dry_run and not _still_deleted(tracking_store, run.id):
            continue  # restored (or purged) since the listing
        loc = _location(run)
        if loc is None:
            kept.append(
                (
                    run.id,
                    f"artifact location {run.artifact_location!r} is not inside the artifact root",
                )
            )
            logger.warning(
                "gc: keeping run %s: unusable artifact location %r", run.id, run.artifact_location
            )
            continue
        if _overlaps(loc, live):
            kept.append((run.id, f"artifact location {loc!r} is shared with a live run"))
        elif loc not in done:
            done.add(loc)
            freed = _size(artifact_store, loc) if dry_run else artifact_store.delete(loc)
            removed.append(RemovedArtifacts(run.id, loc, freed))
        if not dry_run:
            try:
                tracking_store.purge_run(run.id)
            except (NotFound, InvalidState):  # purged or restored meanwhile
                logger.info("gc: run %s changed while collecting; left as it is", run.id)
                continue
        purged += 1
    return GcReport(
        runs_purged=purged,
        bytes_freed=sum(r.bytes for r in removed),
        removed=tuple(removed),
        kept=tuple(kept),
        dry_run=dry_run,
    )
