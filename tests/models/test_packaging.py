"""Model folders: each flavor saves, loads and predicts the same as the original object;
folders written the way MLflow writes them load without mlflow installed."""

from __future__ import annotations

import importlib.util
import json
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from modelyard.errors import AlreadyExists, InvalidArgument, UserCodeFailed
from modelyard.models.descriptor import read_descriptor
from modelyard.models.packaging import load_model_folder, save_model
from modelyard.models.python_model import PythonModel


def test_sklearn_pipeline_round_trip(tmp_path: Path, sk_pipeline, frame) -> None:
    X, _ = frame
    d = save_model(sk_pipeline, tmp_path / "m", input_example=X.head(3))
    assert d.flavor == "sklearn" and d.signature is not None
    assert [s.name for s in d.signature.inputs] == ["a", "b", "c"]
    assert any(r.startswith("scikit-learn==") for r in d.requirements)
    loaded = load_model_folder(tmp_path / "m")
    assert list(loaded.predict(X)) == list(sk_pipeline.predict(X))
    assert loaded.unwrap().__class__.__name__ == "Pipeline"
    example = json.loads((tmp_path / "m" / "input_example.json").read_text())
    assert example["columns"] == ["a", "b", "c"] and len(example["data"]) == 3
    with pytest.raises(AlreadyExists):
        save_model(sk_pipeline, tmp_path / "m")


def test_xgboost_round_trip(tmp_path: Path, frame) -> None:
    import xgboost as xgb

    X, y = frame
    model = xgb.XGBClassifier(n_estimators=8, max_depth=3).fit(X, y)
    d = save_model(model, tmp_path / "m", input_example=X.head())
    assert d.flavor == "xgboost"
    assert list(load_model_folder(tmp_path / "m").predict(X)) == list(model.predict(X))


@pytest.mark.parametrize("kind", ["sklearn_api", "booster"])
def test_lightgbm_round_trip(tmp_path: Path, frame, kind: str) -> None:
    import lightgbm as lgb

    X, y = frame
    if kind == "booster":
        model = lgb.train({"objective": "binary", "verbose": -1}, lgb.Dataset(X, y), num_boost_round=5)
    else:
        model = lgb.LGBMClassifier(n_estimators=5, verbose=-1).fit(X, y)
    d = save_model(model, tmp_path / "m", input_example=X.head())
    assert d.flavor == "lightgbm"
    np.testing.assert_allclose(load_model_folder(tmp_path / "m").predict(X), model.predict(X))


class AddOffset(PythonModel):
    def load_context(self, context):
        self.offset = float(Path(context.artifacts["offset"]).read_text())

    def predict(self, context, model_input):
        return (model_input["x"] + self.offset).to_numpy()


class Broken(PythonModel):
    def predict(self, model_input):
        raise RuntimeError("boom")


def test_python_model_with_artifacts(tmp_path: Path) -> None:
    (tmp_path / "offset.txt").write_text("10")
    save_model(AddOffset(), tmp_path / "m", artifacts={"offset": str(tmp_path / "offset.txt")},
               input_example=pd.DataFrame({"x": [1.0, 2.0]}))
    (tmp_path / "offset.txt").unlink()  # the model keeps its own copy
    loaded = load_model_folder(tmp_path / "m")
    assert loaded.flavor == "modelyard_python"
    assert list(loaded.predict(pd.DataFrame({"x": [1.0, 5.0]}))) == [11.0, 15.0]
    with pytest.raises(InvalidArgument, match="'x'"):
        loaded.predict(pd.DataFrame({"y": [1.0]}))


def test_python_model_failure_is_user_code(tmp_path: Path) -> None:
    save_model(Broken(), tmp_path / "m")
    with pytest.raises(UserCodeFailed, match="boom"):
        load_model_folder(tmp_path / "m").predict(pd.DataFrame({"x": [1.0]}))


def test_onnx_model_object_round_trip(tmp_path: Path, sk_pipeline, frame) -> None:
    from skl2onnx import to_onnx

    X, _ = frame
    onx = to_onnx(sk_pipeline, X.to_numpy()[:1].astype(np.float32), options={"zipmap": False})
    d = save_model(onx, tmp_path / "m", input_example=X.head())
    assert d.flavor == "onnx"
    assert list(load_model_folder(tmp_path / "m").predict(X)) == list(sk_pipeline.predict(X))


