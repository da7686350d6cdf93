"""The ``local`` compute: each attempt is a supervised process group on this machine.

See :mod:`modelyard.jobs.runner` for the supervisor. The handle records the host, the
supervisor's pid and the attempt folder, so a restarted dispatcher on the same host can
watch a live attempt again, or read how it ended from its ``result.json``.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

from modelyard.jobs.computes.base import ComputeTarget, LaunchRequest
from modelyard.jobs.entities import AttemptResult
from modelyard.jobs.runner import (
    AttemptLaunch,
    launch,
    pid_alive,
    read_pid,
    read_result,
    signal_name,
)

__all__ = ["LocalTarget"]


class LocalTarget(ComputeTarget):
    builds_environment_locally = True

    def __init__(self, compute) -> None:
        super().__init__(compute)
        self._children: dict[str, subprocess.Popen[bytes]] = {}

    def check(self) -> None:
        return None

    def start(self, request: LaunchRequest) -> dict[str, Any]:
        env = dict(request.env)
        # `python` in the command is the environment's interpreter (default: this one)
        bin_dir = request.python_bin or str(Path(sys.executable).parent)
        env["PATH"] = bin_dir + os.pathsep + os.environ.get("PATH", "")
        if request.python_bin:
            env["VIRTUAL_ENV"] = str(Path(request.python_bin).parent)
        proc = launch(
            request.attempt_dir,
            AttemptLaunch(
                command=request.command, cwd=str(request.working_dir),
                log_path=str(request.log_path), env=env, timeout=request.timeout,
                grace=request.grace,
                header=f"[modelyard] attempt {request.attempt}" if request.attempt > 1 else None,
            ),
        )  # fmt: skip
        self._children[str(request.attempt_dir)] = proc
        threading.Thread(target=self._watch, args=(proc,), name=f"job-watch-{proc.pid}", daemon=True).start()
        return {"host": socket.gethostname(), "supervisor_pid": proc.pid,
                "attempt_dir": str(request.attempt_dir)}  # fmt: skip

    def _watch(self, proc: subprocess.Popen[bytes]) -> None:
        proc.wait()
        if self.notify is not None:
            self.notify()

    def poll(self, handle: dict[str, Any]) -> AttemptResult | None:
        attempt_dir = handle["attempt_dir"]
        if handle.get("host") != socket.gethostname():
            return AttemptResult(
                exit_code=None,
                error=f"the job ran on host {handle.get('host')} and cannot be watched from here",
            )
        child = self._children.get(attempt_dir)
        if child is not None:
            alive = child.poll() is None
        else:
            alive = pid_alive(handle.get("supervisor_pid"))
        if alive:
            return None
        self._children.pop(attempt_dir, None)
        result = read_result(attempt_dir)
        if result is not None:
            return result
        # the supervisor died without writing a result: stop what is left of the job
        pid = read_pid(attempt_dir)
        if pid and pid_alive(pid):
            try:
                os.killpg(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        how = "is gone"
        if child is not None and child.returncode is not None and child.returncode < 0:
            how = f"was killed by signal {signal_name(-child.returncode)}"
        return AttemptResult(exit_code=None, error=f"the job's supervisor process {how}")

    def cancel(self, handle: dict[str, Any]) -> None:
        pid = handle.get("supervisor_pid")
        if pid and pid_alive(pid):
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
