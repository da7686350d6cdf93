"""Jobs entities: frozen, typed objects with no database or wire concerns.

A job *is* a run (``Run.kind == "job"``) plus a job record: the resolved spec, the compute
target, the attempt counter, the lease held by the dispatcher that runs it, and how it
ended. The run carries the status, params, metrics and artifacts; the job record carries
what is needed to execute it.
"""

from __future__ import annotations

import enum
import hashlib
import json
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from modelyard.tracking.entities import RunStatus

__all__ = [
    "JOB_KIND",
    "AttemptResult",
    "CommandJobSpec",
    "Compute",
    "ComputeType",
    "Environment",
    "EnvironmentSpec",
    "Job",
    "JobAttempt",
    "JobInput",
    "JobOutput",
    "JobStatus",
]

#: the ``Run.kind`` of a job's run
JOB_KIND = "job"

#: a job's status is its run's status
JobStatus = RunStatus


class ComputeType(enum.StrEnum):
    LOCAL = "local"
    RAY = "ray"


@dataclass(frozen=True, slots=True)
class JobInput:
    """One input: a literal ``value`` or a ``path`` of type uri_file/uri_folder."""

    type: str  # "literal", "string", "integer", "number", "boolean", "uri_file", "uri_folder"
    value: str | int | float | bool | None = None
    path: str | None = None
    mode: str | None = None

    @property
    def is_path(self) -> bool:
        return self.type in ("uri_file", "uri_folder", "mltable")

    @property
    def is_data_ref(self) -> bool:
        """A data asset version (``data:name:version``), resolved to a local path at run time."""
        return self.is_path and bool(self.path) and str(self.path).startswith("data:")


@dataclass(frozen=True, slots=True)
class JobOutput:
    """One output; stored after the job as the run's artifacts under ``outputs/<name>``.

    With ``name`` (and optionally ``version``) a successful job also registers it as a
    version of that data asset.
    """

    type: str = "uri_folder"  # or "uri_file"
    mode: str | None = None
    name: str | None = None
    version: str | None = None


@dataclass(frozen=True, slots=True)
class EnvironmentSpec:
    """What an isolated environment holds. An empty spec means "the current interpreter".

    Attributes:
        pip: pip requirement lines (as in a requirements.txt, options like
            ``--find-links`` allowed).
        python: a required Python version prefix such as ``"3.11"``, or None.
        image: a container image named by an Azure-style spec; recorded, not used.
    """

    pip: tuple[str, ...] = ()
    python: str | None = None
    image: str | None = None

    @property
    def is_current_interpreter(self) -> bool:
        return not self.pip and self.python is None

    def digest(self) -> str:
        """Content hash of the spec: same spec, same key; any change, a new key."""
        body = json.dumps({"pip": list(self.pip), "python": self.python}, sort_keys=True)
        return hashlib.sha256(body.encode()).hexdigest()[:32]

    def to_dict(self) -> dict[str, Any]:
        return {"pip": list(self.pip), "python": self.python, "image": self.image}

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> EnvironmentSpec:
        data = data or {}
        return cls(
            pip=tuple(data.get("pip") or ()), python=data.get("python"), image=data.get("image")
        )


