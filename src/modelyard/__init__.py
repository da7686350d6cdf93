"""Modelyard: a local-first machine-learning platform.

``import modelyard as yard`` is cheap: the SDK, the database layer, pandas and the server
stack load on first use of the name that needs them.

Example::

    import modelyard as yard

    with yard.start_run(experiment="demo") as run:
        yard.log_param("lr", 0.1)
        for step in range(10):
            yard.log_metric("loss", 1 / (step + 1), step=step)
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

# public name -> module that defines it
_LAZY: dict[str, str] = {
    "Workspace": "modelyard.sdk.workspace",
    "Run": "modelyard.sdk.run",
    "start_run": "modelyard.sdk.fluent",
    "end_run": "modelyard.sdk.fluent",
    "active_run": "modelyard.sdk.fluent",
    "log_param": "modelyard.sdk.fluent",
    "log_params": "modelyard.sdk.fluent",
    "log_metric": "modelyard.sdk.fluent",
    "log_metrics": "modelyard.sdk.fluent",
    "log_artifact": "modelyard.sdk.fluent",
    "log_artifacts": "modelyard.sdk.fluent",
    "log_text": "modelyard.sdk.fluent",
    "log_dict": "modelyard.sdk.fluent",
    "log_figure": "modelyard.sdk.fluent",
    "log_table": "modelyard.sdk.fluent",
    "set_tag": "modelyard.sdk.fluent",
    "set_tags": "modelyard.sdk.fluent",
    "flush": "modelyard.sdk.fluent",
    "set_workspace": "modelyard.sdk.fluent",
    "log_model": "modelyard.sdk.fluent",
    "load_model": "modelyard.sdk.fluent",
    "PythonModel": "modelyard.models.python_model",
    "RunStatus": "modelyard.tracking.entities",
    "errors": "modelyard.errors",
    "data": "modelyard.data",
    "datasets": "modelyard.datasets",
    "command": "modelyard.jobs.client",
}

__all__ = [*sorted(_LAZY), "__version__"]  # noqa: PLE0604 (built from the lazy table)


def __getattr__(name: str) -> Any:
    module_name = _LAZY.get(name)
    if module_name is None:
        raise AttributeError(f"module 'modelyard' has no attribute {name!r}")
    module = importlib.import_module(module_name)
    value = module if name in ("errors", "data", "datasets") else getattr(module, name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__


if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs only
    from modelyard import errors
    from modelyard.jobs.client import command
    from modelyard.models.python_model import PythonModel
    from modelyard.sdk.fluent import (
        active_run,
        end_run,
        flush,
        load_model,
        log_artifact,
        log_artifacts,
        log_dict,
        log_figure,
        log_metric,
        log_metrics,
        log_model,
        log_param,
        log_params,
        log_table,
        log_text,
        set_tag,
        set_tags,
        set_workspace,
        start_run,
    )
    from modelyard.sdk.run import Run
    from modelyard.sdk.workspace import Workspace
    from modelyard.tracking.entities import RunStatus
