"""Where a data version's bytes live, and reading them: the workspace artifact store
(``workspace:<prefix>``), an S3 datastore (``datastore://<name>/<path>``) or a query
(``sql://<name>``). Used by the SQL data store on the side that owns the content."""

from __future__ import annotations

import contextlib
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from modelyard.artifacts.paths import join_key, normalize_key
from modelyard.artifacts.store import ArtifactStore
from modelyard.data import _manifest as manifest
from modelyard.data import datastores as ds_mod
from modelyard.data._manifest import FileIdentity
from modelyard.data.assets import MLTABLE_FILE, folder_hash, sha256_chunks
from modelyard.data.entities import (
    DataPreview,
    DataProfile,
    Datastore,
    DatastoreType,
    DataType,
    DataVersion,
    TableFormat,
    TableSpec,
)
from modelyard.errors import InvalidArgument, NotFound
from modelyard.tracking.entities import ArtifactInfo

__all__ = [
    "WORKSPACE",
    "checked_s3_objects",
    "hash_content",
    "list_content",
    "open_content",
    "s3_identities",
    "s3_identity",
    "table_preview",
    "table_profile",
    "workspace_prefix",
]

WORKSPACE = "workspace:"


def workspace_prefix(storage: str) -> str | None:
    return storage[len(WORKSPACE) :] if storage.startswith(WORKSPACE) else None


def local_root(artifacts: ArtifactStore, storage: str) -> Path | None:
    """The local folder of workspace content, when the artifact store is a local folder."""
    prefix = workspace_prefix(storage)
    root = getattr(artifacts, "root", None)
    if prefix is None or not isinstance(root, Path):
        return None
    return root / prefix


def list_content(
    artifacts: ArtifactStore, storage: str, datastore: Datastore | None
) -> list[ArtifactInfo]:
    """Every file of a version (recursive, paths relative to its root), sorted."""
    prefix = workspace_prefix(storage)
    if prefix is not None:
        return sorted(
            (e for e in artifacts.list(prefix, recursive=True) if not e.is_dir),
            key=lambda e: e.path,
        )
    return [
        ArtifactInfo(path=path, is_dir=False, size=ident["size"])
        for path, ident in s3_identities(storage, datastore).items()
    ]


def s3_identities(storage: str, datastore: Datastore | None) -> dict[str, FileIdentity]:
    """(relative path -> size, ETag, version id) of every object of S3 content, sorted."""
    if storage.startswith("sql://"):
        raise InvalidArgument("a SQL table has no files: load it as a table")
    assert datastore is not None and datastore.type == DatastoreType.S3
    _, path = ds_mod.parse_datastore_uri(storage)
    fs = ds_mod.s3_filesystem(datastore)
    full = ds_mod.s3_path(datastore, path)
    if fs.isfile(full):
        return {full.rsplit("/", 1)[-1]: manifest.identity(fs.info(full))}
    out = {}
    for key, info in sorted(fs.find(full, detail=True).items()):
        out[key[len(full) :].lstrip("/")] = manifest.identity(info)
    return out


def checked_s3_objects(
    artifacts: ArtifactStore, version: DataVersion, datastore: Datastore
) -> dict[str, FileIdentity]:
    """The current objects of a version's S3 content, checked against its manifest.

    Raises:
        DataChanged: an object was changed, added or deleted since registration.
    """
    current = s3_identities(version.storage, datastore)
    recorded = manifest.read(artifacts, version)
    if recorded is None:  # registered before manifests: hash the bytes once more
        digest, _, _ = hash_content(artifacts, version.storage, datastore)
        if digest != version.content_hash:
            raise manifest.content_changed(version)
        manifest.write(artifacts, version.name, version.content_hash, current)
        return current
    manifest.check_listing(version, recorded, current)
    return current


def s3_identity(storage: str, datastore: Datastore, path: str) -> FileIdentity:
    """The current size, ETag and version id of one object of S3 content.

    Raises:
        NotFound: no such object.
    """
    _, root = ds_mod.parse_datastore_uri(storage)
    fs = ds_mod.s3_filesystem(datastore)
    full = ds_mod.s3_path(datastore, root)
    target = full if fs.isfile(full) else f"{full}/{normalize_key(path)}"
    try:
        return manifest.identity(fs.info(target))
    except FileNotFoundError as e:
        raise NotFound(f"no file {path!r} in this data version") from e


