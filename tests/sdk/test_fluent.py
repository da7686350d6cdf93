"""Fluent tracking, against an embedded workspace and a server."""

from __future__ import annotations

import pytest

import modelyard as yard
from modelyard.errors import InvalidArgument, InvalidState
from modelyard.sdk.workspace import Workspace
from modelyard.tracking.entities import RunStatus


def test_start_run_creates_a_finished_run_in_the_named_experiment(ws: Workspace) -> None:
    with yard.start_run(experiment="mnist", name="first", tags={"team": "vision"}) as run:
        assert yard.active_run() is run
        yard.log_param("lr", 0.01)
        yard.log_params({"epochs": 3, "optimizer": "adam"})
        yard.set_tag("stage", "dev")
        yard.log_metric("acc", 0.5)
    assert yard.active_run() is None
    stored = ws.runs.get(run.id)
    assert stored.status is RunStatus.FINISHED
    assert stored.end_time is not None
    assert stored.name == "first"
    assert ws.experiments.get(stored.experiment_id).name == "mnist"
    assert stored.params == {"lr": "0.01", "epochs": "3", "optimizer": "adam"}
    assert stored.tags["team"] == "vision" and stored.tags["stage"] == "dev"
    assert stored.metrics["acc"].latest == 0.5


def test_default_experiment_is_called_default(ws: Workspace) -> None:
    with yard.start_run() as run:
        pass
    assert ws.experiments.get(ws.runs.get(run.id).experiment_id).name == "Default"


def test_relogging_a_param_with_another_value_is_an_error(ws: Workspace) -> None:
    with yard.start_run() as run:
        yard.log_param("lr", 0.1)
        yard.log_param("lr", 0.1)  # the same value again is fine
        with pytest.raises(InvalidArgument, match="lr"):
            yard.log_param("lr", 0.2)
    assert ws.runs.get(run.id).params["lr"] == "0.1"


def test_metric_steps_increment_per_key_unless_given(ws: Workspace) -> None:
    with yard.start_run() as run:
        for value in (0.9, 0.5, 0.3):
            yard.log_metric("loss", value)
        yard.log_metric("acc", 0.1)
        yard.log_metric("loss", 0.2, step=10)
        yard.log_metric("loss", 0.1)  # continues after the explicit step
        yard.log_metrics({"acc": 0.2, "f1": 0.3})
    loss = ws.runs.metric_history(run.id, "loss")
    assert [(m.step, m.value) for m in loss] == [(0, 0.9), (1, 0.5), (2, 0.3), (10, 0.2), (11, 0.1)]
    assert [m.step for m in ws.runs.metric_history(run.id, "acc")] == [0, 1]
    assert [m.step for m in ws.runs.metric_history(run.id, "f1")] == [0]
    assert all(m.timestamp > 1_600_000_000_000 for m in loss)  # milliseconds since the epoch


def test_an_exception_fails_the_run_records_the_error_and_propagates(ws: Workspace) -> None:
    def train() -> None:
        raise ValueError("learning rate too high")

    with pytest.raises(ValueError, match="learning rate too high"), yard.start_run() as run:
        yard.log_metric("loss", 1.0)
        train()
    stored = ws.runs.get(run.id)
    assert stored.status is RunStatus.FAILED
    assert stored.error is not None
    assert stored.error.startswith("ValueError: learning rate too high")
    assert "in train" in stored.error  # the traceback tail names the failing function
    assert stored.metrics["loss"].latest == 1.0  # what was logged before the error is kept
    assert yard.active_run() is None


def test_nested_runs_are_children_in_the_parent_experiment(ws: Workspace) -> None:
    with yard.start_run(experiment="sweep") as parent:
        with yard.start_run(name="trial-1") as child:
            assert yard.active_run() is child
            yard.log_metric("acc", 0.7)
        assert yard.active_run() is parent
        with yard.start_run(name="trial-2") as child2:
            pass
    children = {r.id: r for r in ws.runs.search(f"attributes.parent_id = '{parent.id}'")}
    assert set(children) == {child.id, child2.id}
    assert all(r.experiment_id == parent.experiment_id for r in children.values())
    assert ws.runs.get(child.id).metrics["acc"].latest == 0.7
    assert ws.runs.get(parent.id).metrics == {}


def test_explicit_parent_and_end_run(ws: Workspace) -> None:
    parent = yard.start_run(experiment="manual")
    yard.end_run()
    assert yard.active_run() is None
    assert ws.runs.get(parent.id).status is RunStatus.FINISHED
    child = yard.start_run(parent=parent.id)
    yard.end_run(status="Canceled")
    stored = ws.runs.get(child.id)
    assert stored.parent_id == parent.id and stored.status is RunStatus.CANCELED


def test_logging_without_a_run_starts_one(ws: Workspace) -> None:
    yard.log_metric("acc", 0.3)
    run = yard.active_run()
    assert run is not None
    yard.end_run()
    assert ws.runs.get(run.id).metrics["acc"].latest == 0.3


def test_logging_to_an_ended_run_is_an_error(ws: Workspace) -> None:
    with yard.start_run() as run:
        pass
    with pytest.raises(InvalidState):
        run.log_metric("late", 1.0)


def test_bad_metric_values_and_keys_fail_at_the_call(ws: Workspace) -> None:
    with yard.start_run():
        with pytest.raises(InvalidArgument):
            yard.log_metric("acc", "high")  # type: ignore[arg-type]
        with pytest.raises(InvalidArgument):
            yard.log_metric("", 1.0)
        with pytest.raises(InvalidArgument):
            yard.log_metric("bad\nkey", 1.0)


def test_start_run_attaches_to_the_job_run_named_by_the_environment(
    ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    job_run = ws.runs.start(experiment="jobs", name="submitted")
    monkeypatch.setenv("MODELYARD_RUN_ID", job_run.id)
    with yard.start_run(experiment="ignored", tags={"attached": "yes"}) as run:
        assert run.id == job_run.id
        yard.log_metric("acc", 0.8)
        with yard.start_run(name="inner") as inner:  # nesting still makes a child
            pass
    stored = ws.runs.get(job_run.id)
    assert stored.status is RunStatus.RUNNING  # the job, not the script, ends it
    assert stored.metrics["acc"].latest == 0.8
    assert stored.tags["attached"] == "yes"
    assert ws.runs.get(inner.id).parent_id == job_run.id
    assert ws.experiments.find("ignored") is None
    job_run.end()
    assert ws.runs.get(job_run.id).status is RunStatus.FINISHED
