"""The PyTorch flavor: a whole ``torch.nn.Module`` saved with ``torch.save`` (MLflow's
``pytorch`` layout: ``data/model.pth``). Scoring feeds a float32 tensor and returns NumPy."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from modelyard.models.flavors.base import Flavor, SavedFlavor, library_version

__all__ = ["PyTorchFlavor"]

_FILE = "data/model.pth"


class PyTorchFlavor(Flavor):
    name = "pytorch"

    def accepts(self, model: Any) -> bool:
        return any(f"{c.__module__}.{c.__name__}" == "torch.nn.modules.module.Module" for c in type(model).__mro__)

    def save(self, model: Any, folder: Path) -> SavedFlavor:
        import torch

        (folder / "data").mkdir(exist_ok=True)
        torch.save(model, str(folder / _FILE))
        version = library_version("torch")
        return SavedFlavor(
            conf={"model_data": "data", "pytorch_version": version, "code": None},
            requirements=[f"torch=={version}"],
            pyfunc={"loader_module": "mlflow.pytorch", "data": "data"},
        )

    def load(self, folder: Path, conf: dict[str, Any]) -> Any:
        import torch

        model = torch.load(str(folder / str(conf.get("model_data", "data")) / "model.pth"), weights_only=False)
        model.eval()
        return model

    def predict(self, native: Any, data: Any) -> Any:
        import numpy as np
        import pandas as pd
        import torch

        values = data.to_numpy() if isinstance(data, pd.DataFrame) else np.asarray(data)
        with torch.no_grad():
            out = native(torch.as_tensor(values, dtype=torch.float32))
        return out.detach().cpu().numpy()
