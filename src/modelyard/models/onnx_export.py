"""ONNX export of scikit-learn, LightGBM and XGBoost models, checked to predict the same.

The exported folder is an ordinary model folder with the ``onnx`` flavor and the source's
signature. Before it is written, both models score the input example (or ``sample``) and the
predictions must agree: class labels exactly, numbers within ``rtol``/``atol``
(default 1e-4 / 1e-5, the float32 precision ONNX Runtime computes in).

Example::

    export_onnx("models/churn", "models/churn-onnx")
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from modelyard.errors import InvalidArgument, InvalidState
from modelyard.models.descriptor import INPUT_EXAMPLE_FILE

__all__ = ["ATOL", "RTOL", "export_onnx", "to_onnx"]

RTOL = 1e-4
ATOL = 1e-5


def _n_features(native: Any, sample: Any) -> int:
    return int(getattr(native, "n_features_in_", 0) or sample.shape[1])


def to_onnx(native: Any, flavor: str, n_features: int) -> Any:
    """Convert a native model to an ``onnx.ModelProto`` with one float input ``input``."""
    try:
        if flavor == "sklearn":
            from skl2onnx import convert_sklearn
            from skl2onnx.common.data_types import FloatTensorType as SkFloat

            initial = [("input", SkFloat([None, n_features]))]

            return convert_sklearn(native, initial_types=initial, options={"zipmap": False}
                                   if hasattr(native, "predict_proba") else None, target_opset=17)
        from onnxmltools.convert.common.data_types import FloatTensorType

        initial = [("input", FloatTensorType([None, n_features]))]
        if flavor == "lightgbm":
            from onnxmltools import convert_lightgbm

            return convert_lightgbm(native, initial_types=initial, zipmap=False, target_opset=15)
        if flavor == "xgboost":
            import copy

            from onnxmltools import convert_xgboost

            model = copy.deepcopy(native)
            booster = model.get_booster() if hasattr(model, "get_booster") else model
            booster.feature_names = None  # the converter wants f0, f1, ... names
            return convert_xgboost(model, initial_types=initial, target_opset=15)
    except (RuntimeError, ValueError, TypeError, NotImplementedError, AttributeError) as e:
        raise InvalidArgument(f"this {flavor} model cannot be converted to ONNX: {e}") from e
    raise InvalidArgument(f"ONNX export supports scikit-learn, LightGBM and XGBoost models, not {flavor!r}")


def _sample(folder: Path, sample: Any) -> Any:
    import pandas as pd

    if sample is not None:
        return sample
    path = folder / INPUT_EXAMPLE_FILE
    if not path.is_file():
        raise InvalidArgument("the model has no input example: pass a sample to check the export against")
    body = json.loads(path.read_text(encoding="utf-8"))
    if "columns" in body:
        return pd.DataFrame(body["data"], columns=body["columns"])
    import numpy as np

    return np.asarray(body.get("inputs"))


def export_onnx(source: str | Path, dest: str | Path, *, sample: Any = None,
                rtol: float = RTOL, atol: float = ATOL) -> dict[str, Any]:
    """Export the model folder ``source`` to an ONNX model folder ``dest``.

    Returns:
        ``{"flavor": ..., "rows_checked": n, "max_abs_diff": x, "rtol": ..., "atol": ...}``.

    Raises:
        InvalidArgument: the flavor cannot be exported, or no sample to check against.
        InvalidState: the ONNX model's predictions differ beyond the tolerance (nothing is
            written).
    """
    import numpy as np

    from modelyard.models.packaging import load_model_folder, save_model

    loaded = load_model_folder(source)
    if loaded.flavor not in ("sklearn", "lightgbm", "xgboost"):
        raise InvalidArgument(f"ONNX export supports scikit-learn, LightGBM and XGBoost models, not {loaded.flavor!r}")
    frame = loaded.prepare(_sample(Path(source), sample))
    native = loaded.unwrap()
    proto = to_onnx(native, loaded.flavor, _n_features(native, frame))
    import tempfile

    from modelyard.models.flavors.onnx import OnnxRunner

    with tempfile.TemporaryDirectory() as tmp:
        import onnx

        onnx.save_model(proto, str(Path(tmp) / "m.onnx"))
        got = np.asarray(OnnxRunner(Path(tmp) / "m.onnx").predict(frame))
    want = np.asarray(loaded.predict(frame, checked=True))
    if got.shape != want.shape and got.size == want.size:
        got = got.reshape(want.shape)
    if want.dtype.kind in "iub" or want.dtype == object:
        same = bool(np.array_equal(got.astype(want.dtype), want))
        diff = float(np.count_nonzero(got.astype(want.dtype) != want))
    else:
        same = bool(np.allclose(got, want, rtol=rtol, atol=atol))
        diff = float(np.max(np.abs(got.astype(np.float64) - want.astype(np.float64)))) if want.size else 0.0
    if not same:
        raise InvalidState(f"the ONNX export does not predict the same (max difference {diff}); not written")
    save_model(proto, dest, signature=loaded.signature, input_example=None,
               requirements=None, run_id=loaded.descriptor.run_id)
    return {"flavor": loaded.flavor, "rows_checked": len(frame), "max_abs_diff": diff, "rtol": rtol, "atol": atol}
