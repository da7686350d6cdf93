"""Running one attempt of a job as a supervised process group.

The dispatcher does not run the user's command itself: it starts a small *supervisor*
(``python -m modelyard.jobs.runner ATTEMPT_DIR``) in its own session. The supervisor

* starts the command with ``/bin/bash -c`` in a new process group, with ``PYTHONUNBUFFERED``;
* copies stdout and stderr, as they come, into the job's ``std_log.txt`` (appended, so all
  attempts of a job share one log) and keeps the last lines of stderr;
* enforces ``timeout``; on SIGTERM (cancel) or timeout sends SIGTERM to the whole group,
  then SIGKILL after ``grace`` seconds;
* writes ``result.json`` (exit code, signal, stderr tail) atomically, then exits.

Because the supervisor outlives the dispatcher, a restarted dispatcher finds live attempts
again (by pid) and finished ones by their ``result.json``. This module imports only the
standard library and the jobs entities, so the supervisor starts fast.

Files of an attempt folder: ``attempt.json`` (what to run), ``pid`` (the command's pid,
also its process-group id), ``result.json``, ``supervisor.log``, ``wd/`` (the working
directory, a copy of the code snapshot) and ``outputs/``.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the supervisor itself imports only the standard library: it starts fast
    from modelyard.jobs.entities import AttemptResult

__all__ = ["AttemptLaunch", "launch", "main", "pid_alive", "read_result", "signal_name"]

STDERR_TAIL_LINES = 20
DEFAULT_GRACE_SECONDS = 10.0


@dataclass(frozen=True, slots=True)
class AttemptLaunch:
    """What the supervisor runs."""

    command: str
    cwd: str
    log_path: str
    env: dict[str, str] = field(default_factory=dict)
    timeout: float | None = None
    grace: float = DEFAULT_GRACE_SECONDS
    header: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "command": self.command, "cwd": self.cwd, "log_path": self.log_path,
            "env": self.env, "timeout": self.timeout, "grace": self.grace,
            "header": self.header,
        }  # fmt: skip


def signal_name(signum: int) -> str:
    try:
        return signal.Signals(signum).name
    except ValueError:
        return f"signal {signum}"


def launch(attempt_dir: str | Path, spec: AttemptLaunch) -> subprocess.Popen[bytes]:
    """Write the attempt's description and start its supervisor; return the Popen."""
    d = Path(attempt_dir)
    d.mkdir(parents=True, exist_ok=True)
    _atomic_write(d / "attempt.json", json.dumps(spec.to_dict()))
    with open(d / "supervisor.log", "ab") as log:
        return subprocess.Popen(
            [sys.executable, "-m", "modelyard.jobs.runner", str(d)],
            stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True, close_fds=True,
        )  # fmt: skip


def read_result(attempt_dir: str | Path) -> AttemptResult | None:
    """The attempt's result, or None while it has not ended."""
    try:
        data = json.loads((Path(attempt_dir) / "result.json").read_text())
    except (FileNotFoundError, json.JSONDecodeError):
        return None
    from modelyard.jobs.entities import AttemptResult

    return AttemptResult.from_dict(data)


def read_pid(attempt_dir: str | Path) -> int | None:
    try:
        return int((Path(attempt_dir) / "pid").read_text().strip())
    except (FileNotFoundError, ValueError):
        return None


def pid_alive(pid: int | None) -> bool:
    """Whether a process exists and is not a zombie."""
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return True


