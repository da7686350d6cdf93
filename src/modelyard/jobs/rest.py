"""A :class:`~modelyard.jobs.store.JobStore` that talks to a Modelyard server, plus the
client side of submitting a job and following its log remotely.

Every store method is one HTTP call (see :mod:`modelyard.jobs.api`); the server's errors come
back as the same :class:`~modelyard.errors.ModelyardError` subclasses.

Example::

    store = RestJobStore("http://127.0.0.1:8200")
    store.get_compute("local").max_concurrent_jobs
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from modelyard._http import HttpClient
from modelyard.jobs import schemas as s
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
from modelyard.jobs.store import JobStore
from modelyard.tracking.entities import RunStatus

if TYPE_CHECKING:
    from modelyard.sdk.workspace import Workspace

__all__ = ["RestJobStore", "iter_remote_log", "submit_remote"]

_API = "/api/v1"


def _q(part: str) -> str:
    return quote(part, safe="")


class RestJobStore(JobStore):
    """Jobs over HTTP.

    Args:
        base_url: the server URL, e.g. ``http://127.0.0.1:8200``.
        token: a bearer token.
        client: share an existing :class:`HttpClient` (``base_url``/``token`` then unused).
    """

    def __init__(self, base_url: str, *, token: str | None = None, client: HttpClient | None = None) -> None:
        self._owns_client = client is None
        self._http = client or HttpClient(base_url, token=token)

    def __repr__(self) -> str:
        return f"RestJobStore({self._http.base_url!r})"

    @property
    def http(self) -> HttpClient:
        return self._http

    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        return self._http.request_json(method, _API + path, **kwargs)

    def close(self) -> None:
        if self._owns_client:
            self._http.close()

    # ------------------------------------------------------------------------ jobs
    def submit(self, spec: CommandJobSpec, *, snapshot: str | None) -> Job:
        """Validate and queue a job on the server (``POST /jobs``)."""
        return s.job_from_wire(self._call("POST", "/jobs", json={"spec": spec.to_dict(), "snapshot": snapshot}))

    def create_job(self, *, run_id: str, spec: CommandJobSpec, compute: str,
                   snapshot: str | None, environment_digest: str | None) -> Job:  # fmt: skip
        body = {"spec": spec.to_dict(), "compute": compute, "snapshot": snapshot,
                "environment_digest": environment_digest}  # fmt: skip
        return s.job_from_wire(self._call("POST", f"/runs/{_q(run_id)}/job", json=body))

    def get_job(self, job_id: str) -> Job:
        return s.job_from_wire(self._call("GET", f"/jobs/{_q(job_id)}"))

    def list_jobs(self, *, experiment_ids: Iterable[str] | None = None,
                  statuses: Iterable[RunStatus] | None = None, compute: str | None = None,
                  max_results: int = 1000) -> list[Job]:  # fmt: skip
        from modelyard.errors import InvalidArgument

        if not 1 <= max_results <= 50_000:
            raise InvalidArgument("max_results must be in 1..50000")
        params: dict[str, Any] = {"compute": compute, "max_results": max_results}
        if experiment_ids is not None:
            ids = list(experiment_ids)
            if not ids:
                return []
            params["experiment_id"] = ids
        if statuses is not None:
            values = [RunStatus(x).value for x in statuses]
            if not values:
                return []
            params["status"] = values
        return [s.job_from_wire(j) for j in self._call("GET", "/jobs", params=params)["jobs"]]

    def cancel_job(self, job_id: str) -> Job:
        return s.job_from_wire(self._call("POST", f"/jobs/{_q(job_id)}/cancel"))

    def list_attempts(self, job_id: str) -> list[JobAttempt]:
        return [s.attempt_from_wire(a) for a in self._call("GET", f"/jobs/{_q(job_id)}/attempts")["attempts"]]

    # ---------------------------------------------------------------- dispatching
    def claim_jobs(self, *, owner: str, lease_seconds: float, computes: Iterable[str] | None = None) -> list[Job]:
        body = {"owner": owner, "lease_seconds": lease_seconds,
                "computes": None if computes is None else list(computes)}  # fmt: skip
        return [s.job_from_wire(j) for j in self._call("POST", "/jobs/dispatch/claim", json=body)["jobs"]]

    def renew_leases(self, *, owner: str, job_ids: Iterable[str], lease_seconds: float) -> list[str]:
        ids = list(job_ids)
        if not ids:
            return []
        body = {"owner": owner, "job_ids": ids, "lease_seconds": lease_seconds}
        return list(self._call("POST", "/jobs/dispatch/renew", json=body)["job_ids"])

    def adopt_orphans(self, *, owner: str, lease_seconds: float, dead_owners: Iterable[str] = ()) -> list[Job]:
        body = {"owner": owner, "lease_seconds": lease_seconds, "dead_owners": list(dead_owners)}
        return [s.job_from_wire(j) for j in self._call("POST", "/jobs/dispatch/adopt", json=body)["jobs"]]

    def list_lease_owners(self) -> list[str]:
        return list(self._call("GET", "/jobs/dispatch/owners")["owners"])

    def mark_running(self, job_id: str, *, owner: str, handle: Mapping[str, Any]) -> Job:
        body = {"owner": owner, "handle": dict(handle)}
        return s.job_from_wire(self._call("POST", f"/jobs/{_q(job_id)}/running", json=body))

    def finish_attempt(self, job_id: str, *, owner: str, result: AttemptResult, retry: bool) -> Job:
        body = {"owner": owner, "result": result.to_dict(), "retry": retry}
        return s.job_from_wire(self._call("POST", f"/jobs/{_q(job_id)}/finish", json=body))

    # ------------------------------------------------------------------- computes
    def create_compute(self, *, name: str, type: ComputeType, max_concurrent_jobs: int | None = None,
                       address: str | None = None, description: str | None = None,
                       properties: Mapping[str, Any] | None = None) -> Compute:  # fmt: skip
        body = {"name": name, "type": ComputeType(type).value, "max_concurrent_jobs": max_concurrent_jobs,
                "address": address, "description": description,
                "properties": dict(properties) if properties else None}  # fmt: skip
        return s.compute_from_wire(self._call("POST", "/computes", json=body))

    def get_compute(self, name: str) -> Compute:
        return s.compute_from_wire(self._call("GET", f"/computes/{_q(name)}"))

    def list_computes(self) -> list[Compute]:
        return [s.compute_from_wire(c) for c in self._call("GET", "/computes")["computes"]]

    def delete_compute(self, name: str) -> None:
        self._call("DELETE", f"/computes/{_q(name)}")

    # ---------------------------------------------------------------- environments
    def create_environment(self, *, name: str, spec: EnvironmentSpec, version: str | None = None,
                           description: str | None = None, tags: Mapping[str, str] | None = None) -> Environment:  # fmt: skip
        body = {"name": name, "spec": spec.to_dict(), "version": version, "description": description,
                "tags": dict(tags) if tags else None}  # fmt: skip
        return s.environment_from_wire(self._call("POST", "/environments", json=body))

    def get_environment(self, name: str, version: str | None = None) -> Environment:
        return s.environment_from_wire(self._call("GET", f"/environments/{_q(name)}", params={"version": version}))

    def list_environments(self, *, name: str | None = None) -> list[Environment]:
        data = self._call("GET", "/environments", params={"name": name})
        return [s.environment_from_wire(e) for e in data["environments"]]


# ------------------------------------------------------------------------ SDK helpers
def submit_remote(ws: Workspace, job: CommandJobSpec, *, snapshot: str | None = None) -> Job:
    """Upload the job's code snapshot through the server's artifact API (unless ``snapshot``
    names one uploaded already), then submit it."""
    from modelyard.jobs.client import _job_store
    from modelyard.jobs.snapshot import store_snapshot

    if snapshot is None and job.code:
        snapshot = store_snapshot(ws.artifact_store, job.code).digest
    store = _job_store(ws)
    assert isinstance(store, RestJobStore)
    return store.submit(job, snapshot=snapshot)


def iter_remote_log(ws: Workspace, job_id: str, *, follow: bool) -> Iterator[bytes]:
    """Chunks of a job's log from the server's streaming endpoint; with ``follow``, until
    the job ends (reconnecting where the last stream stopped)."""
    from modelyard.jobs.client import _job_store

    store = _job_store(ws)
    assert isinstance(store, RestJobStore)
    offset = 0
    while True:
        params = {"follow": follow, "offset": offset}
        with store.http.stream("GET", f"{_API}/jobs/{_q(job_id)}/logs", params=params) as response:
            for chunk in response.iter_bytes():
                offset += len(chunk)
                yield chunk
        if not follow or store.get_job(job_id).status.is_terminal:
            if follow:  # the job ended after the stream stopped: drain what is left
                params = {"follow": False, "offset": offset}
                with store.http.stream("GET", f"{_API}/jobs/{_q(job_id)}/logs", params=params) as response:
                    yield from response.iter_bytes()
            return
