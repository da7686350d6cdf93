"""Fixtures: the ``endpoint_store`` fixture (SQLite, PostgreSQL, REST) and a small trained
model registered in a workspace."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from modelyard.endpoints.sql import SqlEndpointStore
from modelyard.endpoints.store import EndpointStore


def _sqlite(request: pytest.FixtureRequest, tmp_path: Path) -> EndpointStore:
    return SqlEndpointStore(f"sqlite:///{tmp_path / 'workspace.db'}")


def _postgres(request: pytest.FixtureRequest, tmp_path: Path) -> EndpointStore:
    return SqlEndpointStore(request.getfixturevalue("postgres_schema_url"))


def _rest(request: pytest.FixtureRequest, tmp_path: Path) -> EndpointStore:
    from modelyard.endpoints.rest import RestEndpointStore
    from tests.support.server import live_server

    stack = contextlib.ExitStack()
    server = stack.enter_context(live_server(tmp_path / "ws"))
    request.addfinalizer(stack.close)
    return RestEndpointStore(server.url)


_FACTORIES = {"sqlite": _sqlite, "postgres": _postgres, "rest": _rest}


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres), "rest"])
def endpoint_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[EndpointStore]:
    store = _FACTORIES[request.param](request, tmp_path)
    try:
        yield store
    finally:
        store.close()


def training_data(seed: int = 3) -> tuple[pd.DataFrame, pd.Series]:
    rng = np.random.default_rng(seed)
    X = pd.DataFrame(rng.normal(size=(300, 3)), columns=["a", "b", "c"])
    y = ((X["a"] - X["b"] + 0.3 * X["c"]) > 0).astype(int)
    return X, y
