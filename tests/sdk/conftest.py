"""Fixtures for SDK tests: every test that takes ``location`` runs twice, against an
embedded workspace folder and against a real server on loopback serving another folder."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import pytest

from modelyard.errors import ModelyardError
from modelyard.sdk import fluent
from modelyard.sdk.workspace import Workspace
from modelyard.settings import Settings, TrackingSettings
from tests.support.server import live_server


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No ambient workspace or job run leaks in from the shell or from another test."""
    monkeypatch.delenv("MODELYARD_RUN_ID", raising=False)
    monkeypatch.delenv("MODELYARD_WORKSPACE", raising=False)
    yield
    for run in reversed(fluent._active_runs.get()):
        with contextlib.suppress(ModelyardError):
            run.end()
    fluent._active_runs.set(())
    fluent._workspace.set(None)
    holder = fluent._default.get()
    with holder.lock:
        holder.workspace = None


def make_settings(**tracking: object) -> Settings:
    """Settings with tracking overrides (batch_size, flush_interval, send_retries...)."""
    return Settings(tracking=TrackingSettings(**tracking))


@pytest.fixture(params=["embedded", "server"])
def location(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A workspace location: a folder, or the URL of a live server on another folder."""
    if request.param == "embedded":
        yield str(tmp_path / "ws")
    else:
        with live_server(tmp_path / "server-ws") as server:
            yield server.url


@pytest.fixture
def ws(location: str) -> Iterator[Workspace]:
    """A Workspace on ``location``, made the current one for fluent calls."""
    workspace = Workspace(location, settings=make_settings())
    fluent.set_workspace(workspace)
    yield workspace
    workspace.close()
