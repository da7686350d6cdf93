"""Data: datastores, versioned data assets, table loading and profiles.

``yard.data.load_table(ref)`` loads a table of the current workspace::

    import modelyard as yard

    df = yard.data.load_table("data:iris@latest")
    table = yard.data.load_table("data:iris:1", as_arrow=True)
"""

from __future__ import annotations

from typing import Any

__all__ = ["load_table", "resolve_path"]


def load_table(ref: str, *, as_arrow: bool = False, workspace: Any = None) -> Any:
    """Load an mltable version of the current (or given) workspace.

    Args:
        ref: ``data:name:version``, ``name@latest``, ``azureml:name:version``...
        as_arrow: return a ``pyarrow.Table`` instead of a pandas DataFrame.
        workspace: a :class:`~modelyard.Workspace`; default: the current one.
    """
    if workspace is None:
        from modelyard.sdk.fluent import get_workspace

        workspace = get_workspace()
    return workspace.data.load_table(ref, as_arrow=as_arrow)


def resolve_path(ref: str, *, workspace: Any = None) -> Any:
    """A local path holding a data version's content (see ``ws.data.path``)."""
    if workspace is None:
        from modelyard.sdk.fluent import get_workspace

        workspace = get_workspace()
    return workspace.data.path(ref)
