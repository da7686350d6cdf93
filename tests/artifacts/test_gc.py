"""Garbage collection against the real SQL tracking store (SQLite) and every artifact store."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from modelyard.artifacts.gc import GcReport, RemovedArtifacts, collect_garbage
from modelyard.errors import NotFound
from modelyard.tracking.entities import LifecycleStage, Run
from modelyard.tracking.sql import SqlTrackingStore

from .stores import StoreHarness


@pytest.fixture
def db_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    # kept apart from tmp_path, whose files the local store's snapshot watches
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'workspace.db'}"


@pytest.fixture
def tracking(db_url: str) -> Iterator[SqlTrackingStore]:
    store = SqlTrackingStore(db_url)
    yield store
    store.close()


def _run_with_files(
    tracking: SqlTrackingStore, artifacts: StoreHarness, exp_id: str, sizes: list[int]
) -> Run:
    run = tracking.create_run(exp_id)
    for i, size in enumerate(sizes):
        artifacts.store.write(f"{run.artifact_location}/files/f{i}.bin", [b"x" * size])
    return run


def _set_location(db_url: str, run_id: str, location: str) -> None:
    """Give a run another artifact location, as an import from MLflow may."""
    engine = sa.create_engine(db_url)
    with engine.begin() as conn:
        conn.execute(
            sa.text("UPDATE runs SET artifact_location = :loc WHERE id = :id"),
            {"loc": location, "id": run_id},
        )
    engine.dispose()


def test_nothing_to_collect(tracking: SqlTrackingStore, artifact_store: StoreHarness) -> None:
    exp = tracking.create_experiment("e")
    _run_with_files(tracking, artifact_store, exp.id, [10])
    before = artifact_store.snapshot()
    assert collect_garbage(tracking, artifact_store.store) == GcReport(0, 0, ())
    assert artifact_store.snapshot() == before


def test_deleted_runs_lose_their_files_and_records(
    tracking: SqlTrackingStore, artifact_store: StoreHarness
) -> None:
    exp = tracking.create_experiment("e")
    live = _run_with_files(tracking, artifact_store, exp.id, [5, 6])
    doomed = _run_with_files(tracking, artifact_store, exp.id, [100, 23])
    empty = tracking.create_run(exp.id)  # deleted, never logged a file
    tracking.delete_run(doomed.id)
    tracking.delete_run(empty.id)

    report = collect_garbage(tracking, artifact_store.store)

    assert report.runs_purged == 2
    assert report.bytes_freed == 123
    assert set(report.removed) == {
        RemovedArtifacts(doomed.id, doomed.artifact_location, 123),
        RemovedArtifacts(empty.id, empty.artifact_location, 0),
    }
    assert not report.dry_run
    assert artifact_store.store.info(doomed.artifact_location) is None
    for run_id in (doomed.id, empty.id):
        with pytest.raises(NotFound):
            tracking.get_run(run_id)
    assert tracking.get_run(live.id).lifecycle_stage == LifecycleStage.ACTIVE
    assert [e.path for e in artifact_store.store.list(live.artifact_location, recursive=True)] == [
        "files",
        "files/f0.bin",
        "files/f1.bin",
    ]
    assert collect_garbage(tracking, artifact_store.store) == GcReport(0, 0, ())


def test_dry_run_changes_nothing_and_reports_the_same(
    tracking: SqlTrackingStore, artifact_store: StoreHarness
) -> None:
    exp = tracking.create_experiment("e")
    doomed = _run_with_files(tracking, artifact_store, exp.id, [7, 8, 9])
    _run_with_files(tracking, artifact_store, exp.id, [1])
    tracking.delete_run(doomed.id)
    before = artifact_store.snapshot()

    preview = collect_garbage(tracking, artifact_store.store, dry_run=True)

    assert preview.dry_run
    assert preview.runs_purged == 1 and preview.bytes_freed == 24
    assert preview.removed == (RemovedArtifacts(doomed.id, doomed.artifact_location, 24),)
    assert artifact_store.snapshot() == before
    assert tracking.get_run(doomed.id).lifecycle_stage == LifecycleStage.DELETED

    real = collect_garbage(tracking, artifact_store.store)
    assert (real.runs_purged, real.bytes_freed, real.removed) == (
        preview.runs_purged,
        preview.bytes_freed,
        preview.removed,
    )


def test_a_deleted_experiment_takes_its_runs(
    tracking: SqlTrackingStore, artifact_store: StoreHarness
) -> None:
    gone = tracking.create_experiment("gone")
    kept = tracking.create_experiment("kept")
    a = _run_with_files(tracking, artifact_store, gone.id, [3])
    b = _run_with_files(tracking, artifact_store, gone.id, [4])
    c = _run_with_files(tracking, artifact_store, kept.id, [5])
    tracking.delete_experiment(gone.id)

    report = collect_garbage(tracking, artifact_store.store)

    assert report.runs_purged == 2 and report.bytes_freed == 7
    assert {r.run_id for r in report.removed} == {a.id, b.id}
    assert artifact_store.store.info(c.artifact_location) is not None


def test_files_shared_with_a_live_run_are_kept(
    db_url: str, tracking: SqlTrackingStore, artifact_store: StoreHarness
) -> None:
    exp = tracking.create_experiment("e")
    live = _run_with_files(tracking, artifact_store, exp.id, [11])
    same = tracking.create_run(exp.id)
    parent_of_live = tracking.create_run(exp.id)
    _set_location(db_url, same.id, live.artifact_location)
    _set_location(db_url, parent_of_live.id, live.artifact_location.rsplit("/", 1)[0])
    tracking.delete_run(same.id)
    tracking.delete_run(parent_of_live.id)
    before = artifact_store.snapshot()

    report = collect_garbage(tracking, artifact_store.store)

    assert report.removed == () and report.bytes_freed == 0
    assert {run_id for run_id, _ in report.kept} == {same.id, parent_of_live.id}
    assert all("live run" in why for _, why in report.kept)
    assert report.runs_purged == 2  # the records go; the files stay with the live run
    assert artifact_store.snapshot() == before
    assert b"".join(artifact_store.store.iter_chunks(f"{live.artifact_location}/files/f0.bin"))


@pytest.mark.parametrize("location", ["/etc", "../outside", "s3://other-bucket/runs/x", ""])
def test_a_location_outside_the_root_is_never_touched(
    db_url: str, tracking: SqlTrackingStore, artifact_store: StoreHarness, location: str
) -> None:
    exp = tracking.create_experiment("e")
    odd = tracking.create_run(exp.id)
    _run_with_files(tracking, artifact_store, exp.id, [2])
    _set_location(db_url, odd.id, location)
    tracking.delete_run(odd.id)
    before = artifact_store.snapshot()

    report = collect_garbage(tracking, artifact_store.store)

    assert report.runs_purged == 0 and report.removed == ()
    assert [run_id for run_id, _ in report.kept] == [odd.id]
    assert tracking.get_run(odd.id).lifecycle_stage == LifecycleStage.DELETED
    assert artifact_store.snapshot() == before


def test_a_restored_run_keeps_everything(
    tracking: SqlTrackingStore, artifact_store: StoreHarness
) -> None:
    exp = tracking.create_experiment("e")
    run = _run_with_files(tracking, artifact_store, exp.id, [9])
    tracking.delete_run(run.id)
    tracking.restore_run(run.id)
    before = artifact_store.snapshot()
    assert collect_garbage(tracking, artifact_store.store) == GcReport(0, 0, ())
    assert artifact_store.snapshot() == before
    assert tracking.get_run(run.id).lifecycle_stage == LifecycleStage.ACTIVE


def test_abandoned_data_uploads_go_with_the_deleted_runs(
    tracking: SqlTrackingStore, artifact_store: StoreHarness, db_url: str
) -> None:
    """With the data store, gc also removes uploads no version uses and idle past the
    threshold; an upload with recent activity, and a committed one, stay."""
    from datetime import UTC, datetime, timedelta

    from modelyard.data.entities import DataType
    from modelyard.data.sql import SqlDataStore
    from modelyard.data.uploads import touch_upload

    now = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
    artifacts = artifact_store.store
    data = SqlDataStore(db_url, artifacts)
    try:
        exp = tracking.create_experiment("e")
        doomed = _run_with_files(tracking, artifact_store, exp.id, [10])
        tracking.delete_run(doomed.id)
        ids = {}
        for label, idle in (("old", 25), ("busy", 1), ("kept", 25)):
            ids[label] = f"{label:0<4}".encode().hex().ljust(32, "0")
            data.stage_file("t", ids[label], "x.bin", [b"y" * 40])
            touch_upload(artifacts, "t", ids[label], now=now - timedelta(hours=idle))
        data.create_version("t", type=DataType.URI_FOLDER, source="t", upload_id=ids["kept"])

        without = collect_garbage(tracking, artifacts, dry_run=True)
        assert without.uploads_removed == () and without.bytes_freed == 10
        report = collect_garbage(tracking, artifacts, data_store=data, now=now)

        assert report.runs_purged == 1 and report.bytes_freed == 10 + 40
        assert [(u.name, u.upload_id, u.bytes) for u in report.uploads_removed] == [
            ("t", ids["old"], 40)
        ]
        assert artifacts.info(f"data/t/{ids['old']}") is None
        assert artifacts.info(f"data/t/{ids['busy']}/x.bin") is not None
        assert artifacts.info(f"data/t/{ids['kept']}/x.bin") is not None
        assert data.list_files("t", "1")[0].path == "x.bin"
        tighter = collect_garbage(
            tracking, artifacts, data_store=data, now=now, upload_max_age=timedelta(minutes=30)
        )
        assert [u.upload_id for u in tighter.uploads_removed] == [ids["busy"]]
    finally:
        data.close()


def test_abandoned_model_uploads_are_removed_too(
    tracking: SqlTrackingStore, artifact_store: StoreHarness, db_url: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """A model upload no version uses and idle past the threshold goes; a recent one and the
    files of a registered version stay; a version's commit drops its upload record."""
    from datetime import UTC, datetime, timedelta

    from sklearn.linear_model import LinearRegression

    from modelyard.artifacts.uploads import touch_upload
    from modelyard.models.packaging import save_model
    from modelyard.models.sql import SqlModelStore

    now = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
    artifacts = artifact_store.store
    models = SqlModelStore(db_url, artifacts)
    folder = tmp_path_factory.mktemp("model") / "m"
    save_model(LinearRegression().fit([[0.0], [1.0]], [0.0, 1.0]), folder)
    try:
        ids = {label: f"{label:0<4}".encode().hex().ljust(32, "0") for label in ("old", "busy", "kept")}
        for label, idle in (("old", 25), ("busy", 1)):
            models.stage_file("m", ids[label], "x.bin", [b"y" * 40])
            touch_upload(artifacts, "m", ids[label], now=now - timedelta(hours=idle), root="models")
        for f in sorted(p for p in folder.rglob("*") if p.is_file()):
            models.stage_file("m", ids["kept"], f.relative_to(folder).as_posix(), [f.read_bytes()])
        version = models.create_version("m", source=str(folder), upload_id=ids["kept"])
        assert artifacts.info(f"models/m/.uploads/{ids['kept']}.json") is None  # committed: no record

        dry = collect_garbage(tracking, artifacts, model_store=models, now=now, dry_run=True)
        assert [(u.root, u.upload_id, u.bytes) for u in dry.uploads_removed] == [("models", ids["old"], 40)]
        assert artifacts.info(f"models/m/{ids['old']}/x.bin") is not None
        report = collect_garbage(tracking, artifacts, model_store=models, now=now)
        assert [(u.root, u.name, u.upload_id) for u in report.uploads_removed] == [("models", "m", ids["old"])]
        assert artifacts.info(f"models/m/{ids['old']}") is None
        assert artifacts.info(f"models/m/{ids['busy']}/x.bin") is not None
        assert models.get_version("m", version.version).storage == f"models/m/{ids['kept']}"
        assert any(e.path == "MLmodel" for e in artifacts.list(f"models/m/{ids['kept']}"))
    finally:
        models.close()