def test_pytorch_round_trip(tmp_path: Path) -> None:
    if importlib.util.find_spec("torch") is None:
        # `make venv` installs the CPU build; CI must run this test, a laptop may lack torch
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("torch is required in CI (make venv installs torch==2.13.0)")
        pytest.skip("torch is not installed (optional)")
    import torch

    model = torch.nn.Sequential(torch.nn.Linear(3, 2))
    X = np.random.default_rng(0).normal(size=(4, 3)).astype(np.float32)
    save_model(model, tmp_path / "m", input_example=X)
    expected = model(torch.as_tensor(X)).detach().numpy()
    np.testing.assert_allclose(load_model_folder(tmp_path / "m").predict(X), expected, rtol=1e-6)


def test_unknown_model_object_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InvalidArgument, match="no model flavor"):
        save_model(object(), tmp_path / "m")


# ------------------------------------------------------------- MLflow-written folders
_MLFLOW_SKLEARN = """artifact_path: model
flavors:
  python_function:
    env:
      conda: conda.yaml
      virtualenv: python_env.yaml
    loader_module: mlflow.sklearn
    model_path: model.pkl
    predict_fn: predict
    python_version: 3.11.7
  sklearn:
    code: null
    pickled_model: model.pkl
    serialization_format: cloudpickle
    sklearn_version: 1.5.0
mlflow_version: 2.14.1
model_size_bytes: 1234
model_uuid: 0b4e1c33a6d94c7ea0d3c0f5b4f8a111
run_id: 5d2c2ea4a5c44b0f9b8f1f6a2e0b7c55
signature:
  inputs: '[{"type": "double", "name": "a", "required": true}, {"type": "double", "name":
    "b", "required": true}, {"type": "double", "name": "c", "required": true}]'
  outputs: '[{"type": "tensor", "tensor-spec": {"dtype": "int64", "shape": [-1]}}]'
  params: null
utc_time_created: '2024-06-20 10:00:00.000000'
"""

_MLFLOW_XGB = """artifact_path: model
flavors:
  python_function:
    data: model.xgb
    env: {conda: conda.yaml, virtualenv: python_env.yaml}
    loader_module: mlflow.xgboost
    python_version: 3.11.7
  xgboost:
    code: null
    data: model.xgb
    model_class: xgboost.sklearn.XGBClassifier
    model_format: xgb
    xgb_version: 2.0.3
mlflow_version: 2.14.1
model_uuid: 1b4e1c33a6d94c7ea0d3c0f5b4f8a111
"""

_MLFLOW_LGB = """artifact_path: model
flavors:
  lightgbm:
    code: null
    data: model.lgb
    lgb_version: 4.3.0
    model_class: lightgbm.basic.Booster
  python_function:
    data: model.lgb
    env: {conda: conda.yaml, virtualenv: python_env.yaml}
    loader_module: mlflow.lightgbm
    python_version: 3.11.7
mlflow_version: 2.14.1
"""


def test_mlflow_sklearn_folder_loads(tmp_path: Path, sk_pipeline, frame) -> None:
    import cloudpickle

    X, _ = frame
    folder = tmp_path / "mlflow-sk"
    folder.mkdir()
    (folder / "MLmodel").write_text(_MLFLOW_SKLEARN)
    (folder / "requirements.txt").write_text("mlflow==2.14.1\nscikit-learn==1.5.0\n")
    (folder / "model.pkl").write_bytes(cloudpickle.dumps(sk_pipeline))
    d = read_descriptor(folder)
    assert d.run_id == "5d2c2ea4a5c44b0f9b8f1f6a2e0b7c55" and "scikit-learn==1.5.0" in d.requirements
    loaded = load_model_folder(folder)
    assert list(loaded.predict(X)) == list(sk_pipeline.predict(X))
    with pytest.raises(InvalidArgument, match="'c'"):
        loaded.predict(X[["a", "b"]])


def test_mlflow_xgboost_folder_loads(tmp_path: Path, frame) -> None:
    import xgboost as xgb

    X, y = frame
    model = xgb.XGBClassifier(n_estimators=5).fit(X, y)
    folder = tmp_path / "mlflow-xgb"
    folder.mkdir()
    (folder / "MLmodel").write_text(_MLFLOW_XGB)
    model.save_model(str(folder / "model.xgb"))
    assert list(load_model_folder(folder).predict(X)) == list(model.predict(X))


def test_mlflow_lightgbm_folder_loads(tmp_path: Path, frame) -> None:
    import lightgbm as lgb

    X, y = frame
    booster = lgb.train({"objective": "binary", "verbose": -1}, lgb.Dataset(X, y), num_boost_round=4)
    folder = tmp_path / "mlflow-lgb"
    folder.mkdir()
    (folder / "MLmodel").write_text(_MLFLOW_LGB)
    booster.save_model(str(folder / "model.lgb"))
    np.testing.assert_allclose(load_model_folder(folder).predict(X), booster.predict(X))
