"""The one HTTP client under every REST store.

A thin wrapper over :class:`httpx.Client` (keep-alive connection pool, timeouts, bearer
token) with the single hook that turns the server's error bodies
``{"error": {"code": ..., "message": ...}}`` back into the same
:class:`~modelyard.errors.ModelyardError` subclass the server raised, and connection
failures into :class:`~modelyard.errors.BackendUnavailable`. Foreign (httpx) exceptions stop
here.

Example::

    client = HttpClient("http://127.0.0.1:8200")
    run = client.request_json("GET", f"/api/v1/runs/{run_id}")
"""

from __future__ import annotations

import contextlib
import io
import logging
from collections.abc import Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any, BinaryIO

import orjson

from modelyard.errors import (
    BackendUnavailable,
    InvalidArgument,
    ModelyardError,
    NotFound,
    PayloadTooLarge,
    PermissionDenied,
    Unauthenticated,
    error_class_for_code,
)

if TYPE_CHECKING:
    import httpx

__all__ = ["HttpClient", "raise_for_error"]

logger = logging.getLogger(__name__)

_STATUS_FALLBACK: dict[int, type[ModelyardError]] = {
    400: InvalidArgument,
    401: Unauthenticated,
    403: PermissionDenied,
    404: NotFound,
    413: PayloadTooLarge,
    502: BackendUnavailable,
    503: BackendUnavailable,
    504: BackendUnavailable,
}


def raise_for_error(response: httpx.Response) -> None:
    """Raise the :class:`ModelyardError` an error response carries; do nothing on 2xx/3xx.

    The response body must have been read (not a still-open stream).
    """
    if response.status_code < 400:
        return
    code = message = None
    details: dict[str, Any] = {}
    with contextlib.suppress(ValueError, TypeError, AttributeError):
        body = orjson.loads(response.content)["error"]
        code, message = body["code"], body["message"]
        details = body.get("details") or {}
    if code is None or message is None:
        cls = _STATUS_FALLBACK.get(response.status_code, ModelyardError)
        text = response.text.strip().splitlines()[0][:200] if response.text.strip() else ""
        raise cls(f"server answered {response.status_code} {response.reason_phrase}: {text}".rstrip(": "))
    raise error_class_for_code(str(code))(str(message), details=details)


class HttpClient:
    """A thread-safe, keep-alive HTTP client for one Modelyard server.

    Args:
        base_url: the server URL, e.g. ``http://127.0.0.1:8200``.
        token: a bearer token sent with every request.
        timeout: seconds to wait for a response (connecting waits at most 10 s).
    """

    def __init__(self, base_url: str, *, token: str | None = None, timeout: float = 60.0) -> None:
        import httpx

        self.base_url = base_url.rstrip("/")
        headers = {"user-agent": "modelyard-client", "accept": "application/json"}
        if token:
            headers["authorization"] = f"Bearer {token}"
        self._client = httpx.Client(
            base_url=self.base_url,
            headers=headers,
            timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)),
            limits=httpx.Limits(max_connections=64, max_keepalive_connections=16),
        )

    # ------------------------------------------------------------------ requests
    def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: Mapping[str, Any] | None = None,
        content: bytes | Iterable[bytes] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> httpx.Response:
        """Send a request and return the (read) response; raise the mapped error on 4xx/5xx."""
        import httpx

        hdrs = dict(headers or {})
        if json is not None:
            content = orjson.dumps(json)
            hdrs["content-type"] = "application/json"
        try:
            response = self._client.request(
                method, path, params=_clean(params), content=content, headers=hdrs
            )
        except httpx.TransportError as e:
            raise BackendUnavailable(f"cannot reach the Modelyard server at {self.base_url}: {e}") from e
        raise_for_error(response)
        return response

    def request_json(self, method: str, path: str, **kwargs: Any) -> Any:
        """Like :meth:`request`, returning the decoded JSON body (None for an empty body)."""
        response = self.request(method, path, **kwargs)
        if not response.content:
            return None
        return orjson.loads(response.content)

    @contextlib.contextmanager
    def stream(
        self, method: str, path: str, *, params: Mapping[str, Any] | None = None
    ) -> Iterator[httpx.Response]:
        """Open a streamed response (for downloads); errors are raised before yielding."""
        import httpx

        try:
            with self._client.stream(method, path, params=_clean(params)) as response:
                if response.status_code >= 400:
                    response.read()
                    raise_for_error(response)
                yield response
        except httpx.TransportError as e:
            raise BackendUnavailable(f"cannot reach the Modelyard server at {self.base_url}: {e}") from e

    def open_stream(
        self, method: str, path: str, *, params: Mapping[str, Any] | None = None
    ) -> BinaryIO:
        """Open a streamed download as a binary file object (close it when done).

        Errors (NotFound...) are raised here, before any byte is returned.
        """
        import httpx

        request = self._client.build_request(method, path, params=_clean(params))
        try:
            response = self._client.send(request, stream=True)
        except httpx.TransportError as e:
            raise BackendUnavailable(f"cannot reach the Modelyard server at {self.base_url}: {e}") from e
        if response.status_code >= 400:
            try:
                response.read()
            finally:
                response.close()
            raise_for_error(response)
        return io.BufferedReader(_ResponseReader(response, self.base_url), buffer_size=1024 * 1024)

    def close(self) -> None:
        self._client.close()


class _ResponseReader(io.RawIOBase):
    """A raw, read-only file over a streamed httpx response body."""

    def __init__(self, response: httpx.Response, base_url: str) -> None:
        self._response = response
        self._chunks = response.iter_bytes(1024 * 1024)
        self._pending = memoryview(b"")
        self._base_url = base_url

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        import httpx

        if not self._pending:
            try:
                self._pending = memoryview(next(self._chunks, b""))
            except httpx.TransportError as e:
                raise BackendUnavailable(f"download from {self._base_url} broke off: {e}") from e
        n = min(len(buffer), len(self._pending))
        buffer[:n] = self._pending[:n]
        self._pending = self._pending[n:]
        return n

    def close(self) -> None:
        if not self.closed:
            self._response.close()
        super().close()


def _clean(params: Mapping[str, Any] | None) -> dict[str, Any] | None:
    if params is None:
        return None
    out: dict[str, Any] = {}
    for key, value in params.items():
        if value is None:
            continue
        out[key] = ("true" if value else "false") if isinstance(value, bool) else value
    return out
