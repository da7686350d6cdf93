"""The LightGBM flavor: a ``Booster`` in LightGBM's text format, a scikit-learn-API
estimator pickled (MLflow's ``lightgbm`` layout)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from modelyard.models.flavors.base import Flavor, SavedFlavor, library_version, type_module

__all__ = ["LightGBMFlavor"]

_BOOSTER = "lightgbm.basic.Booster"


class LightGBMFlavor(Flavor):
    name = "lightgbm"

    def accepts(self, model: Any) -> bool:
        return type_module(model).startswith("lightgbm.")

    def save(self, model: Any, folder: Path) -> SavedFlavor:
        cls = type(model)
        model_class = f"{cls.__module__}.{cls.__name__}"
        if model_class == _BOOSTER:
            data = "model.lgb"
            model.save_model(str(folder / data))
        else:
            import cloudpickle

            data = "model.pkl"
            with open(folder / data, "wb") as fh:
                cloudpickle.dump(model, fh)
        version = library_version("lightgbm")
        reqs = [f"lightgbm=={version}"]
        if data == "model.pkl":
            reqs += [f"scikit-learn=={library_version('scikit-learn')}", f"cloudpickle=={library_version('cloudpickle')}"]
        return SavedFlavor(
            conf={"lgb_version": version, "data": data, "model_class": model_class, "code": None},
            requirements=reqs,
            pyfunc={"loader_module": "mlflow.lightgbm", "data": data},
        )

    def load(self, folder: Path, conf: dict[str, Any]) -> Any:
        path = folder / str(conf.get("data", "model.lgb"))
        if str(conf.get("model_class", _BOOSTER)) == _BOOSTER:
            import lightgbm as lgb

            return lgb.Booster(model_file=str(path))
        import pickle

        with open(path, "rb") as fh:
            return pickle.load(fh)
