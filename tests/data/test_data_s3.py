"""S3 datastores against the loopback S3 server (moto), on every DataStore backend: files
and tables registered from a bucket, bad buckets refused with nothing half-registered, and
credentials read from the environment or a named profile, never stored."""

from __future__ import annotations

import shutil
import uuid
from pathlib import Path
from typing import Any

import pytest

import modelyard as yard
from modelyard.data.entities import DatastoreType, DataType
from modelyard.data.errors import DataChanged
from modelyard.data.load import load_table, resolve_path
from modelyard.data.sql import SqlDataStore
from modelyard.data.store import DataStore
from modelyard.errors import InvalidArgument, NotFound

pytestmark = pytest.mark.s3

SALES = b"region,amount\nnorth,1.5\nsouth,2.5\nnorth,4.0\n"


@pytest.fixture
def lake(s3_endpoint: str, s3_fs: Any, s3_bucket: str) -> dict[str, str]:
    """A bucket holding ``raw/tables/sales.csv`` and ``raw/notes/readme.txt``."""
    s3_fs.pipe(f"{s3_bucket}/raw/tables/sales.csv", SALES)
    s3_fs.pipe(f"{s3_bucket}/raw/notes/readme.txt", b"hello from s3")
    return {"bucket": s3_bucket, "prefix": "raw", "endpoint_url": s3_endpoint}


def test_file_and_table_from_an_s3_datastore(
    data_store: DataStore, lake: dict[str, str], tmp_path: Path
) -> None:
    ds = data_store.create_datastore("lake", type=DatastoreType.S3, config=lake)
    assert ds.type == DatastoreType.S3 and ds.config["bucket"] == lake["bucket"]
    note = data_store.create_version(
        "note", type=DataType.URI_FILE, source="datastore://lake/notes/readme.txt"
    )
    assert (note.file_count, note.size_bytes, note.storage) == (
        1,
        13,
        "datastore://lake/notes/readme.txt",
    )
    assert note.content_hash.startswith("sha256:")
    assert (
        resolve_path(data_store, "note:1", cache=tmp_path / "cache").read_bytes()
        == b"hello from s3"
    )

    table = data_store.create_version(
        "sales", type=DataType.MLTABLE, source="datastore://lake/tables"
    )
    assert table.row_count == 3 and table.columns == {"region": "string", "amount": "float"}
    frame = load_table(data_store, "data:sales@latest")
    assert frame["amount"].tolist() == [1.5, 2.5, 4.0]
    profile = data_store.get_profile("sales", "1")
    assert profile.column("amount").max == 4.0
    assert profile.column("region").top_values[0] == ("north", 2)
    with data_store.open_file("sales", "1", "sales.csv") as fh:
        assert fh.read() == SALES


def test_a_bucket_that_does_not_exist_registers_nothing(
    data_store: DataStore, lake: dict[str, str]
) -> None:
    ghost = {**lake, "bucket": f"modelyard-missing-{uuid.uuid4().hex[:8]}"}
    data_store.create_datastore("ghost", type=DatastoreType.S3, config=ghost)
    for kind, path in ((DataType.MLTABLE, "tables"), (DataType.URI_FILE, "notes/readme.txt")):
        with pytest.raises(NotFound, match=ghost["bucket"]):
            data_store.create_version("lost", type=kind, source=f"datastore://ghost/{path}")
    data_store.create_datastore("lake", type=DatastoreType.S3, config=lake)
    with pytest.raises(NotFound, match="nope.csv"):
        data_store.create_version(
            "lost", type=DataType.URI_FILE, source="datastore://lake/nope.csv"
        )
    with pytest.raises(NotFound):
        data_store.list_versions("lost")
    assert data_store.list_assets(include_archived=True) == []


