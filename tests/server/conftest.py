"""Fixtures for server tests: a real server on loopback, an HTTP client, a REST store."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.server import LiveServer, live_server


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    return tmp_path / "ws"


@pytest.fixture
def server(workspace: Path) -> Iterator[LiveServer]:
    with live_server(workspace) as srv:
        yield srv


@pytest.fixture
def http(server: LiveServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url, timeout=60) as client:
        yield client


@pytest.fixture
def rest_store(server: LiveServer):
    from modelyard.tracking.rest import RestTrackingStore

    store = RestTrackingStore(server.url)
    yield store
    store.close()


@pytest.fixture
def run_id(rest_store) -> str:
    exp = rest_store.create_experiment("server-tests")
    return rest_store.create_run(exp.id, name="r1").id


@pytest.fixture
def no_server_errors(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """Fail the test if the server logged an unexpected (500) error while it ran."""
    caplog.set_level(logging.ERROR, logger="modelyard.server.errors")
    yield
    unexpected = [r for r in caplog.records if r.name == "modelyard.server.errors"]
    assert not unexpected, [r.getMessage() for r in unexpected]
