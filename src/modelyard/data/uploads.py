"""Staged uploads of data versions (``data/<name>/<upload id>/``): their activity records
and the collection of abandoned ones, on :mod:`modelyard.artifacts.uploads`.

Example::

    removed = collect_abandoned_uploads(data_store, artifacts, max_age=timedelta(hours=6))
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from modelyard.artifacts.uploads import (
    DEFAULT_MAX_AGE,
    AbandonedUpload,
    collect_abandoned,
    forget_upload,
    touch_upload,
)
from modelyard.errors import NotFound

if TYPE_CHECKING:
    from modelyard.artifacts.store import ArtifactStore
    from modelyard.data.store import DataStore

__all__ = [
    "DEFAULT_MAX_AGE",
    "AbandonedUpload",
    "collect_abandoned_uploads",
    "forget_upload",
    "touch_upload",
]


def _committed(data_store: DataStore, name: str) -> set[str]:
    """Upload ids that versions of ``name`` keep their files under."""
    try:
        versions = data_store.list_versions(name, include_archived=True)
    except NotFound:
        return set()
    prefix = f"workspace:data/{name}/"
    return {v.storage[len(prefix) :] for v in versions if v.storage.startswith(prefix)}


def collect_abandoned_uploads(
    data_store: DataStore,
    artifacts: ArtifactStore,
    *,
    max_age: timedelta = DEFAULT_MAX_AGE,
    now: datetime | None = None,
    dry_run: bool = False,
) -> list[AbandonedUpload]:
    """Remove staged data uploads that no version uses and that saw no activity for
    ``max_age`` (see :func:`modelyard.artifacts.uploads.collect_abandoned`)."""
    return collect_abandoned(artifacts, root="data", committed=lambda name: _committed(data_store, name),
                             max_age=max_age, now=now, dry_run=dry_run)
