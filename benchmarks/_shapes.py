"""Data shapes shared by both benchmark drivers (standard library only).

Both drivers (``_yard_driver.py`` under our venv, ``_mlflow_driver.py`` under the peer venv)
import this module so that Modelyard and MLflow receive exactly the same values.
"""

from __future__ import annotations

import json
import random
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from typing import Any

BASE_TS_MS = 1_700_000_000_000
SEED = 20240601

# search benchmark shape
N_PARAMS = 20
N_METRICS = 10
SEARCH_FILTER = "metrics.m0 > 0.5"
SEARCH_ORDER = "metrics.m1 DESC"
SEARCH_TOP = 100


def search_run(i: int) -> tuple[str, dict[str, str], dict[str, float]]:
    """The name, params and metrics of seeded run ``i`` (deterministic)."""
    rng = random.Random(SEED * 1_000_003 + i)
    params = {f"p{j}": f"v{rng.randrange(100)}" for j in range(N_PARAMS)}
    metrics = {f"m{j}": round(rng.random(), 6) for j in range(N_METRICS)}
    return f"run-{i:06d}", params, metrics


def batch_points(n_points: int, n_keys: int = 10) -> Iterator[tuple[int, dict[str, float]]]:
    """``n_points`` metric points as ``n_points // n_keys`` steps of ``n_keys`` keys."""
    rng = random.Random(SEED)
    for step in range(n_points // n_keys):
        yield step, {f"k{j}": rng.random() for j in range(n_keys)}


def history_values(n_steps: int) -> list[float]:
    rng = random.Random(SEED + 7)
    return [rng.random() for _ in range(n_steps)]


def timed(fn: Callable[[], Any]) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def median(values: list[float]) -> float:
    return statistics.median(values)


def emit(payload: dict[str, Any]) -> None:
    """Print the driver's one JSON result line (the orchestrator reads the last line)."""
    sys.stdout.write("\n" + json.dumps(payload) + "\n")
    sys.stdout.flush()


def read_args() -> tuple[str, dict[str, Any]]:
    """``driver.py SCENARIO JSON_ARGS``."""
    return sys.argv[1], json.loads(sys.argv[2]) if len(sys.argv) > 2 else {}
