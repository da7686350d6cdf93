"""Endpoint REST routes under ``/api/v1/endpoints`` and the scoring gateway
``POST /endpoints/{name}/score``.

The gateway checks the endpoint key (``Authorization: Bearer KEY``), picks a deployment by the
traffic weights (or the one named by the ``x-modelyard-deployment`` /
``azureml-model-deployment`` request header), forwards the body over kept-alive connections
to one of its ready workers (another worker if that one cannot be reached), copies a share
to mirror deployments, and answers with the worker's response plus an
``x-modelyard-deployment`` header (and ``x-modelyard-server-pid``, the server process that
routed it). The server never loads models: workers do.

Every process of a server routes; one of them, the leader, also supervises the workers
(see :mod:`modelyard.endpoints.routing` and :mod:`modelyard.server.leader`).
"""

from __future__ import annotations

import asyncio
import logging
import os
import threading
import time
from pathlib import Path
from typing import Annotated, Any

import anyio.to_thread
from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from modelyard.endpoints import schemas as w
from modelyard.endpoints.store import EndpointStore
from modelyard.errors import BackendUnavailable, NotFound, PayloadTooLarge, Unauthenticated
from modelyard.server.responses import JSONBytesResponse, json_response, no_content

__all__ = ["gateway", "lead_endpoints", "open_server_endpoint_store", "router", "start_endpoints", "stop_endpoints"]

logger = logging.getLogger(__name__)

router = APIRouter(prefix="/api/v1", tags=["endpoints"], default_response_class=JSONBytesResponse)
# outside /api/v1 (PRODUCT.md fixes the scoring URL); each endpoint documents it in its own
# OpenAPI document, GET /api/v1/endpoints/{name}/openapi.json
gateway = APIRouter(tags=["scoring"])
_NO_CONTENT: dict[str, Any] = {"status_code": 204, "response_model": None}
_LOCK = threading.Lock()  # guards the one-time creation below (holds no state)
_PIN_HEADERS = ("x-modelyard-deployment", "azureml-model-deployment")


def open_server_endpoint_store(app: Any) -> EndpointStore:
    """The app's endpoint store (created once on the app's database, closed with it)."""
    store = getattr(app.state, "endpoint_store", None)
    if store is not None:
        return store
    with _LOCK:
        store = getattr(app.state, "endpoint_store", None)
        if store is None:
            from modelyard.backends import server_store_url
            from modelyard.endpoints.sql import SqlEndpointStore

            url = server_store_url(app.state.settings)
            store = SqlEndpointStore(url)
            app.state.endpoint_store = store
    return store


def _runtime_dir(app: Any) -> Path:
    """Worker logs, models, extracted code and the route file: one folder per served
    workspace, shared by every process of the server (see :func:`~modelyard.server.leader.state_dir`)."""
    from modelyard.server.leader import state_dir

    return state_dir(app.state.settings) / "endpoints"


def start_endpoints(app: Any, *, leader: bool = True) -> None:
    """Start routing scoring requests in this server process; the ``leader`` also starts
    the supervisor (which brings back every deployment in the store), the others follow
    the route file it publishes (:func:`lead_endpoints` promotes a follower)."""
    from modelyard.endpoints.routing import RouteTable
    from modelyard.errors import ModelyardError

    try:
        store = open_server_endpoint_store(app)
    except ModelyardError as e:  # serve the rest of the API; scoring answers 503 until fixed
        logger.error("endpoints are unavailable: %s", e.message)
        return
    app.state.endpoint_pid = str(os.getpid())
    registry = getattr(getattr(app.state, "metrics", None), "registry", None)
    if registry is not None and getattr(app.state, "endpoint_metrics", None) is None:
        # once per app: a lifespan that runs again (in-process test clients) must not
        # register the same series twice
        from modelyard.endpoints.metrics import EndpointMetrics

        app.state.endpoint_metrics = EndpointMetrics(registry)
    if leader:
        lead_endpoints(app)
        return
    table = RouteTable(store, _runtime_dir(app))
    table.start()
    app.state.endpoint_router = table


