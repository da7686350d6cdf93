"""The job store interface. Its docstrings are the specification.

Implementations: :class:`modelyard.jobs.sql.SqlJobStore` (same database as the tracking
store) and :class:`modelyard.jobs.rest.RestJobStore` (a server's ``/api/v1`` job routes).

A job's status is its run's status: the store updates both together. The dispatch side
(``claim_jobs`` ... ``finish_attempt``) is used by dispatchers only.

Rules:

* Thread-safe; a write is durable when the method returns.
* Unknown ids/names raise NotFound; malformed values InvalidArgument; backend failures
  BackendUnavailable.
* A job is claimed by at most one dispatcher at a time (a lease); claims on one compute are
  serialized, so the number of claimed jobs never exceeds its ``max_concurrent_jobs``.
"""

from __future__ import annotations

import abc
from collections.abc import Iterable, Mapping
from typing import Any

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

__all__ = ["LOCAL_COMPUTE", "JobStore"]

#: the built-in compute target, present in every workspace
LOCAL_COMPUTE = "local"


class JobStore(abc.ABC):
    """Job records, attempts, compute targets and named environments."""

    # ------------------------------------------------------------------------ jobs
    @abc.abstractmethod
    def create_job(
        self,
        *,
        run_id: str,
        spec: CommandJobSpec,
        compute: str,
        snapshot: str | None,
        environment_digest: str | None,
    ) -> Job:
        """Queue a job for an existing run (created by the caller with ``kind="job"``).

        Raises:
            NotFound: the run or the compute does not exist.
            AlreadyExists: the run already has a job.
        """

    @abc.abstractmethod
    def get_job(self, job_id: str) -> Job:
        """Return a job. Raises NotFound."""

    @abc.abstractmethod
    def list_jobs(
        self,
        *,
        experiment_ids: Iterable[str] | None = None,
        statuses: Iterable[RunStatus] | None = None,
        compute: str | None = None,
        max_results: int = 1000,
    ) -> list[Job]:
        """Jobs, newest first. Raises InvalidArgument for ``max_results`` outside 1..50000."""

    @abc.abstractmethod
    def cancel_job(self, job_id: str) -> Job:
        """Cancel a job: a queued one ends Canceled at once; a running one is flagged and
        its dispatcher stops it. Canceling a finished job is a no-op returning it."""

    @abc.abstractmethod
    def list_attempts(self, job_id: str) -> list[JobAttempt]:
        """One record per attempt, oldest first. Raises NotFound."""

    # ---------------------------------------------------------------- dispatching
    @abc.abstractmethod
    def claim_jobs(
        self, *, owner: str, lease_seconds: float, computes: Iterable[str] | None = None
    ) -> list[Job]:
        """Claim queued jobs (oldest first) up to each compute's free capacity.

        A claimed job holds a slot of its compute until it ends or is requeued for a retry.
        ``computes`` limits the claim to those targets (None: every target).
        """

    @abc.abstractmethod
    def renew_leases(self, *, owner: str, job_ids: Iterable[str], lease_seconds: float) -> list[str]:
        """Extend the leases ``owner`` holds; return the ids still held (heartbeat)."""

    @abc.abstractmethod
    def adopt_orphans(self, *, owner: str, lease_seconds: float, dead_owners: Iterable[str] = ()) -> list[Job]:
        """Take over claimed jobs whose lease expired, or whose owner is in ``dead_owners``.

        The caller then finds their processes again or ends them Failed.
        """

    @abc.abstractmethod
    def list_lease_owners(self) -> list[str]:
        """Owners holding leases on claimed jobs (used to detect dead dispatchers)."""

    @abc.abstractmethod
    def mark_running(self, job_id: str, *, owner: str, handle: Mapping[str, Any]) -> Job:
        """Record that the current attempt's process started (the run becomes Running).

        Raises:
            InvalidState: ``owner`` does not hold the job's lease.
        """

    @abc.abstractmethod
    def finish_attempt(
        self, job_id: str, *, owner: str, result: AttemptResult, retry: bool
    ) -> Job:
        """Record how the current attempt ended.

        With ``retry`` the job is requeued for its next attempt (it stays Running);
        otherwise it ends Finished, Canceled or Failed (with the result's description as
        the run's error) and releases its slot.

        Raises:
            InvalidState: ``owner`` does not hold the job's lease.
        """

    # ------------------------------------------------------------------- computes
    @abc.abstractmethod
    def create_compute(
        self,
        *,
        name: str,
        type: ComputeType,
        max_concurrent_jobs: int | None = None,
        address: str | None = None,
        description: str | None = None,
        properties: Mapping[str, Any] | None = None,
    ) -> Compute:
        """Register a compute target (``local`` may be re-registered to change its limit).

        Raises:
            AlreadyExists: the name is taken (other than ``local``).
            InvalidArgument: a bad name or limit, or a ray target without an address.
        """

    @abc.abstractmethod
    def get_compute(self, name: str) -> Compute:
        """Return a compute target (``local`` always exists). Raises NotFound."""

    @abc.abstractmethod
    def list_computes(self) -> list[Compute]:
        """Every compute target, ``local`` included, by name."""

    @abc.abstractmethod
    def delete_compute(self, name: str) -> None:
        """Remove a compute target.

        Raises:
            NotFound; InvalidState for ``local`` or while jobs on it are queued or running.
        """

    # ---------------------------------------------------------------- environments
    @abc.abstractmethod
    def create_environment(
        self,
        *,
        name: str,
        spec: EnvironmentSpec,
        version: str | None = None,
        description: str | None = None,
        tags: Mapping[str, str] | None = None,
    ) -> Environment:
        """Register a version of a named environment (default: the next integer version).

        Raises:
            AlreadyExists: that version exists.
            InvalidArgument: a bad name or version.
        """

    @abc.abstractmethod
    def get_environment(self, name: str, version: str | None = None) -> Environment:
        """Return a version (None or ``"latest"``: the newest). Raises NotFound."""

    @abc.abstractmethod
    def list_environments(self, *, name: str | None = None) -> list[Environment]:
        """Every environment version (or those of ``name``), by name then version."""

    def close(self) -> None:
        """Release connections."""
