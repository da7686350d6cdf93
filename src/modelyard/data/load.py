"""Loading data versions: tables as pandas or Arrow, files and folders as local paths.

Example::

    import modelyard as yard

    df = yard.data.load_table("data:iris@latest")
    table = yard.data.load_table("iris:1", as_arrow=True)
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from modelyard.data import datastores as ds_mod
from modelyard.data.assets import MLTABLE_FILE, parse_ref
from modelyard.data.entities import DataType, DataVersion, TableFormat
from modelyard.errors import InvalidArgument

if TYPE_CHECKING:
    import pyarrow as pa

    from modelyard.data.store import DataStore

__all__ = ["download_version", "load_table", "read_table_files", "resolve_path"]


def download_version(store: DataStore, version: DataVersion, dest: Path) -> Path:
    """Copy every file of a version under ``dest`` (streamed); return ``dest``."""
    dest.mkdir(parents=True, exist_ok=True)
    for info in store.list_files(version.name, version.version):
        target = dest / info.path
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{target.name}.part")
        with store.open_file(version.name, version.version, info.path) as src, open(tmp, "wb") as out:
            while chunk := src.read(1024 * 1024):
                out.write(chunk)
        os.replace(tmp, target)
    return dest


def _cache_dir(version: DataVersion, cache: Path | None) -> Path:
    base = cache or Path.home() / ".cache" / "modelyard" / "data"
    digest = hashlib.sha256(version.content_hash.encode()).hexdigest()[:16]
    return base / f"{version.name}-{version.version}-{digest}"


def resolve_path(store: DataStore, ref: str, *, cache: Path | None = None) -> Path:
    """A local path for a data reference: the file of a ``uri_file``, else the root folder.

    In an embedded workspace the stored copy is used in place (read it, do not write it);
    otherwise the version is downloaded once into ``cache`` (keyed by its content hash).
    """
    name, number = parse_ref(ref)
    version = store.get_version(name, number)
    if version.table is not None and version.table.format == TableFormat.SQL:
        raise InvalidArgument(f"{version.ref} is a SQL table: load it with load_table()")
    root = store.local_path(version.name, version.version)
    if root is None:
        root = _cache_dir(version, cache)
        marker = root / ".complete"
        if not marker.exists():
            download_version(store, version, root)
            marker.write_text(version.content_hash)
    if version.type == DataType.URI_FILE:
        files = [p for p in root.iterdir() if p.is_file() and not p.name.startswith(".")]
        return files[0]
    return root


def read_table_files(paths: list[str], version: DataVersion) -> pa.Table:
    """Read the data files of a table version into one Arrow table (DuckDB's readers, so the
    types match the profile's)."""
    import duckdb

    from modelyard.data.profile import describe_duckdb_error, duckdb_connection, table_source_sql

    assert version.table is not None
    con = duckdb_connection(memory_limit="4GB")
    try:
        return con.sql(f"SELECT * FROM {table_source_sql(paths, version.table)}").to_arrow_table()
    except duckdb.Error as e:
        raise InvalidArgument(f"{version.ref} cannot be read: {describe_duckdb_error(e)}") from e
    finally:
        con.close()


def load_table(store: DataStore, ref: str, *, as_arrow: bool = False, cache: Path | None = None) -> Any:
    """Load an ``mltable`` version as a pandas DataFrame (or an Arrow table).

    Raises:
        NotFound: no such version.
        InvalidArgument: the version is not a table, or its query fails.
    """
    name, number = parse_ref(ref)
    version = store.get_version(name, number)
    if version.type != DataType.MLTABLE or version.table is None:
        raise InvalidArgument(f"{version.ref} is a {version.type}, not a table (mltable)")
    if version.table.format == TableFormat.SQL:
        assert version.table.datastore and version.table.query
        table = ds_mod.run_query(store.get_datastore(version.table.datastore), version.table.query)
    else:
        root = resolve_path(store, version.ref, cache=cache)
        files = sorted(
            str(p) for p in root.rglob("*")
            if p.is_file() and p.name != MLTABLE_FILE and not p.name.startswith(".")
            and not any(part.startswith(".") for part in p.relative_to(root).parts)
        )
        table = read_table_files(files, version)
    return table if as_arrow else table.to_pandas()
