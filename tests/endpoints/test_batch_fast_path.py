"""Batch scoring of numeric models straight from Arrow columns, the signature checks on that
path, and mini-batches scored in a pool of forked processes."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from modelyard.endpoints import batch
from modelyard.endpoints.batch import main, score_table
from modelyard.endpoints.batch_io import read_input
from modelyard.errors import InvalidArgument, ModelyardError
from modelyard.models.packaging import save_model
from modelyard.models.python_model import PythonModel
from tests.endpoints.conftest import training_data


class RecordsProcess(PythonModel):
    """Predicts ``x * 2`` and records which process scored each mini-batch."""

    def __init__(self, folder: str) -> None:
        self.folder = folder

    def predict(self, model_input):
        import os

        first = int(model_input["x"].iloc[0])
        (Path(self.folder) / f"batch-{first}-pid-{os.getpid()}").write_text("x")
        if first == 30 and not (Path(self.folder) / "failed-once").exists():
            (Path(self.folder) / "failed-once").write_text("x")
            raise RuntimeError("flaky")
        return model_input["x"].to_numpy() * 2


class DiesOnce(PythonModel):
    """Kills its process the first time it sees the mini-batch starting at 30."""

    def __init__(self, folder: str) -> None:
        self.folder = folder

    def predict(self, model_input):
        import os

        if int(model_input["x"].iloc[0]) == 30 and not (Path(self.folder) / "died").exists():
            (Path(self.folder) / "died").write_text("x")
            os._exit(3)
        return model_input["x"].to_numpy() + 1


@pytest.fixture()
def classifier(tmp_path: Path):
    from sklearn.linear_model import LogisticRegression

    X, y = training_data()
    model = LogisticRegression().fit(X, y)
    save_model(model, tmp_path / "m", input_example=X.head())
    return model, X


def _run(tmp_path: Path, *args: str) -> None:
    main(["--model-dir", str(tmp_path / "m"), "--output", str(tmp_path / "out"), *args])


def _summary(tmp_path: Path) -> dict:
    return json.loads((tmp_path / "out" / "summary.json").read_text())


def test_numeric_csv_is_scored_from_arrow_columns(tmp_path: Path, classifier) -> None:
    model, X = classifier
    data = X.copy()
    data["id"] = [f"row-{i}" for i in range(len(X))]  # an extra column the model does not take
    data["b"] = data["b"].round().astype(int)  # integers in a double column are cast
    data[["id", "c", "b", "a"]].to_csv(tmp_path / "in.csv", index=False)  # another column order
    _run(tmp_path, "--input", str(tmp_path / "in.csv"), "--format", "csv", "--mini-batch-size", "70")
    expected = model.predict(data[["a", "b", "c"]].astype(float))
    out = pd.read_csv(tmp_path / "out" / "predictions.csv")
    assert out["row_id"].tolist() == list(range(len(X)))
    assert out["prediction"].tolist() == expected.tolist()
    summary = _summary(tmp_path)
    assert summary["fast_path"] is True and summary["mini_batches"] == 5
    assert {"read", "score", "write", "load_model"} <= set(summary["stages"])


def test_missing_column_fails_before_scoring_with_its_name(tmp_path: Path, classifier,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    _, X = classifier
    X[["a", "c"]].to_csv(tmp_path / "in.csv", index=False)
    with pytest.raises(SystemExit) as exit_info:
        _run(tmp_path, "--input", str(tmp_path / "in.csv"))
    err = capsys.readouterr().err
    assert exit_info.value.code == 1
    assert "batch scoring failed" in err and "'b'" in err and "expected columns: a, b, c" in err
    assert not (tmp_path / "out" / "predictions.parquet").exists()


def test_a_null_fails_only_its_mini_batch_and_names_the_column(tmp_path: Path, classifier) -> None:
    model, X = classifier
    text = X.to_csv(index=False).splitlines()
    fields = text[1 + 123].split(",")
    fields[2] = ""  # row 123, column c: empty
    text[1 + 123] = ",".join(fields)
    (tmp_path / "in.csv").write_text("\n".join(text) + "\n")
    _run(tmp_path, "--input", str(tmp_path / "in.csv"), "--mini-batch-size", "100", "--retries", "0",
         "--error-threshold", "100")
    out = pd.read_parquet(tmp_path / "out" / "predictions.parquet")
    kept = [i for i in range(len(X)) if not 100 <= i < 200]
    assert out["row_id"].tolist() == kept
    assert out["prediction"].tolist() == model.predict(X.iloc[kept]).tolist()
    summary = _summary(tmp_path)
    assert summary["failed_rows"] == 100
    assert "'c'" in summary["errors"]["(100, 200)"] and "missing value" in summary["errors"]["(100, 200)"]


def test_text_in_a_numeric_column_is_a_clear_mini_batch_error(tmp_path: Path, classifier) -> None:
    _, X = classifier
    data = X.astype(object)
    data.loc[7, "a"] = "seven"
    data.to_csv(tmp_path / "in.csv", index=False)
    with pytest.raises(SystemExit):
        _run(tmp_path, "--input", str(tmp_path / "in.csv"), "--mini-batch-size", "50", "--retries", "1")
    summary = _summary(tmp_path)
    assert summary["fast_path"] is False and summary["failed_rows"] == 50
    assert "'a'" in summary["errors"]["(0, 50)"] and "'seven'" in summary["errors"]["(0, 50)"]
    assert len(pd.read_parquet(tmp_path / "out" / "predictions.parquet")) == len(X) - 50


def test_nan_in_parquet_input_is_checked_on_the_fast_path(tmp_path: Path, classifier) -> None:
    _, X = classifier
    data = X.copy()
    data.loc[250, "b"] = np.nan
    rows = pa.Table.from_pandas(data, preserve_index=False)
    with pytest.raises(ModelyardError, match="100 rows in 1 mini-batches failed.*'b'"):
        score_table(tmp_path / "m", rows, tmp_path / "out", mini_batch_size=100, retries=0)
    assert _summary(tmp_path)["fast_path"] is True


def test_a_pipeline_takes_the_frame_path_with_the_same_answers(tmp_path: Path) -> None:
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    X, y = training_data()
    model = make_pipeline(StandardScaler(), LogisticRegression()).fit(X, y)
    save_model(model, tmp_path / "m", input_example=X.head())
    X.to_parquet(tmp_path / "in.parquet", index=False)
    result = score_table(tmp_path / "m", read_input(tmp_path / "in.parquet"), tmp_path / "out",
                         mini_batch_size=64, output_format="csv")
    assert result.rows == len(X) and _summary(tmp_path)["fast_path"] is True
    assert pd.read_csv(result.output)["prediction"].tolist() == model.predict(X).tolist()


def test_slow_models_score_in_forked_processes_with_retries(tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(batch, "_IN_PROCESS_SECONDS", -1.0)  # any model counts as slow
    (tmp_path / "marks").mkdir()
    save_model(RecordsProcess(str(tmp_path / "marks")), tmp_path / "m",
               input_example=pd.DataFrame({"x": [1.0, 2.0]}))
    for mark in (tmp_path / "marks").iterdir():  # from scoring the example while saving
        mark.unlink()
    rows = pa.table({"x": np.arange(60, dtype=float), "other": ["t"] * 60})
    result = score_table(tmp_path / "m", rows, tmp_path / "out", mini_batch_size=10, workers=2, retries=1)
    assert (result.rows, result.failed_rows, result.retries) == (60, 0, 1)
    out = pd.read_parquet(result.output)
    assert out["row_id"].tolist() == list(range(60))
    assert out["prediction"].tolist() == [2.0 * i for i in range(60)]
    pids = {name.split("-pid-")[1] for name in os.listdir(tmp_path / "marks") if "-pid-" in name}
    first = {name.split("-pid-")[1] for name in os.listdir(tmp_path / "marks") if name.startswith("batch-0-")}
    assert first == {str(os.getpid())}  # the probe, in this process
    assert len(pids - first) >= 1  # the others in pool processes
    assert _summary(tmp_path)["processes"] == 2


def test_a_pool_process_that_dies_is_replaced_for_the_retries(tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(batch, "_IN_PROCESS_SECONDS", -1.0)
    (tmp_path / "marks").mkdir()
    save_model(DiesOnce(str(tmp_path / "marks")), tmp_path / "m")
    rows = pa.table({"x": np.arange(60, dtype=float)})
    result = score_table(tmp_path / "m", rows, tmp_path / "out", mini_batch_size=10, workers=2, retries=1)
    assert (tmp_path / "marks" / "died").exists()
    assert result.failed_rows == 0 and result.retries >= 1
    assert pd.read_parquet(result.output)["prediction"].tolist() == [i + 1.0 for i in range(60)]
    with pytest.raises(ModelyardError, match="BrokenProcessPool"):
        (tmp_path / "marks" / "died").unlink()
        score_table(tmp_path / "m", rows, tmp_path / "out2", mini_batch_size=10, workers=2, retries=0)


def test_bad_settings_are_invalid_arguments(tmp_path: Path, classifier) -> None:
    _, X = classifier
    with pytest.raises(InvalidArgument, match="output format"):
        score_table(tmp_path / "m", X, tmp_path / "out", output_format="json")
    with pytest.raises(InvalidArgument, match="mini_batch_size"):
        score_table(tmp_path / "m", X, tmp_path / "out", mini_batch_size=0)


def test_the_module_as_a_process_writes_everything_and_exits_with_its_code(tmp_path: Path, classifier) -> None:
    import subprocess
    import sys

    model, X = classifier
    X.to_csv(tmp_path / "in.csv", index=False)
    argv = [sys.executable, "-m", "modelyard.endpoints.batch", "--model-dir", str(tmp_path / "m"),
            "--output", str(tmp_path / "out"), "--format", "csv"]
    done = subprocess.run([*argv, "--input", str(tmp_path / "in.csv")], capture_output=True, text=True,
                          timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stderr.strip().endswith(f"scored {len(X)} rows in 1 mini-batches -> {tmp_path / 'out' / 'predictions.csv'}")
    assert pd.read_csv(tmp_path / "out" / "predictions.csv")["prediction"].tolist() == model.predict(X).tolist()
    assert json.loads((tmp_path / "out" / "summary.json").read_text())["rows"] == len(X)
    X[["a"]].to_csv(tmp_path / "bad.csv", index=False)
    failed = subprocess.run([*argv, "--input", str(tmp_path / "bad.csv")], capture_output=True, text=True,
                            timeout=300, check=False)
    assert failed.returncode == 1
    assert failed.stderr.strip().splitlines()[-1].startswith("batch scoring failed: the input has no column 'b'")
    assert "Traceback" not in failed.stderr


def test_unreadable_model_or_input_is_one_error_line(tmp_path: Path, classifier,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    _, X = classifier
    X.to_csv(tmp_path / "in.csv", index=False)
    (tmp_path / "bad.parquet").write_text("not parquet")
    with pytest.raises(SystemExit) as exit_info:
        _run(tmp_path, "--input", str(tmp_path / "bad.parquet"))
    assert exit_info.value.code == 1 and "cannot be read as Parquet" in capsys.readouterr().err
    (tmp_path / "m" / "model.pkl").write_bytes(b"garbage")
    with pytest.raises(SystemExit) as exit_info:
        _run(tmp_path, "--input", str(tmp_path / "in.csv"))
    err = capsys.readouterr().err
    assert exit_info.value.code == 1 and "cannot be loaded: UnpicklingError" in err


def test_predictions_pyarrow_cannot_write_are_written_by_pandas(tmp_path: Path) -> None:
    import numpy as np
    import pandas as pd

    from modelyard.endpoints.batch_io import write_predictions

    plain = tmp_path / "plain.csv"
    write_predictions([(0, 2, np.array([0.5, 1.5])), (2, 3, np.array([2.5]))], plain, "csv")
    assert pd.read_csv(plain).to_dict("list") == {"row_id": [0, 1, 2], "prediction": [0.5, 1.5, 2.5]}
    mixed = tmp_path / "mixed.csv"  # pyarrow refuses a column of ints and text
    write_predictions([(0, 3, np.array([1, "a", None], dtype=object))], mixed, "csv")
    got = pd.read_csv(mixed, keep_default_na=False)
    assert got["row_id"].tolist() == [0, 1, 2] and got["prediction"].astype(str).tolist() == ["1", "a", ""]
    proba = tmp_path / "proba.parquet"  # one list per row
    write_predictions([(0, 2, np.array([[0.1, 0.9], [0.8, 0.2]]))], proba, "parquet")
    assert [list(p) for p in pd.read_parquet(proba)["prediction"]] == [[0.1, 0.9], [0.8, 0.2]]
