"""``modelyard job|compute|environment`` against an embedded workspace and a server URL.

The commands run in-process (typer's runner); jobs run for real: on the embedded workspace
through the on-demand agent, on the server through its dispatcher.
"""

from __future__ import annotations

import json
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from modelyard.cli.main import app
from tests.support.server import live_server


@dataclass
class Result:
    exit_code: int
    stdout: str
    stderr: str


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("MODELYARD_RUN_ID", raising=False)
    monkeypatch.delenv("MODELYARD_WORKSPACE", raising=False)
    monkeypatch.delenv("MODELYARD_DEBUG", raising=False)
    monkeypatch.chdir(tmp_path)


@pytest.fixture(params=["embedded", "server"])
def location(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "embedded":
        yield str(tmp_path / "ws")
    else:
        with live_server(tmp_path / "server-ws") as server:
            yield server.url


@pytest.fixture
def cli(location: str):
    """``cli("job", "list", "-o", "json")`` on the test's workspace -> Result."""
    runner = CliRunner()

    def invoke(*args: str) -> Result:
        res = runner.invoke(app, ["-w", location, *args])
        return Result(res.exit_code, res.stdout, res.stderr)

    return invoke


def ok(res: Result) -> Result:
    assert res.exit_code == 0, (res.exit_code, res.stdout, res.stderr)
    return res


def one_line_error(res: Result) -> str:
    assert res.exit_code == 1, (res.exit_code, res.stdout, res.stderr)
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1, res.stderr
    assert lines[0].startswith("Error: ") and "Traceback" not in res.stdout + res.stderr
    return lines[0]


TRAIN = """\
import argparse, os
import modelyard as yard
p = argparse.ArgumentParser()
p.add_argument("--lr", type=float); p.add_argument("--out")
a = p.parse_args()
print(f"training with lr={a.lr}", flush=True)
with yard.start_run():
    yard.log_metric("loss", 1 - a.lr)
with open(os.path.join(a.out, "model.txt"), "w") as fh:
    fh.write("weights")
"""

JOB = """\
$schema: https://azuremlschemas.azureedge.net/latest/commandJob.schema.json
type: command
code: ./src
command: python train.py --lr ${{inputs.lr}} --out ${{outputs.model}}
inputs:
  lr: 0.01
outputs:
  model: {type: uri_folder}
experiment_name: cli-jobs
display_name: from-cli
"""


def write_job(tmp_path: Path, text: str = JOB, name: str = "job.yml") -> Path:
    src = tmp_path / "src"
    src.mkdir(exist_ok=True)
    (src / "train.py").write_text(TRAIN)
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    return path


def test_create_stream_show_list_logs_download(cli, tmp_path: Path) -> None:
    job_file = write_job(tmp_path)
    created = json.loads(ok(cli("job", "create", "-f", str(job_file), "--set", "inputs.lr=0.25", "-o", "json")).stdout)
    job_id = created["id"]
    assert created["status"] in ("Queued", "Running") and created["spec"]["inputs"]["lr"]["value"] == 0.25
    streamed = ok(cli("job", "stream", job_id))
    assert "training with lr=0.25" in streamed.stdout
    shown = json.loads(ok(cli("job", "show", job_id, "-o", "json")).stdout)
    assert shown["status"] == "Finished" and shown["exit_code"] == 0 and shown["name"] == "from-cli"
    assert yaml.safe_load(ok(cli("job", "show", job_id, "-o", "yaml")).stdout)["id"] == job_id
    assert job_id in ok(cli("job", "show", job_id)).stdout
    listed = json.loads(ok(cli("job", "list", "--experiment", "cli-jobs", "-o", "json")).stdout)
    assert [j["id"] for j in listed] == [job_id]
    assert [j["id"] for j in yaml.safe_load(ok(cli("job", "list", "-o", "yaml")).stdout)] == [job_id]
    assert job_id in ok(cli("job", "list")).stdout
    assert json.loads(ok(cli("job", "list", "--experiment", "other", "-o", "json")).stdout) == []
    filtered = json.loads(ok(cli("job", "list", "--filter", "metrics.loss < 0.8", "-o", "json")).stdout)
    assert [j["id"] for j in filtered] == [job_id]
    assert "training with lr=0.25" in ok(cli("job", "logs", job_id)).stdout
    assert "training with lr=0.25" in ok(cli("job", "logs", job_id, "--follow")).stdout
    ok(cli("job", "download", job_id, "-p", str(tmp_path / "out")))
    assert (tmp_path / "out" / job_id / "outputs" / "model" / "model.txt").read_text() == "weights"
    assert "training with lr=0.25" in (tmp_path / "out" / job_id / "logs" / "std_log.txt").read_text()


def test_create_with_stream_prints_the_log_and_exits_with_the_outcome(cli, tmp_path: Path) -> None:
    good = write_job(tmp_path)
    assert "training with lr=0.01" in ok(cli("job", "create", "-f", str(good), "--stream")).stdout
    bad = write_job(tmp_path, JOB.replace("python train.py", "echo about-to-fail; exit 7; python train.py"), "bad.yml")
    res = cli("job", "create", "-f", str(bad), "--stream")
    assert res.exit_code == 1 and "about-to-fail" in res.stdout
    assert "exited with code 7" in res.stderr


def test_cancel_a_running_job(cli, tmp_path: Path) -> None:
    job_file = write_job(tmp_path, "command: echo started; sleep 300\n", "sleepy.yml")
    job_id = json.loads(ok(cli("job", "create", "-f", str(job_file), "-o", "json")).stdout)["id"]
    canceled = json.loads(ok(cli("job", "cancel", job_id, "-o", "json")).stdout)
    assert canceled["cancel_requested"] is True
    assert cli("job", "stream", job_id).exit_code == 1  # returns once the job has ended
    assert json.loads(ok(cli("job", "show", job_id, "-o", "json")).stdout)["status"] == "Canceled"


def test_compute_commands(cli, tmp_path: Path) -> None:
    spec = tmp_path / "compute.yml"
    spec.write_text("name: pair\ntype: local\nmax_concurrent_jobs: 2\ndescription: two at a time\n")
    created = json.loads(ok(cli("compute", "create", "-f", str(spec), "-o", "json")).stdout)
    assert created["name"] == "pair" and created["max_concurrent_jobs"] == 2
    assert json.loads(ok(cli("compute", "show", "pair", "-o", "json")).stdout)["description"] == "two at a time"
    assert [c["name"] for c in json.loads(ok(cli("compute", "list", "-o", "json")).stdout)] == ["local", "pair"] or \
        sorted(c["name"] for c in json.loads(ok(cli("compute", "list", "-o", "json")).stdout)) == ["local", "pair"]
    assert {c["name"] for c in yaml.safe_load(ok(cli("compute", "list", "-o", "yaml")).stdout)} == {"local", "pair"}
    assert "pair" in ok(cli("compute", "list")).stdout
    ok(cli("compute", "delete", "pair"))
    assert "pair" in one_line_error(cli("compute", "show", "pair"))
    assert "local" in one_line_error(cli("compute", "delete", "local"))


def test_environment_commands(cli, tmp_path: Path) -> None:
    (tmp_path / "conda.yml").write_text("dependencies:\n  - python=3.11\n  - pip:\n    - six==1.16.0\n")
    (tmp_path / "env.yml").write_text("name: tiny\nconda_file: ./conda.yml\n")
    first = json.loads(ok(cli("environment", "create", "-f", str(tmp_path / "env.yml"), "-o", "json")).stdout)
    assert (first["name"], first["version"]) == ("tiny", "1") and first["spec"]["pip"] == ["six==1.16.0"]
    ok(cli("environment", "create", "-f", str(tmp_path / "env.yml")))
    assert json.loads(ok(cli("environment", "show", "tiny", "-o", "json")).stdout)["version"] == "2"
    assert yaml.safe_load(ok(cli("environment", "show", "tiny", "--version", "1", "-o", "yaml")).stdout)["version"] == "1"
    listed = json.loads(ok(cli("environment", "list", "-o", "json")).stdout)
    assert [(e["name"], e["version"]) for e in listed] == [("tiny", "1"), ("tiny", "2")]
    assert "tiny" in ok(cli("environment", "list")).stdout
    assert "tiny:9" in one_line_error(cli("environment", "show", "tiny", "--version", "9"))


def assert_nothing_ran(cli) -> None:
    assert json.loads(ok(cli("job", "list", "-o", "json")).stdout) == []


def test_bad_job_input_is_one_clear_line_and_nothing_runs(cli, tmp_path: Path) -> None:
    write_job(tmp_path)
    unknown_key = tmp_path / "unknown.yml"
    unknown_key.write_text(JOB + "colour: blue\n")
    line = one_line_error(cli("job", "create", "-f", str(unknown_key)))
    assert "colour" in line and ":11" in line
    no_code = tmp_path / "nocode.yml"
    no_code.write_text(JOB.replace("./src", "./missing-folder"))
    assert "missing-folder" in one_line_error(cli("job", "create", "-f", str(no_code)))
    undefined = tmp_path / "undefined.yml"
    undefined.write_text(JOB.replace("${{inputs.lr}}", "${{inputs.learning_rate}}"))
    assert "learning_rate" in one_line_error(cli("job", "create", "-f", str(undefined)))
    unknown_compute = tmp_path / "compute.yml"
    unknown_compute.write_text(JOB + "compute: azureml:gpu-cluster\n")
    assert "gpu-cluster" in one_line_error(cli("job", "create", "-f", str(unknown_compute)))
    assert "nope.yml" in one_line_error(cli("job", "create", "-f", str(tmp_path / "nope.yml")))
    assert_nothing_ran(cli)


def test_an_unreachable_ray_address_is_refused_before_anything_runs(cli, location: str, tmp_path: Path) -> None:
    import socket

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    address = f"http://127.0.0.1:{port}"
    spec = tmp_path / "ray.yml"
    spec.write_text(f"name: cluster\ntype: ray\naddress: {address}\n")
    assert "127.0.0.1" in one_line_error(cli("compute", "create", "-f", str(spec)))
    assert [c["name"] for c in json.loads(ok(cli("compute", "list", "-o", "json")).stdout)] == ["local"]
    import modelyard as yard
    from modelyard.jobs.entities import ComputeType

    with yard.Workspace(location) as ws:  # registered while it was up, say; now it is down
        ws.jobs.store.create_compute(name="cluster", type=ComputeType.RAY, address=address)
    job = write_job(tmp_path, JOB + "compute: cluster\n", "on-ray.yml")
    assert "127.0.0.1" in one_line_error(cli("job", "create", "-f", str(job)))
    assert_nothing_ran(cli)
