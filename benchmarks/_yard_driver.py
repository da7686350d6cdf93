"""Modelyard side of ``benchmarks/tracking.py``; runs under our ``.venv`` python.

Usage: ``_yard_driver.py SCENARIO JSON_ARGS`` with ``MODELYARD_WORKSPACE`` set to the
workspace folder or server URL; prints one JSON line with the timings. Imports, workspace
creation and run creation happen before the clock starts; each scenario does one untimed
warm-up round first, as the MLflow driver does.
"""

from __future__ import annotations

import sqlite3
import sys
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _shapes as sh


def log_metric(args: dict) -> dict:
    """``n`` single ``yard.log_metric`` calls in one run, then ``yard.flush()``."""
    import modelyard as yard

    n, repeats = args["n"], args["repeats"]
    calls, totals, run_id = [], [], ""
    for rep in range(repeats + 1):
        count = max(n // 10, 10) if rep == 0 else n
        with yard.start_run(experiment="bench") as run:
            t0 = time.perf_counter()
            for i in range(count):
                yard.log_metric("loss", 1.0 / (i + 1), step=i)
            t1 = time.perf_counter()
            yard.flush()
            t2 = time.perf_counter()
        if rep:
            calls.append(t1 - t0)
            totals.append(t2 - t0)
            run_id = run.id
    got = len(yard.Workspace().runs.metric_history(run_id, "loss"))
    assert got == n, f"stored {got} of {n} points"
    return {"calls_s": calls, "total_s": totals, "run_id": run_id}


def log_metrics(args: dict) -> dict:
    """``n_points`` as ``n_points / 10`` calls of ``yard.log_metrics`` (10 keys), then flush.

    With ``baseline_path``, a round of :func:`_baseline_round` (bare sqlite3) follows each round, so that
    both see the same load on a shared machine.
    """
    import modelyard as yard

    n_points, repeats = args["n_points"], args["repeats"]
    steps = list(sh.batch_points(n_points))
    totals, run_id = [], ""
    baseline: list[float] = []
    con = _baseline_db(args["baseline_path"]) if args.get("baseline_path") else None
    for rep in range(repeats + 1):
        todo = steps[:200] if rep == 0 else steps
        with yard.start_run(experiment="bench") as run:
            t0 = time.perf_counter()
            for step, values in todo:
                yard.log_metrics(values, step=step)
            yard.flush()
            t1 = time.perf_counter()
        if rep:
            totals.append(t1 - t0)
            run_id = run.id
        if con is not None:
            dt = _baseline_round(con, n_points if rep else 2000)
            if rep:
                baseline.append(dt)
    got = len(yard.Workspace().runs.metric_history(run_id, "k0"))
    assert got == n_points // 10, f"stored {got} points of k0"
    return {"total_s": totals, "run_id": run_id, "sqlite_total_s": baseline}


def _baseline_db(path: str) -> sqlite3.Connection:
    """The floor: a bare sqlite3 table ``(run_id, key, step, timestamp, value)``, indexed.

    Same pragmas as our embedded workspace: WAL, synchronous=NORMAL.
    """
    con = sqlite3.connect(path, isolation_level=None)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=NORMAL")
    con.execute(
        "CREATE TABLE IF NOT EXISTS metrics (id INTEGER PRIMARY KEY, run_id TEXT NOT NULL, "
        "key TEXT NOT NULL, step INTEGER NOT NULL, timestamp INTEGER NOT NULL, value REAL)"
    )
    con.execute("CREATE INDEX IF NOT EXISTS ix_metrics ON metrics (run_id, key, step, timestamp)")
    return con


def _baseline_round(con: sqlite3.Connection, n_points: int) -> float:
    """One ``executemany`` of ``n_points`` rows in one transaction; rows built before timing."""
    run_id = uuid.uuid4().hex
    rows = [
        (run_id, key, step, sh.BASE_TS_MS + step, value)
        for step, values in sh.batch_points(n_points)
        for key, value in values.items()
    ]
    t0 = time.perf_counter()
    con.execute("BEGIN")
    con.executemany(
        "INSERT INTO metrics (run_id, key, step, timestamp, value) VALUES (?, ?, ?, ?, ?)", rows
    )
    con.execute("COMMIT")
    return time.perf_counter() - t0


def _store():
    import modelyard as yard

    return yard.Workspace().tracking_store


def seed_search(args: dict) -> dict:
    """Create ``n_runs`` runs with N_PARAMS params and N_METRICS metrics each (setup)."""
    from modelyard.tracking.entities import Metric

    store = _store()
    exp_id = store.create_experiment("search").id
    t0 = time.perf_counter()
    for i in range(args["n_runs"]):
        name, params, metrics = sh.search_run(i)
        start = datetime.fromtimestamp((sh.BASE_TS_MS + i) / 1000, tz=UTC)
        run = store.create_run(exp_id, name=name, start_time=start)
        store.log_batch(
            run.id,
            metrics=[Metric(k, v, 0, sh.BASE_TS_MS + i) for k, v in metrics.items()],
            params=params,
        )
    store.close()
    return {"seed_s": time.perf_counter() - t0}


def search(args: dict) -> dict:
    """``ws.runs.search`` with a metric filter, ordered by a metric, top 100."""
    import modelyard as yard

    ws = yard.Workspace()

    def once():
        return ws.runs.search(
            sh.SEARCH_FILTER,
            experiment="search",
            order_by=sh.SEARCH_ORDER,
            max_results=sh.SEARCH_TOP,
        )

    once()  # warm-up
    times, runs = [], []
    for _ in range(args["repeats"]):
        t0 = time.perf_counter()
        runs = once()
        times.append(time.perf_counter() - t0)
    return {"total_s": times, "names": [r.name for r in runs]}


def seed_history(args: dict) -> dict:
    from modelyard.tracking.entities import Metric

    store = _store()
    exp_id = store.create_experiment("history").id
    run = store.create_run(exp_id, name="history")
    values = sh.history_values(args["n_steps"])
    points = [Metric("curve", v, s, sh.BASE_TS_MS + s) for s, v in enumerate(values)]
    for i in range(0, len(points), 10_000):
        store.log_batch(run.id, metrics=points[i : i + 10_000])
    store.close()
    return {"run_id": run.id}


def history(args: dict) -> dict:
    """``ws.runs.metric_history`` of one metric with ``n_steps`` points."""
    import modelyard as yard

    ws = yard.Workspace()
    run_id = ws.runs.search(experiment="history", max_results=1)[0].id
    ws.runs.metric_history(run_id, "curve")  # warm-up
    times, n = [], 0
    for _ in range(args["repeats"]):
        t0 = time.perf_counter()
        n = len(ws.runs.metric_history(run_id, "curve"))
        times.append(time.perf_counter() - t0)
    return {"total_s": times, "points": n}


if __name__ == "__main__":
    scenario, arguments = sh.read_args()
    sh.emit(globals()[scenario](arguments))