def lead_endpoints(app: Any) -> None:
    """Start the supervisor in this process (it became the leader) and route through it."""
    from modelyard.endpoints.supervisor import EndpointSupervisor
    from modelyard.models.api import open_server_model_store

    store = getattr(app.state, "endpoint_store", None)
    if store is None or getattr(app.state, "endpoint_supervisor", None) is not None:
        return  # endpoints unavailable (logged at start), or leading already
    supervisor = EndpointSupervisor(store, open_server_model_store(app), _runtime_dir(app),
                                    artifacts=app.state.artifact_store,
                                    max_body_bytes=app.state.settings.server.max_request_bytes)
    supervisor.start()
    follower = getattr(app.state, "endpoint_router", None)
    app.state.endpoint_supervisor = supervisor
    app.state.endpoint_router = supervisor
    if follower is not None:
        follower.stop()


async def stop_endpoints(app: Any) -> None:
    """Stop every worker and close the gateway's connections and the store."""
    client = getattr(app.state, "endpoint_http", None)
    app.state.endpoint_http = None
    if client is not None:
        await client.aclose()
    router = getattr(app.state, "endpoint_router", None)
    app.state.endpoint_router = app.state.endpoint_supervisor = None  # a lifespan may run again
    if router is not None:
        await anyio.to_thread.run_sync(router.stop)
    store = getattr(app.state, "endpoint_store", None)
    if store is not None:
        store.close()


def _router(app: Any) -> Any:
    router = getattr(app.state, "endpoint_router", None)
    if router is None:
        raise BackendUnavailable("the endpoint gateway is not running")
    return router


async def _endpoint_store(request: Request) -> EndpointStore:
    return await anyio.to_thread.run_sync(open_server_endpoint_store, request.app)


StoreDep = Annotated[EndpointStore, Depends(_endpoint_store)]


def _changed(request: Request) -> None:
    router = getattr(request.app.state, "endpoint_router", None)
    if router is not None:
        router.refresh()


# ------------------------------------------------------------------ endpoints
@router.get("/endpoints")
def endpoints_list(store: StoreDep, kind: str | None = None):
    return json_response({"endpoints": [w.endpoint_to_wire(e) for e in store.list_endpoints(kind=kind)]})


@router.post("/endpoints", status_code=201)
def endpoints_create(body: w.EndpointCreate, store: StoreDep, request: Request):
    ep = store.create_endpoint(body.name, kind=body.kind, auth_mode=body.auth_mode,
                               description=body.description, tags=body.tags)
    _changed(request)
    return json_response(w.endpoint_to_wire(ep), 201)


@router.get("/endpoints/{name}")
def endpoints_get(name: str, store: StoreDep):
    return json_response(w.endpoint_to_wire(store.get_endpoint(name)))


@router.patch("/endpoints/{name}")
def endpoints_update(name: str, body: w.EndpointUpdate, store: StoreDep, request: Request):
    ep = store.update_endpoint(name, traffic=body.traffic, mirror_traffic=body.mirror_traffic,
                               description=body.description, tags=body.tags)
    _changed(request)
    return json_response(w.endpoint_to_wire(ep))


@router.post("/endpoints/{name}/keys/regenerate")
def endpoints_regenerate_key(name: str, store: StoreDep, request: Request, which: str = "primary"):
    ep = store.regenerate_key(name, which=which)
    _changed(request)
    return json_response(w.endpoint_to_wire(ep))


@router.post("/endpoints/{name}/token")
def endpoints_token(name: str, store: StoreDep, lifetime: int = 3600):
    """A new bearer token of an ``aml_token`` endpoint (the Studio's test console uses it)."""
    return json_response(store.issue_token(name, lifetime=lifetime))


@router.delete("/endpoints/{name}", **_NO_CONTENT)
def endpoints_delete(name: str, store: StoreDep, request: Request):
    store.delete_endpoint(name)
    _changed(request)
    return no_content()


@router.get("/endpoints/{name}/deployments")
def deployments_list(name: str, store: StoreDep):
    return json_response({"deployments": [w.deployment_to_wire(d) for d in store.list_deployments(name)]})


@router.get("/deployments")
def deployments_list_all(store: StoreDep):
    return json_response({"deployments": [w.deployment_to_wire(d) for d in store.list_deployments()]})


@router.post("/endpoints/{name}/deployments", status_code=201)
def deployments_create(name: str, body: w.DeploymentCreate, store: StoreDep, request: Request):
    from modelyard.endpoints.code import check_code, check_uploaded

    check_uploaded(request.app.state.artifact_store, check_code(body.code, body.scoring_script))
    dep = store.create_deployment(name, body.name, model=body.model, instance_count=body.instance_count,
                                  code=body.code, scoring_script=body.scoring_script, settings=body.settings,
                                  description=body.description, tags=body.tags)
    _changed(request)
    return json_response(w.deployment_to_wire(dep), 201)


