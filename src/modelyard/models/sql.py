"""The :class:`~modelyard.models.store.ModelStore` on the workspace database (SQLAlchemy 2
Core, SQLite or PostgreSQL) and the workspace artifact store.

A version's files live under ``models/<name>/<upload id>/`` in the artifact store: staged
there by an upload, or copied there from a run's artifacts.

Example::

    store = SqlModelStore("sqlite:////tmp/ws/workspace.db", LocalArtifactStore("/tmp/ws/artifacts"))
"""

from __future__ import annotations

import json
import logging
import re
import threading
import uuid
from collections.abc import Iterable
from contextlib import AbstractContextManager
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

import sqlalchemy as sa

from modelyard.artifacts.paths import join_key
from modelyard.artifacts.store import ArtifactStore
from modelyard.artifacts.uploads import forget_upload, touch_upload
from modelyard.db.engine import guarded_read, guarded_write, open_migrated_engine
from modelyard.db.values import check_tags, from_us, now_us
from modelyard.errors import AlreadyExists, InvalidArgument, NotFound
from modelyard.models.descriptor import DESCRIPTOR_FILE, parse_descriptor
from modelyard.models.entities import ModelVersion, RegisteredModel
from modelyard.models.store import ModelStore
from modelyard.models.tables import model_aliases, model_versions, registered_models
from modelyard.models.uri import parse_model_uri
from modelyard.tracking.entities import ArtifactInfo

if TYPE_CHECKING:
    from modelyard.tracking.store import TrackingStore

__all__ = ["SqlModelStore", "check_alias", "check_model_name"]

logger = logging.getLogger(__name__)
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,254}$")
_ALIAS = re.compile(r"^[A-Za-z][A-Za-z0-9_-]{0,254}$")
_UPLOAD = re.compile(r"^[0-9a-f]{32}$")


def check_model_name(name: Any) -> str:
    if not isinstance(name, str) or not _NAME.match(name) or ".." in name:
        raise InvalidArgument(f"invalid model name {name!r}: use letters, digits, '_', '-' and '.', "
                              "starting with a letter or digit (at most 255 characters)")
    return name


def check_alias(alias: Any) -> str:
    if not isinstance(alias, str) or not _ALIAS.match(alias) or alias == "latest":
        raise InvalidArgument(f"invalid alias {alias!r}: use a letter then letters, digits, '_' or '-' "
                              "(not 'latest')")
    return alias


def _version_number(version: Any) -> int:
    try:
        number = int(version)
    except (TypeError, ValueError) as e:
        raise InvalidArgument(f"invalid model version {version!r}: expected a number or 'latest'") from e
    if number < 1:
        raise InvalidArgument(f"invalid model version {version!r}: versions start at 1")
    return number


