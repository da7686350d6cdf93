"""Datastores and lineage of the SQL data store (a mixin of
:class:`~modelyard.data.sql.SqlDataStore`).

The host class provides ``_write()`` / ``_read()`` transactions on the shared engine and
``_row()``, which raises NotFound for an unknown version.
"""

from __future__ import annotations

import abc
import json
from contextlib import AbstractContextManager
from typing import Any

import sqlalchemy as sa

from modelyard.data import datastores as ds_mod
from modelyard.data.assets import check_name
from modelyard.data.entities import Datastore, DatastoreType, LineageDirection, LineageEntry
from modelyard.data.tables import data_lineage, data_versions, datastores
from modelyard.db.values import check_tags, from_us, now_us
from modelyard.errors import AlreadyExists, InvalidArgument, InvalidState, NotFound

__all__ = ["DatastoresLineageMixin"]


def _datastore(row: Any) -> Datastore:
    return Datastore(
        name=row.name, type=DatastoreType(row.type), config=json.loads(row.config),
        description=row.description, tags=json.loads(row.tags),
        created_at=from_us(row.created_at), updated_at=from_us(row.updated_at),
    )



class DatastoresLineageMixin(abc.ABC):
    """Registered datastores (never a secret in their settings) and the runs that read or
    wrote each data version."""

    @abc.abstractmethod
    def _write(self) -> AbstractContextManager[sa.Connection]: ...

    @abc.abstractmethod
    def _read(self) -> AbstractContextManager[sa.Connection]: ...

    @abc.abstractmethod
    def _row(self, conn: sa.Connection, name: str, version: str | None) -> Any: ...

    # ------------------------------------------------------------------ datastores
    def create_datastore(self, name, *, type, config, description=None, tags=None) -> Datastore:
        check_name(name, "datastore")
        try:
            kind = DatastoreType(type)
        except ValueError as e:
            raise InvalidArgument(f"unknown datastore type {type!r}: use local, s3 or sql") from e
        clean = ds_mod.check_config(kind, config or {})
        now = now_us()
        row = {"name": name, "type": str(kind), "config": json.dumps(clean), "description": description,
               "tags": json.dumps(check_tags(tags)), "created_at": now, "updated_at": now}
        try:
            with self._write() as conn:
                conn.execute(datastores.insert().values(**row))
        except sa.exc.IntegrityError as e:
            raise AlreadyExists(f"a datastore named {name!r} exists already") from e
        return self.get_datastore(name)

    def get_datastore(self, name: str) -> Datastore:
        with self._read() as conn:
            row = conn.execute(sa.select(datastores).where(datastores.c.name == name)).first()
        if row is None:
            raise NotFound(f"no datastore named {name!r}")
        return _datastore(row)

    def list_datastores(self) -> list[Datastore]:
        with self._read() as conn:
            rows = conn.execute(sa.select(datastores).order_by(datastores.c.name)).all()
        return [_datastore(r) for r in rows]

    def delete_datastore(self, name: str) -> None:
        with self._write() as conn:
            used = conn.execute(
                sa.select(data_versions.c.name, data_versions.c.version)
                .where(data_versions.c.datastore == name).limit(1)
            ).first()
            if used is not None:
                raise InvalidState(
                    f"datastore {name!r} is used by data:{used.name}:{used.version}; it stays"
                )
            if conn.execute(datastores.delete().where(datastores.c.name == name)).rowcount == 0:
                raise NotFound(f"no datastore named {name!r}")

    # --------------------------------------------------------------------- lineage
    def add_lineage(self, name: str, version: str, *, run_id: str, direction: LineageDirection) -> None:
        direction = LineageDirection(direction)
        if not isinstance(run_id, str) or not run_id or len(run_id) > 64:
            raise InvalidArgument(f"invalid run id {run_id!r}")
        with self._write() as conn:
            self._row(conn, name, str(version))
            exists = conn.execute(sa.select(data_lineage.c.run_id).where(
                data_lineage.c.name == name, data_lineage.c.version == str(version),
                data_lineage.c.run_id == run_id, data_lineage.c.direction == str(direction))).first()
            if exists is None:
                conn.execute(data_lineage.insert().values(
                    name=name, version=str(version), run_id=run_id, direction=str(direction),
                    created_at=now_us()))

    def list_lineage(self, *, name=None, version=None, run_id=None) -> list[LineageEntry]:
        query = sa.select(data_lineage).order_by(data_lineage.c.created_at)
        if name is not None:
            query = query.where(data_lineage.c.name == name)
        if version is not None:
            query = query.where(data_lineage.c.version == str(version))
        if run_id is not None:
            query = query.where(data_lineage.c.run_id == run_id)
        with self._read() as conn:
            rows = conn.execute(query).all()
        return [LineageEntry(name=r.name, version=r.version, run_id=r.run_id,
                             direction=LineageDirection(r.direction), created_at=from_us(r.created_at))
                for r in rows]
