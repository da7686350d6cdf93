"""Data asset names, references, content hashes and registration from local paths.

References accepted everywhere a data version is named::

    data:iris:1   data:iris@latest   azureml:iris:1   iris:1   iris@latest   iris

Example::

    version = create_from_path(store, name="iris", type=DataType.MLTABLE, path="iris.csv")
    version.content_hash   # 'sha256:…'
"""

from __future__ import annotations

import hashlib
import logging
import re
import uuid
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from modelyard.data.datastores import is_datastore_uri
from modelyard.data.entities import DataType, DataVersion, TableFormat, TableSpec
from modelyard.errors import InvalidArgument, NotFound

if TYPE_CHECKING:
    from modelyard.data.store import DataStore

__all__ = [
    "MLTABLE_FILE",
    "check_name",
    "check_version",
    "create_from_path",
    "folder_hash",
    "infer_format",
    "new_upload_id",
    "parse_ref",
    "spec_from_yaml",
]

logger = logging.getLogger(__name__)

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,254}$")
_VERSION = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
_UPLOAD = re.compile(r"^[0-9a-f]{32}$")
MLTABLE_FILE = "MLTable"
_CHUNK = 1024 * 1024


def check_name(name: str, what: str = "data asset") -> str:
    """Return ``name`` if it is a valid asset or datastore name, else raise InvalidArgument."""
    if not isinstance(name, str) or not _NAME.match(name) or ".." in name:
        raise InvalidArgument(
            f"invalid {what} name {name!r}: use letters, digits, '_', '-' and '.', starting "
            "with a letter or digit (no '/' or '..', at most 255 characters)"
        )
    return name


def check_version(version: str) -> str:
    """Return ``version`` if valid (``latest`` is reserved), else raise InvalidArgument."""
    if not isinstance(version, str) or not _VERSION.match(version) or ".." in version:
        raise InvalidArgument(
            f"invalid version {version!r}: use letters, digits, '_', '-' and '.' (at most 64)"
        )
    if version == "latest":
        raise InvalidArgument("'latest' is not a version name: it names the newest version")
    return version


def check_upload_id(upload_id: str) -> str:
    if not isinstance(upload_id, str) or not _UPLOAD.match(upload_id):
        raise InvalidArgument(f"invalid upload id {upload_id!r}: expected 32 hex characters")
    return upload_id


def new_upload_id() -> str:
    return uuid.uuid4().hex


def parse_ref(ref: str) -> tuple[str, str | None]:
    """Split a data reference into (name, version); version None means latest.

    Raises:
        InvalidArgument: the reference is malformed.
    """
    text = ref.strip()
    for prefix in ("data:", "azureml:"):
        if text.startswith(prefix):
            text = text[len(prefix) :]
            break
    if "@" in text:
        name, _, label = text.partition("@")
        if label != "latest":
            raise InvalidArgument(f"unknown label {label!r} in {ref!r}: only '@latest' exists")
        return check_name(name), None
    name, sep, version = text.partition(":")
    check_name(name)
    if not sep:
        return name, None
    if version == "latest":
        return name, None
    return name, check_version(version)


def sha256_chunks(chunks: Iterable[bytes]) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    for chunk in chunks:
        digest.update(chunk)
        size += len(chunk)
    return digest.hexdigest(), size


def folder_hash(entries: Iterable[tuple[str, int, str]]) -> str:
    """The content hash of a set of files given as (relative path, size, sha256 hex).

    Independent of the order given; a single file hashes as its bytes would not, on purpose:
    the hash names content *and* layout.
    """
    digest = hashlib.sha256()
    for path, size, sha in sorted(entries):
        digest.update(f"{path}\0{size}\0{sha}\n".encode())
    return "sha256:" + digest.hexdigest()


def infer_format(paths: Iterable[str]) -> TableFormat:
    """Guess a table's file format from its file names (CSV unless all say otherwise)."""
    suffixes = {Path(p).name.lower().split(".", 1)[-1] for p in paths}
    if suffixes and all(s.endswith(("parquet", "pq")) for s in suffixes):
        return TableFormat.PARQUET
    if suffixes and all(s.endswith(("jsonl", "ndjson", "json")) for s in suffixes):
        return TableFormat.JSONL
    return TableFormat.CSV


def _iter_file(path: Path) -> Iterator[bytes]:
    with open(path, "rb") as fh:
        while chunk := fh.read(_CHUNK):
            yield chunk


def local_files(root: Path, type: DataType) -> list[tuple[str, Path]]:
    """The (relative path, local path) pairs a local source contributes to a version.

    Raises:
        NotFound: the path does not exist.
        InvalidArgument: the path's kind does not fit ``type`` or the folder is empty.
    """
    if not root.exists():
        raise NotFound(f"no such file or folder: {root}")
    if type == DataType.URI_FILE:
        if not root.is_file():
            raise InvalidArgument(f"a uri_file must be a file, and {root} is a folder")
        return [(root.name, root)]
    if type == DataType.URI_FOLDER and not root.is_dir():
        raise InvalidArgument(f"a uri_folder must be a folder, and {root} is a file")
    if root.is_file():
        return [(root.name, root)]
    files = [
        (p.relative_to(root).as_posix(), p)
        for p in sorted(root.rglob("*"))
        if p.is_file() and not any(part.startswith(".") for part in p.relative_to(root).parts)
    ]
    if not files:
        raise InvalidArgument(f"the folder {root} holds no files")
    return files