def test_credentials_are_never_stored(
    tmp_path: Path, lake: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    secret = f"secret-{uuid.uuid4().hex}"
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", secret)
    with yard.Workspace(tmp_path / "ws") as ws:
        with pytest.raises(InvalidArgument, match="secret"):
            ws.datastores.create(name="leaky", type="s3", secret_access_key=secret, **lake)
        ws.datastores.create(name="lake", type="s3", **lake)
        ws.data.create_or_update(name="sales", path="datastore://lake/tables", type="mltable")
        assert ws.data.load_table("sales:1")["region"].tolist() == ["north", "south", "north"]
    stored = [p for p in (tmp_path / "ws").rglob("*") if p.is_file()]
    assert stored and not any(secret.encode() in p.read_bytes() for p in stored)


def test_credentials_from_a_named_profile(
    data_store: DataStore, lake: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    credentials = tmp_path / "credentials"
    credentials.write_text(
        "[lab]\naws_access_key_id = lab-key\naws_secret_access_key = lab-secret\n", encoding="utf-8"
    )
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(credentials))
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    ds = data_store.create_datastore(
        "lab", type=DatastoreType.S3, config={**lake, "profile": "lab"}
    )
    assert ds.config["profile"] == "lab" and not any("key" in k for k in ds.config)
    v = data_store.create_version("sales", type=DataType.MLTABLE, source="datastore://lab/tables")
    assert v.row_count == 3
    data_store.create_datastore(
        "elsewhere", type=DatastoreType.S3, config={**lake, "profile": "nobody"}
    )
    with pytest.raises(NotFound, match="nobody.*could not be found|could not be found.*nobody"):
        data_store.create_version(
            "other", type=DataType.MLTABLE, source="datastore://elsewhere/tables"
        )
    data_store.create_datastore("bare", type=DatastoreType.S3, config=lake)  # no keys anywhere
    with pytest.raises(NotFound, match="credentials"):
        data_store.create_version("other", type=DataType.MLTABLE, source="datastore://bare/tables")
    assert [a.name for a in data_store.list_assets()] == ["sales"]


def test_a_changed_object_is_refused_naming_the_file_and_version(
    data_store: DataStore, lake: dict[str, str], s3_fs: Any, tmp_path: Path
) -> None:
    data_store.create_datastore("lake", type=DatastoreType.S3, config=lake)
    data_store.create_version("note", type=DataType.URI_FILE, source="datastore://lake/notes/readme.txt")
    data_store.create_version("sales", type=DataType.MLTABLE, source="datastore://lake/tables")
    bucket = lake["bucket"]

    s3_fs.pipe(f"{bucket}/raw/notes/readme.txt", b"HELLO FROM S3")  # same size, other bytes
    with pytest.raises(DataChanged, match=r"'readme.txt' of data:note:1 changed") as caught:
        resolve_path(data_store, "note:1", cache=tmp_path / "cache")
    assert caught.value.details["ref"] == "data:note:1"
    with pytest.raises(DataChanged, match="readme.txt"):
        data_store.open_file("note", "1", "readme.txt")
    assert not (tmp_path / "cache").exists() or not any((tmp_path / "cache").rglob("readme.txt"))

    cached = tmp_path / "cached"
    assert load_table(data_store, "sales:1", cache=cached)["amount"].tolist() == [1.5, 2.5, 4.0]
    s3_fs.pipe(f"{bucket}/raw/tables/more.csv", b"region,amount\neast,9.0\n")
    with pytest.raises(DataChanged, match=r"'more.csv' of data:sales:1 was added"):
        load_table(data_store, "sales:1", cache=tmp_path / "fresh")
    # a copy downloaded (and checked) before the change is the registered content: still served
    assert load_table(data_store, "sales:1", cache=cached)["amount"].tolist() == [1.5, 2.5, 4.0]
    s3_fs.rm(f"{bucket}/raw/tables/more.csv")
    s3_fs.rm(f"{bucket}/raw/tables/sales.csv")
    with pytest.raises(DataChanged, match=r"'sales.csv' of data:sales:1 was deleted"):
        data_store.list_files("sales", "1")

    s3_fs.pipe(f"{bucket}/raw/tables/sales.csv", SALES)  # the registered bytes again
    assert [f.path for f in data_store.list_files("sales", "1")] == ["sales.csv"]
    again = data_store.create_version("note", type=DataType.URI_FILE, source="datastore://lake/notes/readme.txt")
    with data_store.open_file("note", again.version, "readme.txt") as fh:
        assert fh.read() == b"HELLO FROM S3"  # the new content is a new version


def test_a_version_registered_before_manifests_is_checked_by_its_hash(
    sqlite_store: SqlDataStore, lake: dict[str, str], s3_fs: Any, tmp_path: Path
) -> None:
    sqlite_store.create_datastore("lake", type=DatastoreType.S3, config=lake)
    sqlite_store.create_version("sales", type=DataType.MLTABLE, source="datastore://lake/tables")
    manifests = tmp_path / "artifacts" / "data" / "sales" / ".manifests"
    assert len(list(manifests.iterdir())) == 1
    shutil.rmtree(manifests)  # as a version registered by an older release

    assert [f.path for f in sqlite_store.list_files("sales", "1")] == ["sales.csv"]
    assert len(list(manifests.iterdir())) == 1  # checked by hashing, then recorded
    shutil.rmtree(manifests)
    s3_fs.pipe(f"{lake['bucket']}/raw/tables/sales.csv", SALES.replace(b"4.0", b"5.0"))
    with pytest.raises(DataChanged, match="data:sales:1"):
        sqlite_store.list_files("sales", "1")
