"""The ONNX flavor: an ``onnx.ModelProto`` saved as ``model.onnx`` and run with ONNX Runtime."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from modelyard.models.flavors.base import Flavor, SavedFlavor, library_version, type_module

__all__ = ["OnnxFlavor", "OnnxRunner"]

_FILE = "model.onnx"


class OnnxRunner:
    """An ONNX Runtime session that takes a DataFrame or array and returns the first output.

    A model with one input gets all columns stacked into one float32 (or its declared type)
    matrix; a model with one input per column gets each column as an ``[n, 1]`` tensor.
    """

    def __init__(self, path: Path) -> None:
        import onnxruntime as ort

        self.session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
        self.inputs = self.session.get_inputs()

    @staticmethod
    def _dtype(onnx_type: str) -> Any:
        import numpy as np

        return {"tensor(double)": np.float64, "tensor(int64)": np.int64, "tensor(int32)": np.int32,
                "tensor(string)": np.str_, "tensor(bool)": np.bool_}.get(onnx_type, np.float32)

    def predict(self, data: Any) -> Any:
        import numpy as np
        import pandas as pd

        if len(self.inputs) == 1:
            values = data.to_numpy() if isinstance(data, pd.DataFrame) else np.asarray(data)
            feed = {self.inputs[0].name: values.astype(self._dtype(self.inputs[0].type))}
        else:
            feed = {i.name: np.asarray(data[i.name]).reshape(-1, 1).astype(self._dtype(i.type)) for i in self.inputs}
        out = self.session.run(None, feed)[0]
        return out.ravel() if out.ndim == 2 and out.shape[1] == 1 else out


class OnnxFlavor(Flavor):
    name = "onnx"

    def accepts(self, model: Any) -> bool:
        return type_module(model).startswith("onnx") and type(model).__name__ == "ModelProto"

    def save(self, model: Any, folder: Path) -> SavedFlavor:
        import onnx

        onnx.save_model(model, str(folder / _FILE))
        version = library_version("onnx")
        return SavedFlavor(
            conf={"onnx_version": version, "data": _FILE, "providers": ["CPUExecutionProvider"]},
            requirements=[f"onnx=={version}", f"onnxruntime=={library_version('onnxruntime')}"],
            pyfunc={"loader_module": "mlflow.onnx", "data": _FILE},
        )

    def load(self, folder: Path, conf: dict[str, Any]) -> Any:
        return OnnxRunner(folder / str(conf.get("data", _FILE)))
