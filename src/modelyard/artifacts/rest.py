"""An :class:`~modelyard.artifacts.store.ArtifactStore` over a Modelyard server's HTTP API.

Keys are the same as on the server's own store (``runs/<id>/model/model.pkl``); uploads and
downloads stream in 1 MiB chunks, so memory does not grow with the file size.

Example::

    store = RestArtifactStore("http://127.0.0.1:8200")
    store.write_file("runs/abc/model.pkl", "model.pkl")
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import BinaryIO
from urllib.parse import quote

from modelyard._http import HttpClient
from modelyard.artifacts.paths import normalize_key
from modelyard.artifacts.store import ArtifactStore
from modelyard.errors import NotFound, PayloadTooLarge
from modelyard.tracking.entities import ArtifactInfo
from modelyard.tracking.schemas import artifact_info_from_wire

__all__ = ["RestArtifactStore"]


class RestArtifactStore(ArtifactStore):
    """Artifacts of a Modelyard server.

    Args:
        base_url: the server URL, e.g. ``http://127.0.0.1:8200``.
        token: a bearer token.
        client: share an existing :class:`HttpClient` (then ``base_url``/``token`` are
            ignored and :meth:`close` leaves it open).
    """

    def __init__(
        self, base_url: str, *, token: str | None = None, client: HttpClient | None = None
    ) -> None:
        self._owns_client = client is None
        self._http = client or HttpClient(base_url, token=token)

    def __repr__(self) -> str:
        return f"RestArtifactStore({self._http.base_url!r})"

    @staticmethod
    def _path(key: str) -> str:
        return "/api/v1/artifacts/files/" + quote(normalize_key(key), safe="/")

    def write(self, key: str, chunks: Iterable[bytes], *, max_bytes: int | None = None) -> int:
        body = _limited(chunks, max_bytes) if max_bytes is not None else iter(chunks)
        reply = self._http.request_json(
            "PUT", self._path(key), content=body,
            headers={"content-type": "application/octet-stream"},
        )
        return int(reply["size"])

    def open(self, key: str) -> BinaryIO:
        return self._http.open_stream("GET", self._path(key))

    def list(self, prefix: str, *, recursive: bool = False) -> list[ArtifactInfo]:
        reply = self._http.request_json(
            "GET", "/api/v1/artifacts", params={"prefix": prefix, "recursive": recursive}
        )
        return [artifact_info_from_wire(e) for e in reply["files"]]

    def info(self, key: str) -> ArtifactInfo | None:
        try:
            reply = self._http.request_json("GET", "/api/v1/artifacts/info", params={"key": key})
        except NotFound:
            return None
        return artifact_info_from_wire(reply)

    def delete(self, prefix: str) -> int:
        return int(self._http.request_json("DELETE", self._path(prefix))["freed"])

    def close(self) -> None:
        if self._owns_client:
            self._http.close()


def _limited(chunks: Iterable[bytes], max_bytes: int) -> Iterator[bytes]:
    total = 0
    for chunk in chunks:
        total += len(chunk)
        if total > max_bytes:
            raise PayloadTooLarge(f"the upload is larger than {max_bytes} bytes")
        yield chunk
