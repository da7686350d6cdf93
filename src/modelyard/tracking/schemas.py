"""Wire schemas of the tracking domain, shared by the server and the REST client.

Two things live here and nowhere else:

* pydantic models: what request bodies must look like (the server validates them) and what
  responses look like (they document the OpenAPI schema);
* the entity <-> JSON conversions. Responses are built as plain dicts by ``*_to_wire``
  (encoded with orjson, no per-response model validation) and the REST client turns them
  back into entities with ``*_from_wire``. A test checks that every ``*_to_wire`` output
  validates against its model and round-trips.

Conventions: datetimes are RFC 3339 strings with a UTC offset; metric values that are not
finite travel as the strings ``"NaN"``, ``"Infinity"`` and ``"-Infinity"`` (JSON has no
literal for them).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from modelyard.tracking.entities import (
    ArtifactInfo,
    Experiment,
    ExperimentPage,
    LifecycleStage,
    Metric,
    MetricSummary,
    Run,
    RunPage,
    RunSource,
    RunStatus,
)

__all__ = [
    "ArtifactInfoSchema",
    "ArtifactListSchema",
    "ErrorSchema",
    "ExperimentCreate",
    "ExperimentPageSchema",
    "ExperimentSchema",
    "ExperimentUpdate",
    "MetricBatches",
    "MetricHistorySchema",
    "MetricSchema",
    "MetricSummarySchema",
    "RunBatch",
    "RunCreate",
    "RunListSchema",
    "RunPageSchema",
    "RunSchema",
    "RunSearch",
    "RunSourceSchema",
    "RunUpdate",
    "TagValue",
    "WorkspaceSchema",
    "artifact_info_from_wire",
    "artifact_info_to_wire",
    "experiment_from_wire",
    "experiment_page_from_wire",
    "experiment_page_to_wire",
    "experiment_to_wire",
    "float_to_wire",
    "history_from_wire",
    "history_to_wire",
    "metric_to_wire",
    "metrics_from_wire",
    "metrics_to_wire",
    "run_from_wire",
    "run_page_from_wire",
    "run_page_to_wire",
    "run_to_wire",
    "source_from_wire",
    "source_to_wire",
]

FloatOrSpecial = float  # pydantic's lax float accepts "NaN"/"Infinity"/"-Infinity"


class _Schema(BaseModel):
    model_config = ConfigDict(extra="forbid", ser_json_inf_nan="strings")


# ---------------------------------------------------------------------- experiments
class ExperimentSchema(_Schema):
    id: str
    name: str
    lifecycle_stage: LifecycleStage
    created_at: datetime
    updated_at: datetime
    tags: dict[str, str] = Field(default_factory=dict)
    description: str | None = None


class ExperimentCreate(_Schema):
    name: str
    description: str | None = None
    tags: dict[str, str] | None = None


class ExperimentUpdate(_Schema):
    name: str | None = None
    description: str | None = None


class ExperimentPageSchema(_Schema):
    experiments: list[ExperimentSchema]
    next_page_token: str | None = None


class TagValue(_Schema):
    value: str


# --------------------------------------------------------------------------- runs
class MetricSchema(_Schema):
    key: str
    value: FloatOrSpecial
    step: int = 0
    timestamp: int


class MetricSummarySchema(_Schema):
    key: str
    latest: FloatOrSpecial
    latest_step: int
    latest_timestamp: int
    min: FloatOrSpecial
    max: FloatOrSpecial
    count: int


class RunSourceSchema(_Schema):
    git_commit: str | None = None
    git_branch: str | None = None
    git_remote: str | None = None
    git_dirty: bool | None = None
    entry_point: str | None = None
    user: str | None = None
    host: str | None = None
    python_version: str | None = None
    packages: dict[str, str] = Field(default_factory=dict)


class RunSchema(_Schema):
    id: str
    experiment_id: str
    name: str
    status: RunStatus
    kind: str
    lifecycle_stage: LifecycleStage
    created_at: datetime
    start_time: datetime | None
    end_time: datetime | None
    parent_id: str | None
    artifact_location: str
    source: RunSourceSchema
    params: dict[str, str]
    tags: dict[str, str]
    metrics: dict[str, MetricSummarySchema]
    error: str | None = None


class RunCreate(_Schema):
    experiment_id: str
    name: str | None = None
    parent_id: str | None = None
    kind: str = "run"
    status: RunStatus = RunStatus.RUNNING
    tags: dict[str, str] | None = None
    source: RunSourceSchema | None = None
    start_time: datetime | None = None


class RunUpdate(_Schema):
    status: RunStatus | None = None
    name: str | None = None
    end_time: datetime | None = None
    error: str | None = None


class RunBatch(_Schema):
    metrics: list[MetricSchema] = Field(default_factory=list)
    params: dict[str, str] | None = None
    tags: dict[str, str] | None = None


class MetricBatches(_Schema):
    """Metric points for several runs: ``{"batches": {run_id: [point, ...]}}``."""

    batches: dict[str, list[MetricSchema]]


class RunSearch(_Schema):
    experiment_ids: list[str] | None = None
    filter: str | None = None
    order_by: list[str] | None = None
    max_results: int = 1000
    page_token: str | None = None
    include_deleted: bool = False


class RunPageSchema(_Schema):
    runs: list[RunSchema]
    next_page_token: str | None = None


class RunListSchema(_Schema):
    runs: list[RunSchema]


class MetricHistorySchema(_Schema):
    """A metric history in columns (compact for charts of a million points)."""

    key: str
    steps: list[int]
    values: list[FloatOrSpecial]
    timestamps: list[int]
    #: the number of points stored in the series; more than ``len(steps)`` when downsampled
    #: or when a step range (``min_step``/``max_step``) left points out
    total: int
    #: True when ``max_points`` was given and ``total > len(steps)``
    downsampled: bool = False


# ----------------------------------------------------------------------- artifacts
class ArtifactInfoSchema(_Schema):
    path: str
    is_dir: bool
    size: int | None = None


class ArtifactListSchema(_Schema):
    files: list[ArtifactInfoSchema]


class WorkspaceSchema(_Schema):
    name: str
    store: str
    artifact_store: str
    version: str
    counts: dict[str, int]


class ErrorBody(_Schema):
    code: str
    message: str
    details: dict[str, Any] | None = None


class ErrorSchema(_Schema):
    error: ErrorBody


# ===================================================================== conversions
def float_to_wire(value: float) -> float | str:
    """A float as JSON can carry it; a non-number passes unchanged (the server rejects it)."""
    if not isinstance(value, float | int) or math.isfinite(value):
        return value
    if math.isnan(value):
        return "NaN"
    return "Infinity" if value > 0 else "-Infinity"


def _dt(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def _parse_dt(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


def experiment_to_wire(e: Experiment) -> dict[str, Any]:
    return {
        "id": e.id,
        "name": e.name,
        "lifecycle_stage": str(e.lifecycle_stage),
        "created_at": _dt(e.created_at),
        "updated_at": _dt(e.updated_at),
        "tags": dict(e.tags),
        "description": e.description,
    }


def experiment_from_wire(d: Mapping[str, Any]) -> Experiment:
    return Experiment(
        id=d["id"],
        name=d["name"],
        lifecycle_stage=LifecycleStage(d["lifecycle_stage"]),
        created_at=datetime.fromisoformat(d["created_at"]),
        updated_at=datetime.fromisoformat(d["updated_at"]),
        tags=dict(d.get("tags") or {}),
        description=d.get("description"),
    )


def experiment_page_to_wire(page: ExperimentPage) -> dict[str, Any]:
    return {
        "experiments": [experiment_to_wire(e) for e in page.experiments],
        "next_page_token": page.next_page_token,
    }


def experiment_page_from_wire(d: Mapping[str, Any]) -> ExperimentPage:
    return ExperimentPage(
        experiments=[experiment_from_wire(e) for e in d["experiments"]],
        next_page_token=d.get("next_page_token"),
    )


def source_to_wire(s: RunSource) -> dict[str, Any]:
    return {
        "git_commit": s.git_commit,
        "git_branch": s.git_branch,
        "git_remote": s.git_remote,
        "git_dirty": s.git_dirty,
        "entry_point": s.entry_point,
        "user": s.user,
        "host": s.host,
        "python_version": s.python_version,
        "packages": dict(s.packages),
    }


def source_from_wire(d: Mapping[str, Any] | None) -> RunSource:
    if not d:
        return RunSource()
    return RunSource(**{**d, "packages": dict(d.get("packages") or {})})


def _summary_to_wire(s: MetricSummary) -> dict[str, Any]:
    return {
        "key": s.key,
        "latest": float_to_wire(s.latest),
        "latest_step": s.latest_step,
        "latest_timestamp": s.latest_timestamp,
        "min": float_to_wire(s.min),
        "max": float_to_wire(s.max),
        "count": s.count,
    }


def _summary_from_wire(d: Mapping[str, Any]) -> MetricSummary:
    return MetricSummary(
        key=d["key"],
        latest=float(d["latest"]),
        latest_step=int(d["latest_step"]),
        latest_timestamp=int(d["latest_timestamp"]),
        min=float(d["min"]),
        max=float(d["max"]),
        count=int(d["count"]),
    )


def run_to_wire(r: Run) -> dict[str, Any]:
    return {
        "id": r.id,
        "experiment_id": r.experiment_id,
        "name": r.name,
        "status": str(r.status),
        "kind": r.kind,
        "lifecycle_stage": str(r.lifecycle_stage),
        "created_at": _dt(r.created_at),
        "start_time": _dt(r.start_time),
        "end_time": _dt(r.end_time),
        "parent_id": r.parent_id,
        "artifact_location": r.artifact_location,
        "source": source_to_wire(r.source),
        "params": dict(r.params),
        "tags": dict(r.tags),
        "metrics": {k: _summary_to_wire(s) for k, s in r.metrics.items()},
        "error": r.error,
    }


def run_from_wire(d: Mapping[str, Any]) -> Run:
    return Run(
        id=d["id"],
        experiment_id=d["experiment_id"],
        name=d["name"],
        status=RunStatus(d["status"]),
        kind=d["kind"],
        lifecycle_stage=LifecycleStage(d["lifecycle_stage"]),
        created_at=datetime.fromisoformat(d["created_at"]),
        start_time=_parse_dt(d.get("start_time")),
        end_time=_parse_dt(d.get("end_time")),
        parent_id=d.get("parent_id"),
        artifact_location=d["artifact_location"],
        source=source_from_wire(d.get("source")),
        params=dict(d.get("params") or {}),
        tags=dict(d.get("tags") or {}),
        metrics={k: _summary_from_wire(s) for k, s in (d.get("metrics") or {}).items()},
        error=d.get("error"),
    )


def run_page_to_wire(page: RunPage) -> dict[str, Any]:
    return {"runs": [run_to_wire(r) for r in page.runs], "next_page_token": page.next_page_token}


def run_page_from_wire(d: Mapping[str, Any]) -> RunPage:
    return RunPage(
        runs=[run_from_wire(r) for r in d["runs"]], next_page_token=d.get("next_page_token")
    )


def metric_to_wire(m: Metric) -> dict[str, Any]:
    return {"key": m.key, "value": float_to_wire(m.value), "step": m.step, "timestamp": m.timestamp}


def metrics_to_wire(metrics: Iterable[Metric]) -> list[dict[str, Any]]:
    return [metric_to_wire(m) for m in metrics]


def metrics_from_schemas(points: Sequence[MetricSchema]) -> list[Metric]:
    """Server side: validated request points -> entities."""
    return [Metric(key=p.key, value=p.value, step=p.step, timestamp=p.timestamp) for p in points]


def metrics_from_wire(points: Iterable[Mapping[str, Any]]) -> list[Metric]:
    return [
        Metric(
            key=p["key"],
            value=float(p["value"]),
            step=int(p["step"]),
            timestamp=int(p["timestamp"]),
        )
        for p in points
    ]


def history_to_wire(
    key: str, points: Sequence[Metric], *, total: int | None = None
) -> dict[str, Any]:
    values = [p.value for p in points]
    if not all(map(math.isfinite, values)):
        values = [float_to_wire(v) for v in values]
    return {
        "key": key,
        "steps": [p.step for p in points],
        "values": values,
        "timestamps": [p.timestamp for p in points],
        "total": len(points) if total is None else total,
        "downsampled": total is not None and total > len(points),
    }


def history_from_wire(d: Mapping[str, Any]) -> list[Metric]:
    key = d["key"]
    return [
        Metric(key=key, value=float(v), step=s, timestamp=t)
        for s, v, t in zip(d["steps"], d["values"], d["timestamps"], strict=True)
    ]


def artifact_info_to_wire(a: ArtifactInfo) -> dict[str, Any]:
    return {"path": a.path, "is_dir": a.is_dir, "size": a.size}


def artifact_info_from_wire(d: Mapping[str, Any]) -> ArtifactInfo:
    return ArtifactInfo(path=d["path"], is_dir=bool(d["is_dir"]), size=d.get("size"))
