"""A spare, pre-started deployment worker, so a new deployment answers sooner.

The spare imports the heavy modules (NumPy, pandas, scikit-learn, uvicorn) at once, then
waits on a socket pair for the supervisor to hand it a deployment: its worker arguments,
its log file and its listening socket (passed with ``SCM_RIGHTS``). The supervisor keeps
one spare while the workspace has online endpoints, and starts the next one after each hand
over. A spare exits when its channel closes or its server dies.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import subprocess
import sys
from pathlib import Path

__all__ = ["SpareWorker"]

logger = logging.getLogger(__name__)


class SpareWorker:
    """At most one waiting worker process (not thread-safe: the supervisor holds its lock).

    Args:
        log_dir: where the spare's own log (until it is handed a deployment) goes.
    """

    def __init__(self, log_dir: Path) -> None:
        self.log_dir = Path(log_dir)
        self._proc: subprocess.Popen[bytes] | None = None
        self._channel: socket.socket | None = None

    @property
    def pid(self) -> int | None:
        return None if self._proc is None else self._proc.pid

    def ensure(self) -> None:
        """Start a spare unless a live one is waiting."""
        if self._proc is not None and self._proc.poll() is None:
            return
        self._drop()
        ours, theirs = socket.socketpair()
        self.log_dir.mkdir(parents=True, exist_ok=True)
        try:
            with open(self.log_dir / "spare-worker.log", "ab") as log:
                self._proc = subprocess.Popen(
                    [sys.executable, "-m", "modelyard.endpoints.worker", "--warm-fd", str(theirs.fileno()),
                     "--parent-pid", str(os.getpid())],
                    pass_fds=(theirs.fileno(),), stdout=log, stderr=subprocess.STDOUT,
                    env={**os.environ, "PYTHONUNBUFFERED": "1"}, start_new_session=True)
            self._channel = ours
        except OSError:
            logger.warning("could not pre-start a spare worker", exc_info=True)
            ours.close()
        finally:
            theirs.close()

    def hand_over(self, argv: list[str], log_path: Path, sock: socket.socket, *,
                  keep_spare: bool = True) -> subprocess.Popen[bytes] | None:
        """Give a deployment worker's job to the spare; None when no spare is waiting."""
        proc, channel = self._proc, self._channel
        self._proc = self._channel = None
        if proc is None or channel is None:
            return None
        try:
            if proc.poll() is not None:
                return None
            message = json.dumps({"argv": argv, "log": str(log_path)}).encode()
            socket.send_fds(channel, [message], [sock.fileno()])
            return proc
        except OSError:
            proc.kill()
            return None
        finally:
            channel.close()
            if keep_spare:
                self.ensure()

    def stop(self) -> None:
        """Stop the spare (it holds no work)."""
        proc = self._proc
        self._drop()
        if proc is None:
            return
        if proc.poll() is None:
            proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)

    def _drop(self) -> None:
        if self._channel is not None:
            self._channel.close()
        self._proc = self._channel = None
