"""Artifact storage: files and folders logged to runs, models, code snapshots and data.

* :class:`ArtifactStore` is the interface (its docstrings are the spec).
* :class:`LocalArtifactStore` keeps files under a local folder (the embedded workspace).
* :class:`S3ArtifactStore` keeps them in an S3-compatible bucket (needs the ``s3`` extra).
* :func:`normalize_key` / :func:`join_key` are the one gate every artifact path goes through.
* :func:`collect_garbage` removes the files of deleted runs and purges those runs.

Names are loaded on first use, so importing this package stays cheap.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__all__ = [
    "ArtifactStore",
    "GcReport",
    "LocalArtifactStore",
    "RemovedArtifacts",
    "S3ArtifactStore",
    "collect_garbage",
    "join_key",
    "normalize_key",
    "normalize_prefix",
]

_HOMES = {
    "ArtifactStore": "modelyard.artifacts.store",
    "LocalArtifactStore": "modelyard.artifacts.local",
    "S3ArtifactStore": "modelyard.artifacts.s3",
    "GcReport": "modelyard.artifacts.gc",
    "RemovedArtifacts": "modelyard.artifacts.gc",
    "collect_garbage": "modelyard.artifacts.gc",
    "join_key": "modelyard.artifacts.paths",
    "normalize_key": "modelyard.artifacts.paths",
    "normalize_prefix": "modelyard.artifacts.paths",
}

if TYPE_CHECKING:
    from modelyard.artifacts.gc import GcReport, RemovedArtifacts, collect_garbage
    from modelyard.artifacts.local import LocalArtifactStore
    from modelyard.artifacts.paths import join_key, normalize_key, normalize_prefix
    from modelyard.artifacts.s3 import S3ArtifactStore
    from modelyard.artifacts.store import ArtifactStore


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(home), name)


def __dir__() -> list[str]:
    return sorted(__all__)
