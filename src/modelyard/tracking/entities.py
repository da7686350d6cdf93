"""Tracking entities: frozen, typed objects that carry no database or wire concerns.

Stores convert their rows into these in one place; the wire schemas in
:mod:`modelyard.tracking.schemas` convert them to and from JSON.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

__all__ = [
    "TERMINAL_STATUSES",
    "ArtifactInfo",
    "Experiment",
    "ExperimentPage",
    "LifecycleStage",
    "Metric",
    "MetricSummary",
    "Run",
    "RunPage",
    "RunSource",
    "RunStatus",
]


class RunStatus(enum.StrEnum):
    QUEUED = "Queued"
    RUNNING = "Running"
    FINISHED = "Finished"
    FAILED = "Failed"
    CANCELED = "Canceled"

    @property
    def is_terminal(self) -> bool:
        return self in TERMINAL_STATUSES


TERMINAL_STATUSES = frozenset({RunStatus.FINISHED, RunStatus.FAILED, RunStatus.CANCELED})


class LifecycleStage(enum.StrEnum):
    ACTIVE = "active"
    DELETED = "deleted"


@dataclass(frozen=True, slots=True)
class Experiment:
    id: str
    name: str
    lifecycle_stage: LifecycleStage
    created_at: datetime
    updated_at: datetime
    tags: dict[str, str] = field(default_factory=dict)
    description: str | None = None


@dataclass(frozen=True, slots=True)
class Metric:
    """One point of a metric history. ``timestamp`` is milliseconds since the epoch (UTC)."""

    key: str
    value: float
    step: int
    timestamp: int


@dataclass(frozen=True, slots=True)
class MetricSummary:
    """Latest, min and max of one metric of a run, kept by the store for fast tables."""

    key: str
    latest: float
    latest_step: int
    latest_timestamp: int
    min: float
    max: float
    count: int


@dataclass(frozen=True, slots=True)
class RunSource:
    """Where a run came from, captured automatically by the SDK."""

    git_commit: str | None = None
    git_branch: str | None = None
    git_remote: str | None = None
    git_dirty: bool | None = None
    entry_point: str | None = None
    user: str | None = None
    host: str | None = None
    python_version: str | None = None
    packages: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Run:
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
    source: RunSource = field(default_factory=RunSource)
    params: dict[str, str] = field(default_factory=dict)
    tags: dict[str, str] = field(default_factory=dict)
    metrics: dict[str, MetricSummary] = field(default_factory=dict)
    error: str | None = None

    @property
    def duration_seconds(self) -> float | None:
        if self.start_time is None:
            return None
        if self.end_time is None:
            return None
        return (self.end_time - self.start_time).total_seconds()


@dataclass(frozen=True, slots=True)
class RunPage:
    runs: list[Run]
    next_page_token: str | None


@dataclass(frozen=True, slots=True)
class ExperimentPage:
    experiments: list[Experiment]
    next_page_token: str | None


@dataclass(frozen=True, slots=True)
class ArtifactInfo:
    """One entry of an artifact listing; ``path`` is relative to the run's artifact root."""

    path: str
    is_dir: bool
    size: int | None = None


def summary_to_dict(s: MetricSummary) -> dict[str, Any]:
    return {
        "key": s.key,
        "latest": s.latest,
        "latest_step": s.latest_step,
        "latest_timestamp": s.latest_timestamp,
        "min": s.min,
        "max": s.max,
        "count": s.count,
    }
