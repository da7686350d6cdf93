"""Rows to entities, in one place, plus the small value conversions the store needs.

Times are stored as microseconds since the epoch (UTC); NaN metric values as NULL.
"""

from __future__ import annotations

import gc
import json
import os
import random
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from modelyard.db.values import from_us, now_us, to_us
from modelyard.tracking.entities import (
    Experiment,
    LifecycleStage,
    Metric,
    MetricSummary,
    Run,
    RunSource,
    RunStatus,
)

__all__ = [
    "experiment_from_row",
    "from_us",
    "generate_run_name",
    "metrics_from_points",
    "new_id",
    "now_us",
    "paused_gc",
    "run_from_row",
    "source_columns",
    "summary_from_row",
    "to_us",
]

_NAN = float("nan")

_ADJECTIVES = (
    "amber", "bold", "brave", "bright", "calm", "clever", "crisp", "eager", "fair", "gentle",
    "glad", "golden", "keen", "kind", "lively", "lucky", "merry", "nimble", "noble", "quick",
    "quiet", "rapid", "silver", "steady", "sunny", "swift", "tidy", "vivid", "warm", "witty",
)  # fmt: skip
_NOUNS = (
    "badger", "bear", "crane", "dolphin", "eagle", "falcon", "fox", "gecko", "heron", "ibis",
    "jaguar", "koala", "lark", "lynx", "marten", "newt", "otter", "owl", "panda", "puffin",
    "quail", "raven", "salmon", "seal", "sparrow", "tiger", "turtle", "walrus", "wolf", "yak",
)  # fmt: skip


def new_id() -> str:
    """A 32-hex-digit id whose leading digits are the creation time, so ids sort by age."""
    return f"{now_us():013x}{random.SystemRandom().getrandbits(76):019x}"


def generate_run_name() -> str:
    rnd = random.Random(os.urandom(8))
    return f"{rnd.choice(_ADJECTIVES)}-{rnd.choice(_NOUNS)}-{rnd.randint(1, 999)}"


def _float(value: float | None) -> float:
    return _NAN if value is None else value


@contextmanager
def paused_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector while building many small objects.

    Building a 100,000-point history allocates 200,000 objects; without this the collector
    runs hundreds of times over them and costs more than the query. Nothing built here forms
    cycles. If the collector was already off, it stays off.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _fast_metric_factory() -> Any:
    """Build Metric objects without the frozen-dataclass ``__init__`` (about 25% faster for
    100,000-point histories); falls back to the constructor if Metric's fields change."""
    if getattr(Metric, "__slots__", None) != ("key", "value", "step", "timestamp"):
        return None
    new = object.__new__
    set_key, set_value = Metric.key.__set__, Metric.value.__set__  # type: ignore[attr-defined]
    set_step, set_ts = Metric.step.__set__, Metric.timestamp.__set__  # type: ignore[attr-defined]

    def build(key: str, points: Sequence[tuple[int, int, float | None]]) -> list[Metric]:
        out = []
        append = out.append
        nan = _NAN
        for s, t, v in points:
            m = new(Metric)
            set_key(m, key)
            set_value(m, nan if v is None else v)
            set_step(m, s)
            set_ts(m, t)
            append(m)
        return out

    return build


def metrics_from_points(key: str, points: Sequence[tuple[int, int, float | None]]) -> list[Metric]:
    """Metric entities from (step, timestamp, value-or-None) rows."""
    build = _FAST_METRICS
    if build is not None:
        return build(key, points)
    nan = _NAN
    return [Metric(key, nan if v is None else v, s, t) for s, t, v in points]


_FAST_METRICS = _fast_metric_factory()


def experiment_from_row(row: Any, tags: Mapping[str, str]) -> Experiment:
    return Experiment(
        id=row.id,
        name=row.name,
        lifecycle_stage=LifecycleStage(row.lifecycle_stage),
        created_at=from_us(row.created_at),  # type: ignore[arg-type]
        updated_at=from_us(row.updated_at),  # type: ignore[arg-type]
        tags=dict(tags),
        description=row.description,
    )


def summary_from_row(row: Any) -> MetricSummary:
    return MetricSummary(
        key=row.key,
        latest=_float(row.latest_value),
        latest_step=row.latest_step,
        latest_timestamp=row.latest_timestamp,
        min=_float(row.min_value),
        max=_float(row.max_value),
        count=row.count,
    )


def source_columns(source: RunSource | None) -> dict[str, Any]:
    source = source or RunSource()
    return {
        "git_commit": source.git_commit,
        "git_branch": source.git_branch,
        "git_remote": source.git_remote,
        "git_dirty": source.git_dirty,
        "entry_point": source.entry_point,
        "source_user": source.user,
        "source_host": source.host,
        "python_version": source.python_version,
        "packages": json.dumps(dict(source.packages), sort_keys=True) if source.packages else None,
    }


def run_from_row(
    row: Any,
    *,
    params: Mapping[str, str],
    tags: Mapping[str, str],
    summaries: Iterable[MetricSummary],
) -> Run:
    """Build a run; ``row`` also carries ``experiment_stage`` (the experiment's lifecycle)."""
    deleted = (
        row.lifecycle_stage == LifecycleStage.DELETED
        or row.experiment_stage == LifecycleStage.DELETED
    )
    return Run(
        id=row.id,
        experiment_id=row.experiment_id,
        name=row.name,
        status=RunStatus(row.status),
        kind=row.kind,
        lifecycle_stage=LifecycleStage.DELETED if deleted else LifecycleStage.ACTIVE,
        created_at=from_us(row.created_at),  # type: ignore[arg-type]
        start_time=from_us(row.start_time),
        end_time=from_us(row.end_time),
        parent_id=row.parent_id,
        artifact_location=row.artifact_location,
        source=RunSource(
            git_commit=row.git_commit,
            git_branch=row.git_branch,
            git_remote=row.git_remote,
            git_dirty=row.git_dirty,
            entry_point=row.entry_point,
            user=row.source_user,
            host=row.source_host,
            python_version=row.python_version,
            packages=json.loads(row.packages) if row.packages else {},
        ),
        params=dict(params),
        tags=dict(tags),
        metrics={s.key: s for s in summaries},
        error=row.error,
    )
