"""Client-side registry operations over any :class:`~modelyard.models.store.ModelStore`:
register a local folder or a run's model, resolve a model URI to a version, fetch a
version's files into a local folder.

Example::

    v = register(store, name="churn", path="runs:/9a1b.../model")
    folder = fetch_version(store, v, tmp_dir)
"""

from __future__ import annotations

import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from modelyard.errors import InvalidArgument, NotFound
from modelyard.models.descriptor import DESCRIPTOR_FILE
from modelyard.models.entities import ModelVersion
from modelyard.models.store import ModelStore
from modelyard.models.uri import ModelUri, parse_model_uri

if TYPE_CHECKING:
    from modelyard.artifacts.store import ArtifactStore
    from modelyard.tracking.store import TrackingStore

__all__ = ["fetch_model_folder", "fetch_version", "register", "resolve_version"]


def _chunks(path: Path) -> Iterator[bytes]:
    with open(path, "rb") as fh:
        while chunk := fh.read(1024 * 1024):
            yield chunk


def register(
    store: ModelStore,
    *,
    name: str,
    path: str | Path,
    description: str | None = None,
    tags: dict[str, str] | None = None,
    run_id: str | None = None,
) -> ModelVersion:
    """Register the next version of ``name`` from a local model folder or ``runs:/ID/PATH``.

    Raises:
        NotFound: the folder or run path does not exist.
        InvalidArgument: it is not a model folder (no ``MLmodel``).
    """
    text = str(path)
    if text.startswith("runs:"):
        return store.create_version(name, source=text, description=description, tags=tags)
    if text.startswith("models:"):
        raise InvalidArgument("register from a run (runs:/ID/PATH) or a local folder, not models:/")
    folder = Path(text).expanduser()
    if not folder.is_dir():
        raise NotFound(f"no such model folder: {folder}")
    if not (folder / DESCRIPTOR_FILE).is_file():
        raise InvalidArgument(f"{folder} is not a model folder: it has no {DESCRIPTOR_FILE} file")
    upload_id = uuid.uuid4().hex
    try:
        for file in sorted(p for p in folder.rglob("*") if p.is_file()):
            store.stage_file(name, upload_id, file.relative_to(folder).as_posix(), _chunks(file))
        return store.create_version(name, source=str(folder.resolve()), upload_id=upload_id, run_id=run_id,
                                    description=description, tags=tags)
    except BaseException:
        store.discard_upload(name, upload_id)
        raise


def resolve_version(store: ModelStore, uri: ModelUri | str) -> ModelVersion:
    """The registry version a ``models:/`` URI names. Raises NotFound, InvalidArgument."""
    parsed = parse_model_uri(uri) if isinstance(uri, str) else uri
    if parsed.kind != "models":
        raise InvalidArgument(f"{uri} is not a models:/ URI")
    assert parsed.name is not None
    if parsed.alias:
        return store.get_version_by_alias(parsed.name, parsed.alias)
    return store.get_version(parsed.name, parsed.version or "latest")


def fetch_version(store: ModelStore, version: ModelVersion, dest: str | Path | None = None) -> Path:
    """A local folder holding a version's files: in place when the store allows it and no
    ``dest`` is given, else downloaded into ``dest`` (default: a new temporary folder)."""
    if dest is None:
        local = store.local_path(version.name, version.version)
        if local is not None and local.is_dir():
            return local
        dest = tempfile.mkdtemp(prefix=f"modelyard-{version.name}-{version.version}-")
    target = Path(dest)
    target.mkdir(parents=True, exist_ok=True)
    for info in store.list_files(version.name, version.version):
        out = target / info.path
        out.parent.mkdir(parents=True, exist_ok=True)
        with store.open_file(version.name, version.version, info.path) as src, open(out, "wb") as fh:
            while chunk := src.read(1024 * 1024):
                fh.write(chunk)
    return target


def fetch_model_folder(
    uri: str,
    *,
    models: ModelStore | None = None,
    tracking: TrackingStore | None = None,
    artifacts: ArtifactStore | None = None,
    dest: str | Path | None = None,
) -> Path:
    """A local folder with the model a URI names (``runs:/``, ``models:/`` or a path).

    Raises:
        NotFound: nothing at that URI.
        InvalidArgument: a malformed URI, or a store the URI needs was not given.
    """
    parsed = parse_model_uri(uri)
    if parsed.kind == "path":
        folder = Path(str(parsed.path)).expanduser()
        if not folder.is_dir():
            raise NotFound(f"no such model folder: {folder}")
        return folder
    if parsed.kind == "models":
        if models is None:
            raise InvalidArgument("a models:/ URI needs a workspace's model registry")
        return fetch_version(models, resolve_version(models, parsed), dest)
    if tracking is None or artifacts is None:
        raise InvalidArgument("a runs:/ URI needs a workspace's tracking and artifact stores")
    run = tracking.get_run(str(parsed.run_id))
    base = run.artifact_location.strip("/")
    key = f"{base}/{parsed.path}" if parsed.path else base
    root = getattr(artifacts, "root", None)
    if dest is None and isinstance(root, Path) and (root / key).is_dir():
        return root / key
    if artifacts.info(key) is None:
        raise NotFound(f"run {run.id} has no artifacts at {parsed.path or '/'!r}")
    target = Path(dest) if dest is not None else Path(tempfile.mkdtemp(prefix="modelyard-run-model-"))
    return artifacts.download(key, target)


