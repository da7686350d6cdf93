"""Abandoned data uploads: removed once idle past the threshold, never while in progress,
never once committed; ``modelyard gc`` runs the collection."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from modelyard.cli.main import app
from modelyard.data.assets import new_upload_id
from modelyard.data.entities import DataType
from modelyard.data.sql import SqlDataStore
from modelyard.data.uploads import collect_abandoned_uploads, touch_upload
from modelyard.errors import InvalidArgument

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
CSV = b"a,b\n1,2\n3,4\n"


def _stage(store: SqlDataStore, name: str, files: dict[str, bytes]) -> str:
    upload_id = new_upload_id()
    for path, body in files.items():
        store.stage_file(name, upload_id, path, [body])
    return upload_id


def _backdate(store: SqlDataStore, name: str, upload_id: str, hours: float) -> None:
    """Fake an upload's age: its record says its last activity was ``hours`` before NOW."""
    touch_upload(store._artifacts, name, upload_id, now=NOW - timedelta(hours=hours))


def test_only_idle_uncommitted_uploads_are_removed(sqlite_store: SqlDataStore, tmp_path: Path) -> None:
    root = tmp_path / "artifacts" / "data" / "t"
    abandoned = _stage(sqlite_store, "t", {"x.csv": CSV, "sub/y.csv": CSV})
    _backdate(sqlite_store, "t", abandoned, hours=30)
    in_progress = _stage(sqlite_store, "t", {"x.csv": CSV})
    _backdate(sqlite_store, "t", in_progress, hours=30)
    sqlite_store.stage_file("t", in_progress, "more.csv", [CSV])  # still writing: activity now
    committed = _stage(sqlite_store, "t", {"x.csv": CSV})
    _backdate(sqlite_store, "t", committed, hours=30)
    v = sqlite_store.create_version("t", type=DataType.MLTABLE, source="t.csv", upload_id=committed)
    recent = _stage(sqlite_store, "t", {"x.csv": CSV})
    _backdate(sqlite_store, "t", recent, hours=2)

    dry = collect_abandoned_uploads(sqlite_store, sqlite_store._artifacts, now=NOW, dry_run=True)
    assert [(u.name, u.upload_id, u.bytes) for u in dry] == [("t", abandoned, 2 * len(CSV))]
    assert (root / abandoned / "x.csv").exists()

    removed = collect_abandoned_uploads(sqlite_store, sqlite_store._artifacts, now=NOW)
    assert [(u.upload_id, u.last_activity) for u in removed] == [(abandoned, NOW - timedelta(hours=30))]
    assert not (root / abandoned).exists()
    assert not (root / ".uploads" / f"{abandoned}.json").exists()
    for kept in (in_progress, committed, recent):
        assert (root / kept / "x.csv").exists(), kept
    with sqlite_store.open_file("t", v.version, "x.csv") as fh:
        assert fh.read() == CSV
    assert not (root / ".uploads" / f"{committed}.json").exists()  # committed: no record

    # a shorter threshold (configurable) takes the 2-hour-old one too
    shorter = collect_abandoned_uploads(sqlite_store, sqlite_store._artifacts, now=NOW, max_age=timedelta(hours=1))
    assert [u.upload_id for u in shorter] == [recent]


def test_uploads_without_a_record_age_from_when_gc_first_sees_them(
    sqlite_store: SqlDataStore, tmp_path: Path
) -> None:
    """Files a crash left with no record (or an older release staged) are not removed on
    sight: their age counts from the first collection that sees them."""
    orphan = new_upload_id()
    sqlite_store._artifacts.write(f"data/old/{orphan}/x.csv", [CSV])
    committed = _stage(sqlite_store, "old", {"x.csv": CSV})
    sqlite_store.create_version("old", type=DataType.URI_FOLDER, source="old", upload_id=committed)
    _backdate(sqlite_store, "old", committed, hours=48)  # a commit that crashed before dropping it

    assert collect_abandoned_uploads(sqlite_store, sqlite_store._artifacts, now=NOW) == []
    record = tmp_path / "artifacts" / "data" / "old" / ".uploads" / f"{orphan}.json"
    assert json.loads(record.read_text())["last_activity"] == NOW.isoformat()
    assert not (record.parent / f"{committed}.json").exists()

    later = collect_abandoned_uploads(sqlite_store, sqlite_store._artifacts, now=NOW + timedelta(hours=25))
    assert [u.upload_id for u in later] == [orphan]
    assert not (tmp_path / "artifacts" / "data" / "old" / orphan).exists()
    assert sqlite_store.list_files("old", "1")[0].path == "x.csv"


def test_a_failed_create_and_a_discard_leave_no_record(sqlite_store: SqlDataStore, tmp_path: Path) -> None:
    records = tmp_path / "artifacts" / "data" / "t" / ".uploads"
    dropped = _stage(sqlite_store, "t", {"x.csv": CSV})
    assert (records / f"{dropped}.json").exists()
    sqlite_store.discard_upload("t", dropped)
    assert not (records / f"{dropped}.json").exists()
    bad = _stage(sqlite_store, "t", {"x.csv": CSV, "y.csv": CSV})
    with pytest.raises(InvalidArgument, match="exactly one file"):
        sqlite_store.create_version("t", type=DataType.URI_FILE, source="x", upload_id=bad)
    assert list(records.glob("*.json")) == []
    assert not (records.parent / bad).exists()


def test_gc_command_removes_abandoned_uploads(tmp_path: Path) -> None:
    import modelyard as yard

    location = tmp_path / "ws"
    with yard.Workspace(location) as ws:
        store = ws.data.store
        upload_id = _stage(store, "t", {"x.csv": CSV})
        touch_upload(ws.artifact_store, "t", upload_id, now=datetime.now(UTC) - timedelta(hours=3))
    staged = location / "artifacts" / "data" / "t" / upload_id
    runner = CliRunner()
    kept = runner.invoke(app, ["-w", str(location), "gc", "-o", "json"])
    assert kept.exit_code == 0, kept.stderr
    assert json.loads(kept.stdout)["uploads_removed"] == [] and staged.exists()
    res = runner.invoke(app, ["-w", str(location), "gc", "--upload-max-age", "2", "-o", "json"])
    assert res.exit_code == 0, res.stderr
    report = json.loads(res.stdout)
    assert [u["upload_id"] for u in report["uploads_removed"]] == [upload_id]
    assert report["bytes_freed"] == len(CSV) and not staged.exists()
    bad = runner.invoke(app, ["-w", str(location), "gc", "--upload-max-age", "-1"])
    assert bad.exit_code == 2
