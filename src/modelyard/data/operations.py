"""The SDK's ``ws.data`` and ``ws.datastores`` operation groups.

Example::

    import modelyard as yard

    ws = yard.Workspace()
    v1 = ws.data.create_or_update(name="iris", path="iris.csv", type="mltable")
    df = ws.data.load_table("iris@latest")
    ws.data.profile("iris", "1").column("sepal_length").mean
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from modelyard.backends import LazyStore
from modelyard.data.entities import (
    DataPreview,
    DataProfile,
    Datastore,
    DatastoreType,
    DataType,
    DataVersion,
    LineageDirection,
    LineageEntry,
    TableSpec,
)

if TYPE_CHECKING:
    from modelyard.data.store import DataStore

__all__ = ["DataOperations", "DatastoreOperations", "open_data_store"]


def open_data_store(workspace: Any) -> DataStore:
    """The data store of a workspace: REST for a server URL, SQL for a folder."""
    location = workspace.location
    if location.is_remote:
        from modelyard.data.rest import RestDataStore

        return RestDataStore(location.url, token=workspace.settings.token)
    from modelyard.data.sql import SqlDataStore

    return SqlDataStore(location.store_url, workspace.artifact_store)


class DataOperations:
    """Versioned data assets of a workspace (``ws.data``)."""

    def __init__(self, workspace: Any) -> None:
        self._ws = workspace
        self._stores: LazyStore[DataStore] = LazyStore(lambda: open_data_store(workspace))

    @property
    def store(self) -> DataStore:
        """The underlying :class:`~modelyard.data.store.DataStore`, opened on first use."""
        return self._stores.get()

    def _close(self) -> None:
        self._stores.close()

    def create_or_update(
        self,
        *,
        name: str,
        path: str | os.PathLike[str] | None = None,
        type: DataType | str = DataType.URI_FOLDER,
        version: str | int | None = None,
        description: str | None = None,
        tags: Mapping[str, str] | None = None,
        table: TableSpec | None = None,
    ) -> DataVersion:
        """Register a new immutable version of a data asset.

        Args:
            name: the asset name (no ``/`` or ``..``).
            path: a local file or folder (copied into the workspace), or
                ``datastore://NAME/PATH``; None for a SQL table (``table.query``).
            type: ``uri_file``, ``uri_folder`` or ``mltable``.
            version: the version to create; default one more than the highest number.
            table: how an mltable reads (format, CSV options, or a query on a sql datastore).

        Raises:
            AlreadyExists: the version exists. NotFound: the path does not exist.
            InvalidArgument: bad name, unreadable table, failing query.
        """
        from modelyard.data.assets import create_from_path

        return create_from_path(
            self.store, name=name, type=DataType(type), path=path,
            version=None if version is None else str(version), description=description,
            tags=tags, table=table,
        )

    def create_from_yaml(self, file: str | os.PathLike[str], **overrides: Any) -> DataVersion:
        """Register a version described by a data YAML file (Azure ML CLI v2 ``data`` schema)."""
        from modelyard.data.assets import spec_from_yaml

        spec = spec_from_yaml(file)
        spec.update({k: v for k, v in overrides.items() if v is not None})
        return self.create_or_update(**spec)

    def get(self, name: str, version: str | int | None = None) -> DataVersion:
        """A version (``None`` or ``"latest"``: the newest non-archived). Raises NotFound."""
        return self.store.get_version(name, None if version is None else str(version))

    def get_ref(self, ref: str) -> DataVersion:
        """A version from a reference such as ``data:iris:1`` or ``iris@latest``."""
        from modelyard.data.assets import parse_ref

        name, version = parse_ref(ref)
        return self.store.get_version(name, version)

    def list(self, name: str | None = None, *, include_archived: bool = False) -> list[DataVersion]:
        """The newest version of every asset, or every version of ``name``."""
        if name is None:
            return self.store.list_assets(include_archived=include_archived)
        return self.store.list_versions(name, include_archived=include_archived)

    def update(self, name: str, version: str | int, *, description: str | None = None,
               tags: Mapping[str, str] | None = None) -> DataVersion:
        return self.store.update_version(name, str(version), description=description, tags=tags)

    def archive(self, name: str, version: str | int | None = None) -> None:
        """Hide a version (or all versions) from listings and ``latest``; content is kept."""
        self.store.set_archived(name, None if version is None else str(version), True)

    def restore(self, name: str, version: str | int | None = None) -> None:
        self.store.set_archived(name, None if version is None else str(version), False)

    def profile(self, name: str, version: str | int | None = None) -> DataProfile:
        """The table profile of an mltable version (computed once, then cached)."""
        v = self.get(name, version)
        return self.store.get_profile(v.name, v.version)

    def preview(self, name: str, version: str | int | None = None, *, rows: int = 20) -> DataPreview:
        """The first ``rows`` rows (1 to 1,000) of an mltable version, as ``load_table``
        reads them."""
        v = self.get(name, version)
        return self.store.preview(v.name, v.version, rows=rows)

    def load_table(self, ref: str, *, as_arrow: bool = False) -> Any:
        """Load an mltable as a pandas DataFrame (or Arrow table with ``as_arrow=True``)."""
        from modelyard.data.load import load_table

        return load_table(self.store, ref, as_arrow=as_arrow)

    def path(self, ref: str) -> Path:
        """A local path holding a version's content (downloaded and cached when remote)."""
        from modelyard.data.load import resolve_path

        return resolve_path(self.store, ref)

    def download(self, name: str, version: str | int | None, dest: str | os.PathLike[str]) -> Path:
        """Copy a version's files into ``dest``; return the folder written."""
        from modelyard.data.load import download_version

        v = self.get(name, version)
        return download_version(self.store, v, Path(dest))

    def lineage(self, name: str, version: str | int) -> list[LineageEntry]:
        """The runs that read (input) and wrote (output) a version."""
        return self.store.list_lineage(name=name, version=str(version))

    def record_use(self, ref: str, *, run_id: str, direction: LineageDirection | str) -> DataVersion:
        """Record that a run read or wrote a version (jobs call this for their inputs/outputs)."""
        v = self.get_ref(ref)
        self.store.add_lineage(v.name, v.version, run_id=run_id, direction=LineageDirection(direction))
        return v


