"""yard.log_model / yard.load_model and ws.models, on an embedded workspace and on a server."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import pytest

import modelyard as yard
from modelyard.errors import InvalidArgument, NotFound
from modelyard.sdk import fluent
from tests.support.server import live_server


@pytest.fixture(params=["embedded", "server"])
def ws(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[yard.Workspace]:
    monkeypatch.delenv("MODELYARD_RUN_ID", raising=False)
    with contextlib.ExitStack() as stack:
        if request.param == "server":
            location = stack.enter_context(live_server(tmp_path / "served")).url
        else:
            location = str(tmp_path / "ws")
        workspace = yard.set_workspace(location)
        yield workspace
        for run in reversed(fluent._active_runs.get()):
            run.end()
        fluent._active_runs.set(())
        fluent._workspace.set(None)
        fluent._default.get().workspace = None
        workspace.close()


def test_log_register_and_load_by_every_uri(ws: yard.Workspace, sk_pipeline, frame) -> None:
    X, _ = frame
    expected = list(sk_pipeline.predict(X))
    with yard.start_run(experiment="models") as run:
        info = yard.log_model(sk_pipeline, "model", input_example=X.head())
    assert info.model_uri == f"runs:/{run.id}/model" and info.flavor == "sklearn"
    assert list(yard.load_model(info.model_uri).predict(X)) == expected

    v1 = ws.models.create(name="churn", path=info.model_uri)
    assert (v1.version, v1.run_id, v1.source) == (1, run.id, info.model_uri)
    v2 = ws.models.create(name="churn", path=info.model_uri, tags={"note": "again"})
    ws.models.set_alias("churn", "production", 1)
    for uri in ("models:/churn/1", "models:/churn/latest", "models:/churn@production", "churn:2"):
        assert list(yard.load_model(uri).predict(X)) == expected, uri
    assert ws.models.get("churn").version == v2.version == 2
    assert ws.models.get("churn", alias="production").version == 1
    lineage = ws.models.lineage("churn", 1)
    assert lineage["run"]["id"] == run.id
    assert [v.version for v in ws.models.store.list_versions_of_run(run.id)] == [1, 2]


def test_log_model_without_active_run_and_registered_name(ws: yard.Workspace, sk_pipeline, frame) -> None:
    X, _ = frame
    info = yard.log_model(sk_pipeline, "clf", input_example=X.head(), registered_model_name="auto")
    assert info.registered_version is not None and info.registered_version.version == 1
    assert yard.active_run() is None
    assert ws.runs.get(info.run_id).status == "Finished"
    assert list(yard.load_model("models:/auto/1").predict(X.head())) == list(sk_pipeline.predict(X.head()))


def test_download_and_errors(ws: yard.Workspace, model_folder: Path, tmp_path: Path) -> None:
    ws.models.create(name="local", path=model_folder)
    out = ws.models.download("local", 1, dest=tmp_path / "dl")
    assert (out / "MLmodel").is_file()
    with pytest.raises(NotFound):
        yard.load_model("models:/local/7")
    with pytest.raises(NotFound):
        yard.load_model("models:/local@nope")
    with pytest.raises(InvalidArgument):
        yard.load_model("models:/bad name")
