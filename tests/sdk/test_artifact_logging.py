"""log_artifact(s), log_text, log_dict, log_figure and log_table produce the expected files."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
import yaml

import modelyard as yard
from modelyard.errors import InvalidArgument, NotFound
from modelyard.sdk.workspace import Workspace


def _read(ws: Workspace, run_id: str, path: str, dest: Path) -> bytes:
    return ws.runs.download_artifacts(run_id, path, dest=dest).read_bytes()


def test_text_and_dicts(ws: Workspace, tmp_path: Path) -> None:
    config = {"lr": 0.01, "layers": [64, 32], "name": "mlp"}
    with yard.start_run() as run:
        yard.log_text("épochs: 3\n", "notes/readme.txt")
        yard.log_dict(config, "config.json")
        yard.log_dict(config, "config.yaml")
    out = tmp_path / "out"
    assert _read(ws, run.id, "notes/readme.txt", out).decode("utf-8") == "épochs: 3\n"
    assert json.loads(_read(ws, run.id, "config.json", out)) == config
    assert yaml.safe_load(_read(ws, run.id, "config.yaml", out)) == config
    listing = {(a.path, a.is_dir) for a in ws.runs.list_artifacts(run.id)}
    assert listing == {("notes", True), ("config.json", False), ("config.yaml", False)}


def test_figures_png_and_svg(ws: Workspace, tmp_path: Path) -> None:
    from matplotlib.figure import Figure

    fig = Figure()
    fig.add_subplot().plot([0, 1, 2], [2, 1, 3])
    with yard.start_run() as run:
        yard.log_figure(fig, "plots/curve.png")
        yard.log_figure(fig, "plots/curve.svg")
        with pytest.raises(InvalidArgument, match="extension"):
            yard.log_figure(fig, "plots/curve.txt")
    png = _read(ws, run.id, "plots/curve.png", tmp_path)
    svg = _read(ws, run.id, "plots/curve.svg", tmp_path)
    assert png.startswith(b"\x89PNG\r\n")
    assert b"<svg" in svg[:2000]


def test_tables_json_csv_parquet(ws: Workspace, tmp_path: Path) -> None:
    import pandas as pd

    frame = pd.DataFrame({"id": [1, 2, 3], "pred": [0.1, 0.5, 0.9], "label": ["a", "b", "c"]})
    with yard.start_run() as run:
        yard.log_table(frame, "preds.csv")
        yard.log_table(frame, "preds.json")
        yard.log_table(frame, "preds.parquet")
        yard.log_table({"x": [1, 2]}, "small.csv")  # a dict of columns works too
    pd.testing.assert_frame_equal(pd.read_csv(io.BytesIO(_read(ws, run.id, "preds.csv", tmp_path))), frame)
    as_json = json.loads(_read(ws, run.id, "preds.json", tmp_path))
    assert as_json["columns"] == ["id", "pred", "label"] and as_json["data"][2] == [3, 0.9, "c"]
    pd.testing.assert_frame_equal(pd.read_parquet(io.BytesIO(_read(ws, run.id, "preds.parquet", tmp_path))), frame)
    assert _read(ws, run.id, "small.csv", tmp_path) == b"x\n1\n2\n"


def test_files_and_folders(ws: Workspace, tmp_path: Path) -> None:
    src = tmp_path / "src"
    (src / "sub").mkdir(parents=True)
    (src / "a.txt").write_text("A")
    (src / "sub" / "b.bin").write_bytes(b"\x00\x01")
    single = tmp_path / "model.pkl"
    single.write_bytes(b"weights")
    with yard.start_run() as run:
        yard.log_artifact(single)
        yard.log_artifact(single, "models/v1")
        yard.log_artifact(src, "copy")  # a folder: uploaded under its own name
        yard.log_artifacts(src)  # a folder's contents, at the top
        with pytest.raises(NotFound):
            yard.log_artifact(tmp_path / "missing.txt")
        with pytest.raises(InvalidArgument):
            yard.log_text("x", "../escape.txt")
    files = {a.path for a in ws.runs.list_artifacts(run.id, recursive=True) if not a.is_dir}
    assert files == {
        "model.pkl", "models/v1/model.pkl", "copy/src/a.txt", "copy/src/sub/b.bin", "a.txt", "sub/b.bin",
    }
    everything = ws.runs.download_artifacts(run.id, dest=tmp_path / "all")
    assert (everything / "copy" / "src" / "sub" / "b.bin").read_bytes() == b"\x00\x01"
    assert (everything / "models" / "v1" / "model.pkl").read_bytes() == b"weights"
    with pytest.raises(NotFound):
        ws.runs.download_artifacts(run.id, "nope.txt", dest=tmp_path)
