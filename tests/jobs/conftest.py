"""Fixtures for job tests: a fresh embedded workspace and an in-process dispatcher."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest


def _cancel_leftovers(ws) -> bool:
    """Cancel the jobs a test left queued or running (a failed test must not leave its job
    processes behind); True if there were any."""
    left = [j for status in ("Running", "Queued") for j in ws.jobs.list(status=status)]
    for job in left:
        ws.jobs.cancel(job.id)
    return bool(left)


@pytest.fixture
def ws(tmp_path: Path):
    import modelyard as yard

    workspace = yard.Workspace(tmp_path / "ws")
    yield workspace
    if _cancel_leftovers(workspace):
        from modelyard.jobs.agent import agent_running

        deadline = time.monotonic() + 15  # an on-demand agent sees the cancel and kills them
        while agent_running(workspace.location.folder) and time.monotonic() < deadline:
            if not workspace.jobs.list(status="Running"):
                break
            time.sleep(0.1)
    workspace.close()


@pytest.fixture
def dispatcher(ws) -> Iterator[object]:
    """A dispatcher thread serving ``ws`` (short grace so cancel tests end quickly)."""
    from modelyard.jobs.agent import _build_dispatcher

    d = _build_dispatcher(ws.location.folder, lease_seconds=3.0, grace=1.0, poll_interval=0.05)
    d.start()
    yield d
    if _cancel_leftovers(ws):
        deadline = time.monotonic() + 15  # its thread kills the canceled jobs' process groups
        while d.busy and time.monotonic() < deadline:
            time.sleep(0.05)
    d.stop()


@pytest.fixture
def submit(ws):
    """Submit a ``yard.command`` job without starting the on-demand agent."""
    from modelyard.jobs.client import command

    def _submit(**kwargs):
        return ws.jobs.create_or_update(command(**kwargs), start_agent=False)

    return _submit
