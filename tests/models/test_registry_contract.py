"""The one contract suite of ModelStore, run against SQLite, PostgreSQL and REST."""

from __future__ import annotations

from pathlib import Path

import pytest

from modelyard.errors import AlreadyExists, InvalidArgument, NotFound
from modelyard.models.packaging import load_model_folder
from modelyard.models.registry import fetch_version, register, resolve_version
from modelyard.models.store import ModelStore


def test_versions_count_up_and_record_the_descriptor(model_store: ModelStore, model_folder: Path) -> None:
    v1 = register(model_store, name="churn", path=model_folder, description="first", tags={"team": "a"})
    v2 = register(model_store, name="churn", path=model_folder)
    assert (v1.version, v2.version) == (1, 2)
    assert v1.flavors == ("sklearn",) and v1.description == "first" and v1.tags == {"team": "a"}
    assert "a" in v1.signature["inputs"]
    assert v1.uri == "models:/churn/1"
    assert model_store.get_version("churn", "latest").version == 2
    assert [v.version for v in model_store.list_versions("churn")] == [2, 1]
    assert model_store.get_model("churn").latest_version == 2
    assert [m.name for m in model_store.list_models()] == ["churn"]


def test_version_files_load_and_predict(model_store: ModelStore, model_folder: Path, frame, tmp_path: Path) -> None:
    v = register(model_store, name="churn", path=model_folder)
    names = {f.path for f in model_store.list_files("churn", v.version)}
    assert {"MLmodel", "model.pkl", "requirements.txt", "input_example.json"} <= names
    folder = fetch_version(model_store, v, tmp_path / "dl")
    X, _ = frame
    expected = load_model_folder(model_folder).predict(X)
    assert list(load_model_folder(folder).predict(X)) == list(expected)


def test_aliases_move_and_resolve(model_store: ModelStore, model_folder: Path) -> None:
    register(model_store, name="churn", path=model_folder)
    register(model_store, name="churn", path=model_folder)
    model_store.set_alias("churn", "production", 1)
    assert model_store.get_version_by_alias("churn", "production").version == 1
    assert resolve_version(model_store, "models:/churn@production").aliases == ("production",)
    model_store.set_alias("churn", "production", 2)
    assert resolve_version(model_store, "models:/churn@production").version == 2
    assert model_store.get_version("churn", 1).aliases == ()
    assert model_store.get_model("churn").aliases == {"production": 2}
    model_store.delete_alias("churn", "production")
    with pytest.raises(NotFound):
        model_store.get_version_by_alias("churn", "production")
    with pytest.raises(NotFound):
        model_store.delete_alias("churn", "production")
    with pytest.raises(InvalidArgument):
        model_store.set_alias("churn", "latest", 1)
    with pytest.raises(NotFound):
        model_store.set_alias("churn", "staging", 9)


def test_archive_hides_from_latest_but_loads_by_number(model_store: ModelStore, model_folder: Path) -> None:
    register(model_store, name="churn", path=model_folder)
    register(model_store, name="churn", path=model_folder)
    archived = model_store.set_archived("churn", 2, True)
    assert archived.archived
    assert model_store.get_version("churn", "latest").version == 1
    assert model_store.get_version("churn", 2).archived
    assert [v.version for v in model_store.list_versions("churn")] == [1]
    assert [v.version for v in model_store.list_versions("churn", include_archived=True)] == [2, 1]
    model_store.set_archived("churn", 2, False)
    assert model_store.get_version("churn", "latest").version == 2


def test_update_model_and_version(model_store: ModelStore, model_folder: Path) -> None:
    model_store.create_model("churn", description="d", tags={"a": "1"})
    with pytest.raises(AlreadyExists):
        model_store.create_model("churn")
    assert model_store.update_model("churn", tags={"b": "2"}).tags == {"b": "2"}
    register(model_store, name="churn", path=model_folder)
    v = model_store.update_version("churn", 1, description="better", tags={"stage": "x"})
    assert (v.description, v.tags) == ("better", {"stage": "x"})


def test_not_found_and_bad_input(model_store: ModelStore, tmp_path: Path) -> None:
    with pytest.raises(NotFound):
        model_store.get_model("nope")
    with pytest.raises(NotFound):
        model_store.get_version("nope", 1)
    with pytest.raises(InvalidArgument):
        model_store.create_model("bad/name")
    with pytest.raises(InvalidArgument):
        model_store.get_version("nope", "x1")
    empty = tmp_path / "not-a-model"
    empty.mkdir()
    (empty / "file.txt").write_text("x")
    with pytest.raises(InvalidArgument, match="MLmodel"):
        register(model_store, name="churn", path=empty)
    with pytest.raises(NotFound):
        register(model_store, name="churn", path=tmp_path / "missing")


def test_upload_without_descriptor_leaves_nothing(model_store: ModelStore) -> None:
    upload = "0" * 32
    model_store.stage_file("junk", upload, "x.txt", [b"hello"])
    with pytest.raises(InvalidArgument):
        model_store.create_version("junk", source="local", upload_id=upload)
    with pytest.raises(NotFound):
        model_store.get_model("junk")


def test_delete_model(model_store: ModelStore, model_folder: Path) -> None:
    register(model_store, name="churn", path=model_folder)
    model_store.delete_model("churn")
    with pytest.raises(NotFound):
        model_store.get_model("churn")
    assert register(model_store, name="churn", path=model_folder).version == 1
