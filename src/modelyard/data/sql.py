"""The :class:`~modelyard.data.store.DataStore` on the workspace database (SQLAlchemy 2 Core,
SQLite or PostgreSQL) and the workspace artifact store.

Example::

    store = SqlDataStore("sqlite:////tmp/ws/workspace.db", LocalArtifactStore("/tmp/ws/artifacts"))
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any, BinaryIO

import sqlalchemy as sa

from modelyard.artifacts.paths import join_key, normalize_key
from modelyard.artifacts.store import ArtifactStore
from modelyard.data import _content as content
from modelyard.data import _manifest as manifest
from modelyard.data import datastores as ds_mod
from modelyard.data import schemas as wire
from modelyard.data import uploads
from modelyard.data._sql_catalog import DatastoresLineageMixin
from modelyard.data.assets import (
    check_name,
    check_upload_id,
    check_version,
    infer_format,
    new_upload_id,
)
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
from modelyard.data.store import DataStore
from modelyard.data.tables import data_versions
from modelyard.db.engine import guarded_read, guarded_write, open_migrated_engine
from modelyard.db.values import check_tags, from_us, now_us
from modelyard.errors import AlreadyExists, InvalidArgument, InvalidState, NotFound
from modelyard.tracking.entities import ArtifactInfo

__all__ = ["SqlDataStore"]

logger = logging.getLogger(__name__)


def _version(row: Any) -> DataVersion:
    return DataVersion(
        name=row.name, version=row.version, type=DataType(row.type), storage=row.storage,
        source=row.source, content_hash=row.content_hash, size_bytes=row.size_bytes,
        file_count=row.file_count, created_at=from_us(row.created_at), description=row.description,
        tags=json.loads(row.tags), archived=bool(row.archived),
        table=wire.table_from_wire(json.loads(row.table_spec)) if row.table_spec else None,
        columns=json.loads(row.columns) if row.columns else None, row_count=row.row_count,
    )


class SqlDataStore(DatastoresLineageMixin, DataStore):
    """Data assets in the workspace database; copied content in ``artifacts`` under
    ``data/<name>/<upload id>/``; profiles cached under ``data/<name>/.profiles/``.

    Args:
        url: ``sqlite:///…/workspace.db`` or ``postgresql://…``; the schema is migrated.
        artifacts: the workspace artifact store (the caller keeps ownership).
    """

    def __init__(self, url: str, artifacts: ArtifactStore) -> None:
        self._engine = open_migrated_engine(url)
        self._artifacts = artifacts

    def close(self) -> None:
        self._engine.dispose()

    def _write(self) -> AbstractContextManager[sa.Connection]:
        return guarded_write(self._engine)

    def _read(self) -> AbstractContextManager[sa.Connection]:
        return guarded_read(self._engine)

    # --------------------------------------------------------------------- uploads
    def _upload_prefix(self, name: str, upload_id: str) -> str:
        return f"data/{check_name(name)}/{check_upload_id(upload_id)}"

    def stage_file(self, name: str, upload_id: str, path: str, chunks: Iterable[bytes]) -> int:
        prefix = self._upload_prefix(name, upload_id)
        uploads.touch_upload(self._artifacts, name, upload_id)  # not abandoned: see gc
        return self._artifacts.write(join_key(prefix, path), chunks)

    def discard_upload(self, name: str, upload_id: str) -> None:
        self._artifacts.delete(self._upload_prefix(name, upload_id))
        uploads.forget_upload(self._artifacts, name, upload_id)

    # -------------------------------------------------------------------- versions
    def create_version(self, name, *, type, source, upload_id=None, version=None,
                       description=None, tags=None, table=None) -> DataVersion:
        check_name(name)
        kind = DataType(type)
        if version is not None:
            version = check_version(str(version))
        tags = check_tags(tags)
        if table is not None and kind != DataType.MLTABLE:
            raise InvalidArgument("table settings apply to type mltable only")
        owned: str | None = None  # a prefix this call must remove if it fails
        staged: str | None = None  # the upload id of ``owned``
        try:
            datastore = None
            if upload_id is not None:
                owned, staged = self._upload_prefix(name, upload_id), upload_id
                uploads.touch_upload(self._artifacts, name, upload_id)  # a commit is activity
                storage = content.WORKSPACE + owned
            elif table is not None and table.format == TableFormat.SQL:
                if not table.query or not table.datastore:
                    raise InvalidArgument("a SQL table needs a 'query' and a 'datastore'")
                datastore = self.get_datastore(table.datastore)
                if datastore.type != DatastoreType.SQL:
                    raise InvalidArgument(f"datastore {datastore.name!r} is not a sql datastore")
                storage = f"sql://{datastore.name}"
            else:
                ds_name, path = ds_mod.parse_datastore_uri(source)
                datastore = self.get_datastore(ds_name)
                if datastore.type == DatastoreType.LOCAL:
                    staged = new_upload_id()
                    owned = self._upload_prefix(name, staged)
                    uploads.touch_upload(self._artifacts, name, staged)
                    content.copy_local_datastore(self._artifacts, datastore, path, owned, kind)
                    storage, datastore = content.WORKSPACE + owned, None
                elif datastore.type == DatastoreType.S3:
                    ds_mod.require_path(datastore, path)
                    storage = f"datastore://{datastore.name}/{path}"
                else:
                    raise InvalidArgument("a sql datastore holds tables: give a query instead")
            record = self._describe(name, kind, storage, datastore, table)
            record.update(name=name, type=str(kind), source=str(source), description=description,
                          tags=json.dumps(tags), archived=False,
                          datastore=datastore.name if datastore else None)
            profile = record.pop("_profile", None)
            created = self._insert(record, version)
        except BaseException:
            if owned is not None and staged is not None:
                try:
                    self._artifacts.delete(owned)
                    uploads.forget_upload(self._artifacts, name, staged)
                except Exception:
                    logger.warning("could not remove %s after a failed create", owned, exc_info=True)
            raise
        if staged is not None:
            try:
                uploads.forget_upload(self._artifacts, name, staged)
            except Exception:  # gc drops the record of a committed upload
                logger.warning("could not drop the upload record of %s", created.ref, exc_info=True)
        if profile is not None:
            self._cache_profile(created, profile)
        return created

    def _describe(self, name: str, kind: DataType, storage: str, datastore: Datastore | None,
                  table: TableSpec | None) -> dict[str, Any]:
        """Hash, size and (for tables) schema and profile of new content; raises on bad data.

        Content left in an S3 datastore also gets its manifest (each object's size, ETag and
        version id), checked whenever the version is read."""
        profile: DataProfile | None = None
        if storage.startswith("sql://"):
            assert table is not None and datastore is not None and table.query
            import hashlib

            digest = hashlib.sha256(f"{datastore.name}\0{table.query}".encode()).hexdigest()
            profile = content.table_profile(self._artifacts, storage, table, datastore, None)
            record = {"content_hash": "sha256:" + digest, "size_bytes": 0, "file_count": 0}
        else:
            remote = content.workspace_prefix(storage) is None
            objects = content.s3_identities(storage, datastore) if remote else None
            digest, size, files = content.hash_content(self._artifacts, storage, datastore)
            if not files:
                raise NotFound("the upload holds no files")
            if kind == DataType.URI_FILE and len(files) != 1:
                raise InvalidArgument(f"a uri_file has exactly one file, this one has {len(files)}")
            record = {"content_hash": digest, "size_bytes": size, "file_count": len(files)}
            if kind == DataType.MLTABLE:
                if table is None:
                    table = TableSpec(format=infer_format(content.table_files(files)))
                profile = content.table_profile(self._artifacts, storage, table, datastore, files)
            if objects is not None:
                if content.s3_identities(storage, datastore) != objects:
                    raise InvalidState(
                        f"the objects under {storage} changed while they were being registered; "
                        "try again once they are complete"
                    )
                manifest.write(self._artifacts, name, digest, objects)
        record.update(storage=storage, table_spec=json.dumps(wire.table_to_wire(table)) if table else None)
        if profile is not None:
            record.update(columns=json.dumps({c.name: c.type for c in profile.columns}),
                          row_count=profile.row_count, _profile=profile)
        return record

    def _insert(self, record: dict[str, Any], version: str | None) -> DataVersion:
        name = record["name"]
        for _attempt in range(5):
            with self._write() as conn:
                number: int | None
                if version is None:
                    top = conn.execute(
                        sa.select(sa.func.max(data_versions.c.version_number))
                        .where(data_versions.c.name == name)
                    ).scalar()
                    number = (top or 0) + 1
                    chosen = str(number)
                else:
                    chosen = version
                    number = int(version) if version.isdigit() else None
                try:
                    with conn.begin_nested():
                        conn.execute(data_versions.insert().values(
                            **record, version=chosen, version_number=number, created_at=now_us()))
                except sa.exc.IntegrityError as e:
                    if version is not None:
                        raise AlreadyExists(f"data:{name}:{version} exists already") from e
                    continue
            return self.get_version(name, chosen)
        raise InvalidState(f"could not pick a new version number for {name!r}; try again")

    def _row(self, conn: sa.Connection, name: str, version: str | None) -> Any:
        check_name(name)
        query = sa.select(data_versions).where(data_versions.c.name == name)
        if version is None or version == "latest":
            query = query.where(data_versions.c.archived.is_(False)).order_by(
                data_versions.c.created_at.desc(), data_versions.c.version.desc()).limit(1)
        else:
            query = query.where(data_versions.c.version == str(version))
        row = conn.execute(query).first()
        if row is None:
            shown = f"data:{name}:{version}" if version not in (None, "latest") else f"data:{name}@latest"
            raise NotFound(f"no data version {shown}")
        return row

    def get_version(self, name: str, version: str | None = None) -> DataVersion:
        with self._read() as conn:
            return _version(self._row(conn, name, version))

    def list_versions(self, name: str, *, include_archived: bool = False) -> list[DataVersion]:
        check_name(name)
        with self._read() as conn:
            rows = conn.execute(sa.select(data_versions).where(data_versions.c.name == name)
                                .order_by(data_versions.c.created_at.desc())).all()
        if not rows:
            raise NotFound(f"no data asset named {name!r}")
        return [_version(r) for r in rows if include_archived or not r.archived]

    def list_assets(self, *, include_archived: bool = False) -> list[DataVersion]:
        with self._read() as conn:
            rows = conn.execute(sa.select(data_versions).order_by(
                data_versions.c.name, data_versions.c.created_at.desc())).all()
        newest: dict[str, Any] = {}
        for r in rows:
            if (include_archived or not r.archived) and r.name not in newest:
                newest[r.name] = r
        return [_version(r) for r in newest.values()]

    def update_version(self, name, version, *, description=None, tags=None) -> DataVersion:
        values: dict[str, Any] = {}
        if description is not None:
            values["description"] = description
        if tags is not None:
            values["tags"] = json.dumps(check_tags(tags))
        with self._write() as conn:
            self._row(conn, name, str(version))
            if values:
                conn.execute(data_versions.update().where(
                    data_versions.c.name == name, data_versions.c.version == str(version)).values(**values))
        return self.get_version(name, str(version))

    def set_archived(self, name: str, version: str | None, archived: bool) -> None:
        check_name(name)
        where = [data_versions.c.name == name]
        if version is not None:
            where.append(data_versions.c.version == str(version))
        with self._write() as conn:
            if conn.execute(data_versions.update().where(*where).values(archived=archived)).rowcount == 0:
                shown = f"data:{name}:{version}" if version else f"data asset {name!r}"
                raise NotFound(f"no {shown}")

    # --------------------------------------------------------------------- content
    def _content_of(self, name: str, version: str) -> tuple[DataVersion, Datastore | None]:
        v = self.get_version(name, version)
        with self._read() as conn:
            ds_name = conn.execute(sa.select(data_versions.c.datastore).where(
                data_versions.c.name == v.name, data_versions.c.version == v.version)).scalar()
        return v, self.get_datastore(ds_name) if ds_name else None

    def _files(self, v: DataVersion, ds: Datastore | None) -> list[ArtifactInfo]:
        if ds is not None and ds.type == DatastoreType.S3:
            return [ArtifactInfo(path=p, is_dir=False, size=i["size"])
                    for p, i in content.checked_s3_objects(self._artifacts, v, ds).items()]
        return content.list_content(self._artifacts, v.storage, ds)

    def list_files(self, name: str, version: str) -> list[ArtifactInfo]:
        v, ds = self._content_of(name, version)
        return self._files(v, ds)

    def open_file(self, name: str, version: str, path: str) -> BinaryIO:
        v, ds = self._content_of(name, version)
        if ds is not None and ds.type == DatastoreType.S3:
            recorded = manifest.read(self._artifacts, v)
            if recorded is None:
                content.checked_s3_objects(self._artifacts, v, ds)
            else:
                clean = normalize_key(path)
                manifest.check_file(v, recorded, clean, content.s3_identity(v.storage, ds, clean))
        return content.open_content(self._artifacts, v.storage, ds, path)

    def local_path(self, name: str, version: str) -> Path | None:
        v = self.get_version(name, version)
        return content.local_root(self._artifacts, v.storage)

    def _profile_key(self, v: DataVersion) -> str:
        return f"data/{v.name}/.profiles/{v.version}.json"

    def _cache_profile(self, v: DataVersion, profile: DataProfile) -> None:
        body = json.dumps(wire.profile_to_wire(profile)).encode()
        try:
            self._artifacts.write(self._profile_key(v), [body])
        except Exception:  # a cache: recomputed on the next request
            logger.warning("could not cache the profile of %s", v.ref, exc_info=True)

    def _table_of(self, name: str, version: str, what: str) -> tuple[DataVersion, Datastore | None]:
        v, ds = self._content_of(name, version)
        if v.type != DataType.MLTABLE or v.table is None:
            raise InvalidArgument(f"{v.ref} is a {v.type}, not a table: only mltable has {what}")
        return v, ds

    def get_profile(self, name: str, version: str) -> DataProfile:
        v, ds = self._table_of(name, version, "a profile")
        key = self._profile_key(v)
        if self._artifacts.info(key) is not None:
            with self._artifacts.open(key) as fh:
                return wire.profile_from_wire(json.loads(fh.read()))
        assert v.table is not None
        files = None if v.table.format == TableFormat.SQL else self._files(v, ds)
        profile = content.table_profile(self._artifacts, v.storage, v.table, ds, files)
        self._cache_profile(v, profile)
        return profile

    def preview(self, name: str, version: str, *, rows: int = 20) -> DataPreview:
        from modelyard.data.preview import check_rows

        check_rows(rows)
        v, ds = self._table_of(name, version, "a preview")
        assert v.table is not None
        files = None if v.table.format == TableFormat.SQL else self._files(v, ds)
        return content.table_preview(self._artifacts, v.storage, v.table, ds, files, rows=rows)
