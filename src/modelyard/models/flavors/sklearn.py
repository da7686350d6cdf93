"""The scikit-learn flavor: estimators and pipelines, pickled with cloudpickle (MLflow's
``sklearn`` layout, so MLflow-written folders load and ours load in MLflow)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from modelyard.errors import InvalidArgument
from modelyard.models.flavors.base import Flavor, SavedFlavor, library_version, type_module

__all__ = ["SklearnFlavor"]

_FILE = "model.pkl"


class SklearnFlavor(Flavor):
    name = "sklearn"

    def accepts(self, model: Any) -> bool:
        if type_module(model).startswith("sklearn."):
            return True
        # a user subclass of a scikit-learn estimator
        return any(c.__module__.startswith("sklearn.") for c in type(model).__mro__[1:])

    def save(self, model: Any, folder: Path) -> SavedFlavor:
        import cloudpickle

        with open(folder / _FILE, "wb") as fh:
            cloudpickle.dump(model, fh)
        version = library_version("scikit-learn")
        return SavedFlavor(
            conf={"pickled_model": _FILE, "sklearn_version": version,
                  "serialization_format": "cloudpickle", "code": None},
            requirements=[f"scikit-learn=={version}", f"cloudpickle=={library_version('cloudpickle')}"],
            pyfunc={"loader_module": "mlflow.sklearn", "model_path": _FILE, "predict_fn": "predict"},
        )

    def load(self, folder: Path, conf: dict[str, Any]) -> Any:
        import pickle

        fmt = conf.get("serialization_format", "cloudpickle")
        path = folder / str(conf.get("pickled_model", _FILE))
        if fmt not in ("cloudpickle", "pickle"):
            raise InvalidArgument(f"unsupported scikit-learn serialization format {fmt!r}")
        with open(path, "rb") as fh:
            return pickle.load(fh)
