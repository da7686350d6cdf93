"""Models: packaging (flavors, descriptor, signature), loading, and the model registry.

Public names::

    save_model, load_model_folder, LoadedModel     # packaging and loading
    PythonModel, PythonModelContext                # custom models (also yard.PythonModel)
    Signature, ColSpec, TensorSpec, infer_signature
    ModelStore, RegisteredModel, ModelVersion      # the registry
    parse_model_uri, ModelUri
"""

from __future__ import annotations

import importlib
from typing import Any

__all__ = [
    "ColSpec", "LoadedModel", "ModelStore", "ModelUri", "ModelVersion", "PythonModel",
    "PythonModelContext", "RegisteredModel", "Signature", "TensorSpec", "infer_signature",
    "load_model_folder", "parse_model_uri", "save_model",
]

_WHERE = {
    "ColSpec": "signature", "Signature": "signature", "TensorSpec": "signature", "infer_signature": "signature",
    "LoadedModel": "packaging", "load_model_folder": "packaging", "save_model": "packaging",
    "ModelStore": "store", "ModelVersion": "entities", "RegisteredModel": "entities",
    "ModelUri": "uri", "parse_model_uri": "uri",
    "PythonModel": "python_model", "PythonModelContext": "python_model",
}


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'modelyard.models' has no attribute {name!r}")
    return getattr(importlib.import_module(f"modelyard.models.{module}"), name)