class DatastoreOperations:
    """Datastores of a workspace (``ws.datastores``)."""

    def __init__(self, data: DataOperations) -> None:
        self._data = data

    def create(self, *, name: str, type: DatastoreType | str, description: str | None = None,
               tags: Mapping[str, str] | None = None, **config: Any) -> Datastore:
        """Register a datastore; ``config`` holds the type's settings (never a secret)."""
        return self._data.store.create_datastore(
            name, type=DatastoreType(type), config=config, description=description, tags=tags)

    def create_from_yaml(self, file: str | os.PathLike[str]) -> Datastore:
        import yaml

        from modelyard.errors import InvalidArgument, NotFound

        path = Path(file)
        if not path.is_file():
            raise NotFound(f"no such file: {path}")
        try:
            doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        except yaml.YAMLError as e:
            raise InvalidArgument(f"{path} is not valid YAML: {e}") from e
        if not isinstance(doc, dict) or "name" not in doc or "type" not in doc:
            raise InvalidArgument("a datastore spec needs 'name' and 'type'")
        doc = {k: v for k, v in doc.items() if k != "$schema"}
        if doc.get("type") == "local" and doc.get("path") and not Path(doc["path"]).is_absolute():
            doc["path"] = str(path.parent / doc["path"])
        return self.create(**doc)

    def get(self, name: str) -> Datastore:
        return self._data.store.get_datastore(name)

    def list(self) -> list[Datastore]:
        return self._data.store.list_datastores()

    def delete(self, name: str) -> None:
        self._data.store.delete_datastore(name)
