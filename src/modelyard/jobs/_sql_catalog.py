"""Computes and environments of the SQL job store (a mixin of :class:`~modelyard.jobs.sql.SqlJobStore`).

The host class provides ``_write()`` / ``_read()`` transactions on the shared engine.
"""

from __future__ import annotations

import abc
import json
import os
import re
from collections.abc import Mapping
from contextlib import AbstractContextManager
from typing import Any

import sqlalchemy as sa

from modelyard.db.values import from_us, now_us
from modelyard.errors import AlreadyExists, InvalidArgument, InvalidState, NotFound
from modelyard.jobs import _tables as t
from modelyard.jobs.entities import Compute, ComputeType, Environment, EnvironmentSpec
from modelyard.jobs.store import LOCAL_COMPUTE

__all__ = ["NAME_PATTERN", "ComputesEnvironmentsMixin"]

NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,254}$")
_VERSION = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


def _compute(row: Any) -> Compute:
    m = row._mapping
    return Compute(
        name=m["name"], type=ComputeType(m["type"]),
        max_concurrent_jobs=m["max_concurrent_jobs"], created_at=from_us(m["created_at"]),
        address=m["address"], description=m["description"],
        properties=json.loads(m["properties"] or "{}"),
    )  # fmt: skip


def _environment(row: Any) -> Environment:
    m = row._mapping
    return Environment(
        name=m["name"], version=m["version"],
        spec=EnvironmentSpec.from_dict(json.loads(m["spec"])),
        created_at=from_us(m["created_at"]), description=m["description"],
        tags=json.loads(m["tags"] or "{}"),
    )  # fmt: skip


