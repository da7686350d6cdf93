"""The tracking REST routes under ``/api/v1``: parse, call the store, return a schema.

Operation ids are the handler names (``experiments_create``, ``runs_search``...), stable
for generated clients. Handlers are plain ``def`` functions: FastAPI runs them in its thread
pool, since the stores block.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request

from modelyard.errors import NotFound
from modelyard.server.responses import (
    JSONBytesResponse,
    TrackingStoreDep,
    json_response,
    modelyard_version,
    no_content,
)
from modelyard.tracking import schemas as s
from modelyard.tracking.store import MAX_RESULTS_LIMIT

__all__ = ["router"]

router = APIRouter(prefix="/api/v1", tags=["tracking"], default_response_class=JSONBytesResponse)

MaxResults = Annotated[int, Query(ge=1, le=MAX_RESULTS_LIMIT)]
_NO_CONTENT = {"status_code": 204, "response_model": None}


# ----------------------------------------------------------------------- experiments
@router.get("/experiments", response_model=s.ExperimentPageSchema)
def experiments_list(
    store: TrackingStoreDep,
    include_deleted: bool = False,
    max_results: MaxResults = 1000,
    page_token: str | None = None,
):
    page = store.list_experiments(
        include_deleted=include_deleted, max_results=max_results, page_token=page_token
    )
    return json_response(s.experiment_page_to_wire(page))


@router.post("/experiments", response_model=s.ExperimentSchema, status_code=201)
def experiments_create(body: s.ExperimentCreate, store: TrackingStoreDep):
    exp = store.create_experiment(body.name, description=body.description, tags=body.tags)
    return json_response(s.experiment_to_wire(exp), 201)


@router.get("/experiments/by-name/{name:path}", response_model=s.ExperimentSchema)
def experiments_get_by_name(name: str, store: TrackingStoreDep):
    exp = store.find_experiment(name)
    if exp is None:
        raise NotFound(f"no experiment named {name!r}")
    return json_response(s.experiment_to_wire(exp))


@router.get("/experiments/{experiment_id}", response_model=s.ExperimentSchema)
def experiments_get(experiment_id: str, store: TrackingStoreDep):
    return json_response(s.experiment_to_wire(store.get_experiment(experiment_id)))


@router.patch("/experiments/{experiment_id}", response_model=s.ExperimentSchema)
def experiments_update(experiment_id: str, body: s.ExperimentUpdate, store: TrackingStoreDep):
    exp = store.update_experiment(experiment_id, name=body.name, description=body.description)
    return json_response(s.experiment_to_wire(exp))


@router.delete("/experiments/{experiment_id}", **_NO_CONTENT)
def experiments_delete(experiment_id: str, store: TrackingStoreDep):
    store.delete_experiment(experiment_id)
    return no_content()


@router.post("/experiments/{experiment_id}/restore", **_NO_CONTENT)
def experiments_restore(experiment_id: str, store: TrackingStoreDep):
    store.restore_experiment(experiment_id)
    return no_content()


@router.put("/experiments/{experiment_id}/tags/{key:path}", **_NO_CONTENT)
def experiments_set_tag(experiment_id: str, key: str, body: s.TagValue, store: TrackingStoreDep):
    store.set_experiment_tag(experiment_id, key, body.value)
    return no_content()


# ------------------------------------------------------------------------------ runs
@router.post("/runs", response_model=s.RunSchema, status_code=201)
def runs_create(body: s.RunCreate, store: TrackingStoreDep):
    run = store.create_run(
        body.experiment_id,
        name=body.name,
        parent_id=body.parent_id,
        kind=body.kind,
        status=body.status,
        tags=body.tags,
        source=s.source_from_wire(body.source.model_dump()) if body.source else None,
        start_time=body.start_time,
    )
    return json_response(s.run_to_wire(run), 201)


@router.get("/runs/deleted", response_model=s.RunListSchema)
def runs_list_deleted(store: TrackingStoreDep):
    return json_response({"runs": [s.run_to_wire(r) for r in store.list_deleted_runs()]})


@router.post("/runs/search", response_model=s.RunPageSchema)
def runs_search(body: s.RunSearch, store: TrackingStoreDep):
    page = store.search_runs(
        experiment_ids=body.experiment_ids,
        filter=body.filter,
        order_by=body.order_by,
        max_results=body.max_results,
        page_token=body.page_token,
        include_deleted=body.include_deleted,
    )
    return json_response(s.run_page_to_wire(page))


@router.get("/runs/{run_id}", response_model=s.RunSchema)
def runs_get(run_id: str, store: TrackingStoreDep):
    return json_response(s.run_to_wire(store.get_run(run_id)))


@router.patch("/runs/{run_id}", response_model=s.RunSchema)
def runs_update(run_id: str, body: s.RunUpdate, store: TrackingStoreDep):
    run = store.update_run(
        run_id, status=body.status, name=body.name, end_time=body.end_time, error=body.error
    )
    return json_response(s.run_to_wire(run))


@router.delete("/runs/{run_id}", **_NO_CONTENT)
def runs_delete(run_id: str, store: TrackingStoreDep):
    store.delete_run(run_id)
    return no_content()


@router.post("/runs/{run_id}/restore", **_NO_CONTENT)
def runs_restore(run_id: str, store: TrackingStoreDep):
    store.restore_run(run_id)
    return no_content()


@router.post("/runs/{run_id}/purge", **_NO_CONTENT)
def runs_purge(run_id: str, store: TrackingStoreDep):
    store.purge_run(run_id)
    return no_content()


@router.post("/runs/{run_id}/batch", **_NO_CONTENT)
def runs_log_batch(run_id: str, body: s.RunBatch, store: TrackingStoreDep):
    metrics = s.metrics_from_schemas(body.metrics)
    store.log_batch(run_id, metrics=metrics, params=body.params, tags=body.tags)
    return no_content()


@router.post("/metrics/batches", **_NO_CONTENT)
def metrics_log_batches(body: s.MetricBatches, store: TrackingStoreDep):
    store.log_metric_batches(
        {rid: s.metrics_from_schemas(pts) for rid, pts in body.batches.items()}
    )
    return no_content()


@router.delete("/runs/{run_id}/tags/{key:path}", **_NO_CONTENT)
def runs_delete_tag(run_id: str, key: str, store: TrackingStoreDep):
    store.delete_tag(run_id, key)
    return no_content()


@router.get("/runs/{run_id}/metrics/{key:path}/history", response_model=s.MetricHistorySchema)
def runs_metric_history(
    run_id: str,
    key: str,
    store: TrackingStoreDep,
    max_points: Annotated[int | None, Query(ge=4)] = None,
    min_step: Annotated[int | None, Query(description="only points at this step or later")] = None,
    max_step: Annotated[
        int | None, Query(description="only points at this step or earlier")
    ] = None,
):
    points = store.get_metric_history(
        run_id, key, max_points=max_points, min_step=min_step, max_step=max_step
    )
    if max_points is not None:
        summary = store.get_run(run_id).metrics.get(key)
        total = summary.count if summary is not None else len(points)
        if total > len(points):
            return json_response(s.history_to_wire(key, points, total=total))
    return json_response(s.history_to_wire(key, points))


# ------------------------------------------------------------------------- workspace
@router.get("/workspace", response_model=s.WorkspaceSchema)
def workspace_get(request: Request, store: TrackingStoreDep):

    experiments = store.list_experiments(include_deleted=False, max_results=MAX_RESULTS_LIMIT)
    return json_response(
        {
            "name": request.app.state.workspace_name,
            "store": type(store).__name__,
            "artifact_store": type(request.app.state.artifact_store).__name__,
            "version": modelyard_version(),
            "counts": {"experiments": len(experiments.experiments)},
        }
    )
