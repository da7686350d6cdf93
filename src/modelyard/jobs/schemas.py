"""Wire schemas of the jobs domain, shared by the server routes and the REST job store.

As in :mod:`modelyard.tracking.schemas`: pydantic models describe request bodies (the server
validates them) and responses (they document the OpenAPI schema); responses are built as
plain dicts by ``*_to_wire`` and turned back into entities by ``*_from_wire``. Datetimes are
RFC 3339 strings with a UTC offset. A job's spec travels as :meth:`CommandJobSpec.to_dict`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from modelyard.jobs.entities import (
    AttemptResult,
    CommandJobSpec,
    Compute,
    ComputeType,
    Environment,
    EnvironmentSpec,
    Job,
    JobAttempt,
)
from modelyard.tracking.entities import RunStatus

__all__ = [
    "AttemptFinish",
    "AttemptListSchema",
    "AttemptSchema",
    "ClaimRequest",
    "ComputeCreate",
    "ComputeListSchema",
    "ComputeSchema",
    "EnvironmentCreate",
    "EnvironmentListSchema",
    "EnvironmentSchema",
    "JobCreate",
    "JobListSchema",
    "JobRecordCreate",
    "JobSchema",
    "LeaseAdopt",
    "LeaseOwnersSchema",
    "LeaseRenew",
    "LeaseRenewedSchema",
    "MarkRunning",
    "attempt_from_wire",
    "attempt_to_wire",
    "compute_from_wire",
    "compute_to_wire",
    "environment_from_wire",
    "environment_to_wire",
    "job_from_wire",
    "job_to_wire",
    "result_from_wire",
]


def _dt(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def _parse_dt(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


# ------------------------------------------------------------------------- requests
class JobCreate(_Body):
    """Submit a job: the parsed spec, and the digest of a snapshot uploaded beforehand."""

    spec: dict[str, Any]
    snapshot: str | None = None


class JobRecordCreate(_Body):
    """Queue a job record for an existing run (the store's ``create_job``)."""

    spec: dict[str, Any]
    compute: str
    snapshot: str | None = None
    environment_digest: str | None = None


class ClaimRequest(_Body):
    owner: str = Field(min_length=1)
    lease_seconds: float = Field(gt=0)
    computes: list[str] | None = None


class LeaseRenew(_Body):
    owner: str = Field(min_length=1)
    job_ids: list[str]
    lease_seconds: float = Field(gt=0)


class LeaseAdopt(_Body):
    owner: str = Field(min_length=1)
    lease_seconds: float = Field(gt=0)
    dead_owners: list[str] = Field(default_factory=list)


class MarkRunning(_Body):
    owner: str = Field(min_length=1)
    handle: dict[str, Any] = Field(default_factory=dict)


class AttemptFinish(_Body):
    owner: str = Field(min_length=1)
    result: dict[str, Any]
    retry: bool = False


class ComputeCreate(_Body):
    name: str
    type: ComputeType = ComputeType.LOCAL
    max_concurrent_jobs: int | None = None
    address: str | None = None
    description: str | None = None
    properties: dict[str, Any] | None = None


class EnvironmentCreate(_Body):
    name: str
    spec: dict[str, Any]
    version: str | None = None
    description: str | None = None
    tags: dict[str, str] | None = None


# ------------------------------------------------------------------------ responses
class AttemptSchema(BaseModel):
    job_id: str
    attempt: int
    status: RunStatus
    started_at: str | None = None
    ended_at: str | None = None
    exit_code: int | None = None
    signal: str | None = None
    error: str | None = None
    stderr_tail: str | None = None


class AttemptListSchema(BaseModel):
    attempts: list[AttemptSchema]


class JobSchema(BaseModel):
    id: str
    name: str
    experiment_id: str
    status: RunStatus
    compute: str
    spec: dict[str, Any]
    snapshot: str | None = None
    environment_digest: str | None = None
    attempt: int
    max_retries: int
    created_at: str
    started_at: str | None = None
    ended_at: str | None = None
    cancel_requested: bool = False
    lease_owner: str | None = None
    lease_expires_at: str | None = None
    handle: dict[str, Any] = Field(default_factory=dict)
    exit_code: int | None = None
    signal: str | None = None
    error: str | None = None
    stderr_tail: str | None = None
    artifact_location: str | None = None


class JobListSchema(BaseModel):
    jobs: list[JobSchema]


class LeaseRenewedSchema(BaseModel):
    job_ids: list[str]


class LeaseOwnersSchema(BaseModel):
    owners: list[str]


class ComputeSchema(BaseModel):
    name: str
    type: ComputeType
    max_concurrent_jobs: int
    created_at: str
    address: str | None = None
    description: str | None = None
    properties: dict[str, Any] = Field(default_factory=dict)


class ComputeListSchema(BaseModel):
    computes: list[ComputeSchema]


class EnvironmentSchema(BaseModel):
    name: str
    version: str
    spec: dict[str, Any]
    created_at: str
    description: str | None = None
    tags: dict[str, str] = Field(default_factory=dict)


class EnvironmentListSchema(BaseModel):
    environments: list[EnvironmentSchema]


# ---------------------------------------------------------------------- conversions
def job_to_wire(job: Job) -> dict[str, Any]:
    return {
        "id": job.id, "name": job.name, "experiment_id": job.experiment_id,
        "status": job.status.value, "compute": job.compute, "spec": job.spec.to_dict(),
        "snapshot": job.snapshot, "environment_digest": job.environment_digest,
        "attempt": job.attempt, "max_retries": job.max_retries,
        "created_at": _dt(job.created_at), "started_at": _dt(job.started_at),
        "ended_at": _dt(job.ended_at), "cancel_requested": job.cancel_requested,
        "lease_owner": job.lease_owner, "lease_expires_at": _dt(job.lease_expires_at),
        "handle": dict(job.handle), "exit_code": job.exit_code, "signal": job.signal,
        "error": job.error, "stderr_tail": job.stderr_tail,
        "artifact_location": job.artifact_location,
    }  # fmt: skip


def job_from_wire(d: dict[str, Any]) -> Job:
    return Job(
        id=d["id"], name=d["name"], experiment_id=d["experiment_id"],
        status=RunStatus(d["status"]), compute=d["compute"],
        spec=CommandJobSpec.from_dict(d["spec"]), snapshot=d.get("snapshot"),
        environment_digest=d.get("environment_digest"), attempt=d["attempt"],
        max_retries=d["max_retries"], created_at=_parse_dt(d["created_at"]),
        started_at=_parse_dt(d.get("started_at")), ended_at=_parse_dt(d.get("ended_at")),
        cancel_requested=bool(d.get("cancel_requested")), lease_owner=d.get("lease_owner"),
        lease_expires_at=_parse_dt(d.get("lease_expires_at")), handle=dict(d.get("handle") or {}),
        exit_code=d.get("exit_code"), signal=d.get("signal"), error=d.get("error"),
        stderr_tail=d.get("stderr_tail"), artifact_location=d.get("artifact_location"),
    )  # fmt: skip


def attempt_to_wire(a: JobAttempt) -> dict[str, Any]:
    return {
        "job_id": a.job_id, "attempt": a.attempt, "status": a.status.value,
        "started_at": _dt(a.started_at), "ended_at": _dt(a.ended_at), "exit_code": a.exit_code,
        "signal": a.signal, "error": a.error, "stderr_tail": a.stderr_tail,
    }  # fmt: skip


def attempt_from_wire(d: dict[str, Any]) -> JobAttempt:
    return JobAttempt(
        job_id=d["job_id"], attempt=d["attempt"], status=RunStatus(d["status"]),
        started_at=_parse_dt(d.get("started_at")), ended_at=_parse_dt(d.get("ended_at")),
        exit_code=d.get("exit_code"), signal=d.get("signal"), error=d.get("error"),
        stderr_tail=d.get("stderr_tail"),
    )  # fmt: skip


def result_from_wire(d: dict[str, Any]) -> AttemptResult:
    return AttemptResult.from_dict(d)


def compute_to_wire(c: Compute) -> dict[str, Any]:
    return {
        "name": c.name, "type": c.type.value, "max_concurrent_jobs": c.max_concurrent_jobs,
        "created_at": _dt(c.created_at), "address": c.address, "description": c.description,
        "properties": dict(c.properties),
    }  # fmt: skip


def compute_from_wire(d: dict[str, Any]) -> Compute:
    return Compute(
        name=d["name"], type=ComputeType(d["type"]), max_concurrent_jobs=d["max_concurrent_jobs"],
        created_at=_parse_dt(d["created_at"]), address=d.get("address"),
        description=d.get("description"), properties=dict(d.get("properties") or {}),
    )  # fmt: skip


def environment_to_wire(e: Environment) -> dict[str, Any]:
    return {
        "name": e.name, "version": e.version, "spec": e.spec.to_dict(),
        "created_at": _dt(e.created_at), "description": e.description, "tags": dict(e.tags),
    }  # fmt: skip


def environment_from_wire(d: dict[str, Any]) -> Environment:
    return Environment(
        name=d["name"], version=d["version"], spec=EnvironmentSpec.from_dict(d["spec"]),
        created_at=_parse_dt(d["created_at"]), description=d.get("description"),
        tags=dict(d.get("tags") or {}),
    )  # fmt: skip