@router.get("/endpoints/{name}/deployments/{deployment}")
def deployments_get(name: str, deployment: str, store: StoreDep):
    return json_response(w.deployment_to_wire(store.get_deployment(name, deployment)))


@router.patch("/endpoints/{name}/deployments/{deployment}")
def deployments_update(name: str, deployment: str, body: w.DeploymentUpdate, store: StoreDep, request: Request):
    dep = store.update_deployment(name, deployment, instance_count=body.instance_count, settings=body.settings,
                                  state=body.state, error=body.error)
    if body.instance_count is not None or body.settings is not None:
        _changed(request)
    return json_response(w.deployment_to_wire(dep))


@router.delete("/endpoints/{name}/deployments/{deployment}", **_NO_CONTENT)
def deployments_delete(name: str, deployment: str, store: StoreDep, request: Request):
    store.delete_deployment(name, deployment)
    _changed(request)
    return no_content()


@router.get("/endpoints/{name}/deployments/{deployment}/logs")
def deployments_logs(name: str, deployment: str, store: StoreDep, request: Request, lines: int = 200):
    store.get_deployment(name, deployment)
    router = _router(request.app)
    return json_response({"logs": router.logs(name, deployment, lines=lines),
                          **router.deployment_state(name, deployment)})


@router.get("/endpoints/{name}/requests")
def endpoints_requests(name: str, store: StoreDep, limit: int = 100):
    return json_response({"requests": [w.request_to_wire(r) for r in store.list_requests(name, limit=limit)]})


@router.post("/endpoint-requests", **_NO_CONTENT)
def endpoints_log_requests(body: w.RequestLogs, store: StoreDep):
    store.log_requests([w.request_from_wire(e) for e in body.entries])
    return no_content()


@router.get("/endpoints/{name}/metrics")
def endpoints_metrics(name: str, store: StoreDep, request: Request):
    store.get_endpoint(name)
    stat = _router(request.app).merged_stats(name)  # every process serving the workspace
    lat = sorted(stat["latencies"])

    def q(p: float) -> float | None:
        return None if not lat else round(lat[min(len(lat) - 1, int(p * len(lat)))] * 1000, 3)

    return json_response({"endpoint": name, "requests": stat["requests"], "errors": stat["errors"],
                          "mirrored": stat["mirrored"],
                          "latency_ms": {"p50": q(0.5), "p90": q(0.9), "p99": q(0.99)}})


@router.get("/endpoints/{name}/openapi.json")
def endpoints_openapi(name: str, store: StoreDep, request: Request):
    """The OpenAPI document of the endpoint's scoring route, from its live deployment's signature."""
    from modelyard.endpoints.openapi import scoring_openapi
    from modelyard.models.api import open_server_model_store
    from modelyard.models.descriptor import ModelDescriptor
    from modelyard.models.registry import resolve_version
    from modelyard.models.signature import Signature
    from modelyard.models.uri import parse_model_uri

    ep = store.get_endpoint(name)
    signature = None
    live = [d for d in store.list_deployments(name) if ep.traffic.get(d.name, 0) > 0]
    if live and parse_model_uri(live[0].model).kind == "models":
        v = resolve_version(open_server_model_store(request.app), live[0].model)
        signature = Signature.from_dict(v.signature) if v.signature else None
    descriptor = ModelDescriptor(flavors={"none": {}}, signature=signature)
    return json_response(scoring_openapi(descriptor, title=name, path=f"/endpoints/{name}/score"))


# --------------------------------------------------------------------- gateway
async def _http(app: Any) -> Any:
    client = getattr(app.state, "endpoint_http", None)
    if client is None:
        from modelyard.endpoints.forward import WorkerPool

        client = WorkerPool(timeout=120.0, connect_timeout=5.0)
        app.state.endpoint_http = client
    return client


