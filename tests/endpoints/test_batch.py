"""Batch scoring over mini-batches in parallel processes: row ids, retries, error threshold."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from modelyard.endpoints.batch import main, read_table, score_table
from modelyard.errors import ModelyardError
from modelyard.models.packaging import save_model
from modelyard.models.python_model import PythonModel
from tests.endpoints.conftest import training_data


class FailsOnNegative(PythonModel):
    def predict(self, model_input):
        if (model_input["x"] < 0).any():
            raise ValueError("negative input")
        return model_input["x"].to_numpy() * 2


class FlakyOnce(PythonModel):
    """Fails the first time it sees a mini-batch (remembered in a folder), then succeeds."""

    def __init__(self, folder: str) -> None:
        self.folder = folder

    def predict(self, model_input):
        marker = Path(self.folder) / f"seen-{int(model_input['x'].iloc[0])}"
        if not marker.exists():
            marker.write_text("x")
            raise RuntimeError("flaky")
        return model_input["x"].to_numpy()


def test_scores_in_order_with_row_ids(tmp_path: Path) -> None:
    from sklearn.linear_model import LogisticRegression

    X, y = training_data()
    model = LogisticRegression().fit(X, y)
    save_model(model, tmp_path / "m", input_example=X.head())
    big = pd.concat([X] * 4, ignore_index=True)
    (tmp_path / "in").mkdir()
    big.iloc[:600].to_csv(tmp_path / "in" / "part-0.csv", index=False)
    big.iloc[600:].to_parquet(tmp_path / "in" / "part-1.parquet", index=False)
    result = score_table(tmp_path / "m", read_table(tmp_path / "in"), tmp_path / "out", mini_batch_size=150, workers=2)
    assert (result.rows, result.mini_batches, result.failed_rows) == (1200, 8, 0)
    out = pd.read_parquet(tmp_path / "out" / "predictions.parquet")
    assert out["row_id"].tolist() == list(range(1200))
    assert out["prediction"].tolist() == model.predict(big).tolist()


def test_failed_mini_batches_count_against_the_threshold(tmp_path: Path) -> None:
    save_model(FailsOnNegative(), tmp_path / "m")
    frame = pd.DataFrame({"x": [1.0] * 50 + [-1.0] * 10 + [2.0] * 40})
    with pytest.raises(ModelyardError, match="10 rows in 1 mini-batches failed"):
        score_table(tmp_path / "m", frame, tmp_path / "out", mini_batch_size=10, retries=1, output_format="csv")
    written = pd.read_csv(tmp_path / "out" / "predictions.csv")
    assert len(written) == 90 and 50 not in written["row_id"].tolist()
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert summary["failed_rows"] == 10 and "negative input" in next(iter(summary["errors"].values()))
    ok = score_table(tmp_path / "m", frame, tmp_path / "out2", mini_batch_size=10, retries=0, error_threshold=10)
    assert ok.failed_mini_batches == 1


def test_failed_mini_batches_are_retried(tmp_path: Path) -> None:
    (tmp_path / "marks").mkdir()
    save_model(FlakyOnce(str(tmp_path / "marks")), tmp_path / "m")
    frame = pd.DataFrame({"x": np.arange(40, dtype=float)})
    result = score_table(tmp_path / "m", frame, tmp_path / "out", mini_batch_size=10, retries=2)
    assert result.failed_rows == 0 and result.retries == 4
    assert pd.read_parquet(result.output)["prediction"].tolist() == list(np.arange(40, dtype=float))


def test_command_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    save_model(FailsOnNegative(), tmp_path / "m")
    pd.DataFrame({"x": [1.0, 2.0]}).to_csv(tmp_path / "in.csv", index=False)
    main(["--model-dir", str(tmp_path / "m"), "--input", str(tmp_path / "in.csv"), "--output", str(tmp_path / "o"),
          "--format", "csv", "--workers", "1"])
    assert pd.read_csv(tmp_path / "o" / "predictions.csv")["prediction"].tolist() == [2.0, 4.0]
    with pytest.raises(SystemExit) as exit_info:
        main(["--model-dir", str(tmp_path / "m"), "--input", str(tmp_path / "missing.csv"), "--output", str(tmp_path / "o2")])
    assert exit_info.value.code == 1 and "no CSV" in capsys.readouterr().err


def test_batch_endpoint_invocation_runs_as_a_job(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from sklearn.linear_model import LogisticRegression

    import modelyard as yard

    monkeypatch.delenv("MODELYARD_RUN_ID", raising=False)
    X, y = training_data()
    model = LogisticRegression().fit(X, y)
    save_model(model, tmp_path / "m", input_example=X.head())
    X.to_csv(tmp_path / "score.csv", index=False)
    with yard.Workspace(tmp_path / "ws") as ws:
        ws.models.create(name="clf", path=tmp_path / "m")
        ws.endpoints.create(name="nightly", kind="batch", auth_mode="none")
        ws.endpoints.create_deployment("nightly", name="main", model="clf:1",
                                       settings={"mini_batch_size": 50, "max_concurrency": 2})
        job = ws.endpoints.invoke_batch("nightly", input=tmp_path / "score.csv", output_name="nightly-preds")
        done = job.wait(timeout=300)
        assert str(done.status) == "Finished", ws.jobs.logs(job.id)
        folder = ws.data.store.local_path("nightly-preds", ws.data.store.get_version("nightly-preds").version)
        preds = pd.read_parquet(Path(folder) / "predictions.parquet")
        assert preds["row_id"].tolist() == list(range(len(X)))
        assert preds["prediction"].tolist() == model.predict(X).tolist()


SCALING_SCRIPT = '''
import os
from pathlib import Path

factor = None


def init():
    global factor
    assert Path(os.environ["AZUREML_MODEL_DIR"], "MLmodel").is_file()
    factor = float((Path(__file__).parent / "factor.txt").read_text())


def run(mini_batch):
    if (mini_batch["b"] > 2.5).any():
        raise ValueError("b too large")
    return mini_batch[["a"]] * factor  # a one-column DataFrame: the prediction
'''


def test_a_batch_deployment_with_a_custom_scoring_script(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Created from YAML with code_configuration: the folder is uploaded, so editing it later
    changes nothing; init() runs once with the model's folder, run() per mini-batch; a failing
    mini-batch counts against the threshold."""
    from sklearn.linear_model import LogisticRegression
    from typer.testing import CliRunner

    import modelyard as yard
    from modelyard.cli.main import app

    monkeypatch.delenv("MODELYARD_RUN_ID", raising=False)
    X, y = training_data()
    save_model(LogisticRegression().fit(X, y), tmp_path / "m", input_example=X.head())
    X["b"] = X["b"].clip(upper=2.0)
    X.loc[150, "b"] = 3.0  # fails the second mini-batch
    X.to_csv(tmp_path / "score.csv", index=False)
    code = tmp_path / "src"
    code.mkdir()
    (code / "score.py").write_text(SCALING_SCRIPT)
    (code / "factor.txt").write_text("10")
    (tmp_path / "dep.yml").write_text(
        "name: scaled\nendpoint_name: nightly\nmodel: clf:1\nmini_batch_size: 100\n"
        "error_threshold: 100\ncode_configuration:\n  code: ./src\n  scoring_script: score.py\n"
    )
    ws_path = str(tmp_path / "ws")
    with yard.Workspace(ws_path) as ws:
        ws.models.create(name="clf", path=tmp_path / "m")
        ws.endpoints.create(name="nightly", kind="batch", auth_mode="none")
    res = CliRunner().invoke(app, ["-w", ws_path, "batch-deployment", "create", "-f", str(tmp_path / "dep.yml"),
                                   "-o", "json"])
    assert res.exit_code == 0, res.stderr
    assert json.loads(res.stdout)["code"].startswith("snapshot:")
    (code / "factor.txt").write_text("999")  # after creation: not what the deployment runs

    with yard.Workspace(ws_path) as ws:
        job = ws.endpoints.invoke_batch("nightly", input=tmp_path / "score.csv", output_name="scaled-preds")
        done = job.wait(timeout=300)
        assert str(done.status) == "Finished", ws.jobs.logs(job.id)
        folder = Path(ws.data.store.local_path("scaled-preds", ws.data.store.get_version("scaled-preds").version))
    preds = pd.read_parquet(folder / "predictions.parquet")
    kept = [i for i in range(len(X)) if i // 100 != 1]
    assert preds["row_id"].tolist() == kept
    assert np.allclose(preds["prediction"].to_numpy(), X["a"].iloc[kept].to_numpy() * 10)
    summary = json.loads((folder / "summary.json").read_text())
    assert summary["failed_mini_batches"] == 1 and "b too large" in json.dumps(summary["errors"])
