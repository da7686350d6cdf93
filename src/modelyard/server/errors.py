"""The one exception handler: every error leaves the server as
``{"error": {"code": ..., "message": ...}}`` with a fitting status.

* :class:`~modelyard.errors.ModelyardError` -> its own status and code;
* request validation errors and malformed JSON -> 400 ``INVALID_ARGUMENT`` naming the field;
* unknown routes -> 404 ``NOT_FOUND``; wrong methods -> 405;
* anything else -> 500 with a generic message; the traceback goes to the log.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from modelyard.errors import InvalidArgument, ModelyardError, NotFound
from modelyard.server.responses import JSONBytesResponse

__all__ = ["error_body", "error_response", "install_error_handler"]

logger = logging.getLogger(__name__)

_HTTP_CODES = {404: NotFound.code, 400: InvalidArgument.code, 405: "METHOD_NOT_ALLOWED", 413: "PAYLOAD_TOO_LARGE"}


def error_body(code: str, message: str, details: dict[str, Any] | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"code": code, "message": message}
    if details:
        body["details"] = details
    return {"error": body}


def _describe_validation(exc: RequestValidationError) -> tuple[str, list[dict[str, Any]]]:
    errors = list(exc.errors())
    parts: list[str] = []
    fields: list[dict[str, Any]] = []
    for err in errors[:5]:
        loc = [str(p) for p in err.get("loc", ()) if p != "body"]
        if err.get("type") == "json_invalid":
            parts.append(f"the request body is not valid JSON ({err.get('msg', '')})")
            fields.append({"field": "body", "problem": "invalid JSON"})
            continue
        where = ".".join(loc) or "body"
        if err.get("type") == "missing" and not loc:
            parts.append("the request body is missing")
        else:
            parts.append(f"{where}: {err.get('msg', 'invalid value')}")
        fields.append({"field": where, "problem": err.get("msg", "")})
    if len(errors) > 5:
        parts.append(f"... and {len(errors) - 5} more")
    return "invalid request: " + "; ".join(parts), fields


async def error_response(request: Request, exc: Exception) -> JSONBytesResponse:
    """Turn any exception raised while serving ``request`` into a JSON error response."""
    if isinstance(exc, ModelyardError):
        return JSONBytesResponse(error_body(exc.code, exc.message, exc.details), exc.http_status)
    if isinstance(exc, RequestValidationError):
        message, fields = _describe_validation(exc)
        return JSONBytesResponse(error_body(InvalidArgument.code, message, {"fields": fields}), 400)
    if isinstance(exc, StarletteHTTPException):
        code = _HTTP_CODES.get(exc.status_code, "HTTP_ERROR")
        message = exc.detail if isinstance(exc.detail, str) else "request failed"
        if exc.status_code == 404:
            message = f"no such route: {request.method} {request.url.path}"
        return JSONBytesResponse(error_body(code, message), exc.status_code, headers=exc.headers)
    logger.error(
        "unexpected error serving %s %s", request.method, request.url.path, exc_info=exc
    )
    return JSONBytesResponse(
        error_body(ModelyardError.code, "internal server error (the server log has the details)"),
        500,
    )


def install_error_handler(app: FastAPI) -> None:
    """Register :func:`error_response` for every kind of exception."""
    for kind in (ModelyardError, RequestValidationError, StarletteHTTPException, Exception):
        app.add_exception_handler(kind, error_response)
