"""The experiment and run commands, on an embedded workspace and on a server."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from modelyard.sdk.workspace import Workspace


def _log_runs(location: str) -> dict[str, str]:
    """Three runs in two experiments; returns name -> id."""
    ids = {}
    with Workspace(location) as ws:
        for name, experiment, acc in [("low", "exp-a", 0.3), ("high", "exp-a", 0.9), ("mid", "exp-b", 0.6)]:
            with ws.runs.start(experiment=experiment, name=name) as run:
                run.log_params({"lr": 0.1, "model": name})
                for step, value in enumerate((acc / 2, acc)):
                    run.log_metric("acc", value, step=step)
                run.log_text("hello", "notes/hello.txt")
            ids[name] = run.id
    return ids


def test_run_list_filter_order_and_formats(cli, location: str) -> None:
    ids = _log_runs(location)
    res = cli("-w", location, "run", "list", "-o", "json", "--filter", "metrics.acc > 0.5")
    assert res.exit_code == 0, res.stderr
    listed = json.loads(res.stdout)
    assert isinstance(listed, list)
    assert sorted(r["id"] for r in listed) == sorted([ids["high"], ids["mid"]])
    assert all(r["metrics"]["acc"]["latest"] > 0.5 for r in listed)

    res = cli("-w", location, "run", "list", "-o", "json", "--order-by", "metrics.acc DESC", "--max-results", "2")
    assert [r["name"] for r in json.loads(res.stdout)] == ["high", "mid"]

    res = cli("-w", location, "run", "list", "-o", "yaml", "--experiment", "exp-b")
    assert [r["name"] for r in yaml.safe_load(res.stdout)] == ["mid"]

    res = cli("-w", location, "run", "list")
    assert res.exit_code == 0
    for run_id in ids.values():
        assert run_id in res.stdout


def test_run_show_metrics_artifacts_download_compare(cli, location: str, tmp_path: Path) -> None:
    ids = _log_runs(location)
    res = cli("-w", location, "run", "show", ids["high"], "-o", "json")
    shown = json.loads(res.stdout)
    assert isinstance(shown, dict) and shown["id"] == ids["high"] and shown["experiment_name"] == "exp-a"
    assert shown["params"] == {"lr": "0.1", "model": "high"} and shown["status"] == "Finished"
    assert ids["high"] in cli("-w", location, "run", "show", ids["high"]).stdout

    summaries = json.loads(cli("-w", location, "run", "metrics", ids["high"], "-o", "json").stdout)
    assert summaries == [
        {"key": "acc", "latest": 0.9, "latest_step": 1, "latest_timestamp": summaries[0]["latest_timestamp"],
         "min": 0.45, "max": 0.9, "count": 2}
    ]
    history = json.loads(cli("-w", location, "run", "metrics", ids["high"], "acc", "-o", "json").stdout)
    assert [(m["step"], m["value"]) for m in history] == [(0, 0.45), (1, 0.9)]
    zoomed = cli("-w", location, "run", "metrics", ids["high"], "acc", "--min-step", "1", "-o", "json")
    assert [(m["step"], m["value"]) for m in json.loads(zoomed.stdout)] == [(1, 0.9)]
    res = cli("-w", location, "run", "metrics", ids["high"], "acc", "--min-step", "2", "--max-step", "1")
    assert res.exit_code == 1 and "step" in res.stderr and res.stderr.count("\n") == 1

    listing = json.loads(cli("-w", location, "run", "artifacts", ids["high"], "-r", "-o", "json").stdout)
    assert {(a["path"], a["is_dir"]) for a in listing} == {("notes", True), ("notes/hello.txt", False)}
    res = cli("-w", location, "run", "download", ids["high"], "notes/hello.txt", "--dest", str(tmp_path / "dl"))
    assert res.exit_code == 0, res.stderr
    assert (tmp_path / "dl" / "hello.txt").read_text() == "hello"

    res = cli("-w", location, "run", "compare", ids["low"], ids["high"], "-o", "json")
    table = json.loads(res.stdout)
    rows = {r["key"]: r for r in table["rows"]}
    assert table["runs"] == [ids["low"], ids["high"]]
    assert rows["metrics.acc"]["values"] == [0.3, 0.9] and rows["metrics.acc"]["differs"]
    assert not rows["params.lr"]["differs"]
    res = cli("-w", location, "run", "compare", ids["low"], ids["high"], "--diff")
    assert res.exit_code == 0 and "metrics.acc" in res.stdout and "params.lr" not in res.stdout


def test_run_delete_and_restore(cli, location: str) -> None:
    ids = _log_runs(location)
    assert cli("-w", location, "run", "delete", ids["low"]).exit_code == 0
    listed = {r["id"] for r in json.loads(cli("-w", location, "run", "list", "-o", "json").stdout)}
    assert ids["low"] not in listed and len(listed) == 2
    assert cli("-w", location, "run", "restore", ids["low"]).exit_code == 0
    listed = {r["id"] for r in json.loads(cli("-w", location, "run", "list", "-o", "json").stdout)}
    assert ids["low"] in listed


def test_experiment_commands(cli, location: str) -> None:
    res = cli("-w", location, "experiment", "create", "churn", "-d", "who leaves", "--tag", "team=growth", "-o", "json")
    assert res.exit_code == 0, res.stderr
    created = json.loads(res.stdout)
    assert created["name"] == "churn" and created["tags"] == {"team": "growth"}
    shown = json.loads(cli("-w", location, "experiment", "show", "churn", "-o", "json").stdout)
    assert shown["id"] == created["id"] and shown["description"] == "who leaves"
    res = cli("-w", location, "experiment", "update", "churn", "--name", "churn-v2", "-o", "json")
    assert json.loads(res.stdout)["name"] == "churn-v2"
    assert [e["name"] for e in json.loads(cli("-w", location, "experiment", "list", "-o", "json").stdout)] == ["churn-v2"]
    assert "churn-v2" in cli("-w", location, "experiment", "list").stdout
    assert cli("-w", location, "experiment", "delete", "churn-v2").exit_code == 0
    assert json.loads(cli("-w", location, "experiment", "list", "-o", "json").stdout) == []
    assert len(json.loads(cli("-w", location, "experiment", "list", "--all", "-o", "json").stdout)) == 1
    assert cli("-w", location, "experiment", "restore", created["id"]).exit_code == 0
    assert len(json.loads(cli("-w", location, "experiment", "list", "-o", "json").stdout)) == 1


def test_workspace_from_the_environment_and_init(cli, tmp_path: Path, monkeypatch) -> None:
    res = cli("init", str(tmp_path / "proj"))
    assert res.exit_code == 0, res.stderr
    folder = tmp_path / "proj" / ".modelyard"
    assert (folder / "workspace.db").is_file() and (folder / "config.toml").is_file()
    with Workspace(folder) as ws:
        ws.experiments.create("found-by-env")
    monkeypatch.setenv("MODELYARD_WORKSPACE", str(folder))
    assert "found-by-env" in cli("experiment", "list").stdout
    monkeypatch.delenv("MODELYARD_WORKSPACE")
    monkeypatch.chdir(tmp_path / "proj")  # the nearest .modelyard/ upward
    assert "found-by-env" in cli("experiment", "list").stdout


def test_gc_removes_deleted_runs_artifacts(cli, tmp_path: Path) -> None:
    location = str(tmp_path / "ws")
    ids = _log_runs(location)
    cli("-w", location, "run", "delete", ids["low"])
    dry = cli("-w", location, "gc", "--dry-run", "-o", "json")
    assert dry.exit_code == 0, dry.stderr
    assert ids["low"] in dry.stdout
    assert (tmp_path / "ws" / "artifacts" / "runs" / ids["low"]).exists()
    res = cli("-w", location, "gc", "-o", "json")
    assert res.exit_code == 0, res.stderr
    assert not (tmp_path / "ws" / "artifacts" / "runs" / ids["low"]).exists()
    assert (tmp_path / "ws" / "artifacts" / "runs" / ids["high"]).exists()
