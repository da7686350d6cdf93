"""The ``data_store`` fixture: one contract suite for every DataStore implementation
(embedded SQLite, PostgreSQL, REST against a live server on loopback), and the loopback S3
server of the artifact tests (``s3_endpoint``, ``s3_fs``, ``s3_bucket``: skipped when moto
cannot start, a failure with ``CI=true``)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from modelyard.artifacts.local import LocalArtifactStore
from modelyard.data.sql import SqlDataStore
from modelyard.data.store import DataStore
from tests.artifacts.conftest import s3_bucket, s3_endpoint, s3_fs  # noqa: F401 - fixtures


def _sqlite(request: pytest.FixtureRequest, tmp_path: Path) -> DataStore:
    return SqlDataStore(f"sqlite:///{tmp_path / 'workspace.db'}", LocalArtifactStore(tmp_path / "artifacts"))


def _postgres(request: pytest.FixtureRequest, tmp_path: Path) -> DataStore:
    url = request.getfixturevalue("postgres_schema_url")
    return SqlDataStore(url, LocalArtifactStore(tmp_path / "artifacts"))


def _rest(request: pytest.FixtureRequest, tmp_path: Path) -> DataStore:
    from modelyard.data.rest import RestDataStore

    server = request.getfixturevalue("served_data")
    return RestDataStore(server.url)


_FACTORIES = {"sqlite": _sqlite, "postgres": _postgres, "rest": _rest}


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres), "rest"])
def data_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[DataStore]:
    store = _FACTORIES[request.param](request, tmp_path)
    try:
        yield store
    finally:
        store.close()


@pytest.fixture(scope="session")
def data_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """One real server on loopback for the whole session (starting one per test is slow)."""
    from tests.support.server import live_server

    with live_server(tmp_path_factory.mktemp("data-server") / "ws") as server:
        yield server


@pytest.fixture
def served_data(data_server: Any, tmp_path: Path) -> Iterator[Any]:
    """The session's server, serving a fresh, empty data store (SQLite + artifact folder)
    for the length of one test: the isolation of a server per test without its start-up."""
    store = SqlDataStore(f"sqlite:///{tmp_path / 'served.db'}", LocalArtifactStore(tmp_path / "served"))
    state = data_server.app.state
    previous = getattr(state, "data_store", None)
    state.data_store = store
    try:
        yield data_server
    finally:
        state.data_store = previous
        store.close()


@pytest.fixture
def sqlite_store(tmp_path: Path) -> Iterator[SqlDataStore]:
    store = SqlDataStore(f"sqlite:///{tmp_path / 'workspace.db'}", LocalArtifactStore(tmp_path / "artifacts"))
    try:
        yield store
    finally:
        store.close()