class ComputesEnvironmentsMixin(abc.ABC):
    """Compute targets (with the built-in ``local`` one) and versioned environments."""

    @abc.abstractmethod
    def _write(self) -> AbstractContextManager[sa.Connection]: ...

    @abc.abstractmethod
    def _read(self) -> AbstractContextManager[sa.Connection]: ...

    def _ensure_local(self, conn: sa.Connection) -> None:
        exists = conn.execute(
            sa.select(t.computes.c.name).where(t.computes.c.name == LOCAL_COMPUTE)
        ).first()
        if exists is None:
            conn.execute(t.computes.insert().values(
                name=LOCAL_COMPUTE, type=ComputeType.LOCAL.value,
                max_concurrent_jobs=os.cpu_count() or 1, address=None,
                description="this machine", properties="{}", created_at=now_us(), claim_seq=0,
            ))  # fmt: skip

    # ---------------------------------------------------------------- computes
    def create_compute(
        self, *, name: str, type: ComputeType, max_concurrent_jobs: int | None = None,
        address: str | None = None, description: str | None = None,
        properties: Mapping[str, Any] | None = None,
    ) -> Compute:  # fmt: skip
        if not isinstance(name, str) or not NAME_PATTERN.match(name):
            raise InvalidArgument(f"invalid compute name {name!r}")
        kind = ComputeType(type)
        if max_concurrent_jobs is not None and (
            isinstance(max_concurrent_jobs, bool) or not isinstance(max_concurrent_jobs, int)
            or max_concurrent_jobs < 1
        ):  # fmt: skip
            raise InvalidArgument("max_concurrent_jobs must be an integer >= 1")
        if kind is ComputeType.RAY and not address:
            raise InvalidArgument("a ray compute needs an address (e.g. http://127.0.0.1:8265)")
        if name == LOCAL_COMPUTE and kind is not ComputeType.LOCAL:
            raise InvalidArgument("the compute named 'local' must be of type local")
        limit = max_concurrent_jobs or (os.cpu_count() or 1 if kind is ComputeType.LOCAL else 16)
        values = {
            "type": kind.value, "max_concurrent_jobs": limit, "address": address,
            "description": description, "properties": json.dumps(dict(properties or {})),
        }
        with self._write() as conn:
            self._ensure_local(conn)
            exists = conn.execute(sa.select(t.computes.c.name).where(t.computes.c.name == name)).first()
            if exists and name != LOCAL_COMPUTE:
                raise AlreadyExists(f"compute {name!r} already exists")
            if exists:
                conn.execute(t.computes.update().where(t.computes.c.name == name).values(**values))
            else:
                conn.execute(t.computes.insert().values(
                    name=name, created_at=now_us(), claim_seq=0, **values
                ))  # fmt: skip
            return _compute(conn.execute(sa.select(t.computes).where(t.computes.c.name == name)).one())

    def get_compute(self, name: str) -> Compute:
        with self._write() as conn:
            self._ensure_local(conn)
            row = conn.execute(sa.select(t.computes).where(t.computes.c.name == name)).first()
        if row is None:
            raise NotFound(f"compute {name!r} not found")
        return _compute(row)

    def list_computes(self) -> list[Compute]:
        with self._write() as conn:
            self._ensure_local(conn)
            return [_compute(r) for r in conn.execute(sa.select(t.computes).order_by(t.computes.c.name))]

    def delete_compute(self, name: str) -> None:
        if name == LOCAL_COMPUTE:
            raise InvalidState("the built-in 'local' compute cannot be deleted")
        with self._write() as conn:
            if conn.execute(sa.select(t.computes.c.name).where(t.computes.c.name == name)).first() is None:
                raise NotFound(f"compute {name!r} not found")
            busy = conn.execute(
                sa.select(sa.func.count()).select_from(t.jobs)
                .where(t.jobs.c.compute == name, t.jobs.c.state != "done")
            ).scalar_one()  # fmt: skip
            if busy:
                raise InvalidState(f"compute {name!r} has {busy} queued or running job(s)")
            conn.execute(t.computes.delete().where(t.computes.c.name == name))

    # ------------------------------------------------------------ environments
    def create_environment(
        self, *, name: str, spec: EnvironmentSpec, version: str | None = None,
        description: str | None = None, tags: Mapping[str, str] | None = None,
    ) -> Environment:  # fmt: skip
        if not isinstance(name, str) or not NAME_PATTERN.match(name):
            raise InvalidArgument(f"invalid environment name {name!r}")
        if version is not None and not _VERSION.match(str(version)):
            raise InvalidArgument(f"invalid environment version {version!r}")
        with self._write() as conn:
            existing = conn.execute(
                sa.select(t.environments.c.version).where(t.environments.c.name == name)
            ).scalars().all()  # fmt: skip
            if version is None:
                numbers = [int(v) for v in existing if v.isdigit()]
                version = str(max(numbers, default=0) + 1)
            version = str(version)
            if version in existing:
                raise AlreadyExists(f"environment {name}:{version} already exists")
            conn.execute(t.environments.insert().values(
                name=name, version=version, spec=json.dumps(spec.to_dict()),
                digest=spec.digest(), description=description,
                tags=json.dumps(dict(tags or {})), created_at=now_us(),
            ))  # fmt: skip
            return _environment(conn.execute(
                sa.select(t.environments).where(
                    t.environments.c.name == name, t.environments.c.version == version
                )
            ).one())  # fmt: skip

    def get_environment(self, name: str, version: str | None = None) -> Environment:
        with self._read() as conn:
            rows = conn.execute(sa.select(t.environments).where(t.environments.c.name == name)).all()
        if version not in (None, "latest"):
            rows = [r for r in rows if r.version == str(version)]
        if not rows:
            label = name if version in (None, "latest") else f"{name}:{version}"
            raise NotFound(f"environment {label} not found")
        return _environment(max(rows, key=lambda r: r.created_at))

    def list_environments(self, *, name: str | None = None) -> list[Environment]:
        q = sa.select(t.environments)
        if name is not None:
            q = q.where(t.environments.c.name == name)
        with self._read() as conn:
            rows = conn.execute(q).all()
        rows.sort(key=lambda r: (r.name, r.created_at))
        return [_environment(r) for r in rows]
