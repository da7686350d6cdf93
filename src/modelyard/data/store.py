"""The data store interface: datastores, data asset versions, profiles and lineage.

Its docstrings are the specification. Implementations:
:class:`modelyard.data.sql.SqlDataStore` (the workspace database plus its artifact store) and
:class:`modelyard.data.rest.RestDataStore` (a Modelyard server). One contract suite
(``tests/data/contract.py``) runs against both.

Common rules:

* Every method is thread-safe.
* Names of datastores and data assets match ``[A-Za-z0-9][A-Za-z0-9_.-]*`` (at most 255
  characters, no ``/``, no ``..``); versions match ``[A-Za-z0-9][A-Za-z0-9_.-]*`` (at most 64,
  not ``latest``). Anything else raises :class:`~modelyard.errors.InvalidArgument`.
* A data version is immutable: its content, hash, type and table settings never change; only
  its description, tags and archived flag do.
* A failed create leaves nothing behind: no row, no stored file.
* Unknown names raise :class:`~modelyard.errors.NotFound`; backend failures
  :class:`~modelyard.errors.BackendUnavailable`.

Creating a version from local files takes two steps, done for callers by
:func:`modelyard.data.assets.create_from_path`: the files are staged with
:meth:`DataStore.stage_file` under an upload id, then :meth:`DataStore.create_version` turns the
upload into a version (or :meth:`DataStore.discard_upload` drops it). An upload that is
neither (its client crashed) is removed by ``modelyard gc`` once idle for a day
(:mod:`modelyard.data.uploads`).
"""

from __future__ import annotations

import abc
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, BinaryIO

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
from modelyard.data.errors import DataChanged  # noqa: F401 - registered for the REST client
from modelyard.tracking.entities import ArtifactInfo

__all__ = ["DataStore"]


