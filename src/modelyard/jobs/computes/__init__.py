"""Compute targets: small classes registered by name.

Adding a target (Kubernetes, SSH...) is one module with a :class:`ComputeTarget` subclass
plus one line in :data:`TARGETS`.
"""

from __future__ import annotations

import importlib
from types import MappingProxyType

from modelyard.errors import InvalidArgument
from modelyard.jobs.computes.base import ComputeTarget, LaunchRequest
from modelyard.jobs.entities import Compute

__all__ = ["TARGETS", "ComputeTarget", "LaunchRequest", "open_target", "target_class"]

#: compute type -> "module:Class"
TARGETS = MappingProxyType({
    "local": "modelyard.jobs.computes.local:LocalTarget",
    "ray": "modelyard.jobs.computes.ray:RayTarget",
})  # fmt: skip


def target_class(kind: str) -> type[ComputeTarget]:
    """The class implementing a compute type. Raises InvalidArgument for unknown types."""
    ref = TARGETS.get(str(kind))
    if ref is None:
        raise InvalidArgument(f"unknown compute type {kind!r}; known: {', '.join(TARGETS)}")
    module, _, name = ref.partition(":")
    return getattr(importlib.import_module(module), name)


def open_target(compute: Compute) -> ComputeTarget:
    """A target object for a registered compute."""
    return target_class(compute.type)(compute)
