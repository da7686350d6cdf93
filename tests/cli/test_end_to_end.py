"""The acceptance check, end to end: a script logs runs with the SDK, then the installed
``modelyard`` command (a real subprocess) finds exactly the matching ones."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from tests.support.server import live_server

SCRIPT = textwrap.dedent(
    """
    import sys
    import modelyard as yard

    yard.set_workspace(sys.argv[1])
    for i, acc in enumerate([0.2, 0.55, 0.5, 0.91, 0.7]):
        with yard.start_run(experiment="acceptance", name=f"run-{i}") as run:
            yard.log_param("i", i)
            for epoch in range(3):
                yard.log_metric("loss", 1.0 / (epoch + 1))
            yard.log_metric("acc", acc)
        print(run.id, acc)
    """
)

MODELYARD = [sys.executable, "-m", "modelyard.cli.main"]


def _env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k not in ("MODELYARD_RUN_ID", "MODELYARD_WORKSPACE")}


def _log_and_list(location: str, cwd: Path) -> None:
    logged = subprocess.run(
        [sys.executable, "-c", SCRIPT, location], capture_output=True, text=True, env=_env(), cwd=cwd, check=True
    )
    expected = sorted(line.split()[0] for line in logged.stdout.splitlines() if float(line.split()[1]) > 0.5)
    listed = subprocess.run(
        [*MODELYARD, "--workspace", location, "run", "list", "-o", "json", "--filter", "metrics.acc > 0.5"],
        capture_output=True, text=True, env=_env(), cwd=cwd, check=False,
    )
    assert listed.returncode == 0, listed.stderr
    runs = json.loads(listed.stdout)
    assert sorted(r["id"] for r in runs) == expected
    assert len(expected) == 3


def test_sdk_then_cli_on_a_workspace_folder(tmp_path: Path) -> None:
    _log_and_list(str(tmp_path / "ws"), tmp_path)


def test_sdk_then_cli_against_a_server(tmp_path: Path) -> None:
    with live_server(tmp_path / "server-ws") as server:
        _log_and_list(server.url, tmp_path)


def test_bad_input_in_a_real_process_prints_one_line(tmp_path: Path) -> None:
    done = subprocess.run(
        [*MODELYARD, "-w", str(tmp_path / "ws"), "run", "show", "does-not-exist"],
        capture_output=True, text=True, env=_env(), cwd=tmp_path, check=False,
    )
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == ["Error: run 'does-not-exist' does not exist"]


def test_help_does_not_load_the_heavy_stack(tmp_path: Path) -> None:
    code = (
        "import sys\n"
        "from modelyard.cli.main import main\n"
        "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
        "heavy = ['sqlalchemy', 'pandas', 'fastapi', 'httpx', 'matplotlib', 'sklearn', 'uvicorn']\n"
        "print([m for m in heavy if m in sys.modules], file=sys.stderr)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=_env(), cwd=tmp_path, check=False
    )
    assert "run" in done.stdout and "experiment" in done.stdout
    assert done.stderr.strip() == "[]"


@pytest.mark.slow
def test_demo_fills_the_workspace_with_runs_a_job_a_model_an_endpoint_and_data(cli, tmp_path: Path) -> None:
    location = str(tmp_path / "demo")
    res = cli("-w", location, "demo", "--no-serve")
    assert res.exit_code == 0, res.stderr
    runs = json.loads(cli("-w", location, "run", "list", "-o", "json", "--experiment", "demo-digits").stdout)
    assert len(runs) == 6
    for run in runs:
        assert run["status"] == "Finished"
        assert run["metrics"]["val_acc"]["count"] == 15  # one point per epoch
        assert 0.8 < run["metrics"]["acc"]["latest"] <= 1.0  # a real model learned the digits
        assert run["params"]["model"] == "SGDClassifier"
        files = {a["path"] for a in json.loads(cli("-w", location, "run", "artifacts", run["id"], "-o", "json").stdout)}
        assert {"confusion_matrix.png", "report.json", "predictions.csv"} <= files
    # The best run's model, registered with its input example and the champion alias.
    best = max(runs, key=lambda r: r["metrics"]["acc"]["latest"])
    (model,) = json.loads(cli("-w", location, "model", "list", "-o", "json").stdout)
    assert model["name"] == "digits-classifier" and model["aliases"] == {"champion": 1}
    version = json.loads(cli("-w", location, "model", "show", "digits-classifier", "-o", "json").stdout)
    assert version["run_id"] == best["id"] and "sklearn" in version["flavors"]
    assert "pixel_0" in version["signature"]["inputs"]
    # A command job that ran on the local compute, with its log.
    (job,) = json.loads(cli("-w", location, "job", "list", "-o", "json").stdout)
    assert job["status"] == "Finished" and job["compute"] == "local"
    log = cli("-w", location, "job", "logs", job["id"]).stdout
    assert "fold 5/5" in log and "mean accuracy" in log
    # The iris data asset with its profile, read by the job.
    profile = json.loads(cli("-w", location, "data", "profile", "iris", "-o", "json").stdout)
    assert profile["row_count"] == 150
    shown = json.loads(cli("-w", location, "data", "show", "iris", "-o", "json").stdout)
    assert job["id"] in json.dumps(shown)
    # An online endpoint with one deployment of the registered model (served once a server runs).
    (endpoint,) = json.loads(cli("-w", location, "online-endpoint", "list", "-o", "json").stdout)
    assert endpoint["name"] == "digits" and endpoint["traffic"] == {"blue": 100}
    (dep,) = json.loads(cli("-w", location, "online-deployment", "list", "-e", "digits", "-o", "json").stdout)
    assert dep["model"] == "models:/digits-classifier/1"

    again = cli("-w", location, "demo", "--no-serve")  # a second call does not add more
    assert again.exit_code == 0
    assert len(json.loads(cli("-w", location, "run", "list", "-o", "json").stdout)) == 7  # 6 runs + the job
    assert len(json.loads(cli("-w", location, "job", "list", "-o", "json").stdout)) == 1
    assert len(json.loads(cli("-w", location, "model", "list", "-o", "json").stdout)[0:]) == 1
    assert json.loads(cli("-w", location, "model", "show", "digits-classifier", "-o", "json").stdout)["version"] == 1
    assert len(json.loads(cli("-w", location, "online-endpoint", "list", "-o", "json").stdout)) == 1


def test_server_command_serves_the_workspace(tmp_path: Path) -> None:
    import httpx

    from tests.support.server import listening_socket

    sock = listening_socket()
    port = sock.getsockname()[1]
    sock.close()
    proc = subprocess.Popen(
        [*MODELYARD, "-w", str(tmp_path / "ws"), "server", "--port", str(port)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=_env(), cwd=tmp_path,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        up = False
        for _ in range(600):  # wait for startup (not timing anything)
            if proc.poll() is not None:
                break
            try:
                up = httpx.get(f"{url}/healthz", timeout=1).status_code == 200
            except httpx.HTTPError:
                up = False
            if up:
                break
            time.sleep(0.1)
        assert up, proc.stdout.read() if proc.poll() is not None else "server did not answer"
        created = subprocess.run(
            [*MODELYARD, "-w", url, "experiment", "create", "over-http", "-o", "json"],
            capture_output=True, text=True, env=_env(), cwd=tmp_path, check=True,
        )
        assert json.loads(created.stdout)["name"] == "over-http"
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    listed = subprocess.run(
        [*MODELYARD, "-w", str(tmp_path / "ws"), "experiment", "list", "-o", "json"],
        capture_output=True, text=True, env=_env(), cwd=tmp_path, check=True,
    )
    assert [e["name"] for e in json.loads(listed.stdout)] == ["over-http"]
