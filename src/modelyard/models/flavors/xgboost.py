"""The XGBoost flavor: boosters and scikit-learn-API estimators in XGBoost's own format
(MLflow's ``xgboost`` layout)."""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

from modelyard.errors import InvalidArgument
from modelyard.models.flavors.base import Flavor, SavedFlavor, library_version, type_module

__all__ = ["XGBoostFlavor"]


class XGBoostFlavor(Flavor):
    name = "xgboost"

    def accepts(self, model: Any) -> bool:
        return type_module(model).startswith("xgboost.")

    def save(self, model: Any, folder: Path) -> SavedFlavor:
        cls = type(model)
        fmt = "ubj"
        data = f"model.{fmt}"
        model.save_model(str(folder / data))
        version = library_version("xgboost")
        return SavedFlavor(
            conf={"xgb_version": version, "data": data, "model_class": f"{cls.__module__}.{cls.__name__}",
                  "model_format": fmt, "code": None},
            requirements=[f"xgboost=={version}"],
            pyfunc={"loader_module": "mlflow.xgboost", "data": data},
        )

    def load(self, folder: Path, conf: dict[str, Any]) -> Any:

        path = folder / str(conf.get("data", "model.xgb"))
        model_class = str(conf.get("model_class", "xgboost.core.Booster"))
        module_name, _, cls_name = model_class.rpartition(".")
        if not module_name.startswith("xgboost"):
            raise InvalidArgument(f"unexpected XGBoost model class {model_class!r}")
        cls = getattr(importlib.import_module(module_name), cls_name)
        model = cls()
        model.load_model(str(path))
        return model

    def predict(self, native: Any, data: Any) -> Any:
        import xgboost as xgb

        if isinstance(native, xgb.Booster):
            return native.predict(xgb.DMatrix(data))
        return native.predict(data)
