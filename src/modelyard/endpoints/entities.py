"""Endpoint entities: endpoints, their deployments and logged requests. Frozen, no database
or wire concerns; :mod:`modelyard.endpoints.schemas` converts them to and from JSON."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

__all__ = [
    "DEFAULT_SETTINGS",
    "AuthMode",
    "Deployment",
    "DeploymentState",
    "Endpoint",
    "EndpointKind",
    "RequestLog",
]


class AuthMode(enum.StrEnum):
    KEY = "key"  # callers send one of the endpoint's two keys
    AML_TOKEN = "aml_token"  # callers send a short-lived token (modelyard.endpoints.tokens)
    NONE = "none"


class EndpointKind(enum.StrEnum):
    ONLINE = "online"
    BATCH = "batch"


class DeploymentState(enum.StrEnum):
    CREATING = "Creating"
    READY = "Ready"
    FAILED = "Failed"


#: deployment settings and their defaults
DEFAULT_SETTINGS: dict[str, Any] = {
    "max_batch_size": 32,          # rows per micro-batch (1 turns batching off)
    "max_wait_ms": 2.0,            # longest a request waits for others to join its batch
    "request_logging_rate": 0.0,   # share of requests logged to the workspace (0..1)
    "request_logging_max_bytes": 4096,
    # batch deployments
    "mini_batch_size": 10_000,     # rows per mini-batch
    "max_concurrency": 2,          # scoring processes
    "retries": 2,                  # retries of a failed mini-batch
    "error_threshold": 0,          # failed rows tolerated (-1: any)
    "output_format": "parquet",    # parquet or csv
}


@dataclass(frozen=True, slots=True)
class Endpoint:
    """A named scoring URL with deployments behind it.

    Attributes:
        traffic: deployment name -> percent of requests (sums to 100, or empty).
        mirror_traffic: deployment name -> percent of requests also copied to it (its
            answers are dropped).
        keys: the two endpoint keys (``auth_mode == key``), or the two secrets that sign
            its tokens (``aml_token``); empty otherwise.
    """

    name: str
    kind: EndpointKind
    auth_mode: AuthMode
    created_at: datetime
    updated_at: datetime
    keys: tuple[str, ...] = ()
    traffic: dict[str, int] = field(default_factory=dict)
    mirror_traffic: dict[str, int] = field(default_factory=dict)
    description: str | None = None
    tags: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Deployment:
    """N worker processes serving one model version behind an endpoint.

    Attributes:
        model: a model URI (``models:/name/3``, ``name:3``...) resolved at deploy time.
        code / scoring_script: a custom ``score.py`` (with ``init()`` and ``run(raw_data)``)
            inside the ``code`` folder; None for a no-code deployment of a flavored model.
        settings: see :data:`DEFAULT_SETTINGS`.
    """

    endpoint: str
    name: str
    model: str
    instance_count: int
    state: DeploymentState
    created_at: datetime
    updated_at: datetime
    code: str | None = None
    scoring_script: str | None = None
    settings: dict[str, Any] = field(default_factory=dict)
    error: str | None = None
    description: str | None = None
    tags: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class RequestLog:
    """One logged scoring request (sampled and size-capped)."""

    endpoint: str
    deployment: str
    status_code: int
    latency_ms: float
    created_at: datetime
    request: str | None = None
    response: str | None = None
