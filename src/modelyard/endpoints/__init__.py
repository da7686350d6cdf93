"""Endpoints: real-time endpoints (deployments served by worker processes behind the server's
gateway) and batch endpoints (scoring jobs).

Public names::

    Endpoint, Deployment, DeploymentState, AuthMode, EndpointKind, RequestLog   # entities
    EndpointStore                                                                # the store
"""

from __future__ import annotations

import importlib
from typing import Any

__all__ = ["AuthMode", "Deployment", "DeploymentState", "Endpoint", "EndpointKind", "EndpointStore", "RequestLog"]


def __getattr__(name: str) -> Any:
    if name == "EndpointStore":
        return importlib.import_module("modelyard.endpoints.store").EndpointStore
    if name in __all__:
        return getattr(importlib.import_module("modelyard.endpoints.entities"), name)
    raise AttributeError(f"module 'modelyard.endpoints' has no attribute {name!r}")
