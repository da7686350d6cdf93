"""The online-endpoint / online-deployment CLI against a server process, a custom score.py,
and endpoints coming back after the server is killed and restarted."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from modelyard.cli.main import app
from tests.endpoints.conftest import training_data
from tests.support.server import server_process

SCORE_PY = '''
import json, os
from modelyard.models.packaging import load_model_folder

def init():
    global model
    model = load_model_folder(os.environ["AZUREML_MODEL_DIR"])

def run(raw_data):
    rows = json.loads(raw_data)["input_data"]
    import pandas as pd
    frame = pd.DataFrame(rows["data"], columns=rows["columns"])
    return {"predictions": [int(p) * 10 for p in model.predict(frame)], "custom": True}
'''


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie (exited, not yet reaped) counts as gone
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    except OSError:
        return False


def _worker_pids(server_pid: int) -> set[int]:
    """Live worker processes of one server (its deployments' workers and the pre-started spare)."""
    pids = set()
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                cmd = (proc / "cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            if b"modelyard.endpoints.worker" in cmd and str(server_pid).encode() in cmd:
                pids.add(int(proc.name))
    return {p for p in pids if _alive(p)}


def test_cli_custom_score_py_and_restart(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from sklearn.linear_model import LogisticRegression

    from modelyard.models.packaging import save_model

    monkeypatch.chdir(tmp_path)
    X, y = training_data()
    model = LogisticRegression().fit(X, y)
    save_model(model, tmp_path / "model", input_example=X.head())
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "score.py").write_text(SCORE_PY)
    (tmp_path / "ep.yml").write_text("$schema: x\nname: churn\nauth_mode: key\n")
    (tmp_path / "dep.yml").write_text("name: custom\nendpoint_name: churn\nmodel: azureml:clf:1\n"
                                      "instance_count: 1\ncode_configuration:\n  code: ./src\n  scoring_script: score.py\n")
    (tmp_path / "req.json").write_text(json.dumps({"input_data": {"columns": ["a", "b", "c"],
                                                                   "data": X.head(3).values.tolist()}}))
    expected = [int(p) * 10 for p in model.predict(X.head(3))]
    runner = CliRunner()
    with server_process(tmp_path / "ws") as server:
        def cli(*args: str):
            res = runner.invoke(app, ["-w", server.url, *args])
            assert res.exit_code == 0, res.stderr
            return res.stdout

        cli("model", "create", "--name", "clf", "--path", str(tmp_path / "model"))
        cli("online-endpoint", "create", "-f", "ep.yml")
        dep = json.loads(cli("online-deployment", "create", "-f", "dep.yml", "--wait", "-o", "json"))
        assert dep["state"] == "Ready"
        answer = json.loads(cli("online-endpoint", "invoke", "churn", "--request-file", "req.json"))
        assert answer == {"predictions": expected, "custom": True}
        keys = json.loads(cli("online-endpoint", "get-credentials", "churn"))
        assert keys["primaryKey"] and keys["secondaryKey"]
        (tmp_path / "tok.yml").write_text("name: tokened\nauth_mode: aml_token\n")
        assert "aml_token" in cli("online-endpoint", "create", "-f", "tok.yml")
        token = json.loads(cli("online-endpoint", "get-credentials", "tokened"))
        assert token["tokenType"] == "Bearer" and token["accessToken"].startswith("yt1.")
        cli("online-endpoint", "delete", "tokened", "--yes")
        assert "worker-0.log" in cli("online-deployment", "get-logs", "custom", "-e", "churn")
        shown = json.loads(cli("online-endpoint", "show", "churn", "-o", "json"))
        assert shown["traffic"] == {"custom": 100} and "keys" not in shown
        before = _worker_pids(server.proc.pid)
        assert len(before) == 2  # the deployment's worker and the pre-started spare

        server.kill()
        deadline = time.monotonic() + 30
        while any(_alive(p) for p in before) and time.monotonic() < deadline:
            time.sleep(0.1)  # orphaned workers notice their server is gone and exit
        assert not any(_alive(p) for p in before)

        server.restart()
        deadline = time.monotonic() + 180
        status, body = 0, {}
        while time.monotonic() < deadline:
            r = httpx.post(f"{server.url}/endpoints/churn/score", content=(tmp_path / "req.json").read_bytes(),
                           headers={"authorization": f"Bearer {keys['primaryKey']}"}, timeout=60)
            status, body = r.status_code, r.json()
            if status == 200:
                break
            time.sleep(0.2)  # waiting for the deployment to come back, not timing it
        assert status == 200 and body["predictions"] == expected, body
        assert len(_worker_pids(server.proc.pid)) == 2
        cli("online-endpoint", "delete", "churn", "--yes")
        deadline = time.monotonic() + 30
        while _worker_pids(server.proc.pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not _worker_pids(server.proc.pid)  # no endpoint left: no spare either
