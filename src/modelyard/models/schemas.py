"""Wire forms of the registry entities, shared by the server routes and the REST store.
``*_to_wire`` and ``*_from_wire`` are inverse."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from modelyard.models.entities import ModelVersion, RegisteredModel

__all__ = [
    "AliasSet",
    "ModelCreate",
    "ModelUpdate",
    "VersionCreate",
    "VersionUpdate",
    "model_from_wire",
    "model_to_wire",
    "version_from_wire",
    "version_to_wire",
]


def model_to_wire(m: RegisteredModel) -> dict[str, Any]:
    return {
        "name": m.name, "description": m.description, "tags": dict(m.tags), "aliases": dict(m.aliases),
        "latest_version": m.latest_version, "created_at": m.created_at.isoformat(),
        "updated_at": m.updated_at.isoformat(),
    }


def model_from_wire(d: dict[str, Any]) -> RegisteredModel:
    return RegisteredModel(
        name=d["name"], description=d.get("description"), tags=dict(d.get("tags") or {}),
        aliases={k: int(v) for k, v in (d.get("aliases") or {}).items()},
        latest_version=d.get("latest_version"), created_at=datetime.fromisoformat(d["created_at"]),
        updated_at=datetime.fromisoformat(d["updated_at"]),
    )


def version_to_wire(v: ModelVersion) -> dict[str, Any]:
    return {
        "name": v.name, "version": v.version, "source": v.source, "storage": v.storage,
        "run_id": v.run_id, "flavors": list(v.flavors), "signature": v.signature,
        "description": v.description, "tags": dict(v.tags), "aliases": list(v.aliases),
        "archived": v.archived, "uri": v.uri, "created_at": v.created_at.isoformat(),
        "updated_at": v.updated_at.isoformat(),
    }


def version_from_wire(d: dict[str, Any]) -> ModelVersion:
    return ModelVersion(
        name=d["name"], version=int(d["version"]), source=d["source"], storage=d["storage"],
        run_id=d.get("run_id"), flavors=tuple(d.get("flavors") or ()), signature=d.get("signature"),
        description=d.get("description"), tags=dict(d.get("tags") or {}),
        aliases=tuple(d.get("aliases") or ()), archived=bool(d.get("archived")),
        created_at=datetime.fromisoformat(d["created_at"]), updated_at=datetime.fromisoformat(d["updated_at"]),
    )


class ModelCreate(BaseModel):
    name: str
    description: str | None = None
    tags: dict[str, str] = Field(default_factory=dict)


class ModelUpdate(BaseModel):
    description: str | None = None
    tags: dict[str, str] | None = None


class VersionCreate(BaseModel):
    source: str
    upload_id: str | None = None
    run_id: str | None = None
    description: str | None = None
    tags: dict[str, str] = Field(default_factory=dict)


class VersionUpdate(BaseModel):
    description: str | None = None
    tags: dict[str, str] | None = None
    archived: bool | None = None


class AliasSet(BaseModel):
    version: int
