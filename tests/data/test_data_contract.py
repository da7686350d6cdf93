"""The one contract suite of DataStore, run against SQLite, PostgreSQL and REST.

No backend special cases: a difference between backends is a bug.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from modelyard.data.assets import create_from_path
from modelyard.data.entities import (
    DatastoreType,
    DataType,
    LineageDirection,
    TableFormat,
    TableSpec,
)
from modelyard.data.load import load_table, resolve_path
from modelyard.data.store import DataStore
from modelyard.errors import AlreadyExists, InvalidArgument, InvalidState, NotFound
from tests.data._helpers import write_csv


@pytest.fixture
def csv_file(tmp_path: Path) -> Path:
    return write_csv(tmp_path / "src" / "people.csv", [[1, "ann", 31.5], [2, "bob", None], [3, "cy", 40.0]],
                     ["id", "name", "score"])


def test_table_version_roundtrip(data_store: DataStore, csv_file: Path) -> None:
    v = create_from_path(data_store, name="people", type=DataType.MLTABLE, path=csv_file,
                         description="three people", tags={"team": "a"})
    assert (v.name, v.version, v.type) == ("people", "1", DataType.MLTABLE)
    assert v.content_hash.startswith("sha256:") and v.size_bytes == csv_file.stat().st_size
    assert v.row_count == 3 and v.columns == {"id": "integer", "name": "string", "score": "float"}
    assert data_store.get_version("people") == v
    assert data_store.get_version("people", "1") == v
    assert data_store.get_version("people", "latest") == v
    frame = load_table(data_store, "data:people@latest")
    assert list(frame["name"]) == ["ann", "bob", "cy"]
    assert load_table(data_store, "azureml:people:1", as_arrow=True).num_rows == 3


def test_versions_increment_and_list(data_store: DataStore, csv_file: Path, tmp_path: Path) -> None:
    create_from_path(data_store, name="people", type=DataType.MLTABLE, path=csv_file)
    write_csv(csv_file, [[9, "zed", 1.0]], ["id", "name", "score"])
    v2 = create_from_path(data_store, name="people", type=DataType.MLTABLE, path=csv_file)
    assert v2.version == "2"
    assert [v.version for v in data_store.list_versions("people")] == ["2", "1"]
    assert [v.version for v in data_store.list_assets()] == ["2"]
    v1 = data_store.get_version("people", "1")
    assert v1.content_hash != v2.content_hash
    assert list(load_table(data_store, "people:1")["name"]) == ["ann", "bob", "cy"]
    assert list(load_table(data_store, "people:2")["name"]) == ["zed"]


def test_explicit_version_exists(data_store: DataStore, csv_file: Path) -> None:
    create_from_path(data_store, name="people", type=DataType.MLTABLE, path=csv_file, version="7")
    with pytest.raises(AlreadyExists):
        create_from_path(data_store, name="people", type=DataType.MLTABLE, path=csv_file, version="7")
    assert [v.version for v in data_store.list_versions("people")] == ["7"]
    assert create_from_path(data_store, name="people", type=DataType.MLTABLE, path=csv_file).version == "8"


def test_uri_file_and_folder(data_store: DataStore, tmp_path: Path) -> None:
    folder = tmp_path / "imgs"
    (folder / "sub").mkdir(parents=True)
    (folder / "a.txt").write_text("alpha")
    (folder / "sub" / "b.txt").write_text("beta")
    vf = create_from_path(data_store, name="imgs", type=DataType.URI_FOLDER, path=folder)
    assert vf.file_count == 2 and vf.size_bytes == 9
    assert [f.path for f in data_store.list_files("imgs", vf.version)] == ["a.txt", "sub/b.txt"]
    with data_store.open_file("imgs", vf.version, "sub/b.txt") as fh:
        assert fh.read() == b"beta"
    root = resolve_path(data_store, "imgs:1", cache=tmp_path / "cache")
    assert (root / "sub" / "b.txt").read_text() == "beta"
    one = create_from_path(data_store, name="note", type=DataType.URI_FILE, path=folder / "a.txt")
    assert resolve_path(data_store, "note@latest", cache=tmp_path / "cache").read_text() == "alpha"
    assert one.file_count == 1
    with pytest.raises(InvalidArgument):
        data_store.get_profile("imgs", "1")
    with pytest.raises(InvalidArgument):
        create_from_path(data_store, name="bad", type=DataType.URI_FILE, path=folder)


def test_profile_is_served_and_cached(data_store: DataStore, csv_file: Path) -> None:
    create_from_path(data_store, name="people", type=DataType.MLTABLE, path=csv_file)
    profile = data_store.get_profile("people", "1")
    assert profile.row_count == 3
    score = profile.column("score")
    assert score.missing_count == 1 and score.mean == pytest.approx(35.75)
    assert score.min == 31.5 and score.max == 40.0
    assert sum(n for _, _, n in score.histogram) == 2
    assert profile.column("name").top_values[0][1] == 1
    assert data_store.get_profile("people", "1") == profile  # cached: the same computation


def test_preview_reads_the_first_rows(data_store: DataStore, csv_file: Path, tmp_path: Path) -> None:
    create_from_path(data_store, name="people", type=DataType.MLTABLE, path=csv_file)
    preview = data_store.preview("people", "1", rows=2)
    assert (preview.columns, preview.types) == (["id", "name", "score"], ["integer", "string", "float"])
    assert preview.rows == [[1, "ann", 31.5], [2, "bob", None]] and preview.truncated
    whole = data_store.preview("people", "1")
    assert len(whole.rows) == 3 and not whole.truncated
    for rows in (0, 1001):
        with pytest.raises(InvalidArgument, match="rows"):
            data_store.preview("people", "1", rows=rows)
    odd = tmp_path / "odd.jsonl"
    odd.write_text('{"when": "2024-01-02T03:04:05", "x": 1.5}\n{"when": null, "x": null}\n')
    create_from_path(data_store, name="odd", type=DataType.MLTABLE, path=odd)
    assert data_store.preview("odd", "1").rows == [["2024-01-02T03:04:05", 1.5], [None, None]]
    folder = tmp_path / "notes"
    folder.mkdir()
    (folder / "a.txt").write_text("alpha")
    create_from_path(data_store, name="notes", type=DataType.URI_FOLDER, path=folder)
    with pytest.raises(InvalidArgument, match="not a table"):
        data_store.preview("notes", "1")
    with pytest.raises(NotFound):
        data_store.preview("people", "9")


def test_update_archive_restore(data_store: DataStore, csv_file: Path) -> None:
    create_from_path(data_store, name="people", type=DataType.MLTABLE, path=csv_file)
    create_from_path(data_store, name="people", type=DataType.MLTABLE, path=csv_file)
    updated = data_store.update_version("people", "1", description="first", tags={"k": "v"})
    assert (updated.description, updated.tags) == ("first", {"k": "v"})
    data_store.set_archived("people", "2", True)
    assert data_store.get_version("people").version == "1"
    assert data_store.get_version("people", "2").archived
    assert [v.version for v in data_store.list_versions("people")] == ["1"]
    data_store.set_archived("people", None, True)
    assert data_store.list_assets() == []
    with pytest.raises(NotFound):
        data_store.get_version("people")
    assert [v.name for v in data_store.list_assets(include_archived=True)] == ["people"]
    data_store.set_archived("people", None, False)
    assert data_store.get_version("people").version == "2"
    with pytest.raises(NotFound):
        data_store.set_archived("nobody", None, True)


def test_unknown_names(data_store: DataStore) -> None:
    with pytest.raises(NotFound):
        data_store.get_version("missing")
    with pytest.raises(NotFound):
        data_store.get_version("missing", "3")
    with pytest.raises(NotFound):
        data_store.list_versions("missing")
    with pytest.raises(NotFound):
        data_store.get_datastore("missing")
    with pytest.raises(NotFound):
        data_store.get_profile("missing", "1")


@pytest.mark.parametrize("name", ["a/b", "..", "a..b", "../etc", "", "-x", "x" * 300])
def test_bad_names_are_refused(data_store: DataStore, csv_file: Path, name: str) -> None:
    with pytest.raises(InvalidArgument):
        create_from_path(data_store, name=name, type=DataType.MLTABLE, path=csv_file)
    assert data_store.list_assets(include_archived=True) == []


def test_local_datastore_is_copied(data_store: DataStore, tmp_path: Path) -> None:
    folder = tmp_path / "lake"
    write_csv(folder / "t" / "part.csv", [[1, 2]], ["a", "b"])
    ds = data_store.create_datastore("lake", type=DatastoreType.LOCAL, config={"path": str(folder)},
                                     description="a folder")
    assert ds.type == DatastoreType.LOCAL and data_store.list_datastores() == [ds]
    with pytest.raises(AlreadyExists):
        data_store.create_datastore("lake", type=DatastoreType.LOCAL, config={"path": str(folder)})
    v = data_store.create_version("t", type=DataType.MLTABLE, source="datastore://lake/t")
    write_csv(folder / "t" / "part.csv", [[5, 6], [7, 8]], ["a", "b"])  # the source changes...
    assert load_table(data_store, "t:1")["a"].tolist() == [1]  # ...the version does not
    assert v.row_count == 1
    with pytest.raises(NotFound):
        data_store.create_version("u", type=DataType.MLTABLE, source="datastore://lake/nope")
    with pytest.raises(NotFound):
        data_store.create_version("u", type=DataType.MLTABLE, source="datastore://ghost/t")
    data_store.delete_datastore("lake")  # content was copied: nothing refers to the datastore
    with pytest.raises(NotFound):
        data_store.delete_datastore("lake")


def test_datastore_secrets_are_refused(data_store: DataStore) -> None:
    with pytest.raises(InvalidArgument):
        data_store.create_datastore("s3", type=DatastoreType.S3,
                                    config={"bucket": "b-1", "secret_key": "abc"})
    with pytest.raises(InvalidArgument):
        data_store.create_datastore("db", type=DatastoreType.SQL,
                                    config={"url": "postgresql://me:hunter2@host/db"})
    with pytest.raises(InvalidArgument):
        data_store.create_datastore("db", type=DatastoreType.SQL, config={"url": "sqlite://", "host": "x"})
    ok = data_store.create_datastore("db", type=DatastoreType.SQL,
                                     config={"url": "postgresql://me@host/db", "password_env": "DB_PW"})
    assert ok.config == {"url": "postgresql://me@host/db", "password_env": "DB_PW"}
    assert data_store.list_datastores() == [ok]


def test_sql_table(data_store: DataStore, tmp_path: Path) -> None:
    import sqlite3

    db = tmp_path / "sales.db"
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE sales (region TEXT, amount REAL)")
        conn.executemany("INSERT INTO sales VALUES (?, ?)", [("n", 1.5), ("s", 2.5), ("n", 4.0)])
    data_store.create_datastore("sales", type=DatastoreType.SQL, config={"url": f"sqlite:///{db}"})
    spec = TableSpec(format=TableFormat.SQL, datastore="sales",
                     query="SELECT region, SUM(amount) AS total FROM sales GROUP BY region ORDER BY region")
    v = create_from_path(data_store, name="by_region", type=DataType.MLTABLE, path=None, table=spec)
    assert v.row_count == 2 and v.columns == {"region": "string", "total": "float"}
    assert load_table(data_store, "by_region:1")["total"].tolist() == [5.5, 2.5]
    assert data_store.get_profile("by_region", "1").column("total").max == 5.5
    head = data_store.preview("by_region", "1", rows=1)
    assert head.rows == [["n", 5.5]] and head.truncated
    with pytest.raises(InvalidState):
        data_store.delete_datastore("sales")
    bad = TableSpec(format=TableFormat.SQL, datastore="sales", query="SELECT * FROM no_such_table")
    with pytest.raises(InvalidArgument, match="query"):
        create_from_path(data_store, name="broken", type=DataType.MLTABLE, path=None, table=bad)
    with pytest.raises(NotFound):
        data_store.list_versions("broken")


def test_lineage(data_store: DataStore, csv_file: Path) -> None:
    create_from_path(data_store, name="people", type=DataType.MLTABLE, path=csv_file)
    data_store.add_lineage("people", "1", run_id="run-a", direction=LineageDirection.INPUT)
    data_store.add_lineage("people", "1", run_id="run-a", direction=LineageDirection.INPUT)
    data_store.add_lineage("people", "1", run_id="run-b", direction=LineageDirection.OUTPUT)
    entries = data_store.list_lineage(name="people", version="1")
    assert [(e.run_id, e.direction) for e in entries] == [
        ("run-a", LineageDirection.INPUT), ("run-b", LineageDirection.OUTPUT)]
    assert [e.name for e in data_store.list_lineage(run_id="run-b")] == ["people"]
    with pytest.raises(NotFound):
        data_store.add_lineage("people", "9", run_id="run-a", direction=LineageDirection.INPUT)