def create_from_path(
    store: DataStore,
    *,
    name: str,
    type: DataType,
    path: str | Path | None,
    version: str | None = None,
    description: str | None = None,
    tags: Mapping[str, str] | None = None,
    table: TableSpec | None = None,
) -> DataVersion:
    """Create a data version from a local path, a datastore URI or (mltable) a SQL query.

    Local files are streamed to the store under a fresh upload id; on any failure the
    upload is discarded, so nothing half-registered remains.

    Raises:
        NotFound: the path does not exist.
        InvalidArgument, AlreadyExists: see :meth:`DataStore.create_version`.
    """
    type = DataType(type)
    check_name(name)
    if version is not None:
        check_version(str(version))
        version = str(version)
    if table is not None and table.format == TableFormat.SQL:
        source = f"sql://{table.datastore}"
        return store.create_version(
            name, type=type, source=source, version=version, description=description,
            tags=tags, table=table,
        )
    if path is None or str(path) == "":
        raise InvalidArgument("a data asset needs a 'path' (or, for an mltable, a query)")
    text = str(path)
    if is_datastore_uri(text):
        return store.create_version(
            name, type=type, source=text, version=version, description=description,
            tags=tags, table=table,
        )
    if "://" in text:
        raise InvalidArgument(
            f"unsupported path {text!r}: use a local path or datastore://NAME/PATH"
        )
    root = Path(text).expanduser().resolve()
    files = local_files(root, type)
    if type == DataType.MLTABLE and table is None:
        table = read_mltable_file(root) if root.is_dir() else None
    upload_id = new_upload_id()
    try:
        for rel, local in files:
            store.stage_file(name, upload_id, rel, _iter_file(local))
        return store.create_version(
            name, type=type, source=str(root), upload_id=upload_id, version=version,
            description=description, tags=tags, table=table,
        )
    except BaseException:
        try:
            store.discard_upload(name, upload_id)
        except Exception:  # the original error matters more
            logger.warning("could not discard upload %s of %s", upload_id, name, exc_info=True)
        raise


def read_mltable_file(folder: Path) -> TableSpec | None:
    """Read the table settings of an Azure ML ``MLTable`` file in ``folder``, if any."""
    file = folder / MLTABLE_FILE
    if not file.is_file():
        return None
    import yaml

    try:
        doc = yaml.safe_load(file.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as e:
        raise InvalidArgument(f"{file} is not valid YAML: {e}") from e
    for step in doc.get("transformations") or []:
        if not isinstance(step, dict):
            continue
        if "read_delimited" in step:
            opts = step["read_delimited"] or {}
            header = str(opts.get("header", "all_files_same_headers")) != "no_header"
            return TableSpec(
                format=TableFormat.CSV,
                delimiter=str(opts.get("delimiter", ",")),
                header=header,
                encoding=str(opts.get("encoding", "utf8")).replace("utf8", "utf-8"),
            )
        if "read_parquet" in step:
            return TableSpec(format=TableFormat.PARQUET)
        if "read_json_lines" in step:
            return TableSpec(format=TableFormat.JSONL)
    return None


def spec_from_yaml(file: str | Path) -> dict[str, Any]:
    """Read a data asset YAML (Azure ML CLI v2 ``data`` schema, plus table settings).

    Returns keyword arguments for :func:`create_from_path`; a relative ``path`` is resolved
    against the YAML file's folder.

    Raises:
        NotFound, InvalidArgument.
    """
    import yaml

    file = Path(file)
    if not file.is_file():
        raise NotFound(f"no such file: {file}")
    try:
        doc = yaml.safe_load(file.read_text(encoding="utf-8"))
    except yaml.YAMLError as e:
        raise InvalidArgument(f"{file} is not valid YAML: {e}") from e
    return spec_from_dict(doc, base=file.parent)


def spec_from_dict(doc: Any, *, base: Path | None = None) -> dict[str, Any]:
    if not isinstance(doc, dict):
        raise InvalidArgument("a data asset spec must be a mapping")
    doc = {k: v for k, v in doc.items() if k != "$schema"}
    known = {"name", "version", "type", "path", "description", "tags", "format", "options",
             "query", "datastore"}
    unknown = set(doc) - known
    if unknown:
        raise InvalidArgument(f"unknown key(s) in the data spec: {', '.join(sorted(unknown))}")
    if "name" not in doc:
        raise InvalidArgument("the data spec needs a 'name'")
    type = DataType(str(doc.get("type", "uri_folder")))
    path = doc.get("path")
    if isinstance(path, str) and path.startswith("azureml:") and not path.startswith("azureml://"):
        path = path[len("azureml:") :]
    if isinstance(path, str) and base is not None and "://" not in path:
        path = str((base / path).expanduser())
    table = None
    if doc.get("query") is not None or doc.get("format") is not None:
        if type != DataType.MLTABLE:
            raise InvalidArgument("'format' and 'query' apply to type: mltable only")
        options = doc.get("options") or {}
        fmt = TableFormat(str(doc.get("format") or ("sql" if doc.get("query") else "csv")))
        table = TableSpec(
            format=fmt,
            delimiter=str(options.get("delimiter", ",")),
            header=bool(options.get("header", True)),
            encoding=str(options.get("encoding", "utf-8")),
            query=doc.get("query"),
            datastore=doc.get("datastore"),
        )
    tags = doc.get("tags") or {}
    return {
        "name": str(doc["name"]),
        "version": None if doc.get("version") is None else str(doc["version"]),
        "type": type,
        "path": path,
        "description": doc.get("description"),
        "tags": {str(k): str(v) for k, v in tags.items()},
        "table": table,
    }
