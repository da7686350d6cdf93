"""The FastAPI application: ``create_app(settings)`` wires stores, routers and guards.

Layers, outside in: Starlette's error middleware -> :class:`MetricsMiddleware` ->
:class:`SecurityMiddleware` (Host and Origin checks) -> routing -> one router per domain
(:mod:`modelyard.tracking.api`, :mod:`modelyard.artifacts.api`) -> the stores.
"""

from __future__ import annotations

import logging
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from fastapi import FastAPI, Request
from fastapi.routing import APIRoute
from starlette.responses import FileResponse, HTMLResponse, Response

from modelyard.errors import InvalidArgument, NotFound
from modelyard.server.errors import install_error_handler
from modelyard.server.metrics import MetricsMiddleware, ServerMetrics
from modelyard.server.placeholder import placeholder_page
from modelyard.server.responses import JSONBytesResponse, modelyard_version
from modelyard.server.security import SecurityMiddleware

if TYPE_CHECKING:
    from modelyard.artifacts.store import ArtifactStore
    from modelyard.settings import Settings
    from modelyard.tracking.store import TrackingStore

__all__ = ["STATIC_DIR", "create_app"]

logger = logging.getLogger(__name__)

STATIC_DIR = Path(__file__).parent / "static"
_NOT_SPA = ("api/", "metrics", "healthz")
_ALL_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


def _operation_id(route: APIRoute) -> str:
    return route.name


def _open_stores(settings: Settings) -> tuple[TrackingStore, ArtifactStore, str]:
    """Build the stores named by the settings (default: the workspace folder's)."""
    from modelyard.backends import open_artifact_store, open_tracking_store

    name = "workspace"
    store_url, artifact_root = settings.store_url, settings.artifact_root
    if store_url is None or artifact_root is None:
        from modelyard.location import read_workspace_config, resolve_location

        location = resolve_location(settings.workspace)
        if location.is_remote:
            raise InvalidArgument(
                f"a server serves a workspace folder or a database, not another server "
                f"({location.url}); pass a folder or --store-url"
            )
        assert location.folder is not None
        name = str(read_workspace_config(location.folder).get("name") or location.folder.name)
        store_url = store_url or location.store_url
        artifact_root = artifact_root or str(location.artifact_root)
    elif settings.workspace:
        name = settings.workspace
    tracking = open_tracking_store(store_url)
    try:
        artifacts = open_artifact_store(artifact_root)
    except Exception:
        tracking.close()
        raise
    return tracking, artifacts, name


