"""The :class:`~modelyard.endpoints.store.EndpointStore` on the workspace database.

Example::

    store = SqlEndpointStore("sqlite:////tmp/ws/workspace.db")
"""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Mapping, Sequence
from contextlib import AbstractContextManager
from typing import Any

import sqlalchemy as sa

from modelyard.db.engine import guarded_read, guarded_write, open_migrated_engine
from modelyard.db.values import check_tags, from_us, now_us, to_us
from modelyard.endpoints.code import check_code
from modelyard.endpoints.entities import (
    DEFAULT_SETTINGS,
    AuthMode,
    Deployment,
    DeploymentState,
    Endpoint,
    EndpointKind,
    RequestLog,
)
from modelyard.endpoints.store import EndpointStore
from modelyard.endpoints.tables import endpoint_deployments as deps
from modelyard.endpoints.tables import endpoint_requests as reqs
from modelyard.endpoints.tables import endpoints as eps
from modelyard.errors import AlreadyExists, InvalidArgument, InvalidState, NotFound

__all__ = ["SqlEndpointStore", "check_traffic"]

_ENDPOINT = re.compile(r"^[A-Za-z][A-Za-z0-9-]{1,31}$")
_DEPLOYMENT = re.compile(r"^[A-Za-z][A-Za-z0-9-]{0,31}$")


def _percents(mapping: Mapping[str, Any], what: str) -> dict[str, int]:
    out: dict[str, int] = {}
    for k, v in mapping.items():
        if isinstance(v, bool) or not isinstance(v, int | float) or int(v) != v or not 0 <= v <= 100:
            raise InvalidArgument(f"{what} for {k!r} must be a whole percent 0..100, got {v!r}")
        out[str(k)] = int(v)
    return out


def check_traffic(traffic: Mapping[str, Any], mirror: Mapping[str, Any], known: set[str]) -> tuple[dict[str, int], dict[str, int]]:
    """Validate traffic and mirror traffic against the deployment names ``known``."""
    live, shadow = _percents(traffic, "traffic"), _percents(mirror, "mirror traffic")
    for name in (*live, *shadow):
        if name not in known:
            raise InvalidArgument(f"traffic names deployment {name!r}, which does not exist "
                                  f"(deployments: {', '.join(sorted(known)) or 'none'})")
    if live and sum(live.values()) != 100:
        raise InvalidArgument(f"traffic must add up to 100, got {sum(live.values())} ({live})")
    for name, pct in shadow.items():
        if pct > 50:
            raise InvalidArgument(f"mirror traffic for {name!r} may be at most 50 percent")
        if live.get(name, 0) > 0:
            raise InvalidArgument(f"deployment {name!r} takes live traffic and cannot be mirrored to")
    return live, {k: v for k, v in shadow.items() if v > 0}


