"""Data REST routes under ``/api/v1/datastores`` and ``/api/v1/data``: parse, call the data
store, return a wire dict. Uploads and downloads stream."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Annotated, Any, BinaryIO

import anyio
import anyio.to_thread
from fastapi import APIRouter, Depends, Request
from starlette.responses import StreamingResponse

from modelyard.data import schemas as w
from modelyard.data.store import DataStore
from modelyard.server.responses import JSONBytesResponse, json_response, no_content
from modelyard.server.streaming import consume_body

__all__ = ["open_server_data_store", "router"]

router = APIRouter(prefix="/api/v1", tags=["data"], default_response_class=JSONBytesResponse)
_NO_CONTENT: dict[str, Any] = {"status_code": 204, "response_model": None}
_DOWNLOAD: dict[str, Any] = {
    "response_class": StreamingResponse,
    "responses": {200: {"content": {"application/octet-stream": {}}}},
}
_LOCK = threading.Lock()  # guards the one-time creation below (not state: it holds nothing)


def open_server_data_store(app: Any) -> DataStore:
    """The app's data store: ``app.state.data_store`` if set, else a SQL one on the same
    database and artifact store as the tracking store (created once, closed with the app)."""
    store = getattr(app.state, "data_store", None)
    if store is not None:
        return store
    with _LOCK:
        store = getattr(app.state, "data_store", None)
        if store is None:
            from modelyard.backends import server_store_url
            from modelyard.data.sql import SqlDataStore

            url = server_store_url(app.state.settings)
            store = SqlDataStore(url, app.state.artifact_store)
            app.state.data_store = store
    return store


async def _data_store(request: Request) -> DataStore:
    return await anyio.to_thread.run_sync(open_server_data_store, request.app)


DataStoreDep = Annotated[DataStore, Depends(_data_store)]


# ------------------------------------------------------------------ datastores
@router.get("/datastores")
def datastores_list(store: DataStoreDep):
    return json_response({"datastores": [w.datastore_to_wire(d) for d in store.list_datastores()]})


@router.post("/datastores", status_code=201)
def datastores_create(body: w.DatastoreCreate, store: DataStoreDep):
    ds = store.create_datastore(
        body.name, type=body.type, config=body.config, description=body.description, tags=body.tags
    )
    return json_response(w.datastore_to_wire(ds), 201)


@router.get("/datastores/{name}")
def datastores_get(name: str, store: DataStoreDep):
    return json_response(w.datastore_to_wire(store.get_datastore(name)))


@router.delete("/datastores/{name}", **_NO_CONTENT)
def datastores_delete(name: str, store: DataStoreDep):
    store.delete_datastore(name)
    return no_content()


# --------------------------------------------------------------------- assets
@router.get("/data")
def data_list(store: DataStoreDep, include_archived: bool = False):
    assets = store.list_assets(include_archived=include_archived)
    return json_response({"data": [w.version_to_wire(v) for v in assets]})


@router.get("/data/lineage")
def data_lineage_list(
    store: DataStoreDep, name: str | None = None, version: str | None = None, run_id: str | None = None
):
    entries = store.list_lineage(name=name, version=version, run_id=run_id)
    return json_response({"lineage": [w.lineage_to_wire(e) for e in entries]})


@router.put("/data/{name}/uploads/{upload_id}/files/{path:path}")
async def data_upload_file(name: str, upload_id: str, path: str, request: Request, store: DataStoreDep):
    size = await consume_body(request, lambda chunks: store.stage_file(name, upload_id, path, chunks))
    return json_response({"path": path, "size": size})


@router.delete("/data/{name}/uploads/{upload_id}", **_NO_CONTENT)
def data_discard_upload(name: str, upload_id: str, store: DataStoreDep):
    store.discard_upload(name, upload_id)
    return no_content()


@router.post("/data/{name}/versions", status_code=201)
def data_create_version(name: str, body: w.VersionCreate, store: DataStoreDep):
    table = w.table_from_wire(body.table.model_dump(mode="json")) if body.table else None
    version = store.create_version(
        name, type=body.type, source=body.source, upload_id=body.upload_id, version=body.version,
        description=body.description, tags=body.tags, table=table,
    )
    return json_response(w.version_to_wire(version), 201)


@router.get("/data/{name}/versions")
def data_list_versions(name: str, store: DataStoreDep, include_archived: bool = False):
    versions = store.list_versions(name, include_archived=include_archived)
    return json_response({"data": [w.version_to_wire(v) for v in versions]})


@router.get("/data/{name}/versions/{version}")
def data_get_version(name: str, version: str, store: DataStoreDep):
    return json_response(w.version_to_wire(store.get_version(name, version)))


@router.patch("/data/{name}/versions/{version}")
def data_update_version(name: str, version: str, body: w.VersionUpdate, store: DataStoreDep):
    updated = store.update_version(name, version, description=body.description, tags=body.tags)
    return json_response(w.version_to_wire(updated))


@router.post("/data/{name}/archive", **_NO_CONTENT)
def data_archive(name: str, store: DataStoreDep, version: str | None = None, restore: bool = False):
    store.set_archived(name, version, not restore)
    return no_content()


@router.get("/data/{name}/versions/{version}/files")
def data_list_files(name: str, version: str, store: DataStoreDep):
    files = store.list_files(name, version)
    return json_response({"files": [{"path": f.path, "is_dir": f.is_dir, "size": f.size} for f in files]})


@router.get("/data/{name}/versions/{version}/files/{path:path}", **_DOWNLOAD)
def data_download_file(name: str, version: str, path: str, store: DataStoreDep):
    fh = store.open_file(name, version, path)
    return StreamingResponse(_read_chunks(fh), media_type="application/octet-stream")


def _read_chunks(fh: BinaryIO) -> Iterator[bytes]:
    try:
        while chunk := fh.read(1024 * 1024):
            yield chunk
    finally:
        fh.close()


@router.get("/data/{name}/versions/{version}/profile")
def data_profile(name: str, version: str, store: DataStoreDep):
    return json_response(w.profile_to_wire(store.get_profile(name, version)))


@router.get("/data/{name}/versions/{version}/preview")
def data_preview(name: str, version: str, store: DataStoreDep, rows: int = 20):
    return json_response(w.preview_to_wire(store.preview(name, version, rows=rows)))


@router.post("/data/{name}/versions/{version}/lineage", **_NO_CONTENT)
def data_add_lineage(name: str, version: str, body: w.LineageCreate, store: DataStoreDep):
    store.add_lineage(name, version, run_id=body.run_id, direction=body.direction)
    return no_content()
