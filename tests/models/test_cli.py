"""``modelyard model ...`` end to end on an embedded workspace, and the packaged server run
directly (there is no Docker engine here: the build context is checked statically)."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from modelyard.cli.main import app


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv("MODELYARD_WORKSPACE", raising=False)
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    ws = str(tmp_path / "ws")

    def invoke(*args: str):
        return runner.invoke(app, ["-w", ws, *args])

    return invoke


def test_model_commands(cli, model_folder: Path, tmp_path: Path, frame) -> None:
    spec = tmp_path / "model.yml"
    spec.write_text(f"$schema: https://x/model.schema.json\nname: churn\npath: {model_folder}\n"
                    "description: first\ntags: {team: growth}\n")
    created = cli("model", "create", "-f", str(spec), "-o", "json")
    assert created.exit_code == 0, created.stderr
    assert json.loads(created.stdout)["version"] == 1
    assert cli("model", "create", "--name", "churn", "--path", str(model_folder)).exit_code == 0
    listed = json.loads(cli("model", "list", "churn", "-o", "json").stdout)
    assert [v["version"] for v in listed] == [2, 1]
    assert json.loads(cli("model", "list", "-o", "json").stdout)[0]["latest_version"] == 2
    assert cli("model", "update", "churn:1", "--set-alias", "production", "--tag", "ok=yes").exit_code == 0
    shown = json.loads(cli("model", "show", "churn@production", "-o", "json").stdout)
    assert shown["version"] == 1 and shown["tags"] == {"team": "growth", "ok": "yes"}
    assert cli("model", "archive", "churn:2").exit_code == 0
    assert json.loads(cli("model", "show", "churn", "-o", "json").stdout)["version"] == 1
    assert cli("model", "download", "churn:1", "-p", str(tmp_path / "dl")).exit_code == 0
    assert (tmp_path / "dl" / "churn-1" / "MLmodel").is_file()
    exported = cli("model", "export", "churn:1", "--format", "onnx", "--output-path", str(tmp_path / "onnx"),
                   "--register", "churn-onnx", "-o", "json")
    assert exported.exit_code == 0, exported.stderr
    assert json.loads(exported.stdout)["registered"] == "models:/churn-onnx/1"
    missing = cli("model", "show", "nope")
    assert missing.exit_code == 1 and "nope" in missing.stderr and "Traceback" not in missing.stderr
    bad = cli("model", "create", "--name", "x", "--path", str(tmp_path / "missing"))
    assert bad.exit_code == 1 and "no such model folder" in bad.stderr


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_package_docker_and_kserve_then_run_the_server_inside(cli, model_folder: Path, tmp_path: Path, frame) -> None:
    assert cli("model", "create", "--name", "churn", "--path", str(model_folder)).exit_code == 0
    assert cli("model", "package", "churn:1", "--format", "kserve", "--output-path", str(tmp_path / "ks")).exit_code == 0
    manifest = (tmp_path / "ks" / "inferenceservice.yaml").read_text()
    import yaml

    doc = yaml.safe_load(manifest)
    assert doc["kind"] == "InferenceService" and doc["spec"]["predictor"]["containers"][0]["image"] == "churn-1:latest"
    out = cli("model", "package", "churn:1", "--format", "docker", "--output-path", str(tmp_path / "docker-ctx"))
    assert out.exit_code == 0, out.stderr
    pkg = tmp_path / "docker-ctx"
    dockerfile = (pkg / "Dockerfile").read_text().splitlines()
    assert dockerfile[1].startswith("FROM python:3.")
    cmd = json.loads(next(line for line in dockerfile if line.startswith("CMD"))[4:])
    reqs = (pkg / "requirements.txt").read_text()
    assert "modelyard==" in reqs and "scikit-learn==" in reqs
    assert (pkg / "model" / "MLmodel").is_file() and (pkg / "model" / "model.pkl").is_file()
    # run the image's command directly, with the package's model folder
    port = _free_port()
    args = [a.replace("/srv/model", str(pkg / "model")) for a in cmd[1:]]
    args[args.index("--port") + 1] = str(port)
    args[args.index("--host") + 1] = "127.0.0.1"
    proc = subprocess.Popen([sys.executable, *args], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        X, _ = frame
        body = {"input_data": {"columns": ["a", "b", "c"], "data": X.head(4).values.tolist()}}
        answer = None
        for _ in range(600):  # the server starts (imports) before it binds; wait for it
            try:
                answer = httpx.post(f"http://127.0.0.1:{port}/score", json=body, timeout=30)
                break
            except httpx.ConnectError:
                if proc.poll() is not None:
                    break
                import time

                time.sleep(0.2)
        assert answer is not None and answer.status_code == 200, proc.stdout.read() if proc.poll() else ""
        from modelyard.models.packaging import load_model_folder

        assert answer.json()["predictions"] == load_model_folder(model_folder).predict(X.head(4)).tolist()
    finally:
        proc.terminate()
        proc.wait(timeout=30)