def _atomic_write(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


# ------------------------------------------------------------------------- supervisor
class _Supervisor:
    def __init__(self, attempt_dir: Path) -> None:
        self.dir = attempt_dir
        self.spec = json.loads((attempt_dir / "attempt.json").read_text())
        self.stop_reason: str | None = None  # "canceled" | "timed_out"
        self.stop_event = threading.Event()
        self.lock = threading.Lock()
        self.stderr_tail: deque[bytes] = deque(maxlen=64)

    def _pump(self, fd: int, log, is_stderr: bool) -> None:
        # stdout and stderr share one log: each stream's bytes go in whole lines (a line
        # ends at \n or \r, so progress bars still show), so a stderr line never lands in
        # the middle of a stdout line. A partial line is held until its end arrives, or
        # written as is once it grows past 64 KiB, and at the end of the stream.
        pending = b""
        held = b""
        while True:
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                break
            if not chunk:
                break
            held += chunk
            cut = max(held.rfind(b"\n"), held.rfind(b"\r")) + 1
            if cut == 0 and len(held) > 65536:
                cut = len(held)
            if cut:
                with self.lock:
                    log.write(held[:cut])
                    log.flush()
                held = held[cut:]
            if is_stderr:
                pending += chunk
                *lines, pending = pending.split(b"\n")
                self.stderr_tail.extend(lines)
        if held:
            with self.lock:
                log.write(held)
                log.flush()
        if is_stderr and pending:
            self.stderr_tail.append(pending)

    def _kill_group(self, pgid: int, grace: float, proc: subprocess.Popen[bytes]) -> None:
        try:
            os.killpg(pgid, signal.SIGTERM)
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            pass
        try:
            os.killpg(pgid, signal.SIGKILL)
        except ProcessLookupError:
            pass

    def _on_term(self, signum: int, frame: Any) -> None:
        if self.stop_reason is None:
            self.stop_reason = "canceled"
        self.stop_event.set()

    def _wait_exit(self, proc: subprocess.Popen[bytes]) -> None:
        proc.wait()
        self.stop_event.set()  # wake the main loop the moment the command exits

    def run(self) -> dict[str, Any]:
        signal.signal(signal.SIGTERM, self._on_term)
        signal.signal(signal.SIGINT, self._on_term)
        spec = self.spec
        env = {**os.environ, **spec.get("env", {}), "PYTHONUNBUFFERED": "1"}
        log_path = Path(spec["log_path"])
        log_path.parent.mkdir(parents=True, exist_ok=True)
        with open(log_path, "ab") as log:
            if spec.get("header"):
                log.write(spec["header"].encode() + b"\n")
                log.flush()
            try:
                proc = subprocess.Popen(
                    ["/bin/bash", "-c", spec["command"]], cwd=spec["cwd"], env=env,
                    stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                    start_new_session=True, close_fds=True,
                )  # fmt: skip
            except OSError as e:
                return _result(exit_code=None, error=f"could not start the command: {e}")
            _atomic_write(self.dir / "pid", str(proc.pid))
            pumps = [
                threading.Thread(target=self._pump, args=(proc.stdout.fileno(), log, False)),
                threading.Thread(target=self._pump, args=(proc.stderr.fileno(), log, True)),
            ]
            pumps.append(threading.Thread(target=self._wait_exit, args=(proc,)))
            for t in pumps:
                t.daemon = True
                t.start()

            timeout = spec.get("timeout")
            deadline = time.monotonic() + timeout if timeout else None
            while proc.poll() is None:
                wait = 1.0 if deadline is None else max(0.0, min(1.0, deadline - time.monotonic()))
                if self.stop_event.wait(wait):
                    break
                if deadline is not None and time.monotonic() >= deadline:
                    self.stop_reason = "timed_out"
                    break
            if proc.poll() is None:
                self._kill_group(proc.pid, float(spec.get("grace", DEFAULT_GRACE_SECONDS)), proc)
            rc = proc.wait()
            try:  # leftovers of the group (background children) go too
                os.killpg(proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
            for t in pumps:
                t.join(timeout=5)
            if self.stop_reason == "timed_out":
                msg = f"\n[modelyard] timed out after {timeout:g} s: the process group was stopped\n"
                log.write(msg.encode())
            elif self.stop_reason == "canceled":
                log.write(b"\n[modelyard] canceled: the process group was stopped\n")
            log.flush()
        sig = None
        if rc < 0:
            sig = signal_name(-rc)
        elif rc > 128 and 0 < rc - 128 < 65 and self.stop_reason is None:
            sig = signal_name(rc - 128)  # a shell reporting its child's death by signal
        tail = b"\n".join(list(self.stderr_tail)[-STDERR_TAIL_LINES:])
        return _result(
            exit_code=rc if rc >= 0 else None,
            signal=sig,
            timed_out=self.stop_reason == "timed_out",
            canceled=self.stop_reason == "canceled",
            stderr_tail=tail.decode("utf-8", errors="replace").strip(),
        )


def _result(*, exit_code: int | None, signal: str | None = None, timed_out: bool = False,
            canceled: bool = False, stderr_tail: str = "", error: str | None = None) -> dict[str, Any]:
    """An :class:`AttemptResult` as the dict written to ``result.json``."""
    return {"exit_code": exit_code, "signal": signal, "timed_out": timed_out, "canceled": canceled,
            "stderr_tail": stderr_tail, "error": error}  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    """Entry point of the supervisor process."""
    args = sys.argv[1:] if argv is None else argv
    attempt_dir = Path(args[0])
    try:
        result = _Supervisor(attempt_dir).run()
    except Exception as e:  # noqa: BLE001 - the result file must always be written
        result = _result(exit_code=None, error=f"supervisor failed: {e!r}")
    _atomic_write(attempt_dir / "result.json", json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
