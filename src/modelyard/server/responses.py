"""Fast JSON responses and the request-scoped dependencies every router uses.

Handlers return :func:`json_response` of a plain dict built by a schema module's
``*_to_wire`` function: orjson encodes it in one pass, and FastAPI's per-response model
validation is skipped (the ``response_model`` of each route still documents the shape).
"""

from __future__ import annotations

from typing import Annotated, Any

import orjson
from fastapi import Depends, Request
from starlette.responses import JSONResponse, Response

from modelyard.artifacts.store import ArtifactStore
from modelyard.settings import Settings
from modelyard.tracking.store import TrackingStore

__all__ = [
    "ArtifactStoreDep",
    "JSONBytesResponse",
    "SettingsDep",
    "TrackingStoreDep",
    "json_response",
    "no_content",
]


class JSONBytesResponse(JSONResponse):
    """A JSON response encoded with orjson (non-finite floats must be converted first).

    A JSONResponse subclass so that FastAPI documents each route's response_model in the
    OpenAPI document (the Studio's generated client depends on it).
    """

    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)


def modelyard_version() -> str:
    """The installed package's version (without importing the ``modelyard`` facade)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("modelyard")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree
        return "0+unknown"


def json_response(content: Any, status_code: int = 200) -> JSONBytesResponse:
    return JSONBytesResponse(content, status_code=status_code)


def no_content() -> Response:
    return Response(status_code=204)


async def _tracking_store(request: Request) -> TrackingStore:
    return request.app.state.tracking_store


async def _artifact_store(request: Request) -> ArtifactStore:
    return request.app.state.artifact_store


async def _settings(request: Request) -> Settings:
    return request.app.state.settings


TrackingStoreDep = Annotated[TrackingStore, Depends(_tracking_store)]
ArtifactStoreDep = Annotated[ArtifactStore, Depends(_artifact_store)]
SettingsDep = Annotated[Settings, Depends(_settings)]