def _settings(settings: Mapping[str, Any] | None, base: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in (settings or {}).items():
        if key not in DEFAULT_SETTINGS:
            raise InvalidArgument(f"unknown deployment setting {key!r} (known: {', '.join(DEFAULT_SETTINGS)})")
        default = DEFAULT_SETTINGS[key]
        try:
            out[key] = type(default)(value)
        except (TypeError, ValueError) as e:
            raise InvalidArgument(f"deployment setting {key!r} must be a number, got {value!r}") from e
    if out["max_batch_size"] < 1 or out["max_wait_ms"] < 0 or not 0 <= out["request_logging_rate"] <= 1:
        raise InvalidArgument("max_batch_size >= 1, max_wait_ms >= 0, request_logging_rate in 0..1")
    if out["mini_batch_size"] < 1 or out["max_concurrency"] < 1 or out["retries"] < 0:
        raise InvalidArgument("mini_batch_size >= 1, max_concurrency >= 1, retries >= 0")
    if out["output_format"] not in ("parquet", "csv"):
        raise InvalidArgument("output_format: parquet or csv")
    return out


class SqlEndpointStore(EndpointStore):
    """Endpoints in the workspace database (``sqlite:///…`` or ``postgresql://…``)."""

    def __init__(self, url: str) -> None:
        self._engine = open_migrated_engine(url)

    def close(self) -> None:
        self._engine.dispose()

    def _write(self) -> AbstractContextManager[sa.Connection]:
        return guarded_write(self._engine)

    def _read(self) -> AbstractContextManager[sa.Connection]:
        return guarded_read(self._engine)

    @staticmethod
    def _endpoint(row: Any) -> Endpoint:
        keys = tuple(k for k in (row.primary_key, row.secondary_key) if k)
        return Endpoint(
            name=row.name, kind=EndpointKind(row.kind), auth_mode=AuthMode(row.auth_mode), keys=keys,
            traffic=json.loads(row.traffic), mirror_traffic=json.loads(row.mirror_traffic),
            description=row.description, tags=json.loads(row.tags),
            created_at=from_us(row.created_at), updated_at=from_us(row.updated_at))

    @staticmethod
    def _deployment(row: Any) -> Deployment:
        return Deployment(
            endpoint=row.endpoint, name=row.name, model=row.model, code=row.code,
            scoring_script=row.scoring_script, instance_count=int(row.instance_count),
            settings={**DEFAULT_SETTINGS, **json.loads(row.settings)}, state=DeploymentState(row.state),
            error=row.error, description=row.description, tags=json.loads(row.tags),
            created_at=from_us(row.created_at), updated_at=from_us(row.updated_at))

    def _endpoint_row(self, conn: sa.Connection, name: str) -> Any:
        row = conn.execute(sa.select(eps).where(eps.c.name == name)).first()
        if row is None:
            raise NotFound(f"no endpoint named {name!r}")
        return row

    def _deployment_row(self, conn: sa.Connection, endpoint: str, name: str) -> Any:
        self._endpoint_row(conn, endpoint)
        row = conn.execute(sa.select(deps).where(deps.c.endpoint == endpoint, deps.c.name == name)).first()
        if row is None:
            raise NotFound(f"endpoint {endpoint!r} has no deployment {name!r}")
        return row

    # ------------------------------------------------------------------ endpoints
    def create_endpoint(self, name, *, kind=EndpointKind.ONLINE, auth_mode=AuthMode.KEY,
                        description=None, tags=None) -> Endpoint:
        if not isinstance(name, str) or not _ENDPOINT.match(name):
            raise InvalidArgument(f"invalid endpoint name {name!r}: 2-32 letters, digits or '-', starting with a letter")
        try:
            kind, auth = EndpointKind(kind), AuthMode(auth_mode)
        except ValueError as e:
            raise InvalidArgument(str(e)) from e
        keyed = auth in (AuthMode.KEY, AuthMode.AML_TOKEN)
        now = now_us()
        try:
            with self._write() as conn:
                conn.execute(eps.insert().values(
                    name=name, kind=str(kind), auth_mode=str(auth),
                    primary_key=secrets.token_urlsafe(32) if keyed else None,
                    secondary_key=secrets.token_urlsafe(32) if keyed else None,
                    traffic="{}", mirror_traffic="{}", description=description,
                    tags=json.dumps(check_tags(tags)), created_at=now, updated_at=now))
        except sa.exc.IntegrityError as e:
            raise AlreadyExists(f"an endpoint named {name!r} exists already") from e
        return self.get_endpoint(name)

    def get_endpoint(self, name: str) -> Endpoint:
        with self._read() as conn:
            return self._endpoint(self._endpoint_row(conn, name))

    def list_endpoints(self, *, kind=None) -> list[Endpoint]:
        query = sa.select(eps).order_by(eps.c.name)
        if kind is not None:
            query = query.where(eps.c.kind == str(EndpointKind(kind)))
        with self._read() as conn:
            return [self._endpoint(r) for r in conn.execute(query)]

    def update_endpoint(self, name, *, traffic=None, mirror_traffic=None, description=None, tags=None) -> Endpoint:
        with self._write() as conn:
            row = self._endpoint_row(conn, name)
            values: dict[str, Any] = {"updated_at": now_us()}
            if traffic is not None or mirror_traffic is not None:
                known = {r.name for r in conn.execute(sa.select(deps.c.name).where(deps.c.endpoint == name))}
                live, shadow = check_traffic(
                    traffic if traffic is not None else json.loads(row.traffic),
                    mirror_traffic if mirror_traffic is not None else json.loads(row.mirror_traffic), known)
                values.update(traffic=json.dumps(live), mirror_traffic=json.dumps(shadow))
            if description is not None:
                values["description"] = description
            if tags is not None:
                values["tags"] = json.dumps(check_tags(tags))
            conn.execute(eps.update().where(eps.c.name == name).values(**values))
        return self.get_endpoint(name)

    def regenerate_key(self, name: str, *, which: str = "primary") -> Endpoint:
        if which not in ("primary", "secondary"):
            raise InvalidArgument("which key: primary or secondary")
        with self._write() as conn:
            row = self._endpoint_row(conn, name)
            if row.auth_mode not in (AuthMode.KEY, AuthMode.AML_TOKEN):
                raise InvalidState(f"endpoint {name!r} does not use keys or tokens")
            conn.execute(eps.update().where(eps.c.name == name).values(
                **{f"{which}_key": secrets.token_urlsafe(32), "updated_at": now_us()}))
        return self.get_endpoint(name)

    def delete_endpoint(self, name: str) -> None:
        with self._write() as conn:
            self._endpoint_row(conn, name)
            conn.execute(deps.delete().where(deps.c.endpoint == name))
            conn.execute(eps.delete().where(eps.c.name == name))

    # ---------------------------------------------------------------- deployments
    def create_deployment(self, endpoint, name, *, model, instance_count=1, code=None, scoring_script=None,
                          settings=None, description=None, tags=None) -> Deployment:
        if not isinstance(name, str) or not _DEPLOYMENT.match(name):
            raise InvalidArgument(f"invalid deployment name {name!r}: letters, digits or '-', starting with a letter")
        if not isinstance(model, str) or not model.strip():
            raise InvalidArgument("a deployment needs a model (models:/NAME/VERSION or NAME:VERSION)")
        if isinstance(instance_count, bool) or not isinstance(instance_count, int) or not 1 <= instance_count <= 64:
            raise InvalidArgument(f"instance_count must be 1..64, got {instance_count!r}")
        code = check_code(code, scoring_script)
        clean = _settings(settings, DEFAULT_SETTINGS)
        now = now_us()
        try:
            with self._write() as conn:
                row = self._endpoint_row(conn, endpoint)
                conn.execute(deps.insert().values(
                    endpoint=endpoint, name=name, model=model.strip(), code=code, scoring_script=scoring_script,
                    instance_count=instance_count, settings=json.dumps(clean), state=str(DeploymentState.CREATING),
                    error=None, description=description, tags=json.dumps(check_tags(tags)), created_at=now, updated_at=now))
                if not json.loads(row.traffic):
                    conn.execute(eps.update().where(eps.c.name == endpoint).values(
                        traffic=json.dumps({name: 100}), updated_at=now))
        except sa.exc.IntegrityError as e:
            raise AlreadyExists(f"endpoint {endpoint!r} has a deployment named {name!r} already") from e
        return self.get_deployment(endpoint, name)

    def get_deployment(self, endpoint: str, name: str) -> Deployment:
        with self._read() as conn:
            return self._deployment(self._deployment_row(conn, endpoint, name))

    def list_deployments(self, endpoint: str | None = None) -> list[Deployment]:
        with self._read() as conn:
            query = sa.select(deps).order_by(deps.c.endpoint, deps.c.name)
            if endpoint is not None:
                self._endpoint_row(conn, endpoint)
                query = query.where(deps.c.endpoint == endpoint)
            return [self._deployment(r) for r in conn.execute(query)]

    def update_deployment(self, endpoint, name, *, instance_count=None, settings=None, state=None,
                          error=None) -> Deployment:
        with self._write() as conn:
            row = self._deployment_row(conn, endpoint, name)
            values: dict[str, Any] = {"updated_at": now_us()}
            if instance_count is not None:
                if isinstance(instance_count, bool) or not isinstance(instance_count, int) or not 1 <= instance_count <= 64:
                    raise InvalidArgument(f"instance_count must be 1..64, got {instance_count!r}")
                values["instance_count"] = instance_count
            if settings is not None:
                values["settings"] = json.dumps(_settings(settings, {**DEFAULT_SETTINGS, **json.loads(row.settings)}))
            if state is not None:
                values["state"] = str(DeploymentState(state))
                values["error"] = error
            conn.execute(deps.update().where(deps.c.endpoint == endpoint, deps.c.name == name).values(**values))
        return self.get_deployment(endpoint, name)

    def delete_deployment(self, endpoint: str, name: str) -> None:
        with self._write() as conn:
            row = self._endpoint_row(conn, endpoint)
            self._deployment_row(conn, endpoint, name)
            traffic, mirror = json.loads(row.traffic), json.loads(row.mirror_traffic)
            if traffic.get(name, 0) > 0 and len(traffic) > 1:
                raise InvalidState(f"deployment {name!r} takes {traffic[name]}% of the traffic of "
                                   f"{endpoint!r}; move its traffic first")
            traffic.pop(name, None)
            mirror.pop(name, None)
            conn.execute(eps.update().where(eps.c.name == endpoint).values(
                traffic=json.dumps(traffic), mirror_traffic=json.dumps(mirror), updated_at=now_us()))
            conn.execute(deps.delete().where(deps.c.endpoint == endpoint, deps.c.name == name))

    # ------------------------------------------------------------------- requests
    def log_requests(self, entries: Sequence[RequestLog]) -> None:
        if not entries:
            return
        rows = [{"endpoint": e.endpoint, "deployment": e.deployment, "status_code": e.status_code,
                 "latency_ms": e.latency_ms, "request": e.request, "response": e.response,
                 "created_at": to_us(e.created_at)} for e in entries]
        with self._write() as conn:
            conn.execute(reqs.insert(), rows)

    def list_requests(self, endpoint: str, *, limit: int = 100) -> list[RequestLog]:
        with self._read() as conn:
            self._endpoint_row(conn, endpoint)
            rows = conn.execute(sa.select(reqs).where(reqs.c.endpoint == endpoint)
                                .order_by(reqs.c.id.desc()).limit(max(1, min(int(limit), 10_000)))).all()
        return [RequestLog(endpoint=r.endpoint, deployment=r.deployment, status_code=r.status_code,
                           latency_ms=r.latency_ms, request=r.request, response=r.response,
                           created_at=from_us(r.created_at)) for r in rows]
