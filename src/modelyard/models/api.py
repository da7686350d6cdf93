"""Model registry REST routes under ``/api/v1/models``: parse, call the model store, return
a wire dict. The server never loads a model here: only the ``MLmodel`` YAML is read."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Annotated, Any, BinaryIO

import anyio
import anyio.to_thread
from fastapi import APIRouter, Depends, Request
from starlette.responses import StreamingResponse

from modelyard.models import schemas as w
from modelyard.models.store import ModelStore
from modelyard.server.responses import JSONBytesResponse, json_response, no_content
from modelyard.server.streaming import consume_body

__all__ = ["open_server_model_store", "router"]

router = APIRouter(prefix="/api/v1", tags=["models"], default_response_class=JSONBytesResponse)
_NO_CONTENT: dict[str, Any] = {"status_code": 204, "response_model": None}
_LOCK = threading.Lock()  # guards the one-time creation below (holds no state)


def open_server_model_store(app: Any) -> ModelStore:
    """The app's model store: ``app.state.model_store`` if set, else a SQL one on the same
    database, artifact store and tracking store as the app (created once, closed with it)."""
    store = getattr(app.state, "model_store", None)
    if store is not None:
        return store
    with _LOCK:
        store = getattr(app.state, "model_store", None)
        if store is None:
            from modelyard.backends import server_store_url
            from modelyard.models.sql import SqlModelStore

            url = server_store_url(app.state.settings)
            store = SqlModelStore(url, app.state.artifact_store, tracking=app.state.tracking_store)
            app.state.model_store = store
    return store


async def _model_store(request: Request) -> ModelStore:
    return await anyio.to_thread.run_sync(open_server_model_store, request.app)


ModelStoreDep = Annotated[ModelStore, Depends(_model_store)]


@router.get("/models")
def models_list(store: ModelStoreDep):
    return json_response({"models": [w.model_to_wire(m) for m in store.list_models()]})


@router.post("/models", status_code=201)
def models_create(body: w.ModelCreate, store: ModelStoreDep):
    model = store.create_model(body.name, description=body.description, tags=body.tags)
    return json_response(w.model_to_wire(model), 201)


@router.get("/models/{name}")
def models_get(name: str, store: ModelStoreDep):
    return json_response(w.model_to_wire(store.get_model(name)))


@router.patch("/models/{name}")
def models_update(name: str, body: w.ModelUpdate, store: ModelStoreDep):
    return json_response(w.model_to_wire(store.update_model(name, description=body.description, tags=body.tags)))


@router.delete("/models/{name}", **_NO_CONTENT)
def models_delete(name: str, store: ModelStoreDep):
    store.delete_model(name)
    return no_content()


@router.put("/models/{name}/uploads/{upload_id}/files/{path:path}")
async def models_upload_file(name: str, upload_id: str, path: str, request: Request, store: ModelStoreDep):
    size = await consume_body(request, lambda chunks: store.stage_file(name, upload_id, path, chunks))
    return json_response({"path": path, "size": size})


@router.delete("/models/{name}/uploads/{upload_id}", **_NO_CONTENT)
def models_discard_upload(name: str, upload_id: str, store: ModelStoreDep):
    store.discard_upload(name, upload_id)
    return no_content()


@router.post("/models/{name}/versions", status_code=201)
def models_create_version(name: str, body: w.VersionCreate, store: ModelStoreDep):
    version = store.create_version(name, source=body.source, upload_id=body.upload_id, run_id=body.run_id,
                                   description=body.description, tags=body.tags)
    return json_response(w.version_to_wire(version), 201)


@router.get("/models/{name}/versions")
def models_list_versions(name: str, store: ModelStoreDep, include_archived: bool = False):
    versions = store.list_versions(name, include_archived=include_archived)
    return json_response({"versions": [w.version_to_wire(v) for v in versions]})


@router.get("/model-versions")
def models_versions_of_run(run_id: str, store: ModelStoreDep):
    return json_response({"versions": [w.version_to_wire(v) for v in store.list_versions_of_run(run_id)]})


@router.get("/models/{name}/versions/{version}")
def models_get_version(name: str, version: str, store: ModelStoreDep):
    return json_response(w.version_to_wire(store.get_version(name, version)))


@router.patch("/models/{name}/versions/{version}")
def models_update_version(name: str, version: str, body: w.VersionUpdate, store: ModelStoreDep):
    v = store.get_version(name, version)
    if body.description is not None or body.tags is not None:
        v = store.update_version(name, v.version, description=body.description, tags=body.tags)
    if body.archived is not None:
        v = store.set_archived(name, v.version, body.archived)
    return json_response(w.version_to_wire(v))


@router.get("/models/{name}/aliases/{alias}")
def models_get_alias(name: str, alias: str, store: ModelStoreDep):
    return json_response(w.version_to_wire(store.get_version_by_alias(name, alias)))


@router.put("/models/{name}/aliases/{alias}", **_NO_CONTENT)
def models_set_alias(name: str, alias: str, body: w.AliasSet, store: ModelStoreDep):
    store.set_alias(name, alias, body.version)
    return no_content()


@router.delete("/models/{name}/aliases/{alias}", **_NO_CONTENT)
def models_delete_alias(name: str, alias: str, store: ModelStoreDep):
    store.delete_alias(name, alias)
    return no_content()


@router.get("/models/{name}/versions/{version}/files")
def models_list_files(name: str, version: str, store: ModelStoreDep):
    files = store.list_files(name, store.get_version(name, version).version)
    return json_response({"files": [{"path": f.path, "is_dir": f.is_dir, "size": f.size} for f in files]})


@router.get("/models/{name}/versions/{version}/files/{path:path}", response_class=StreamingResponse,
            responses={200: {"content": {"application/octet-stream": {}}}})
def models_download_file(name: str, version: str, path: str, store: ModelStoreDep):
    fh = store.open_file(name, store.get_version(name, version).version, path)
    return StreamingResponse(_read_chunks(fh), media_type="application/octet-stream")


def _read_chunks(fh: BinaryIO) -> Iterator[bytes]:
    try:
        while chunk := fh.read(1024 * 1024):
            yield chunk
    finally:
        fh.close()