class DataStore(abc.ABC):
    """Datastores and versioned data assets of one workspace."""

    # ------------------------------------------------------------------ datastores
    @abc.abstractmethod
    def create_datastore(
        self,
        name: str,
        *,
        type: DatastoreType,
        config: Mapping[str, Any],
        description: str | None = None,
        tags: Mapping[str, str] | None = None,
    ) -> Datastore:
        """Register a datastore.

        ``config`` is checked for its type (see :class:`~modelyard.data.entities.Datastore`);
        a secret in it (an S3 key, a password inside a SQL URL) is refused, never stored.

        Raises:
            AlreadyExists: a datastore has that name.
            InvalidArgument: bad name, unknown config key, missing setting or a secret.
        """

    @abc.abstractmethod
    def get_datastore(self, name: str) -> Datastore:
        """Return a datastore. Raises NotFound."""

    @abc.abstractmethod
    def list_datastores(self) -> list[Datastore]:
        """All datastores, by name."""

    @abc.abstractmethod
    def delete_datastore(self, name: str) -> None:
        """Remove a datastore.

        Raises:
            NotFound; InvalidState while a data version still reads from it.
        """

    # -------------------------------------------------------------------- uploads
    @abc.abstractmethod
    def stage_file(self, name: str, upload_id: str, path: str, chunks: Iterable[bytes]) -> int:
        """Store one file of a future version of asset ``name``; return its size.

        ``upload_id`` is a 32-character hex id the caller chose (see
        :func:`modelyard.data.assets.new_upload_id`); ``path`` is relative to the asset root.
        Staged files are invisible until :meth:`create_version` uses the upload.

        Raises:
            InvalidArgument: bad name, upload id or path.
        """

    @abc.abstractmethod
    def discard_upload(self, name: str, upload_id: str) -> None:
        """Drop the files staged under an upload id (nothing happens if there are none)."""

    # ------------------------------------------------------------------- versions
    @abc.abstractmethod
    def create_version(
        self,
        name: str,
        *,
        type: DataType,
        source: str,
        upload_id: str | None = None,
        version: str | None = None,
        description: str | None = None,
        tags: Mapping[str, str] | None = None,
        table: TableSpec | None = None,
    ) -> DataVersion:
        """Create an immutable version of a data asset.

        The content is the staged upload ``upload_id``, or, without one, ``source`` names it:
        ``datastore://<datastore>/<path>`` (local datastores are copied in, S3 ones are
        referenced) or, for an ``mltable`` with ``table.format == sql``, the query. The
        content hash is computed here. An ``mltable`` is read through once: a file that does
        not parse or a query that fails is refused, and its profile is cached. A
        ``uri_file`` has exactly one file. ``version`` defaults to one more than the highest
        integer version.

        Raises:
            AlreadyExists: that version exists (the upload is discarded).
            NotFound: the upload, datastore or datastore path does not exist.
            InvalidArgument: bad name/version, empty content, a file that does not parse, a
                failing query, a table spec that does not fit the type.
        """

    @abc.abstractmethod
    def get_version(self, name: str, version: str | None = None) -> DataVersion:
        """Return a version; ``None`` or ``"latest"`` means the newest non-archived one.

        Archived versions are returned when asked for by number. Raises NotFound.
        """

    @abc.abstractmethod
    def list_versions(self, name: str, *, include_archived: bool = False) -> list[DataVersion]:
        """Versions of one asset, newest first. Raises NotFound for an unknown asset."""

    @abc.abstractmethod
    def list_assets(self, *, include_archived: bool = False) -> list[DataVersion]:
        """The newest version of every asset, by name (assets whose versions are all
        archived appear only with ``include_archived``)."""

    @abc.abstractmethod
    def update_version(
        self,
        name: str,
        version: str,
        *,
        description: str | None = None,
        tags: Mapping[str, str] | None = None,
    ) -> DataVersion:
        """Change the description and/or replace the tags. Raises NotFound, InvalidArgument."""

    @abc.abstractmethod
    def set_archived(self, name: str, version: str | None, archived: bool) -> None:
        """Archive (or restore) one version, or every version when ``version`` is None.

        Archived versions keep their content and still load by number, but are hidden from
        listings and from ``latest``. Raises NotFound.
        """

    # -------------------------------------------------------------------- content
    @abc.abstractmethod
    def list_files(self, name: str, version: str) -> list[ArtifactInfo]:
        """The files of a version, recursively, with paths relative to its root.

        Raises NotFound; InvalidArgument for a SQL table (it has no files);
        :class:`~modelyard.data.errors.DataChanged` when content left in an S3 datastore was
        changed, added to or deleted since the version was registered.
        """

    @abc.abstractmethod
    def open_file(self, name: str, version: str, path: str) -> BinaryIO:
        """Open one file of a version for streaming reads.

        Raises NotFound, InvalidArgument; DataChanged when the file is an S3 object that
        changed since the version was registered.
        """

    @abc.abstractmethod
    def local_path(self, name: str, version: str) -> Path | None:
        """The version's root as a local path when this process can read it in place (an
        embedded workspace), else None: then download it with :meth:`open_file`."""

    @abc.abstractmethod
    def get_profile(self, name: str, version: str) -> DataProfile:
        """The profile of an ``mltable`` version, computed on first request and cached.

        Raises:
            NotFound; InvalidArgument when the version is not a table.
        """

    @abc.abstractmethod
    def preview(self, name: str, version: str, *, rows: int = 20) -> DataPreview:
        """The first ``rows`` rows (1 to 1,000) of an ``mltable`` version, read as
        ``load_table`` reads it (a SQL table's query runs, fetching only those rows).

        Raises:
            NotFound; InvalidArgument when the version is not a table, ``rows`` is out of
            range, or the table cannot be read.
        """

    # -------------------------------------------------------------------- lineage
    @abc.abstractmethod
    def add_lineage(
        self, name: str, version: str, *, run_id: str, direction: LineageDirection
    ) -> None:
        """Record that a run read (input) or wrote (output) a version. Idempotent.

        Raises NotFound for an unknown version.
        """

    @abc.abstractmethod
    def list_lineage(
        self, *, name: str | None = None, version: str | None = None, run_id: str | None = None
    ) -> list[LineageEntry]:
        """Lineage entries of a version (``name`` and ``version``) and/or of a run, oldest
        first."""

    def close(self) -> None:
        """Release connections."""
