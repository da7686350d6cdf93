"""Many processes writing to one embedded SQLite workspace at the same moment.

16 processes (spawned, so nothing is inherited) wait on a barrier, then each opens the same
brand-new workspace database (so they race to create and migrate it), gets-or-creates one
experiment, creates its run and logs 500 metric points in batches of varied sizes and as
single points. No process may fail with "database is locked" or anything else, and every
point must be stored with correct summaries.
"""

from __future__ import annotations

import multiprocessing
from pathlib import Path

from modelyard.errors import AlreadyExists
from modelyard.tracking.entities import Metric
from modelyard.tracking.sql import SqlTrackingStore

PROCESSES = 16
POINTS = 500
T0 = 1_700_000_000_000
# 500 points: batches of several sizes and single points, in a fixed order
BATCH_SIZES = [1, 7, 1, 50, 3, 120, 1, 1, 64, 200, 1, 1, 25, 1, 10, 14]
assert sum(BATCH_SIZES) == POINTS


def _value(worker: int, step: int) -> float:
    return worker * 10_000 + ((step * 37) % POINTS) + 0.5


def _worker(url: str, worker: int, barrier, results) -> None:
    try:
        barrier.wait(timeout=300)
        store = SqlTrackingStore(url)
        try:
            exp = store.find_experiment("crowd")
            if exp is None:
                try:
                    exp = store.create_experiment("crowd")
                except AlreadyExists:
                    exp = store.find_experiment("crowd")
            run = store.create_run(exp.id, name=f"worker-{worker}")
            step = 0
            for n, size in enumerate(BATCH_SIZES):
                points = [
                    Metric("loss", _value(worker, s), s, T0 + s) for s in range(step, step + size)
                ]
                if n % 2:
                    store.log_metric_batches({run.id: points})
                else:
                    store.log_batch(run.id, metrics=points, params={"batch": "varied"})
                step += size
            results.put((worker, run.id, None))
        finally:
            store.close()
    except BaseException as e:  # noqa: BLE001 - report everything to the parent
        results.put((worker, None, f"{type(e).__name__}: {e}"))


def test_sixteen_processes_log_into_a_new_workspace_at_once(tmp_path: Path) -> None:
    folder = tmp_path / "workspace"
    folder.mkdir()
    url = f"sqlite:///{folder / 'workspace.db'}"
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(PROCESSES)
    results = ctx.Queue()
    procs = [ctx.Process(target=_worker, args=(url, i, barrier, results)) for i in range(PROCESSES)]
    for p in procs:
        p.start()
    outcomes = [results.get(timeout=600) for _ in procs]
    for p in procs:
        p.join(timeout=60)
    errors = [(w, err) for w, _, err in outcomes if err]
    assert errors == []
    assert all(p.exitcode == 0 for p in procs)

    store = SqlTrackingStore(url)
    try:
        exp = store.find_experiment("crowd")
        runs = store.search_runs(experiment_ids=[exp.id], max_results=100).runs
        assert sorted(r.name for r in runs) == sorted(f"worker-{i}" for i in range(PROCESSES))
        for worker, run_id, _ in outcomes:
            history = store.get_metric_history(run_id, "loss")
            assert [m.step for m in history] == list(range(POINTS))
            assert [m.value for m in history] == [_value(worker, s) for s in range(POINTS)]
            summary = store.get_run(run_id).metrics["loss"]
            values = [_value(worker, s) for s in range(POINTS)]
            assert summary.count == POINTS
            assert (summary.min, summary.max) == (min(values), max(values))
            assert (summary.latest, summary.latest_step) == (values[-1], POINTS - 1)
    finally:
        store.close()
