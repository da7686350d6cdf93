"""Buffered metric sending: flush persists, failures are reported, never dropped silently."""

from __future__ import annotations

from pathlib import Path

import pytest

from modelyard.errors import BackendUnavailable, InvalidState, ModelyardError
from modelyard.sdk._buffer import MetricsNotSent
from modelyard.sdk.workspace import Workspace
from tests.sdk.conftest import make_settings
from tests.support.server import listening_socket, live_server


def test_points_wait_in_the_buffer_until_flush(location: str) -> None:
    # a batch size and interval that never trigger: only flush() sends
    with Workspace(location, settings=make_settings(batch_size=100_000, flush_interval=3600)) as ws:
        run = ws.runs.start()
        for step in range(250):
            run.log_metric("loss", 1.0 / (step + 1))
        assert ws.metric_buffer.pending == 250
        assert ws.runs.metric_history(run.id, "loss") == []
        run.flush()
        history = ws.runs.metric_history(run.id, "loss")
        assert [m.step for m in history] == list(range(250))
        assert ws.runs.get(run.id).metrics["loss"].count == 250
        run.end()


def test_a_full_batch_is_sent_by_the_background_thread(location: str) -> None:
    with Workspace(location, settings=make_settings(batch_size=10, flush_interval=3600)) as ws:
        run = ws.runs.start()
        for step in range(10):
            run.log_metric("x", float(step))
        thread = ws.metric_buffer._thread
        assert thread is not None and thread.daemon
        run.flush()  # waits for the thread's send in flight, if any
        assert ws.metric_buffer.pending == 0
        assert len(ws.runs.metric_history(run.id, "x")) == 10
        run.end()


def test_run_end_and_workspace_close_persist_everything(location: str) -> None:
    settings = make_settings(batch_size=100_000, flush_interval=3600)
    ws = Workspace(location, settings=settings)
    with ws.runs.start() as run:
        run.log_metrics({"a": 1.0, "b": 2.0})
    other = ws.runs.start()
    other.log_metric("c", 3.0)
    ws.close()  # flushes the buffer; the run itself stays Running
    with Workspace(location) as again:
        assert set(again.runs.get(run.id).metrics) == {"a", "b"}
        assert again.runs.get(other.id).metrics["c"].latest == 3.0


def test_an_unreachable_server_makes_flush_raise_after_retries(tmp_path: Path) -> None:
    with live_server(tmp_path / "ws") as server:
        ws = Workspace(server.url, settings=make_settings(batch_size=100_000, flush_interval=3600, send_retries=2))
        run = ws.runs.start()
        for step in range(3):
            run.log_metric("loss", float(step))
    # the server is gone now
    with pytest.raises(BackendUnavailable, match="3 metric point"):
        run.flush()
    assert ws.metric_buffer.pending == 3  # kept for a later attempt, not dropped
    with pytest.raises(MetricsNotSent):
        run.flush()  # still unreachable: raised again
    with Workspace(tmp_path / "ws") as local:
        assert local.runs.metric_history(run.id, "loss") == []
    with pytest.raises(MetricsNotSent):
        ws.close()  # closing reports the unsaved points too


def test_a_server_url_on_a_closed_port_is_reported(tmp_path: Path) -> None:
    sock = listening_socket()
    port = sock.getsockname()[1]
    sock.close()  # nothing listens there any more
    ws = Workspace(f"http://127.0.0.1:{port}", settings=make_settings(send_retries=1))
    with pytest.raises(BackendUnavailable):
        ws.runs.start()


def test_points_refused_by_the_store_are_reported_once(location: str) -> None:
    with Workspace(location, settings=make_settings(batch_size=100_000, flush_interval=3600)) as ws:
        kept = ws.runs.start()
        doomed = ws.runs.start()
        kept.log_metric("acc", 0.9)
        doomed.log_metric("acc", 0.1)
        ws.runs.delete(doomed.id)
        with pytest.raises(ModelyardError, match=f"1 metric point.*{doomed.id}") as info:
            ws.flush()
        assert isinstance(info.value, InvalidState)
        ws.flush()  # reported once; nothing pending any more
        assert ws.runs.get(kept.id).metrics["acc"].latest == 0.9  # the other run's points made it
        kept.end()


def test_an_error_from_the_background_thread_surfaces_on_the_next_call(location: str) -> None:
    with Workspace(location, settings=make_settings(batch_size=1, flush_interval=3600)) as ws:
        run = ws.runs.start()
        ws.runs.delete(run.id)
        run.log_metric("acc", 0.5)  # the thread sends it at once and the store refuses it
        with pytest.raises(InvalidState):
            run.log_metric("acc", 0.6)  # raises here if the thread has failed already,
            ws.flush()  # else here, after waiting for the send in flight
