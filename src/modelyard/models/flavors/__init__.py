"""Model flavors, registered by name: one small module per flavor.

``flavor_for(model)`` picks the flavor that saves a model object; ``get_flavor(name)`` the
one that loads a descriptor's flavor. Order matters for detection: XGBoost and LightGBM
estimators are scikit-learn estimators too, so they are tried first.
"""

from __future__ import annotations

import importlib
from typing import Any

from modelyard.errors import InvalidArgument
from modelyard.models.flavors.base import Flavor, SavedFlavor

__all__ = ["FLAVORS", "Flavor", "SavedFlavor", "flavor_for", "get_flavor"]

#: flavor name -> "module:Class", in detection order (immutable)
FLAVORS: tuple[tuple[str, str], ...] = (
    ("modelyard_python", "modelyard.models.flavors.python_model:PythonModelFlavor"),
    ("xgboost", "modelyard.models.flavors.xgboost:XGBoostFlavor"),
    ("lightgbm", "modelyard.models.flavors.lightgbm:LightGBMFlavor"),
    ("pytorch", "modelyard.models.flavors.pytorch:PyTorchFlavor"),
    ("onnx", "modelyard.models.flavors.onnx:OnnxFlavor"),
    ("sklearn", "modelyard.models.flavors.sklearn:SklearnFlavor"),
)
_ALIASES = {"python_model": "modelyard_python", "scikit-learn": "sklearn", "torch": "pytorch"}


def get_flavor(name: str) -> Flavor:
    """The flavor registered as ``name``.

    Raises:
        InvalidArgument: no such flavor.
    """
    name = _ALIASES.get(name, name)
    for key, target in FLAVORS:
        if key == name:
            module, cls = target.split(":")
            return getattr(importlib.import_module(module), cls)()
    raise InvalidArgument(f"unknown model flavor {name!r}; known: {', '.join(k for k, _ in FLAVORS)}")


def flavor_for(model: Any) -> Flavor:
    """The flavor that can save ``model``.

    Raises:
        InvalidArgument: no flavor accepts it.
    """
    for key, _ in FLAVORS:
        flavor = get_flavor(key)
        if flavor.accepts(model):
            return flavor
    raise InvalidArgument(
        f"no model flavor accepts a {type(model).__module__}.{type(model).__qualname__}; use a "
        "scikit-learn, XGBoost, LightGBM, PyTorch or ONNX model, or subclass yard.PythonModel"
    )