@dataclass(frozen=True, slots=True)
class CommandJobSpec:
    """A parsed, validated ``type: command`` job.

    ``code`` is an absolute local folder at parse time; once submitted, the job record
    holds the snapshot digest instead. ``environment`` is an inline spec, or None for the
    current interpreter; ``environment_ref`` names a registered environment (``name:version``
    or ``name@latest``) and is resolved at submit time.
    """

    command: str
    code: str | None = None
    inputs: dict[str, JobInput] = field(default_factory=dict)
    outputs: dict[str, JobOutput] = field(default_factory=dict)
    environment: EnvironmentSpec | None = None
    environment_ref: str | None = None
    environment_variables: dict[str, str] = field(default_factory=dict)
    compute: str = "local"
    resources: dict[str, Any] = field(default_factory=dict)
    timeout: float | None = None
    retries: int = 0
    experiment_name: str | None = None
    display_name: str | None = None
    description: str | None = None
    tags: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["environment"] = self.environment.to_dict() if self.environment else None
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CommandJobSpec:
        env = data.get("environment")
        return cls(
            command=data["command"],
            code=data.get("code"),
            inputs={k: JobInput(**v) for k, v in (data.get("inputs") or {}).items()},
            outputs={k: JobOutput(**v) for k, v in (data.get("outputs") or {}).items()},
            environment=EnvironmentSpec.from_dict(env) if env is not None else None,
            environment_ref=data.get("environment_ref"),
            environment_variables=dict(data.get("environment_variables") or {}),
            compute=data.get("compute") or "local",
            resources=dict(data.get("resources") or {}),
            timeout=data.get("timeout"),
            retries=int(data.get("retries") or 0),
            experiment_name=data.get("experiment_name"),
            display_name=data.get("display_name"),
            description=data.get("description"),
            tags=dict(data.get("tags") or {}),
        )


@dataclass(frozen=True, slots=True)
class AttemptResult:
    """How one attempt's process ended."""

    exit_code: int | None
    signal: str | None = None
    timed_out: bool = False
    canceled: bool = False
    stderr_tail: str = ""
    error: str | None = None

    @property
    def succeeded(self) -> bool:
        return (
            self.exit_code == 0
            and self.signal is None
            and not self.timed_out
            and not self.canceled
            and self.error is None
        )

    def describe(self) -> str:
        """One line saying why the attempt did not succeed (empty if it did)."""
        if self.succeeded:
            return ""
        if self.error:
            return self.error
        if self.canceled:
            return "canceled"
        if self.timed_out:
            return "timed out"
        if self.signal:
            return f"killed by signal {self.signal}"
        return f"exited with code {self.exit_code}"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> AttemptResult:
        return cls(**{k: data.get(k) for k in cls.__dataclass_fields__ if k in data})


@dataclass(frozen=True, slots=True)
class JobAttempt:
    """One try of a job (a job with ``retries: 2`` has up to three)."""

    job_id: str
    attempt: int
    status: RunStatus
    started_at: datetime | None
    ended_at: datetime | None
    exit_code: int | None = None
    signal: str | None = None
    error: str | None = None
    stderr_tail: str | None = None


@dataclass(frozen=True, slots=True)
class Job:
    """A job record joined with the essentials of its run.

    ``id`` is the run id (a job is a run). ``handle`` is what the compute target needs to
    find the job's process again (a pid and host, a Ray submission id...).
    """

    id: str
    name: str
    experiment_id: str
    status: RunStatus
    compute: str
    spec: CommandJobSpec
    snapshot: str | None
    environment_digest: str | None
    attempt: int
    max_retries: int
    created_at: datetime
    started_at: datetime | None = None
    ended_at: datetime | None = None
    cancel_requested: bool = False
    lease_owner: str | None = None
    lease_expires_at: datetime | None = None
    handle: dict[str, Any] = field(default_factory=dict)
    exit_code: int | None = None
    signal: str | None = None
    error: str | None = None
    stderr_tail: str | None = None
    artifact_location: str | None = None


@dataclass(frozen=True, slots=True)
class Compute:
    """A compute target registered in the workspace.

    ``local`` always exists (``max_concurrent_jobs`` = number of cores) unless registered
    with other settings. ``address`` is the Ray cluster address for ``type: ray``.
    """

    name: str
    type: ComputeType
    max_concurrent_jobs: int
    created_at: datetime
    address: str | None = None
    description: str | None = None
    properties: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Environment:
    """A named, versioned environment spec."""

    name: str
    version: str
    spec: EnvironmentSpec
    created_at: datetime
    description: str | None = None
    tags: dict[str, str] = field(default_factory=dict)
