"""Registration through the SDK: immutability, bad input leaving nothing behind, lineage."""

from __future__ import annotations

from pathlib import Path

import pytest

import modelyard as yard
from modelyard.errors import AlreadyExists, InvalidArgument, NotFound
from tests.data._helpers import write_csv


@pytest.fixture
def ws(tmp_path: Path):
    with yard.Workspace(tmp_path / ".modelyard") as workspace:
        yield workspace


def _stored_files(ws, name: str) -> list[str]:
    root = ws.location.artifact_root / "data" / name
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()) if root.exists() else []


def test_changed_source_makes_a_new_version_and_v1_keeps_its_content(ws, tmp_path: Path) -> None:
    src = write_csv(tmp_path / "sales.csv", [[1, 10.0], [2, 20.0]], ["id", "amount"])
    v1 = ws.data.create_or_update(name="sales", path=src, type="mltable")
    write_csv(src, [[1, 11.0], [2, 22.0], [3, 33.0]], ["id", "amount"])
    v2 = ws.data.create_or_update(name="sales", path=src, type="mltable")
    assert (v1.version, v2.version) == ("1", "2")
    assert v1.content_hash != v2.content_hash
    assert ws.data.load_table("data:sales:1")["amount"].tolist() == [10.0, 20.0]
    assert yard.data.load_table("data:sales@latest", workspace=ws)["amount"].tolist() == [11.0, 22.0, 33.0]
    assert ws.data.get("sales", 1).content_hash == v1.content_hash
    run_id = "3f2a"
    ws.data.record_use("data:sales:1", run_id=run_id, direction="input")
    assert [(e.run_id, str(e.direction)) for e in ws.data.lineage("sales", 1)] == [(run_id, "input")]


def test_missing_path(ws, tmp_path: Path) -> None:
    with pytest.raises(NotFound, match="no such file"):
        ws.data.create_or_update(name="ghost", path=tmp_path / "nope.csv", type="mltable")
    assert ws.data.list(include_archived=True) == []


def test_malformed_csv_leaves_nothing(ws, tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b\n1,2\n3,4,5,6\n7\n" + "x,y\n" * 10, encoding="utf-8")
    with pytest.raises(InvalidArgument, match="cannot be read"):
        ws.data.create_or_update(name="bad", path=bad, type="mltable")
    with pytest.raises(NotFound):
        ws.data.list("bad")
    assert _stored_files(ws, "bad") == []


def test_existing_version_leaves_nothing_new(ws, tmp_path: Path) -> None:
    src = write_csv(tmp_path / "t.csv", [[1]], ["a"])
    ws.data.create_or_update(name="t", path=src, type="mltable", version="1")
    before = _stored_files(ws, "t")
    with pytest.raises(AlreadyExists):
        ws.data.create_or_update(name="t", path=src, type="mltable", version="1")
    assert _stored_files(ws, "t") == before


@pytest.mark.parametrize("name", ["a/b", "../up", "x..y"])
def test_bad_names_write_nothing(ws, tmp_path: Path, name: str) -> None:
    src = write_csv(tmp_path / "t.csv", [[1]], ["a"])
    with pytest.raises(InvalidArgument, match="name"):
        ws.data.create_or_update(name=name, path=src, type="mltable")
    assert not (ws.location.artifact_root / "data").exists()


def test_yaml_spec_and_refs(ws, tmp_path: Path) -> None:
    write_csv(tmp_path / "d" / "iris.csv", [[5.1, "setosa"]], ["sepal", "species"])
    spec = tmp_path / "data.yml"
    spec.write_text(
        "$schema: https://azuremlschemas.azureedge.net/latest/data.schema.json\n"
        "name: iris\ntype: mltable\npath: d/iris.csv\ntags: {team: ml}\nversion: 3\n",
        encoding="utf-8",
    )
    v = ws.data.create_from_yaml(spec)
    assert (v.version, v.tags) == ("3", {"team": "ml"})
    assert ws.data.get_ref("azureml:iris:3") == v == ws.data.get_ref("iris@latest")
    with pytest.raises(InvalidArgument):
        ws.data.get_ref("iris@newest")


def test_datastores_from_the_sdk(ws, tmp_path: Path) -> None:
    ds = ws.datastores.create(name="lake", type="local", path=str(tmp_path))
    assert ws.datastores.get("lake") == ds
    assert [d.name for d in ws.datastores.list()] == ["lake"]
    ws.datastores.delete("lake")
    assert ws.datastores.list() == []
