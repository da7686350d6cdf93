"""A deployment's custom score.py is uploaded as a code snapshot: the server never reads the
client's folder, so it works against a remote server, and editing or deleting the folder
after creation does not change the deployment."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

import modelyard as yard
from modelyard.endpoints.rest import RestEndpointStore
from modelyard.errors import InvalidArgument
from tests.endpoints.conftest import training_data
from tests.support.server import live_server

SCORE_PY = '''
import json
import helper

def init():
    global seen
    seen = helper.VERSION

def run(raw_data):
    rows = json.loads(raw_data)["input_data"]["data"]
    return {"predictions": [len(r) for r in rows], "version": seen}
'''


def _code(folder: Path, version: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "score.py").write_text(SCORE_PY)
    (folder / "helper.py").write_text(f"VERSION = {version!r}\n")
    return folder


def _model(tmp_path: Path) -> Path:
    from sklearn.linear_model import LogisticRegression

    from modelyard.models.packaging import save_model

    X, y = training_data()
    save_model(LogisticRegression().fit(X, y), tmp_path / "model", input_example=X.head())
    return tmp_path / "model"


def _invoke(ws: Any, endpoint: str) -> dict[str, Any]:
    return ws.endpoints.invoke(endpoint, {"input_data": {"columns": ["a", "b", "c"], "data": [[1.0, 2.0, 3.0]]}})


def test_code_is_uploaded_to_a_remote_server_and_later_edits_do_not_change_it(tmp_path: Path) -> None:
    src = _code(tmp_path / "client" / "src", "v1")
    with live_server(tmp_path / "server-ws") as srv, yard.Workspace(srv.url) as ws:
        ws.models.create(name="clf", path=_model(tmp_path))
        ws.endpoints.create(name="custom")
        dep = ws.endpoints.create_deployment("custom", name="blue", model="clf:1", code=src, scoring_script="score.py")
        assert dep.code is not None and dep.code.startswith("snapshot:") and str(src) not in dep.code
        (src / "helper.py").write_text("VERSION = 'v2'\n")  # edited after creation
        ws.endpoints.wait_ready("custom", "blue")
        assert _invoke(ws, "custom") == {"predictions": [3], "version": "v1"}

        shutil.rmtree(tmp_path / "client")  # the client's folder is gone: new workers start anyway
        ws.endpoints.update_deployment("custom", "blue", instance_count=2)
        ws.endpoints.wait_ready("custom", "blue")
        logs = ws.endpoints.get_logs("custom", "blue")
        assert "worker-1.log" in logs
        assert {_invoke(ws, "custom")["version"] for _ in range(6)} == {"v1"}


def test_the_same_code_gives_the_same_snapshot_and_changed_code_a_new_one(tmp_path: Path) -> None:
    src = _code(tmp_path / "src", "v1")
    with live_server(tmp_path / "server-ws") as srv, yard.Workspace(srv.url) as ws:
        ws.models.create(name="clf", path=_model(tmp_path))
        ws.endpoints.create(name="custom")
        blue = ws.endpoints.create_deployment("custom", name="blue", model="clf:1", code=src, scoring_script="score.py")
        same = ws.endpoints.create_deployment("custom", name="same", model="clf:1", code=src, scoring_script="score.py")
        (src / "helper.py").write_text("VERSION = 'v2'\n")
        green = ws.endpoints.create_deployment("custom", name="green", model="clf:1", code=src,
                                               scoring_script="score.py")
        assert blue.code == same.code != green.code
        ws.endpoints.wait_ready("custom", "blue")
        ws.endpoints.wait_ready("custom", "green")
        assert ws.endpoints.invoke("custom", {"input_data": {"columns": ["a"], "data": [[1.0]]}},
                                   deployment="green")["version"] == "v2"
        assert _invoke(ws, "custom")["version"] == "v1"


def test_code_is_uploaded_into_an_embedded_workspace(tmp_path: Path) -> None:
    src = _code(tmp_path / "src", "v1")
    with yard.Workspace(tmp_path / "ws") as ws:
        ws.models.create(name="clf", path=_model(tmp_path))
        ws.endpoints.create(name="custom")
        dep = ws.endpoints.create_deployment("custom", name="blue", model="clf:1", code=src, scoring_script="score.py")
    assert dep.code is not None and dep.code.startswith("snapshot:")
    shutil.rmtree(src)  # nothing is read from it once the deployment is recorded
    with live_server(tmp_path / "ws") as srv, yard.Workspace(srv.url) as remote:
        remote.endpoints.wait_ready("custom", "blue")
        assert _invoke(remote, "custom") == {"predictions": [3], "version": "v1"}


def test_code_that_is_not_an_uploaded_snapshot_is_refused(tmp_path: Path) -> None:
    src = _code(tmp_path / "src", "v1")
    with live_server(tmp_path / "server-ws") as srv, yard.Workspace(srv.url) as ws:
        ws.models.create(name="clf", path=_model(tmp_path))
        ws.endpoints.create(name="custom")
        store = RestEndpointStore(srv.url)
        try:
            with pytest.raises(InvalidArgument, match="uploaded code snapshot"):
                store.create_deployment("custom", "a", model="clf:1", code=str(src), scoring_script="score.py")
            with pytest.raises(InvalidArgument, match="not uploaded"):
                store.create_deployment("custom", "b", model="clf:1", code="snapshot:" + "0" * 40,
                                        scoring_script="score.py")
        finally:
            store.close()
        with pytest.raises(InvalidArgument, match="code folder not found"):
            ws.endpoints.create_deployment("custom", name="c", model="clf:1", code=tmp_path / "nope",
                                           scoring_script="score.py")
        with pytest.raises(InvalidArgument, match="'main.py' not found"):
            ws.endpoints.create_deployment("custom", name="d", model="clf:1", code=src, scoring_script="main.py")
        with pytest.raises(InvalidArgument, match="scoring_script"):
            ws.endpoints.create_deployment("custom", name="e", model="clf:1", code=src)
        assert ws.endpoints.list_deployments("custom") == []
