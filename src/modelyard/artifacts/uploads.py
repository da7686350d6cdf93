"""Staged uploads (of data versions, of model versions): their activity records, and
removing the ones a crashed client abandoned.

A new version's files are staged under ``<root>/<name>/<upload id>/`` in the workspace
artifact store (``root`` is ``data`` or ``models``) before the store commits them. Each
staging call (and the start of the commit) writes ``<root>/<name>/.uploads/<upload
id>.json`` with the time of that activity; committing or discarding the upload removes it.
A client that crashes between the two steps leaves the files and the record behind:
:func:`collect_abandoned` (run by ``modelyard gc``) removes uploads that no version uses and
whose last activity is older than a threshold (24 hours by default), so an upload in
progress, which keeps writing its record, is never touched. Upload folders without a record
(a crash while files were being copied, or an upload staged by an older release) get one
the first time the collector sees them, and are removed by a later run once that is older
than the threshold.

Example::

    removed = collect_abandoned(artifacts, root="models", committed=used_upload_ids,
                                max_age=timedelta(hours=6))
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from modelyard.errors import NotFound

if TYPE_CHECKING:
    from modelyard.artifacts.store import ArtifactStore

__all__ = [
    "DEFAULT_MAX_AGE",
    "AbandonedUpload",
    "collect_abandoned",
    "forget_upload",
    "touch_upload",
]

logger = logging.getLogger(__name__)

DEFAULT_MAX_AGE = timedelta(hours=24)
_RECORDS = ".uploads"
_UPLOAD_ID = re.compile(r"^[0-9a-f]{32}$")


@dataclass(frozen=True, slots=True)
class AbandonedUpload:
    """An uncommitted upload removed (or, in a dry run, that would be removed)."""

    name: str
    upload_id: str
    bytes: int
    last_activity: datetime
    root: str = "data"  # data or models


def _record_key(root: str, name: str, upload_id: str) -> str:
    return f"{root}/{name}/{_RECORDS}/{upload_id}.json"


def touch_upload(artifacts: ArtifactStore, name: str, upload_id: str, *, now: datetime | None = None,
                 root: str = "data") -> None:
    """Record activity on an upload now (or at ``now``)."""
    when = (now or datetime.now(UTC)).isoformat()
    body = json.dumps({"upload_id": upload_id, "last_activity": when}).encode()
    artifacts.write(_record_key(root, name, upload_id), [body])


def forget_upload(artifacts: ArtifactStore, name: str, upload_id: str, *, root: str = "data") -> None:
    """Drop an upload's record (the upload was committed or discarded)."""
    artifacts.delete(_record_key(root, name, upload_id))


def _last_activity(artifacts: ArtifactStore, root: str, name: str, upload_id: str) -> datetime | None:
    key = _record_key(root, name, upload_id)
    try:
        with artifacts.open(key) as fh:
            return datetime.fromisoformat(json.loads(fh.read())["last_activity"])
    except NotFound:
        return None
    except (ValueError, KeyError, TypeError):  # unreadable: treat as written now
        logger.warning("gc: unreadable upload record %s; rewriting it", key)
        return None


def _size(artifacts: ArtifactStore, prefix: str) -> int:
    return sum(e.size or 0 for e in artifacts.list(prefix, recursive=True) if not e.is_dir)


def collect_abandoned(
    artifacts: ArtifactStore,
    *,
    root: str,
    committed: Callable[[str], set[str]],
    max_age: timedelta = DEFAULT_MAX_AGE,
    now: datetime | None = None,
    dry_run: bool = False,
) -> list[AbandonedUpload]:
    """Remove staged uploads under ``root`` that no version uses and that saw no activity
    for ``max_age``.

    Args:
        artifacts: the workspace artifact store the uploads are staged in.
        root: ``data`` or ``models``.
        committed: name -> the upload ids its versions keep their files under.
        max_age: how long an upload may stay idle before it counts as abandoned.
        now: the current time (tests pass another).
        dry_run: report, remove nothing (and record nothing).

    Returns:
        The uploads removed (or that would be), by name and upload id.
    """
    now = now or datetime.now(UTC)
    removed: list[AbandonedUpload] = []
    for entry in artifacts.list(root):
        if not entry.is_dir:
            continue
        name = entry.path
        staged = {e.path for e in artifacts.list(f"{root}/{name}") if e.is_dir and _UPLOAD_ID.match(e.path)}
        recorded = {
            e.path.removesuffix(".json")
            for e in artifacts.list(f"{root}/{name}/{_RECORDS}")
            if not e.is_dir and _UPLOAD_ID.match(e.path.removesuffix(".json"))
        }
        if not staged and not recorded:
            continue
        used = committed(name)
        for upload_id in sorted(staged | recorded):
            if upload_id in used:  # a commit that stopped before dropping its record
                if upload_id in recorded and not dry_run:
                    forget_upload(artifacts, name, upload_id, root=root)
                continue
            last = _last_activity(artifacts, root, name, upload_id)
            if last is None:  # first seen: its age counts from now
                if not dry_run:
                    touch_upload(artifacts, name, upload_id, now=now, root=root)
                continue
            if now - last < max_age:
                continue
            prefix = f"{root}/{name}/{upload_id}"
            if dry_run:
                freed = _size(artifacts, prefix)
            else:
                # checked again just before removing: a commit that started meanwhile
                # refreshed the record or inserted its version
                if _last_activity(artifacts, root, name, upload_id) != last or upload_id in committed(name):
                    continue
                freed = artifacts.delete(prefix)
                forget_upload(artifacts, name, upload_id, root=root)
            logger.info("gc: removed %s upload %s of %r, idle since %s", root, upload_id, name, last)
            removed.append(AbandonedUpload(name, upload_id, freed, last, root))
    return removed
