"""ONNX export gives the same predictions as the source model (labels exactly, regression
values within rtol 1e-4 / atol 1e-5 scaled to the target)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from modelyard.errors import InvalidArgument
from modelyard.models.onnx_export import export_onnx
from modelyard.models.packaging import load_model_folder, save_model
from modelyard.models.python_model import PythonModel


def _models(X, y):
    import lightgbm as lgb
    import xgboost as xgb
    from sklearn.ensemble import RandomForestRegressor

    return {
        "sklearn-pipeline": None,  # filled from the fixture
        "sklearn-regressor": RandomForestRegressor(n_estimators=5, max_depth=4, random_state=0).fit(X, X["a"] * 3),
        "lightgbm": lgb.LGBMClassifier(n_estimators=10, verbose=-1).fit(X, y),
        "xgboost": xgb.XGBClassifier(n_estimators=10, max_depth=3).fit(X, y),
    }


@pytest.mark.parametrize("kind", ["sklearn-pipeline", "sklearn-regressor", "lightgbm", "xgboost"])
def test_export_predicts_the_same(tmp_path: Path, frame, sk_pipeline, kind: str) -> None:
    X, y = frame
    model = _models(X, y)[kind] or sk_pipeline
    save_model(model, tmp_path / "src", input_example=X.head(20))
    report = export_onnx(tmp_path / "src", tmp_path / "onnx", sample=X)
    assert report["rows_checked"] == len(X)
    exported = load_model_folder(tmp_path / "onnx")
    assert exported.flavor == "onnx"
    got, want = exported.predict(X), model.predict(X)
    if kind == "sklearn-regressor":
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-4)
    else:
        assert list(got) == list(want)
    with pytest.raises(InvalidArgument, match="'b'"):
        exported.predict(X[["a", "c"]])


class Echo(PythonModel):
    def predict(self, model_input):
        return model_input


def test_export_refuses_other_flavors(tmp_path: Path) -> None:
    save_model(Echo(), tmp_path / "src")
    with pytest.raises(InvalidArgument, match="ONNX export supports"):
        export_onnx(tmp_path / "src", tmp_path / "onnx")
    assert not (tmp_path / "onnx").exists()
