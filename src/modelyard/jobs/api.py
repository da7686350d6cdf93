"""The jobs REST routes under ``/api/v1``: jobs, their live logs, computes, environments.

Handlers parse, call the service or the store, and return a schema (plain ``def`` handlers
run in FastAPI's thread pool, since the stores block). The dispatch routes
(``/jobs/dispatch/...``) expose the store's lease protocol so that a dispatcher can run
against a server as well as against the database.

``GET /api/v1/jobs/{id}/logs?follow=true`` streams the job's ``std_log.txt`` as chunked
``text/plain`` while the job runs, and ends when the job has ended and the log is drained
(or after ``max_seconds``: the client reconnects with ``offset``).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import StreamingResponse

from modelyard.errors import InvalidArgument
from modelyard.jobs import schemas as s
from modelyard.jobs.entities import CommandJobSpec, EnvironmentSpec
from modelyard.jobs.runtime import JobsRuntime
from modelyard.jobs.store import JobStore
from modelyard.server.responses import (
    ArtifactStoreDep,
    JSONBytesResponse,
    TrackingStoreDep,
    json_response,
    no_content,
)
from modelyard.tracking.entities import RunStatus

__all__ = ["router"]

router = APIRouter(prefix="/api/v1", tags=["jobs"], default_response_class=JSONBytesResponse)

_NO_CONTENT: dict[str, Any] = {"status_code": 204, "response_model": None}
_LOG_KEY = "logs/std_log.txt"
_CHUNK = 65536


async def _runtime(request: Request) -> JobsRuntime:
    return request.app.state.jobs


async def _job_store(request: Request) -> JobStore:
    return await run_in_threadpool(lambda: request.app.state.jobs.store)


RuntimeDep = Annotated[JobsRuntime, Depends(_runtime)]
JobStoreDep = Annotated[JobStore, Depends(_job_store)]


def _spec(data: dict[str, Any]) -> CommandJobSpec:
    try:
        return CommandJobSpec.from_dict(data)
    except (KeyError, TypeError, ValueError) as e:
        raise InvalidArgument(f"malformed job spec: {e}") from e


# ------------------------------------------------------------------------------ jobs
@router.post("/jobs", response_model=s.JobSchema, status_code=201)
def jobs_create(body: s.JobCreate, request: Request, tracking: TrackingStoreDep, artifacts: ArtifactStoreDep,
                store: JobStoreDep, runtime: RuntimeDep):  # fmt: skip
    from modelyard.jobs.service import submit_job

    spec = _spec(body.spec)
    if spec.code and body.snapshot is None:
        raise InvalidArgument("a job with code needs its snapshot uploaded first ('snapshot')")
    data = None
    if any(i.is_data_ref for i in spec.inputs.values()) or any(o.name for o in spec.outputs.values()):
        from modelyard.data.api import open_server_data_store

        data = open_server_data_store(request.app)
    job = submit_job(spec, tracking=tracking, jobs=store, artifacts=artifacts, snapshot=body.snapshot, data=data)
    runtime.wake()
    return json_response(s.job_to_wire(job), 201)


@router.post("/runs/{run_id}/job", response_model=s.JobSchema, status_code=201)
def jobs_create_record(run_id: str, body: s.JobRecordCreate, store: JobStoreDep, runtime: RuntimeDep):
    job = store.create_job(
        run_id=run_id, spec=_spec(body.spec), compute=body.compute, snapshot=body.snapshot,
        environment_digest=body.environment_digest,
    )  # fmt: skip
    runtime.wake()
    return json_response(s.job_to_wire(job), 201)


@router.get("/jobs", response_model=s.JobListSchema)
def jobs_list(
    store: JobStoreDep,
    experiment_id: Annotated[list[str] | None, Query()] = None,
    status: Annotated[list[RunStatus] | None, Query()] = None,
    compute: str | None = None,
    max_results: Annotated[int, Query(ge=1, le=50_000)] = 1000,
):
    jobs = store.list_jobs(experiment_ids=experiment_id, statuses=status, compute=compute,
                           max_results=max_results)  # fmt: skip
    return json_response({"jobs": [s.job_to_wire(j) for j in jobs]})


@router.get("/jobs/{job_id}", response_model=s.JobSchema)
def jobs_get(job_id: str, store: JobStoreDep):
    return json_response(s.job_to_wire(store.get_job(job_id)))


@router.post("/jobs/{job_id}/cancel", response_model=s.JobSchema)
def jobs_cancel(job_id: str, store: JobStoreDep, runtime: RuntimeDep):
    job = store.cancel_job(job_id)
    runtime.wake()
    return json_response(s.job_to_wire(job))


@router.get("/jobs/{job_id}/attempts", response_model=s.AttemptListSchema)
def jobs_attempts(job_id: str, store: JobStoreDep):
    return json_response({"attempts": [s.attempt_to_wire(a) for a in store.list_attempts(job_id)]})


@router.get(
    "/jobs/{job_id}/logs", response_class=StreamingResponse,
    responses={200: {"content": {"text/plain": {}}}},
)  # fmt: skip
async def jobs_logs(
    job_id: str,
    runtime: RuntimeDep,
    artifacts: ArtifactStoreDep,
    follow: bool = False,
    offset: Annotated[int, Query(ge=0)] = 0,
    max_seconds: Annotated[float, Query(gt=0, le=3600)] = 30.0,
):
    store = await run_in_threadpool(lambda: runtime.store)
    await run_in_threadpool(store.get_job, job_id)  # NotFound before the stream starts
    return StreamingResponse(
        _follow_log(runtime, store, artifacts, job_id, follow=follow, offset=offset, max_seconds=max_seconds),
        media_type="text/plain; charset=utf-8",
        headers={"cache-control": "no-store", "x-accel-buffering": "no"},
    )  # fmt: skip


def _read_from(path: Any, offset: int) -> bytes:
    try:
        with open(path, "rb") as fh:
            fh.seek(offset)
            return fh.read(_CHUNK)
    except FileNotFoundError:
        return b""


def _read_all(artifacts: Any, key: str) -> list[bytes]:
    return list(artifacts.iter_chunks(key))


async def _follow_log(runtime: JobsRuntime, store: JobStore, artifacts: Any, job_id: str, *,
                      follow: bool, offset: int, max_seconds: float) -> AsyncIterator[bytes]:  # fmt: skip
    live = runtime.log_path(job_id)
    deadline = time.monotonic() + max_seconds
    while True:
        job = await run_in_threadpool(store.get_job, job_id)
        ended = job.status.is_terminal  # looked at before reading: an ended job's log is complete
        if live.is_file():
            while chunk := await run_in_threadpool(_read_from, live, offset):
                offset += len(chunk)
                yield chunk
        elif ended and job.artifact_location:
            key = f"{job.artifact_location}/{_LOG_KEY}"
            if await run_in_threadpool(artifacts.info, key) is not None:
                seen = 0
                for chunk in await run_in_threadpool(_read_all, artifacts, key):
                    part = chunk[max(0, offset - seen):]
                    seen += len(chunk)
                    if part:
                        yield part
        if ended or not follow or time.monotonic() > deadline:
            return
        await asyncio.sleep(0.05)


# ---------------------------------------------------------------------- dispatching
@router.post("/jobs/dispatch/claim", response_model=s.JobListSchema, tags=["jobs-dispatch"])
def jobs_dispatch_claim(body: s.ClaimRequest, store: JobStoreDep):
    jobs = store.claim_jobs(owner=body.owner, lease_seconds=body.lease_seconds, computes=body.computes)
    return json_response({"jobs": [s.job_to_wire(j) for j in jobs]})


@router.post("/jobs/dispatch/renew", response_model=s.LeaseRenewedSchema, tags=["jobs-dispatch"])
def jobs_dispatch_renew(body: s.LeaseRenew, store: JobStoreDep):
    ids = store.renew_leases(owner=body.owner, job_ids=body.job_ids, lease_seconds=body.lease_seconds)
    return json_response({"job_ids": ids})


@router.post("/jobs/dispatch/adopt", response_model=s.JobListSchema, tags=["jobs-dispatch"])
def jobs_dispatch_adopt(body: s.LeaseAdopt, store: JobStoreDep):
    jobs = store.adopt_orphans(owner=body.owner, lease_seconds=body.lease_seconds,
                               dead_owners=body.dead_owners)  # fmt: skip
    return json_response({"jobs": [s.job_to_wire(j) for j in jobs]})


@router.get("/jobs/dispatch/owners", response_model=s.LeaseOwnersSchema, tags=["jobs-dispatch"])
def jobs_dispatch_owners(store: JobStoreDep):
    return json_response({"owners": store.list_lease_owners()})


@router.post("/jobs/{job_id}/running", response_model=s.JobSchema, tags=["jobs-dispatch"])
def jobs_dispatch_running(job_id: str, body: s.MarkRunning, store: JobStoreDep):
    return json_response(s.job_to_wire(store.mark_running(job_id, owner=body.owner, handle=body.handle)))


@router.post("/jobs/{job_id}/finish", response_model=s.JobSchema, tags=["jobs-dispatch"])
def jobs_dispatch_finish(job_id: str, body: s.AttemptFinish, store: JobStoreDep, runtime: RuntimeDep):
    try:
        result = s.result_from_wire(body.result)
    except TypeError as e:
        raise InvalidArgument(f"malformed attempt result: {e}") from e
    job = store.finish_attempt(job_id, owner=body.owner, result=result, retry=body.retry)
    runtime.wake()
    return json_response(s.job_to_wire(job))


# -------------------------------------------------------------------------- computes
@router.post("/computes", response_model=s.ComputeSchema, status_code=201)
def computes_create(body: s.ComputeCreate, store: JobStoreDep):
    c = store.create_compute(
        name=body.name, type=body.type, max_concurrent_jobs=body.max_concurrent_jobs,
        address=body.address, description=body.description, properties=body.properties,
    )  # fmt: skip
    return json_response(s.compute_to_wire(c), 201)


@router.get("/computes", response_model=s.ComputeListSchema)
def computes_list(store: JobStoreDep):
    return json_response({"computes": [s.compute_to_wire(c) for c in store.list_computes()]})


@router.get("/computes/{name}", response_model=s.ComputeSchema)
def computes_get(name: str, store: JobStoreDep):
    return json_response(s.compute_to_wire(store.get_compute(name)))


@router.delete("/computes/{name}", **_NO_CONTENT)
def computes_delete(name: str, store: JobStoreDep):
    store.delete_compute(name)
    return no_content()


# ---------------------------------------------------------------------- environments
@router.post("/environments", response_model=s.EnvironmentSchema, status_code=201)
def environments_create(body: s.EnvironmentCreate, store: JobStoreDep):
    try:
        spec = EnvironmentSpec.from_dict(body.spec)
    except (TypeError, ValueError) as e:
        raise InvalidArgument(f"malformed environment spec: {e}") from e
    env = store.create_environment(name=body.name, spec=spec, version=body.version,
                                   description=body.description, tags=body.tags)  # fmt: skip
    return json_response(s.environment_to_wire(env), 201)


@router.get("/environments", response_model=s.EnvironmentListSchema)
def environments_list(store: JobStoreDep, name: str | None = None):
    return json_response({"environments": [s.environment_to_wire(e) for e in store.list_environments(name=name)]})


@router.get("/environments/{name}", response_model=s.EnvironmentSchema)
def environments_get(name: str, store: JobStoreDep, version: str | None = None):
    return json_response(s.environment_to_wire(store.get_environment(name, version)))
