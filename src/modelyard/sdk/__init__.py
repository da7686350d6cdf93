"""The Python SDK: :class:`Workspace`, the :class:`Run` handle and fluent tracking.

Most users import these through ``import modelyard as yard``. Names load lazily so that
importing the package stays cheap.
"""

from __future__ import annotations

import importlib
from typing import Any

_LAZY: dict[str, str] = {
    "Workspace": "modelyard.sdk.workspace",
    "Run": "modelyard.sdk.run",
    "RunComparison": "modelyard.sdk._compare",
    "ComparisonRow": "modelyard.sdk._compare",
    "MetricsNotSent": "modelyard.sdk._buffer",
}

__all__ = ["ComparisonRow", "MetricsNotSent", "Run", "RunComparison", "Workspace"]


def __getattr__(name: str) -> Any:
    module_name = _LAZY.get(name)
    if module_name is None:
        raise AttributeError(f"module 'modelyard.sdk' has no attribute {name!r}")
    return getattr(importlib.import_module(module_name), name)
