"""Model registry entities: registered models and their versions. Frozen, no database or
wire concerns; :mod:`modelyard.models.schemas` converts them to and from JSON."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

__all__ = ["ModelVersion", "RegisteredModel"]


@dataclass(frozen=True, slots=True)
class RegisteredModel:
    """A named model with numbered versions.

    Attributes:
        aliases: alias -> version number (e.g. ``{"production": 3}``).
        latest_version: the highest non-archived version number, or None.
    """

    name: str
    created_at: datetime
    updated_at: datetime
    description: str | None = None
    tags: dict[str, str] = field(default_factory=dict)
    aliases: dict[str, int] = field(default_factory=dict)
    latest_version: int | None = None


@dataclass(frozen=True, slots=True)
class ModelVersion:
    """One immutable version of a registered model.

    Attributes:
        source: where it was registered from (``runs:/ID/model`` or a local path).
        storage: the artifact-store prefix of its files.
        run_id: the run that produced it (lineage), if known.
        flavors: the flavor names of its descriptor.
        signature: the descriptor's signature in MLflow's form, if any.
        aliases: the aliases pointing at it.
        archived: hidden from ``latest`` and listings, still loadable by number.
    """

    name: str
    version: int
    source: str
    storage: str
    created_at: datetime
    updated_at: datetime
    run_id: str | None = None
    flavors: tuple[str, ...] = ()
    signature: dict[str, Any] | None = None
    description: str | None = None
    tags: dict[str, str] = field(default_factory=dict)
    aliases: tuple[str, ...] = ()
    archived: bool = False

    @property
    def uri(self) -> str:
        """``models:/name/version``."""
        return f"models:/{self.name}/{self.version}"
