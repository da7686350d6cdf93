"""Many processes logging into one embedded workspace at once; forked children."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from modelyard.sdk.workspace import Workspace
from modelyard.tracking.entities import RunStatus

WRITER = textwrap.dedent(
    """
    import sys
    import modelyard as yard

    yard.set_workspace(sys.argv[1])
    with yard.start_run(experiment="concurrency", name=f"writer-{sys.argv[2]}") as run:
        for step in range(500):
            yard.log_metric("loss", 1.0 / (step + 1))
    print(run.id)
    """
)


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("MODELYARD_RUN_ID", "MODELYARD_WORKSPACE")}
    return {**env, **extra}


@pytest.mark.slow
def test_sixteen_processes_logging_at_once_lose_nothing(tmp_path: Path) -> None:
    workspace = tmp_path / "ws"
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, str(workspace), str(i)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=_env(),
        )
        for i in range(16)
    ]
    results = [p.communicate(timeout=240) for p in procs]
    for proc, (out, err) in zip(procs, results, strict=True):
        assert proc.returncode == 0, err
    run_ids = [out.strip() for out, _ in results]
    with Workspace(workspace) as ws:
        runs = ws.runs.search(experiment="concurrency")
        assert sorted(r.id for r in runs) == sorted(run_ids)
        for run in runs:
            assert run.status is RunStatus.FINISHED
            assert run.metrics["loss"].count == 500
            history = ws.runs.metric_history(run.id, "loss")
            assert [m.step for m in history] == list(range(500))


FORKER = textwrap.dedent(
    """
    import multiprocessing as mp
    import sys
    import modelyard as yard

    def child(n):
        # inherits the parent's workspace object and a buffer whose thread does not exist here
        with yard.start_run(experiment="forked", name=f"child-{n}") as run:
            for step in range(100):
                yard.log_metric("x", float(step))
        return run.id

    if __name__ == "__main__":
        ws = yard.set_workspace(sys.argv[1])
        with yard.start_run(experiment="forked", name="parent") as parent:
            for step in range(50):
                yard.log_metric("x", float(step))   # the parent's sender thread is running
            with mp.get_context("fork").Pool(2) as pool:
                ids = pool.map(child, range(2))
            for step in range(50, 60):
                yard.log_metric("x", float(step))
        print(parent.id, *ids)
    """
)


def test_forked_children_log_with_their_own_sender(tmp_path: Path) -> None:
    workspace = tmp_path / "ws"
    done = subprocess.run(
        [sys.executable, "-c", FORKER, str(workspace)], capture_output=True, text=True, env=_env(), timeout=240, check=False
    )
    assert done.returncode == 0, done.stderr
    parent_id, *child_ids = done.stdout.split()
    with Workspace(workspace) as ws:
        assert ws.runs.get(parent_id).metrics["x"].count == 60  # no duplicates from the children
        for run_id in child_ids:
            run = ws.runs.get(run_id)
            assert run.status is RunStatus.FINISHED
            assert run.metrics["x"].count == 100
            # the parent run was active when the pool forked: the children nest under it
            assert run.parent_id == parent_id
