"""Fixtures: small models trained here on generated data, and the ``model_store`` fixture
that runs one contract suite on every ModelStore (SQLite, PostgreSQL, REST)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from modelyard.artifacts.local import LocalArtifactStore
from modelyard.models.sql import SqlModelStore
from modelyard.models.store import ModelStore


@pytest.fixture
def frame() -> tuple[pd.DataFrame, pd.Series]:
    rng = np.random.default_rng(7)
    X = pd.DataFrame(rng.normal(size=(200, 3)), columns=["a", "b", "c"])
    y = ((X["a"] + 0.5 * X["b"] - X["c"]) > 0).astype(int)
    return X, y


@pytest.fixture
def sk_pipeline(frame):
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    X, y = frame
    return make_pipeline(StandardScaler(), LogisticRegression()).fit(X, y)


@pytest.fixture
def model_folder(tmp_path: Path, sk_pipeline, frame) -> Path:
    from modelyard.models.packaging import save_model

    save_model(sk_pipeline, tmp_path / "pkg" / "model", input_example=frame[0].head())
    return tmp_path / "pkg" / "model"


def _sqlite(request: pytest.FixtureRequest, tmp_path: Path) -> ModelStore:
    return SqlModelStore(f"sqlite:///{tmp_path / 'workspace.db'}", LocalArtifactStore(tmp_path / "artifacts"))


def _postgres(request: pytest.FixtureRequest, tmp_path: Path) -> ModelStore:
    url = request.getfixturevalue("postgres_schema_url")
    return SqlModelStore(url, LocalArtifactStore(tmp_path / "artifacts"))


def _rest(request: pytest.FixtureRequest, tmp_path: Path) -> ModelStore:
    from modelyard.models.rest import RestModelStore
    from tests.support.server import live_server

    stack = contextlib.ExitStack()
    server = stack.enter_context(live_server(tmp_path / "ws"))
    request.addfinalizer(stack.close)
    return RestModelStore(server.url)


_FACTORIES = {"sqlite": _sqlite, "postgres": _postgres, "rest": _rest}


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres), "rest"])
def model_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[ModelStore]:
    store = _FACTORIES[request.param](request, tmp_path)
    try:
        yield store
    finally:
        store.close()