async def _read_body(request: Request, limit: int) -> bytes:
    length = request.headers.get("content-length")
    if length is not None and length.isdigit() and int(length) > limit:
        raise PayloadTooLarge(f"the request body is larger than {limit} bytes")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise PayloadTooLarge(f"the request body is larger than {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


async def _forward(client: Any, urls: list[str], body: bytes, router: Any, name: str, deployment: str) -> Any:
    """Send to the first worker that answers; if none does, look for new addresses once (a
    worker restarted, or a new leader restarted the deployment) or wait a moment, and try again."""
    from modelyard.endpoints.forward import WorkerUnreachable

    last: Exception | None = None
    for attempt in range(2):
        for url in urls:
            try:
                return await client.post(url, "/score", body)
            except WorkerUnreachable as e:
                last = e
            except TimeoutError as e:
                raise BackendUnavailable(f"the worker at {url} did not answer within {client.timeout:.0f} s") from e
        if attempt == 0:
            if router.reload_routes():
                urls = router.worker_urls(name, deployment) or urls
            else:
                await asyncio.sleep(0.05)
    raise BackendUnavailable(f"no worker of deployment {deployment!r} of {name!r} answered: {last}")


def _key_problem(name: str, authorization: str | None, auth_mode: str = "key") -> str:
    if auth_mode == "aml_token":
        how = (f"get one with `modelyard online-endpoint get-credentials {name}` or "
               f"ws.endpoints.get_credentials({name!r})")
        if not authorization or not authorization.lower().startswith("bearer "):
            return f"endpoint {name!r} needs a token: send 'Authorization: Bearer <token>' ({how})"
        return f"the token sent is not valid for endpoint {name!r}, or has expired ({how})"
    how = (f"get them with `modelyard online-endpoint get-credentials {name}` or "
           f"ws.endpoints.get_credentials({name!r}); API tokens are not endpoint keys")
    if not authorization:
        return f"endpoint {name!r} needs one of its keys: send 'Authorization: Bearer <key>' ({how})"
    if not authorization.lower().startswith("bearer "):
        return f"endpoint {name!r} takes its key as 'Authorization: Bearer <key>' ({how})"
    return f"the key sent is not one of endpoint {name!r}'s keys ({how})"


async def _score(request: Request, name: str, pinned: str | None) -> Response:
    app = request.app
    router = _router(app)
    ep = router.endpoint(name)
    authorization = request.headers.get("authorization")
    if not router.check_key(ep, authorization):
        raise Unauthenticated(_key_problem(name, authorization, str(ep.auth_mode)))
    body = await _read_body(request, app.state.settings.server.max_request_bytes)
    pinned = pinned or next((request.headers[h] for h in _PIN_HEADERS if request.headers.get(h)), None)
    deployment = router.choose(ep, pinned)
    if deployment is None:
        raise NotFound(f"endpoint {name!r} has no deployment taking traffic")
    urls = router.worker_urls(name, deployment)
    if not urls and router.reload_routes():
        urls = router.worker_urls(name, deployment)
    if not urls:
        if pinned and not router.has_deployment(name, pinned):
            raise NotFound(f"endpoint {name!r} has no deployment {pinned!r}")
        raise BackendUnavailable(f"deployment {deployment!r} of {name!r} is not ready")
    client = await _http(app)
    started = time.perf_counter()
    for mirror in router.mirrors(ep):
        mirror_urls = router.worker_urls(name, mirror)
        if mirror_urls:
            asyncio.get_running_loop().create_task(_shadow(router, name, mirror, client, mirror_urls, body))
    upstream = await _forward(client, urls, body, router, name, deployment)
    elapsed = time.perf_counter() - started
    router.record(name, deployment, upstream.status_code, elapsed, body, upstream.content)
    metrics = getattr(app.state, "endpoint_metrics", None)
    if metrics is not None:
        metrics.observe(name, deployment, upstream.status_code, elapsed)
    return Response(upstream.content, status_code=upstream.status_code, media_type="application/json",
                    headers={"x-modelyard-deployment": deployment, "x-modelyard-server-pid": app.state.endpoint_pid})


async def _shadow(router: Any, name: str, deployment: str, client: Any, urls: list[str], body: bytes) -> None:
    """Send a copy to a mirror deployment; its answer is dropped, a failure only logged."""
    try:
        await _forward(client, urls, body, router, name, deployment)
        router.count_mirrored(name)
    except Exception:
        logger.debug("mirrored request failed", exc_info=True)


@gateway.post("/endpoints/{name}/score", operation_id="endpoint_score", include_in_schema=False)
async def endpoint_score(name: str, request: Request) -> Response:
    """Score with an endpoint (traffic-weighted; a header pins a deployment)."""
    return await _score(request, name, None)


@gateway.post("/endpoints/{name}/deployments/{deployment}/score", operation_id="deployment_score",
              include_in_schema=False)
async def deployment_score(name: str, deployment: str, request: Request) -> Response:
    """Score with one deployment of an endpoint."""
    return await _score(request, name, deployment)
