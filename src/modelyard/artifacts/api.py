"""Artifact REST routes: run-scoped ones for people and the Studio, key-based ones for
:class:`~modelyard.artifacts.rest.RestArtifactStore`.

Bodies stream in both directions: an upload is handed to the store chunk by chunk as it
arrives (the socket is not read faster than the store writes), a download is read from the
store chunk by chunk. Every path goes through :mod:`modelyard.artifacts.paths`, so unsafe
paths get a 400 that says why.
"""

from __future__ import annotations

import mimetypes
from collections.abc import Iterator
from typing import BinaryIO

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import StreamingResponse

from modelyard.artifacts.paths import join_key, normalize_key, normalize_prefix
from modelyard.artifacts.store import ArtifactStore
from modelyard.errors import InvalidArgument, NotFound, PayloadTooLarge
from modelyard.server.responses import (
    ArtifactStoreDep,
    JSONBytesResponse,
    SettingsDep,
    TrackingStoreDep,
    json_response,
)
from modelyard.server.streaming import consume_body
from modelyard.tracking import schemas as s
from modelyard.tracking.store import TrackingStore

__all__ = ["router"]

router = APIRouter(prefix="/api/v1", tags=["artifacts"], default_response_class=JSONBytesResponse)

_UPLOAD_CHUNK = 1024 * 1024
_DOWNLOAD = {"response_class": StreamingResponse, "responses": {200: {"content": {"application/octet-stream": {}}}}}


def _run_prefix(tracking: TrackingStore, run_id: str, path: str) -> str:
    location = tracking.get_run(run_id).artifact_location
    return join_key(location, path) if normalize_prefix(path) else normalize_prefix(location)


# ------------------------------------------------------------------ run-scoped routes
@router.get("/runs/{run_id}/artifacts", response_model=s.ArtifactListSchema)
def artifacts_list_run(
    run_id: str,
    tracking: TrackingStoreDep,
    artifacts: ArtifactStoreDep,
    path: str = "",
    recursive: bool = False,
):
    entries = artifacts.list(_run_prefix(tracking, run_id, path), recursive=recursive)
    return json_response({"files": [s.artifact_info_to_wire(e) for e in entries]})


@router.get("/runs/{run_id}/artifacts/{path:path}", **_DOWNLOAD)
def artifacts_download_run(
    run_id: str, path: str, tracking: TrackingStoreDep, artifacts: ArtifactStoreDep
):
    return _download(artifacts, _run_prefix(tracking, run_id, normalize_key(path)), path)


@router.put("/runs/{run_id}/artifacts/{path:path}", response_model=s.ArtifactInfoSchema)
async def artifacts_upload_run(
    run_id: str,
    path: str,
    request: Request,
    tracking: TrackingStoreDep,
    artifacts: ArtifactStoreDep,
    settings: SettingsDep,
):
    key = await run_in_threadpool(_run_prefix, tracking, run_id, normalize_key(path))
    size = await _upload(request, artifacts, key, settings.artifacts.max_upload_bytes)
    return json_response({"path": normalize_key(path), "is_dir": False, "size": size})


# ------------------------------------------------------------------ key-based routes
@router.get("/artifacts", response_model=s.ArtifactListSchema)
def artifacts_list(artifacts: ArtifactStoreDep, prefix: str = "", recursive: bool = False):
    entries = artifacts.list(prefix, recursive=recursive)
    return json_response({"files": [s.artifact_info_to_wire(e) for e in entries]})


@router.get("/artifacts/info", response_model=s.ArtifactInfoSchema)
def artifacts_info(key: str, artifacts: ArtifactStoreDep):
    info = artifacts.info(key)
    if info is None:
        raise NotFound(f"no artifact at {key!r}")
    return json_response(s.artifact_info_to_wire(info))


@router.get("/artifacts/files/{key:path}", **_DOWNLOAD)
def artifacts_download(key: str, artifacts: ArtifactStoreDep):
    return _download(artifacts, key, key)


@router.put("/artifacts/files/{key:path}", response_model=s.ArtifactInfoSchema)
async def artifacts_upload(
    key: str, request: Request, artifacts: ArtifactStoreDep, settings: SettingsDep
):
    clean = normalize_key(key)
    size = await _upload(request, artifacts, clean, settings.artifacts.max_upload_bytes)
    return json_response({"path": clean, "is_dir": False, "size": size})


@router.delete("/artifacts/files/{key:path}")
def artifacts_delete(key: str, artifacts: ArtifactStoreDep):
    return json_response({"freed": artifacts.delete(key)})


# --------------------------------------------------------------------------- streaming
def _download(store: ArtifactStore, key: str, shown: str) -> StreamingResponse:
    info = store.info(key)
    if info is None:
        raise NotFound(f"no artifact at {shown!r}")
    if info.is_dir:
        raise InvalidArgument(f"{shown!r} is a folder: list it, or download its files one by one")
    fh = store.open(key)
    media_type = mimetypes.guess_type(key.rsplit("/", 1)[-1])[0] or "application/octet-stream"
    headers = {"content-length": str(info.size)} if info.size is not None else {}
    return StreamingResponse(_read_chunks(fh), media_type=media_type, headers=headers)


def _read_chunks(fh: BinaryIO) -> Iterator[bytes]:
    try:
        while chunk := fh.read(_UPLOAD_CHUNK):
            yield chunk
    finally:
        fh.close()


async def _upload(request: Request, store: ArtifactStore, key: str, max_bytes: int) -> int:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > max_bytes:
        raise PayloadTooLarge(f"the upload is {declared} bytes; the limit is {max_bytes}")
    return await consume_body(request, lambda chunks: store.write(key, chunks, max_bytes=max_bytes))
