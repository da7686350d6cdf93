"""A :class:`~modelyard.data.store.DataStore` that talks to a Modelyard server.

Example::

    store = RestDataStore("http://127.0.0.1:8200")
    store.list_assets()
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any, BinaryIO
from urllib.parse import quote

from modelyard._http import HttpClient
from modelyard.data import schemas as w
from modelyard.data.entities import (
    DataPreview,
    DataProfile,
    Datastore,
    DataType,
    DataVersion,
    LineageDirection,
    LineageEntry,
    TableSpec,
)
from modelyard.data.store import DataStore
from modelyard.tracking.entities import ArtifactInfo

__all__ = ["RestDataStore"]

_API = "/api/v1"


def _q(part: str) -> str:
    return quote(str(part), safe="")


def _qpath(path: str) -> str:
    return "/".join(_q(p) for p in path.split("/"))


class RestDataStore(DataStore):
    """Data over HTTP.

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

    # ------------------------------------------------------------------ datastores
    def create_datastore(self, name, *, type, config, description=None, tags=None) -> Datastore:
        body = {"name": name, "type": str(type), "config": dict(config or {}),
                "description": description, "tags": dict(tags or {})}
        return w.datastore_from_wire(self._json("POST", "/datastores", json=body))

    def get_datastore(self, name: str) -> Datastore:
        return w.datastore_from_wire(self._json("GET", f"/datastores/{_q(name)}"))

    def list_datastores(self) -> list[Datastore]:
        return [w.datastore_from_wire(d) for d in self._json("GET", "/datastores")["datastores"]]

    def delete_datastore(self, name: str) -> None:
        self._http.request("DELETE", f"{_API}/datastores/{_q(name)}")

    # --------------------------------------------------------------------- uploads
    def stage_file(self, name: str, upload_id: str, path: str, chunks: Iterable[bytes]) -> int:
        url = f"/data/{_q(name)}/uploads/{_q(upload_id)}/files/{_qpath(path)}"
        body = self._json("PUT", url, content=chunks, headers={"content-type": "application/octet-stream"})
        return int(body["size"])

    def discard_upload(self, name: str, upload_id: str) -> None:
        self._http.request("DELETE", f"{_API}/data/{_q(name)}/uploads/{_q(upload_id)}")

    # -------------------------------------------------------------------- versions
    def create_version(self, name, *, type, source, upload_id=None, version=None,
                       description=None, tags=None, table: TableSpec | None = None) -> DataVersion:
        body = {"type": str(DataType(type)), "source": str(source), "upload_id": upload_id,
                "version": version, "description": description, "tags": dict(tags or {}),
                "table": w.table_to_wire(table)}
        return w.version_from_wire(self._json("POST", f"/data/{_q(name)}/versions", json=body))

    def get_version(self, name: str, version: str | None = None) -> DataVersion:
        label = "latest" if version is None else version
        return w.version_from_wire(self._json("GET", f"/data/{_q(name)}/versions/{_q(label)}"))

    def list_versions(self, name: str, *, include_archived: bool = False) -> list[DataVersion]:
        body = self._json("GET", f"/data/{_q(name)}/versions", params={"include_archived": include_archived})
        return [w.version_from_wire(v) for v in body["data"]]

    def list_assets(self, *, include_archived: bool = False) -> list[DataVersion]:
        body = self._json("GET", "/data", params={"include_archived": include_archived})
        return [w.version_from_wire(v) for v in body["data"]]

    def update_version(self, name, version, *, description=None, tags=None) -> DataVersion:
        body = {"description": description, "tags": None if tags is None else dict(tags)}
        return w.version_from_wire(
            self._json("PATCH", f"/data/{_q(name)}/versions/{_q(version)}", json=body))

    def set_archived(self, name: str, version: str | None, archived: bool) -> None:
        self._http.request("POST", f"{_API}/data/{_q(name)}/archive",
                           params={"version": version, "restore": not archived})

    # --------------------------------------------------------------------- content
    def list_files(self, name: str, version: str) -> list[ArtifactInfo]:
        body = self._json("GET", f"/data/{_q(name)}/versions/{_q(version)}/files")
        return [ArtifactInfo(path=f["path"], is_dir=f["is_dir"], size=f.get("size")) for f in body["files"]]

    def open_file(self, name: str, version: str, path: str) -> BinaryIO:
        return self._http.open_stream(
            "GET", f"{_API}/data/{_q(name)}/versions/{_q(version)}/files/{_qpath(path)}")

    def local_path(self, name: str, version: str) -> Path | None:
        self.get_version(name, version)  # same NotFound as the other stores
        return None

    def get_profile(self, name: str, version: str) -> DataProfile:
        return w.profile_from_wire(self._json("GET", f"/data/{_q(name)}/versions/{_q(version)}/profile"))

    def preview(self, name: str, version: str, *, rows: int = 20) -> DataPreview:
        return w.preview_from_wire(self._json(
            "GET", f"/data/{_q(name)}/versions/{_q(version)}/preview", params={"rows": rows}))

    # --------------------------------------------------------------------- lineage
    def add_lineage(self, name: str, version: str, *, run_id: str, direction: LineageDirection) -> None:
        self._http.request("POST", f"{_API}/data/{_q(name)}/versions/{_q(version)}/lineage",
                           json={"run_id": run_id, "direction": str(LineageDirection(direction))})

    def list_lineage(self, *, name=None, version=None, run_id=None) -> list[LineageEntry]:
        body = self._json("GET", "/data/lineage", params={"name": name, "version": version, "run_id": run_id})
        return [w.lineage_from_wire(e) for e in body["lineage"]]