class SqlModelStore(ModelStore):
    """Registered models in the workspace database.

    Args:
        url: ``sqlite:///…/workspace.db`` or ``postgresql://…``; the schema is migrated.
        artifacts: the workspace artifact store (the caller keeps ownership).
        tracking: the tracking store used to resolve ``runs:/`` sources (default: a SQL
            tracking store on the same database, opened on first use and owned here).
    """

    def __init__(self, url: str, artifacts: ArtifactStore, *, tracking: TrackingStore | None = None) -> None:
        self._url = url
        self._engine = open_migrated_engine(url)
        self._artifacts = artifacts
        self._tracking = tracking
        self._owns_tracking = tracking is None
        self._lock = threading.Lock()

    def close(self) -> None:
        if self._owns_tracking and self._tracking is not None:
            self._tracking.close()
        self._engine.dispose()

    def _tracking_store(self) -> TrackingStore:
        with self._lock:
            if self._tracking is None:
                from modelyard.tracking.sql import SqlTrackingStore

                self._tracking = SqlTrackingStore(self._url)
            return self._tracking

    def _write(self) -> AbstractContextManager[sa.Connection]:
        return guarded_write(self._engine)

    def _read(self) -> AbstractContextManager[sa.Connection]:
        return guarded_read(self._engine)

    # ------------------------------------------------------------------ converters
    def _model(self, conn: sa.Connection, row: Any) -> RegisteredModel:
        aliases = {r.alias: int(r.version) for r in conn.execute(
            sa.select(model_aliases).where(model_aliases.c.name == row.name).order_by(model_aliases.c.alias))}
        latest = conn.execute(
            sa.select(sa.func.max(model_versions.c.version))
            .where(model_versions.c.name == row.name, model_versions.c.archived.is_(False))
        ).scalar()
        return RegisteredModel(
            name=row.name, description=row.description, tags=json.loads(row.tags), aliases=aliases,
            created_at=from_us(row.created_at), updated_at=from_us(row.updated_at),
            latest_version=None if latest is None else int(latest),
        )

    def _version(self, conn: sa.Connection, row: Any) -> ModelVersion:
        aliases = tuple(r.alias for r in conn.execute(
            sa.select(model_aliases.c.alias)
            .where(model_aliases.c.name == row.name, model_aliases.c.version == row.version)
            .order_by(model_aliases.c.alias)))
        return ModelVersion(
            name=row.name, version=int(row.version), source=row.source, storage=row.storage,
            run_id=row.run_id, flavors=tuple(json.loads(row.flavors)),
            signature=json.loads(row.signature) if row.signature else None,
            description=row.description, tags=json.loads(row.tags), aliases=aliases,
            archived=bool(row.archived), created_at=from_us(row.created_at), updated_at=from_us(row.updated_at),
        )

    # ---------------------------------------------------------------------- models
    def _insert_model(self, conn: sa.Connection, name: str, description: str | None, tags: dict[str, str]) -> None:
        now = now_us()
        conn.execute(registered_models.insert().values(
            name=name, description=description, tags=json.dumps(tags), created_at=now, updated_at=now))

    def create_model(self, name, *, description=None, tags=None) -> RegisteredModel:
        check_model_name(name)
        clean = check_tags(tags)
        try:
            with self._write() as conn:
                self._insert_model(conn, name, description, clean)
        except sa.exc.IntegrityError as e:
            raise AlreadyExists(f"a model named {name!r} exists already") from e
        return self.get_model(name)

    def _model_row(self, conn: sa.Connection, name: str) -> Any:
        row = conn.execute(sa.select(registered_models).where(registered_models.c.name == name)).first()
        if row is None:
            raise NotFound(f"no model named {name!r}")
        return row

    def get_model(self, name: str) -> RegisteredModel:
        with self._read() as conn:
            return self._model(conn, self._model_row(conn, name))

    def list_models(self) -> list[RegisteredModel]:
        with self._read() as conn:
            rows = conn.execute(sa.select(registered_models).order_by(registered_models.c.name)).all()
            return [self._model(conn, r) for r in rows]

    def update_model(self, name, *, description=None, tags=None) -> RegisteredModel:
        values: dict[str, Any] = {"updated_at": now_us()}
        if description is not None:
            values["description"] = description
        if tags is not None:
            values["tags"] = json.dumps(check_tags(tags))
        with self._write() as conn:
            self._model_row(conn, name)
            conn.execute(registered_models.update().where(registered_models.c.name == name).values(**values))
        return self.get_model(name)

    def delete_model(self, name: str) -> None:
        with self._write() as conn:
            self._model_row(conn, name)
            conn.execute(model_aliases.delete().where(model_aliases.c.name == name))
            conn.execute(model_versions.delete().where(model_versions.c.name == name))
            conn.execute(registered_models.delete().where(registered_models.c.name == name))
        self._artifacts.delete(f"models/{name}")

    # --------------------------------------------------------------------- uploads
    def _upload_prefix(self, name: str, upload_id: str) -> str:
        check_model_name(name)
        if not isinstance(upload_id, str) or not _UPLOAD.match(upload_id):
            raise InvalidArgument(f"invalid upload id {upload_id!r}: expected 32 hex characters")
        return f"models/{name}/{upload_id}"

    def stage_file(self, name: str, upload_id: str, path: str, chunks: Iterable[bytes]) -> int:
        prefix = self._upload_prefix(name, upload_id)
        touch_upload(self._artifacts, name, upload_id, root="models")  # not abandoned: see gc
        return self._artifacts.write(join_key(prefix, path), chunks)

    def discard_upload(self, name: str, upload_id: str) -> None:
        self._artifacts.delete(self._upload_prefix(name, upload_id))
        forget_upload(self._artifacts, name, upload_id, root="models")

    def used_upload_ids(self, name: str) -> set[str]:
        """The upload ids under which versions of ``name`` keep their files (for gc)."""
        with self._read() as conn:
            prefixes = conn.execute(sa.select(model_versions.c.storage).where(model_versions.c.name == name)).scalars()
            return {p.rsplit("/", 1)[-1] for p in prefixes if p.startswith(f"models/{name}/")}

    # -------------------------------------------------------------------- versions
    def _copy_from_run(self, name: str, source: str) -> tuple[str, str]:
        """Copy a run's model folder into a new prefix; return (prefix, run id)."""
        uri = parse_model_uri(source)
        if uri.kind != "runs":
            raise InvalidArgument(f"a model version needs uploaded files or a runs:/RUN_ID/PATH source, "
                                  f"got {source!r}")
        run = self._tracking_store().get_run(str(uri.run_id))
        base = run.artifact_location.strip("/")
        src = f"{base}/{uri.path}" if uri.path else base
        files = [f for f in self._artifacts.list(src, recursive=True) if not f.is_dir]
        if not files:
            raise NotFound(f"run {run.id} has no artifacts under {uri.path or '/'!r}")
        upload_id = uuid.uuid4().hex
        prefix = self._upload_prefix(name, upload_id)
        touch_upload(self._artifacts, name, upload_id, root="models")  # a crash mid-copy: gc removes it
        try:
            for f in files:
                self._artifacts.write(join_key(prefix, f.path), self._artifacts.iter_chunks(f"{src}/{f.path}"))
        except BaseException:
            self._artifacts.delete(prefix)
            forget_upload(self._artifacts, name, upload_id, root="models")
            raise
        return prefix, run.id

    def _read_descriptor(self, prefix: str) -> Any:
        try:
            text = b"".join(self._artifacts.iter_chunks(f"{prefix}/{DESCRIPTOR_FILE}"))
        except NotFound as e:
            raise InvalidArgument(f"not a model folder: it has no {DESCRIPTOR_FILE} file "
                                  "(save it with yard.log_model or yard.save_model)") from e
        return parse_descriptor(text)

    def create_version(self, name, *, source, upload_id=None, run_id=None, description=None, tags=None) -> ModelVersion:
        check_model_name(name)
        clean_tags = check_tags(tags)
        if upload_id is not None:
            prefix = self._upload_prefix(name, upload_id)
            if self._artifacts.info(prefix) is None:
                raise NotFound(f"no staged upload {upload_id} for model {name!r}")
            touch_upload(self._artifacts, name, upload_id, root="models")  # a commit is activity
        else:
            prefix, run_id = self._copy_from_run(name, str(source))
        staged = prefix.rsplit("/", 1)[-1]
        try:
            descriptor = self._read_descriptor(prefix)
            if run_id is None and descriptor.run_id:
                run_id = str(descriptor.run_id)
            flavors = [f for f in descriptor.flavors if f != "python_function"] or list(descriptor.flavors)
            signature = descriptor.signature.to_dict() if descriptor.signature else None
            now = now_us()
            with self._write() as conn:
                exists = conn.execute(
                    sa.select(registered_models.c.name).where(registered_models.c.name == name)).first()
                if exists is None:
                    self._insert_model(conn, name, None, {})
                top = conn.execute(sa.select(sa.func.max(model_versions.c.version))
                                   .where(model_versions.c.name == name)).scalar()
                number = int(top or 0) + 1
                conn.execute(model_versions.insert().values(
                    name=name, version=number, source=str(source), storage=prefix, run_id=run_id,
                    flavors=json.dumps(flavors), signature=json.dumps(signature) if signature else None,
                    description=description, tags=json.dumps(clean_tags), archived=False,
                    created_at=now, updated_at=now))
                conn.execute(registered_models.update().where(registered_models.c.name == name)
                             .values(updated_at=now))
        except BaseException:
            self._artifacts.delete(prefix)
            forget_upload(self._artifacts, name, staged, root="models")
            raise
        forget_upload(self._artifacts, name, staged, root="models")
        return self.get_version(name, number)

    def _version_row(self, conn: sa.Connection, name: str, version: int | str) -> Any:
        latest = isinstance(version, str) and version == "latest"
        number = None if latest else _version_number(version)
        self._model_row(conn, name)
        if latest:
            row = conn.execute(
                sa.select(model_versions)
                .where(model_versions.c.name == name, model_versions.c.archived.is_(False))
                .order_by(model_versions.c.version.desc()).limit(1)).first()
            if row is None:
                raise NotFound(f"model {name!r} has no versions (that are not archived)")
            return row
        row = conn.execute(sa.select(model_versions).where(
            model_versions.c.name == name, model_versions.c.version == number)).first()
        if row is None:
            raise NotFound(f"model {name!r} has no version {number}")
        return row

    def get_version(self, name: str, version: int | str) -> ModelVersion:
        with self._read() as conn:
            return self._version(conn, self._version_row(conn, name, version))

    def get_version_by_alias(self, name: str, alias: str) -> ModelVersion:
        with self._read() as conn:
            self._model_row(conn, name)
            number = conn.execute(sa.select(model_aliases.c.version).where(
                model_aliases.c.name == name, model_aliases.c.alias == alias)).scalar()
            if number is None:
                raise NotFound(f"model {name!r} has no alias {alias!r}")
            return self._version(conn, self._version_row(conn, name, int(number)))

    def list_versions(self, name: str, *, include_archived: bool = False) -> list[ModelVersion]:
        with self._read() as conn:
            self._model_row(conn, name)
            query = sa.select(model_versions).where(model_versions.c.name == name)
            if not include_archived:
                query = query.where(model_versions.c.archived.is_(False))
            rows = conn.execute(query.order_by(model_versions.c.version.desc())).all()
            return [self._version(conn, r) for r in rows]

    def list_versions_of_run(self, run_id: str) -> list[ModelVersion]:
        with self._read() as conn:
            rows = conn.execute(sa.select(model_versions).where(model_versions.c.run_id == run_id)
                                .order_by(model_versions.c.created_at, model_versions.c.name)).all()
            return [self._version(conn, r) for r in rows]

    def update_version(self, name, version, *, description=None, tags=None) -> ModelVersion:
        values: dict[str, Any] = {"updated_at": now_us()}
        if description is not None:
            values["description"] = description
        if tags is not None:
            values["tags"] = json.dumps(check_tags(tags))
        with self._write() as conn:
            row = self._version_row(conn, name, version)
            conn.execute(model_versions.update().where(
                model_versions.c.name == name, model_versions.c.version == row.version).values(**values))
        return self.get_version(name, int(row.version))

    def set_archived(self, name: str, version: int, archived: bool) -> ModelVersion:
        with self._write() as conn:
            row = self._version_row(conn, name, version)
            conn.execute(model_versions.update().where(
                model_versions.c.name == name, model_versions.c.version == row.version
            ).values(archived=bool(archived), updated_at=now_us()))
        return self.get_version(name, int(row.version))

    def set_alias(self, name: str, alias: str, version: int) -> None:
        check_alias(alias)
        with self._write() as conn:
            row = self._version_row(conn, name, version)
            conn.execute(model_aliases.delete().where(model_aliases.c.name == name, model_aliases.c.alias == alias))
            conn.execute(model_aliases.insert().values(name=name, alias=alias, version=int(row.version)))

    def delete_alias(self, name: str, alias: str) -> None:
        with self._write() as conn:
            self._model_row(conn, name)
            gone = conn.execute(model_aliases.delete().where(
                model_aliases.c.name == name, model_aliases.c.alias == alias)).rowcount
            if not gone:
                raise NotFound(f"model {name!r} has no alias {alias!r}")

    # --------------------------------------------------------------------- content
    def list_files(self, name: str, version: int) -> list[ArtifactInfo]:
        v = self.get_version(name, version)
        return sorted((f for f in self._artifacts.list(v.storage, recursive=True) if not f.is_dir),
                      key=lambda f: f.path)

    def open_file(self, name: str, version: int, path: str) -> BinaryIO:
        v = self.get_version(name, version)
        return self._artifacts.open(join_key(v.storage, path))

    def local_path(self, name: str, version: int) -> Path | None:
        v = self.get_version(name, version)
        root = getattr(self._artifacts, "root", None)
        return root / v.storage if isinstance(root, Path) else None
