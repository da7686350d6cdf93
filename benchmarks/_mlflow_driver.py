"""MLflow side of ``benchmarks/tracking.py``; runs under ``benchmarks/.venv-peers/bin/python``.

Usage: ``_mlflow_driver.py SCENARIO JSON_ARGS``; prints one JSON line with the timings.
Imports, database creation/migration and run creation happen before the clock starts; each
scenario does one untimed warm-up round first.
"""

from __future__ import annotations

import logging
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
os.environ.setdefault("DO_NOT_TRACK", "true")
sys.path.insert(0, str(Path(__file__).resolve().parent))

import _shapes as sh

logging.getLogger("mlflow").setLevel(logging.WARNING)
logging.getLogger("alembic").setLevel(logging.WARNING)


def _client(uri: str):
    from mlflow import MlflowClient

    return MlflowClient(tracking_uri=uri)


def _experiment(uri: str, name: str) -> str:
    client = _client(uri)
    exp = client.get_experiment_by_name(name)
    return exp.experiment_id if exp else client.create_experiment(name)


def log_metric(args: dict) -> dict:
    """``n`` single ``mlflow.log_metric`` calls in one run (fluent API, default settings)."""
    import mlflow

    uri, n, repeats = args["uri"], args["n"], args["repeats"]
    synchronous = args.get("synchronous", True)
    mlflow.set_tracking_uri(uri)
    exp_id = _experiment(uri, "bench")
    calls, totals, run_ids = [], [], []
    for rep in range(repeats + 1):
        count = max(n // 10, 10) if rep == 0 else n
        with mlflow.start_run(experiment_id=exp_id) as run:
            t0 = time.perf_counter()
            for i in range(count):
                mlflow.log_metric("loss", 1.0 / (i + 1), step=i, synchronous=synchronous)
            t1 = time.perf_counter()
            mlflow.flush_async_logging()
            t2 = time.perf_counter()
        if rep:
            calls.append(t1 - t0)
            totals.append(t2 - t0)
            run_ids.append(run.info.run_id)
    if not synchronous:  # the points must really be there
        got = len(_client(uri).get_metric_history(run_ids[-1], "loss"))
        assert got == n, f"async logging stored {got} of {n} points"
    return {"calls_s": calls, "total_s": totals, "run_id": run_ids[-1]}


def log_batch(args: dict) -> dict:
    """``n_points`` through ``MlflowClient.log_batch`` in chunks of 1,000 (MLflow's maximum)."""
    from mlflow.entities import Metric

    uri, n_points, repeats = args["uri"], args["n_points"], args["repeats"]
    client = _client(uri)
    exp_id = _experiment(uri, "bench")
    metrics = [
        Metric(key, value, sh.BASE_TS_MS + step, step)
        for step, values in sh.batch_points(n_points)
        for key, value in values.items()
    ]
    chunks = [metrics[i : i + 1000] for i in range(0, len(metrics), 1000)]
    totals = []
    for rep in range(repeats + 1):
        run_id = client.create_run(exp_id).info.run_id
        todo = chunks[:2] if rep == 0 else chunks
        t0 = time.perf_counter()
        for chunk in todo:
            client.log_batch(run_id, metrics=chunk)
        t1 = time.perf_counter()
        client.set_terminated(run_id)
        if rep:
            totals.append(t1 - t0)
    got = len(client.get_metric_history(run_id, "k0"))
    assert got == n_points // 10, f"stored {got} points of k0"
    return {"total_s": totals, "run_id": run_id}


def seed_search(args: dict) -> dict:
    """Create ``n_runs`` runs with N_PARAMS params and N_METRICS metrics each (setup)."""
    from mlflow.entities import Metric, Param

    client = _client(args["uri"])
    exp_id = _experiment(args["uri"], "search")
    t0 = time.perf_counter()
    for i in range(args["n_runs"]):
        name, params, metrics = sh.search_run(i)
        run_id = client.create_run(exp_id, run_name=name, start_time=sh.BASE_TS_MS + i).info.run_id
        client.log_batch(
            run_id,
            metrics=[Metric(k, v, sh.BASE_TS_MS + i, 0) for k, v in metrics.items()],
            params=[Param(k, v) for k, v in params.items()],
        )
    return {"seed_s": time.perf_counter() - t0}


def search(args: dict) -> dict:
    """``MlflowClient.search_runs`` with a metric filter, ordered by a metric, top 100."""
    client = _client(args["uri"])
    exp_id = _experiment(args["uri"], "search")

    def once():
        return client.search_runs(
            [exp_id],
            filter_string=sh.SEARCH_FILTER,
            order_by=[sh.SEARCH_ORDER],
            max_results=sh.SEARCH_TOP,
        )

    once()  # warm-up
    times, runs = [], None
    for _ in range(args["repeats"]):
        t0 = time.perf_counter()
        runs = once()
        times.append(time.perf_counter() - t0)
    return {"total_s": times, "names": [r.info.run_name for r in runs]}


def seed_history(args: dict) -> dict:
    from mlflow.entities import Metric

    client = _client(args["uri"])
    exp_id = _experiment(args["uri"], "history")
    run_id = client.create_run(exp_id, run_name="history").info.run_id
    values = sh.history_values(args["n_steps"])
    points = [Metric("curve", v, sh.BASE_TS_MS + s, s) for s, v in enumerate(values)]
    for i in range(0, len(points), 1000):
        client.log_batch(run_id, metrics=points[i : i + 1000])
    return {"run_id": run_id}


def history(args: dict) -> dict:
    client = _client(args["uri"])
    exp_id = _experiment(args["uri"], "history")
    run_id = client.search_runs([exp_id], max_results=1)[0].info.run_id
    client.get_metric_history(run_id, "curve")  # warm-up
    times, n = [], 0
    for _ in range(args["repeats"]):
        t0 = time.perf_counter()
        n = len(client.get_metric_history(run_id, "curve"))
        times.append(time.perf_counter() - t0)
    return {"total_s": times, "points": n}


def versions(_args: dict) -> dict:
    import importlib.metadata as md
    import sqlite3

    return {
        "mlflow": md.version("mlflow"),
        "python": sys.version.split()[0],
        "sqlite": sqlite3.sqlite_version,
        "sqlalchemy": md.version("sqlalchemy"),
    }


if __name__ == "__main__":
    scenario, arguments = sh.read_args()
    sh.emit(globals()[scenario](arguments))
