"""Workspace operation groups: experiments and runs, embedded and over a server."""

from __future__ import annotations

from pathlib import Path

import pytest

from modelyard.errors import AlreadyExists, FilterSyntaxError, InvalidState, NotFound
from modelyard.location import DB_FILENAME
from modelyard.sdk.workspace import Workspace
from modelyard.tracking.entities import LifecycleStage, RunStatus


def test_experiments_lifecycle(ws: Workspace) -> None:
    exp = ws.experiments.create("churn", description="who leaves", tags={"team": "growth"})
    assert ws.experiments.get("churn").id == exp.id  # by name
    assert ws.experiments.get(exp.id).name == "churn"  # by id
    assert ws.experiments.find("nope") is None
    with pytest.raises(NotFound):
        ws.experiments.get("nope")
    with pytest.raises(AlreadyExists):
        ws.experiments.create("churn")
    renamed = ws.experiments.update("churn", name="churn-v2", description="v2")
    assert (renamed.name, renamed.description) == ("churn-v2", "v2")
    ws.experiments.set_tag("churn-v2", "owner", "ana")
    assert ws.experiments.get(exp.id).tags == {"team": "growth", "owner": "ana"}
    assert [e.name for e in ws.experiments.list()] == ["churn-v2"]
    ws.experiments.delete("churn-v2")
    assert ws.experiments.list() == []
    assert ws.experiments.list(include_deleted=True)[0].lifecycle_stage is LifecycleStage.DELETED
    with pytest.raises(InvalidState):
        ws.experiments.delete(exp.id)
    ws.experiments.restore("churn-v2")
    assert ws.experiments.get(exp.id).lifecycle_stage is LifecycleStage.ACTIVE


def test_search_filters_orders_and_limits(ws: Workspace) -> None:
    made = {}
    for name, experiment, acc in [("a", "x", 0.2), ("b", "x", 0.6), ("c", "y", 0.9), ("d", "y", 0.4)]:
        with ws.runs.start(experiment=experiment, name=name) as run:
            run.log_param("model", "rf" if acc > 0.5 else "lr")
            run.log_metric("acc", acc)
        made[name] = run.id
    names = lambda runs: [r.name for r in runs]
    assert sorted(names(ws.runs.search("metrics.acc > 0.5"))) == ["b", "c"]
    assert names(ws.runs.search(order_by="metrics.acc DESC")) == ["c", "b", "d", "a"]
    assert names(ws.runs.search(order_by=["metrics.acc ASC"], max_results=2)) == ["a", "d"]
    assert sorted(names(ws.runs.search(experiment="y"))) == ["c", "d"]
    x_id = ws.experiments.get("x").id
    assert sorted(names(ws.runs.search(experiment=[x_id, "y"]))) == ["a", "b", "c", "d"]
    assert names(ws.runs.search("params.model = 'rf'", experiment="x")) == ["b"]
    with pytest.raises(NotFound):
        ws.runs.search(experiment="no-such-experiment")
    with pytest.raises(FilterSyntaxError):
        ws.runs.search("metrics.acc >>> 1")


def test_delete_restore_and_compare(ws: Workspace) -> None:
    with ws.runs.start(name="one") as a:
        a.log_params({"lr": 0.1, "depth": 3})
        a.log_metric("acc", 0.8)
    with ws.runs.start(name="two") as b:
        b.log_params({"lr": 0.2, "depth": 3})
        b.log_metric("acc", 0.9)
        b.log_metric("loss", 0.1)
    table = ws.runs.compare([a.id, b.id])
    assert table.run_ids == (a.id, b.id)
    rows = {row.key: row for row in table.rows}
    assert rows["params.lr"].values == ("0.1", "0.2") and rows["params.lr"].differs
    assert rows["params.depth"].values == ("3", "3") and not rows["params.depth"].differs
    assert rows["metrics.acc"].values == (0.8, 0.9)
    assert rows["metrics.loss"].values == (None, 0.1)
    assert rows["status"].values == ("Finished", "Finished")
    assert table.to_dict()["rows"][0]["key"] == "name"
    with pytest.raises(NotFound):
        ws.runs.compare([a.id, "0" * 32])

    ws.runs.delete(a.id)
    assert [r.id for r in ws.runs.search()] == [b.id]
    assert ws.runs.get(a.id).lifecycle_stage is LifecycleStage.DELETED
    ws.runs.restore(a.id)
    assert {r.id for r in ws.runs.search()} == {a.id, b.id}
    with pytest.raises(NotFound):
        ws.runs.get("0" * 32)


def test_run_handle_info_is_refreshed(ws: Workspace) -> None:
    run = ws.runs.start(name="live")
    run.log_metric("acc", 0.5)
    assert run.info.status is RunStatus.RUNNING
    assert run.info.metrics["acc"].latest == 0.5  # buffered points are flushed first
    run.end(RunStatus.FAILED, error="stopped by hand")
    run.end()  # a second end does nothing
    info = run.info
    assert info.status is RunStatus.FAILED and info.error == "stopped by hand"


def test_embedded_workspace_files_and_context_manager(tmp_path: Path) -> None:
    folder = tmp_path / "proj" / ".modelyard"
    with Workspace(folder) as ws, ws.runs.start() as run:
        run.log_text("x", "x.txt")
    assert (folder / DB_FILENAME).is_file()
    assert (folder / "artifacts").is_dir()
    assert ws.closed
    with pytest.raises(InvalidState):
        ws.runs.get(run.id)
    with Workspace(folder) as again:  # reopened from the files alone
        assert [a.path for a in again.runs.list_artifacts(run.id)] == ["x.txt"]