def create_app(
    settings: Settings,
    *,
    tracking_store: TrackingStore | None = None,
    artifact_store: ArtifactStore | None = None,
    static_dir: Path | None = None,
    run_dispatcher: bool = True,
) -> FastAPI:
    """Build the server app.

    Args:
        settings: the one settings object.
        tracking_store: use this store instead of the one the settings name (the caller
            keeps ownership: it is not closed at shutdown).
        artifact_store: likewise for artifacts.
        static_dir: the built Studio (default: ``static/`` next to this module).
        run_dispatcher: run the job dispatcher in this process (False: job routes only).

    Returns:
        The ASGI app; run it with :func:`modelyard.server.run.serve` or any ASGI server.
    """
    from modelyard.artifacts.api import router as artifacts_router
    from modelyard.tracking.api import router as tracking_router

    owned: list[TrackingStore | ArtifactStore] = []
    name = settings.workspace or "workspace"
    if tracking_store is None or artifact_store is None:
        opened_tracking, opened_artifacts, name = _open_stores(settings)
        if tracking_store is None:
            tracking_store = opened_tracking
            owned.append(opened_tracking)
        else:
            opened_tracking.close()
        if artifact_store is None:
            artifact_store = opened_artifacts
            owned.append(opened_artifacts)
        else:
            opened_artifacts.close()

    @asynccontextmanager
    async def lifespan(_app: FastAPI):  # type: ignore[no-untyped-def]
        from starlette.concurrency import run_in_threadpool

        from modelyard.endpoints.api import lead_endpoints, start_endpoints, stop_endpoints
        from modelyard.server.leader import Leadership, state_dir

        def lead() -> None:  # another process led until now (it stopped or died)
            _app.state.jobs.start()
            lead_endpoints(_app)

        # one process of those serving this workspace leads: it supervises the jobs and the
        # deployment workers (each in their own processes); every process serves requests
        leadership = _app.state.leadership = Leadership(state_dir(settings) / "leader.lock")
        leading = await run_in_threadpool(leadership.acquire)
        try:
            if leading:
                await run_in_threadpool(_app.state.jobs.start)
            await run_in_threadpool(lambda: start_endpoints(_app, leader=leading))
            if not leading:
                leadership.watch(on_elected=lead)
            yield
        finally:
            await run_in_threadpool(leadership.stop)
            await stop_endpoints(_app)
            await run_in_threadpool(_app.state.jobs.close)
            leadership.release()
            for store in owned:
                store.close()
            data_store = getattr(_app.state, "data_store", None)
            if data_store is not None:
                data_store.close()
            model_store = getattr(_app.state, "model_store", None)
            if model_store is not None:
                model_store.close()

    app = FastAPI(
        title="Modelyard",
        version=modelyard_version(),
        openapi_url="/api/v1/openapi.json",
        docs_url="/api/v1/docs",
        redoc_url=None,
        generate_unique_id_function=_operation_id,
        default_response_class=JSONBytesResponse,
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.tracking_store = tracking_store
    app.state.artifact_store = artifact_store
    app.state.workspace_name = name
    app.state.metrics = ServerMetrics(tracking_store)
    from modelyard.jobs.runtime import JobsRuntime

    app.state.jobs = JobsRuntime(settings, artifacts=artifact_store, dispatch=run_dispatcher)

    install_error_handler(app)
    from modelyard.endpoints.api import gateway as endpoints_gateway

    app.include_router(endpoints_gateway)  # first: scoring calls skip matching every other route
    app.include_router(tracking_router)
    app.include_router(artifacts_router)
    from modelyard.data.api import router as data_router

    app.include_router(data_router)
    from modelyard.models.api import router as models_router

    app.include_router(models_router)
    from modelyard.endpoints.api import router as endpoints_router

    app.include_router(endpoints_router)
    from modelyard.jobs.api import router as jobs_router

    app.include_router(jobs_router)
    _add_operational_routes(app)
    _add_studio(app, static_dir or STATIC_DIR)

    server = settings.server
    app.add_middleware(
        SecurityMiddleware,
        bound_host=server.host,
        allowed_hosts=server.allowed_hosts,
        allowed_origins=server.allowed_origins,
    )
    app.add_middleware(MetricsMiddleware, metrics=app.state.metrics)
    return app


def _add_operational_routes(app: FastAPI) -> None:
    @app.get("/healthz", include_in_schema=False)
    async def healthz(request: Request) -> Response:
        import os

        leadership = getattr(request.app.state, "leadership", None)
        leader = leadership is not None and leadership.is_leader
        # which process answered, and whether it leads (see modelyard.server.leader)
        return JSONBytesResponse({"status": "ok"}, headers={
            "x-modelyard-server-pid": str(os.getpid()), "x-modelyard-leader": "true" if leader else "false"})

    @app.get("/metrics", include_in_schema=False)
    async def metrics(request: Request) -> Response:
        from starlette.concurrency import run_in_threadpool

        body = await run_in_threadpool(request.app.state.metrics.render)
        return Response(body, media_type="text/plain; version=0.0.4; charset=utf-8")


def _add_studio(app: FastAPI, static_dir: Path) -> None:
    """Serve the built Studio from ``static_dir`` or, until it is built, a plain page."""
    index = static_dir / "index.html"

    @app.get("/", include_in_schema=False)
    async def home(request: Request) -> Response:
        if index.is_file():
            return FileResponse(index, media_type="text/html")
        return HTMLResponse(placeholder_page(request.app))

    @app.api_route("/{path:path}", methods=list(_ALL_METHODS), include_in_schema=False)
    async def studio(path: str, request: Request) -> Response:
        if request.method not in ("GET", "HEAD") or path.startswith(_NOT_SPA) or not index.is_file():
            raise NotFound(f"no such route: {request.method} /{path}")
        root = static_dir.resolve()
        candidate = (root / path).resolve()
        if candidate.is_relative_to(root) and candidate.is_file():
            return FileResponse(candidate)
        return FileResponse(index, media_type="text/html")

