"""The database layer under the SQL tracking store: engines, migrations, relocation."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from modelyard.db.engine import create_engine_for, write_transaction
from modelyard.db.migrate import current_revision, head_revision, upgrade
from modelyard.errors import BackendUnavailable, InvalidArgument
from modelyard.tracking.entities import Metric, RunSource, RunStatus
from modelyard.tracking.sql import SqlTrackingStore
from modelyard.tracking.sql.tables import metadata


def test_migrations_build_the_schema_the_store_queries(sql_url: str) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    engine = create_engine_for(sql_url)
    try:
        upgrade(engine)
        upgrade(engine)  # a second time is a no-op
        ours = set(metadata.tables)

        def include(obj, name, type_, reflected, compare_to) -> bool:
            table = obj if type_ == "table" else getattr(obj, "table", None)
            return table is not None and table.name in ours  # later revisions' tables aside

        with engine.connect() as conn:
            assert current_revision(conn) == head_revision()
            context = MigrationContext.configure(
                conn, opts={"include_object": include, "compare_type": True}
            )
            assert compare_metadata(context, metadata) == []
            assert ours <= set(sa.inspect(conn).get_table_names())
    finally:
        engine.dispose()


def test_head_revision_matches_alembic() -> None:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from modelyard.db.migrate import MIGRATIONS_DIR

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    assert ScriptDirectory.from_config(config).get_heads() == [head_revision()]


def test_opening_a_migrated_database_does_not_load_alembic(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'workspace.db'}"
    SqlTrackingStore(url).close()
    code = (
        "import sys; from modelyard.tracking.sql import SqlTrackingStore; "
        f"s = SqlTrackingStore({url!r}); s.create_experiment('x'); s.close(); "
        "print('alembic' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_sqlite_engine_settings(tmp_path: Path) -> None:
    engine = create_engine_for(f"sqlite:///{tmp_path / 'w.db'}")
    try:
        with engine.connect() as conn:
            pragma = {
                name: conn.exec_driver_sql(f"PRAGMA {name}").scalar()
                for name in ("journal_mode", "busy_timeout", "synchronous", "foreign_keys")
            }
        assert pragma == {
            "journal_mode": "wal",
            "busy_timeout": 30000,
            "synchronous": 1,
            "foreign_keys": 1,
        }
        with write_transaction(engine) as conn:
            conn.exec_driver_sql("CREATE TABLE t (x INTEGER)")
            conn.exec_driver_sql("INSERT INTO t VALUES (1)")
        with pytest.raises(RuntimeError), write_transaction(engine) as conn:
            conn.exec_driver_sql("INSERT INTO t VALUES (2)")
            raise RuntimeError("roll back")
        with engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT x FROM t").scalars().all() == [1]
    finally:
        engine.dispose()


def test_unreachable_databases_are_backend_unavailable(tmp_path: Path) -> None:
    with pytest.raises(BackendUnavailable):
        SqlTrackingStore("postgresql://postgres@127.0.0.1:1/nothing?connect_timeout=5")
    with pytest.raises(BackendUnavailable):
        SqlTrackingStore(f"sqlite:///{tmp_path / 'no' / 'such' / 'folder' / 'w.db'}")


@pytest.mark.parametrize("url", ["mysql://u@h/db", "not a url", "oracle://x"])
def test_unsupported_urls(url: str) -> None:
    with pytest.raises(InvalidArgument):
        SqlTrackingStore(url)


def test_embedded_workspace_is_relocatable(tmp_path: Path) -> None:
    original = tmp_path / "first" / "place" / ".modelyard"
    original.mkdir(parents=True)
    store = SqlTrackingStore(f"sqlite:///{original / 'workspace.db'}")
    exp = store.create_experiment("portable", tags={"k": "v"})
    source = RunSource(entry_point="train.py", packages={"numpy": "1.26"})
    parent = store.create_run(exp.id, name="parent", source=source)
    child = store.create_run(exp.id, name="child", parent_id=parent.id)
    store.log_batch(
        child.id,
        metrics=[Metric("loss", 1.0 / (i + 1), i, 1_700_000_000_000 + i) for i in range(50)],
        params={"lr": "0.1"},
        tags={"t": "x"},
    )
    store.update_run(child.id, status=RunStatus.FINISHED)
    before = store.search_runs(experiment_ids=[exp.id]).runs
    store.close()

    moved = tmp_path / "elsewhere" / "copy"
    shutil.copytree(original, moved)
    shutil.rmtree(tmp_path / "first")
    for path in moved.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            assert str(original).encode() not in data
            assert str(tmp_path).encode() not in data

    store = SqlTrackingStore(f"sqlite:///{moved / 'workspace.db'}")
    try:
        assert store.search_runs(experiment_ids=[exp.id]).runs == before
        assert len(store.get_metric_history(child.id, "loss")) == 50
        assert store.get_run(child.id).artifact_location == f"runs/{child.id}"
        assert store.get_experiment(exp.id).tags == {"k": "v"}
    finally:
        store.close()


def test_a_database_from_a_newer_modelyard_is_refused_clearly(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'workspace.db'}"
    SqlTrackingStore(url).close()
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.exec_driver_sql("UPDATE alembic_version SET version_num = '9999_future'")
    engine.dispose()
    with pytest.raises(BackendUnavailable, match="9999_future"):
        SqlTrackingStore(url)
