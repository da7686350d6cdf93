"""Wire forms of the endpoint entities, shared by the server routes and the REST store."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from modelyard.endpoints.entities import (
    AuthMode,
    Deployment,
    DeploymentState,
    Endpoint,
    EndpointKind,
    RequestLog,
)

__all__ = [
    "DeploymentCreate",
    "DeploymentUpdate",
    "EndpointCreate",
    "EndpointUpdate",
    "RequestLogs",
    "deployment_from_wire",
    "deployment_to_wire",
    "endpoint_from_wire",
    "endpoint_to_wire",
    "request_from_wire",
    "request_to_wire",
]


def endpoint_to_wire(e: Endpoint) -> dict[str, Any]:
    return {"name": e.name, "kind": str(e.kind), "auth_mode": str(e.auth_mode), "keys": list(e.keys),
            "traffic": dict(e.traffic), "mirror_traffic": dict(e.mirror_traffic), "description": e.description,
            "tags": dict(e.tags), "scoring_uri": f"/endpoints/{e.name}/score",
            "created_at": e.created_at.isoformat(), "updated_at": e.updated_at.isoformat()}


def endpoint_from_wire(d: dict[str, Any]) -> Endpoint:
    return Endpoint(name=d["name"], kind=EndpointKind(d["kind"]), auth_mode=AuthMode(d["auth_mode"]),
                    keys=tuple(d.get("keys") or ()), traffic={k: int(v) for k, v in (d.get("traffic") or {}).items()},
                    mirror_traffic={k: int(v) for k, v in (d.get("mirror_traffic") or {}).items()},
                    description=d.get("description"), tags=dict(d.get("tags") or {}),
                    created_at=datetime.fromisoformat(d["created_at"]), updated_at=datetime.fromisoformat(d["updated_at"]))


def deployment_to_wire(d: Deployment) -> dict[str, Any]:
    return {"endpoint": d.endpoint, "name": d.name, "model": d.model, "code": d.code,
            "scoring_script": d.scoring_script, "instance_count": d.instance_count, "settings": dict(d.settings),
            "state": str(d.state), "error": d.error, "description": d.description, "tags": dict(d.tags),
            "created_at": d.created_at.isoformat(), "updated_at": d.updated_at.isoformat()}


def deployment_from_wire(d: dict[str, Any]) -> Deployment:
    return Deployment(endpoint=d["endpoint"], name=d["name"], model=d["model"], code=d.get("code"),
                      scoring_script=d.get("scoring_script"), instance_count=int(d["instance_count"]),
                      settings=dict(d.get("settings") or {}), state=DeploymentState(d["state"]), error=d.get("error"),
                      description=d.get("description"), tags=dict(d.get("tags") or {}),
                      created_at=datetime.fromisoformat(d["created_at"]), updated_at=datetime.fromisoformat(d["updated_at"]))


def request_to_wire(r: RequestLog) -> dict[str, Any]:
    return {"endpoint": r.endpoint, "deployment": r.deployment, "status_code": r.status_code,
            "latency_ms": r.latency_ms, "request": r.request, "response": r.response,
            "created_at": r.created_at.isoformat()}


def request_from_wire(d: dict[str, Any]) -> RequestLog:
    return RequestLog(endpoint=d["endpoint"], deployment=d["deployment"], status_code=int(d["status_code"]),
                      latency_ms=float(d["latency_ms"]), request=d.get("request"), response=d.get("response"),
                      created_at=datetime.fromisoformat(d["created_at"]))


class EndpointCreate(BaseModel):
    name: str
    kind: str = "online"
    auth_mode: str = "key"
    description: str | None = None
    tags: dict[str, str] = Field(default_factory=dict)


class EndpointUpdate(BaseModel):
    traffic: dict[str, int] | None = None
    mirror_traffic: dict[str, int] | None = None
    description: str | None = None
    tags: dict[str, str] | None = None


class DeploymentCreate(BaseModel):
    name: str
    model: str
    instance_count: int = 1
    code: str | None = None
    scoring_script: str | None = None
    settings: dict[str, Any] = Field(default_factory=dict)
    description: str | None = None
    tags: dict[str, str] = Field(default_factory=dict)


class DeploymentUpdate(BaseModel):
    instance_count: int | None = None
    settings: dict[str, Any] | None = None
    state: str | None = None
    error: str | None = None


class RequestLogs(BaseModel):
    entries: list[dict[str, Any]]
