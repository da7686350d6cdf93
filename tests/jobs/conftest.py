"""Fixtures for job tests: a fresh embedded workspace and an in-process dispatcher."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest


@pytest.fixture
def ws(tmp_path: Path):
    import modelyard as yard

    workspace = yard.Workspace(tmp_path / "ws")
    yield workspace
    workspace.close()


@pytest.fixture
def dispatcher(ws) -> Iterator[object]:
    """A dispatcher thread serving ``ws`` (short grace so cancel tests end quickly)."""
    from modelyard.jobs.agent import _build_dispatcher

    d = _build_dispatcher(ws.location.folder, lease_seconds=3.0, grace=1.0, poll_interval=0.05)
    d.start()
    yield d
    d.stop()


@pytest.fixture
def submit(ws):
    """Submit a ``yard.command`` job without starting the on-demand agent."""
    from modelyard.jobs.client import command

    def _submit(**kwargs):
        return ws.jobs.create_or_update(command(**kwargs), start_agent=False)

    return _submit
