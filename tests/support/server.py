"""A real Modelyard server on loopback for tests: in a thread, or in a subprocess.

Both bind a listening socket on 127.0.0.1 and a free port *before* the server starts, so a
client may connect at once (the kernel queues it until the server accepts): no polling.

Usage::

    from tests.support.server import live_server, server_process

    with live_server(tmp_path / "ws") as srv:          # in-process thread
        httpx.get(f"{srv.url}/healthz")

    with server_process(tmp_path / "ws") as proc:       # subprocess (kill -9 tests)
        ...; proc.kill()                                # SIGKILL, then
        proc.restart()                                  # same workspace, new port
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["LiveServer", "ServerProcess", "listening_socket", "live_server", "server_process"]

_START_TIMEOUT_S = 60.0


def listening_socket(host: str = "127.0.0.1") -> socket.socket:
    """A TCP socket bound to a free port on ``host`` and listening."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, 0))
    sock.listen(128)
    return sock


@dataclass
class LiveServer:
    """A running in-process server.

    Attributes:
        url: ``http://127.0.0.1:<port>``.
        port: the port.
        app: the FastAPI app (``app.state.tracking_store`` etc.).
        server: the ``uvicorn.Server`` (``server.server_state.connections`` holds the
            protocols of open connections).
    """

    url: str
    port: int
    app: Any
    server: Any
    thread: threading.Thread = field(repr=False)


@contextmanager
def live_server(
    workspace: str | os.PathLike[str],
    *,
    settings: Any = None,
    tracking_store: Any = None,
    artifact_store: Any = None,
    app: Any = None,
) -> Iterator[LiveServer]:
    """Run a real uvicorn server on 127.0.0.1 in a background thread; yield it.

    Args:
        workspace: the embedded workspace folder to serve (created if missing).
        settings: a ``Settings`` to start from (its workspace is replaced).
        tracking_store / artifact_store: serve these stores instead of the folder's.
        app: serve this app (made with ``create_app``) instead of making one.
    """
    from modelyard.server.app import create_app
    from modelyard.server.run import build_server
    from modelyard.settings import Settings

    base = settings or Settings()
    settings = base.model_copy(update={"workspace": str(workspace)})
    sock = listening_socket()
    port = sock.getsockname()[1]
    settings.server.port = port
    if app is None:
        app = create_app(settings, tracking_store=tracking_store, artifact_store=artifact_store)
    server = build_server(settings, app=app, port=port)
    failure: list[BaseException] = []

    def run() -> None:
        try:
            server.run(sockets=[sock])
        except BaseException as e:  # noqa: BLE001 - surfaced to the caller below
            failure.append(e)

    thread = threading.Thread(target=run, name=f"modelyard-server-{port}", daemon=True)
    thread.start()
    try:
        _wait_started(server, thread, failure)
        yield LiveServer(url=f"http://127.0.0.1:{port}", port=port, app=app, server=server, thread=thread)
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        sock.close()


def _wait_started(server: Any, thread: threading.Thread, failure: list[BaseException]) -> None:
    import time

    deadline = time.monotonic() + _START_TIMEOUT_S
    while not server.started:
        if failure:
            raise RuntimeError("the test server failed to start") from failure[0]
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the test server did not start")
        time.sleep(0.01)  # waiting for startup, not timing anything


_CHILD = """
import logging, socket, sys
logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
from modelyard.settings import Settings
from modelyard.server.run import build_server
sock = socket.socket(fileno=int(sys.argv[2]))
settings = Settings(workspace=sys.argv[1])
settings.server.port = sock.getsockname()[1]
build_server(settings).run(sockets=[sock])
"""


class ServerProcess:
    """A server in a child process on a workspace folder; see :func:`server_process`."""

    def __init__(self, workspace: Path, log_path: Path, env: dict[str, str] | None = None) -> None:
        self.workspace = workspace
        self.log_path = log_path
        self._env = {**os.environ, **(env or {})}
        self.proc: subprocess.Popen[bytes] | None = None
        self.url = ""
        self.port = 0

    def start(self) -> None:
        sock = listening_socket()
        self.port = sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-c", _CHILD, str(self.workspace), str(sock.fileno())],
                pass_fds=(sock.fileno(),),
                stdout=log,
                stderr=subprocess.STDOUT,
                env=self._env,
            )
        sock.close()  # the child holds its own copy
        self._wait_healthy()

    def _wait_healthy(self) -> None:
        import httpx

        try:  # the socket listens already: this waits in the kernel's queue, no polling
            httpx.get(f"{self.url}/healthz", timeout=_START_TIMEOUT_S).raise_for_status()
        except httpx.HTTPError as e:
            raise RuntimeError(f"server process did not come up; log:\n{self.log()}") from e

    def kill(self) -> None:
        """SIGKILL the server (no cleanup of any kind runs) and reap it."""
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=30)

    def restart(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.kill()
        self.start()

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


@contextmanager
def server_process(
    workspace: str | os.PathLike[str], *, log_path: str | os.PathLike[str] | None = None,
    env: dict[str, str] | None = None,
) -> Iterator[ServerProcess]:
    """Run ``modelyard``'s server in a subprocess on ``workspace``; stop it on exit."""
    folder = Path(workspace)
    folder.mkdir(parents=True, exist_ok=True)
    proc = ServerProcess(folder, Path(log_path) if log_path else folder.parent / f"{folder.name}-server.log", env)
    proc.start()
    try:
        yield proc
    finally:
        proc.stop()
