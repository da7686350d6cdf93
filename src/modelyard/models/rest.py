"""A :class:`~modelyard.models.store.ModelStore` that talks to a Modelyard server.

Example::

    store = RestModelStore("http://127.0.0.1:8200")
    store.get_version_by_alias("churn", "production")
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any, BinaryIO
from urllib.parse import quote

from modelyard._http import HttpClient
from modelyard.models import schemas as w
from modelyard.models.entities import ModelVersion, RegisteredModel
from modelyard.models.store import ModelStore
from modelyard.tracking.entities import ArtifactInfo

__all__ = ["RestModelStore"]

_API = "/api/v1"


def _q(part: Any) -> str:
    return quote(str(part), safe="")


def _qpath(path: str) -> str:
    return "/".join(_q(p) for p in path.split("/"))


class RestModelStore(ModelStore):
    """The registry over HTTP.

    Args:
        base_url: the server URL.
        token: a bearer token.
        client: share an existing :class:`HttpClient`.
    """

    def __init__(self, base_url: str, *, token: str | None = None, client: HttpClient | None = None) -> None:
        self._owns_client = client is None
        self._http = client or HttpClient(base_url, token=token)

    def close(self) -> None:
        if self._owns_client:
            self._http.close()

    def _json(self, method: str, path: str, **kwargs: Any) -> Any:
        return self._http.request_json(method, _API + path, **kwargs)

    def create_model(self, name, *, description=None, tags=None) -> RegisteredModel:
        body = {"name": name, "description": description, "tags": dict(tags or {})}
        return w.model_from_wire(self._json("POST", "/models", json=body))

    def get_model(self, name: str) -> RegisteredModel:
        return w.model_from_wire(self._json("GET", f"/models/{_q(name)}"))

    def list_models(self) -> list[RegisteredModel]:
        return [w.model_from_wire(m) for m in self._json("GET", "/models")["models"]]

    def update_model(self, name, *, description=None, tags=None) -> RegisteredModel:
        body = {"description": description, "tags": None if tags is None else dict(tags)}
        return w.model_from_wire(self._json("PATCH", f"/models/{_q(name)}", json=body))

    def delete_model(self, name: str) -> None:
        self._http.request("DELETE", f"{_API}/models/{_q(name)}")

    def stage_file(self, name: str, upload_id: str, path: str, chunks: Iterable[bytes]) -> int:
        url = f"/models/{_q(name)}/uploads/{_q(upload_id)}/files/{_qpath(path)}"
        body = self._json("PUT", url, content=chunks, headers={"content-type": "application/octet-stream"})
        return int(body["size"])

    def discard_upload(self, name: str, upload_id: str) -> None:
        self._http.request("DELETE", f"{_API}/models/{_q(name)}/uploads/{_q(upload_id)}")

    def create_version(self, name, *, source, upload_id=None, run_id=None, description=None, tags=None) -> ModelVersion:
        body = {"source": str(source), "upload_id": upload_id, "run_id": run_id,
                "description": description, "tags": dict(tags or {})}
        return w.version_from_wire(self._json("POST", f"/models/{_q(name)}/versions", json=body))

    def get_version(self, name: str, version: int | str) -> ModelVersion:
        return w.version_from_wire(self._json("GET", f"/models/{_q(name)}/versions/{_q(version)}"))

    def get_version_by_alias(self, name: str, alias: str) -> ModelVersion:
        return w.version_from_wire(self._json("GET", f"/models/{_q(name)}/aliases/{_q(alias)}"))

    def list_versions(self, name: str, *, include_archived: bool = False) -> list[ModelVersion]:
        body = self._json("GET", f"/models/{_q(name)}/versions", params={"include_archived": include_archived})
        return [w.version_from_wire(v) for v in body["versions"]]

    def list_versions_of_run(self, run_id: str) -> list[ModelVersion]:
        body = self._json("GET", "/model-versions", params={"run_id": run_id})
        return [w.version_from_wire(v) for v in body["versions"]]

    def update_version(self, name, version, *, description=None, tags=None) -> ModelVersion:
        body = {"description": description, "tags": None if tags is None else dict(tags)}
        return w.version_from_wire(self._json("PATCH", f"/models/{_q(name)}/versions/{_q(version)}", json=body))

    def set_archived(self, name: str, version: int, archived: bool) -> ModelVersion:
        return w.version_from_wire(self._json(
            "PATCH", f"/models/{_q(name)}/versions/{_q(version)}", json={"archived": bool(archived)}))

    def set_alias(self, name: str, alias: str, version: int) -> None:
        self._http.request("PUT", f"{_API}/models/{_q(name)}/aliases/{_q(alias)}", json={"version": version})

    def delete_alias(self, name: str, alias: str) -> None:
        self._http.request("DELETE", f"{_API}/models/{_q(name)}/aliases/{_q(alias)}")

    def list_files(self, name: str, version: int) -> list[ArtifactInfo]:
        body = self._json("GET", f"/models/{_q(name)}/versions/{_q(version)}/files")
        return [ArtifactInfo(path=f["path"], is_dir=f["is_dir"], size=f.get("size")) for f in body["files"]]

    def open_file(self, name: str, version: int, path: str) -> BinaryIO:
        return self._http.open_stream("GET", f"{_API}/models/{_q(name)}/versions/{_q(version)}/files/{_qpath(path)}")

    def local_path(self, name: str, version: int) -> Path | None:
        self.get_version(name, version)
        return None