def open_content(
    artifacts: ArtifactStore, storage: str, datastore: Datastore | None, path: str
) -> BinaryIO:
    clean = normalize_key(path)
    prefix = workspace_prefix(storage)
    if prefix is not None:
        if artifacts.info(join_key(prefix, clean)) is None:
            raise NotFound(f"no file {path!r} in this data version")
        return artifacts.open(join_key(prefix, clean))
    if storage.startswith("sql://"):
        raise InvalidArgument("a SQL table has no files: load it as a table")
    assert datastore is not None
    _, root = ds_mod.parse_datastore_uri(storage)
    fs = ds_mod.s3_filesystem(datastore)
    full = ds_mod.s3_path(datastore, root)
    target = full if fs.isfile(full) else f"{full}/{clean}"
    if not fs.isfile(target):
        raise NotFound(f"no file {path!r} in this data version")
    return fs.open(target, "rb")


def hash_content(
    artifacts: ArtifactStore, storage: str, datastore: Datastore | None
) -> tuple[str, int, list[ArtifactInfo]]:
    """(content hash, total size, files) of stored content, reading every byte once."""
    files = list_content(artifacts, storage, datastore)
    entries = []
    for info in files:
        with open_content(artifacts, storage, datastore, info.path) as fh:
            sha, size = sha256_chunks(iter(lambda fh=fh: fh.read(1024 * 1024), b""))
        entries.append((info.path, size, sha))
    return folder_hash(entries), sum(e[1] for e in entries), files


def table_files(files: list[ArtifactInfo]) -> list[str]:
    """The data files of a table: every file but the ``MLTable`` description."""
    return [f.path for f in files if f.path.rsplit("/", 1)[-1] != MLTABLE_FILE]


@contextlib.contextmanager
def local_copy(
    artifacts: ArtifactStore,
    storage: str,
    datastore: Datastore | None,
    paths: list[str],
) -> Iterator[list[str]]:
    """Local file paths for ``paths`` of a version: in place when possible, else a temporary
    download removed afterwards."""
    root = local_root(artifacts, storage)
    if root is not None:
        yield [str(root / p) for p in paths]
        return
    with tempfile.TemporaryDirectory(prefix="modelyard-data-") as tmp:
        out = []
        for rel in paths:
            target = Path(tmp) / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            with open_content(artifacts, storage, datastore, rel) as src, open(target, "wb") as dst:
                while chunk := src.read(1024 * 1024):
                    dst.write(chunk)
            out.append(str(target))
        yield out


def copy_local_datastore(
    artifacts: ArtifactStore, datastore: Datastore, path: str, prefix: str, type: DataType
) -> None:
    """Copy a local datastore's file or folder into the workspace under ``prefix``."""
    from modelyard.data.assets import local_files

    root = ds_mod.local_root(datastore)
    source = (root / path).resolve() if path else root
    if root not in (source, *source.parents):
        raise InvalidArgument(f"the path {path!r} leaves datastore {datastore.name!r}")
    for rel, local in local_files(source, type):
        artifacts.write_file(join_key(prefix, rel), local)


def table_profile(
    artifacts: ArtifactStore, storage: str, table: TableSpec, datastore: Datastore | None,
    files: list[ArtifactInfo] | None,
) -> DataProfile:
    """The profile of a table version: a ``sql`` table's query runs; files (the version's,
    None for a query) are read in place or from a local copy."""
    from modelyard.data import profile as prof

    if table.format == TableFormat.SQL:
        assert datastore is not None and table.query
        return prof.profile_arrow(ds_mod.run_query(datastore, table.query))
    with local_copy(artifacts, storage, datastore, table_files(files or [])) as local:
        return prof.profile_files(local, table)


def table_preview(
    artifacts: ArtifactStore, storage: str, table: TableSpec, datastore: Datastore | None,
    files: list[ArtifactInfo] | None, *, rows: int,
) -> DataPreview:
    """The first ``rows`` rows of a table version, read as :func:`table_profile` reads it (a
    query fetches only those rows)."""
    from modelyard.data import preview as pv

    if table.format == TableFormat.SQL:
        assert datastore is not None and table.query
        head = ds_mod.run_query(datastore, table.query, limit=rows + 1)
        return pv.preview_arrow(head, rows=rows)
    with local_copy(artifacts, storage, datastore, table_files(files or [])) as local:
        return pv.preview_files(local, table, rows=rows)
