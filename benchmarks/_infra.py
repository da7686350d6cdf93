"""Plumbing for ``benchmarks/tracking.py``: drivers, servers, caches, the machine description.

Standard library only; runs under our ``.venv`` python.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any, Self

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
WORK = HERE / ".work"
CACHE = WORK / "cache"
YARD_PY = Path(sys.executable)
PEER_PY = HERE / ".venv-peers" / "bin" / "python"
PEER_BIN = HERE / ".venv-peers" / "bin"

QUIET_ENV = {
    "MLFLOW_DISABLE_TELEMETRY": "true",
    "DO_NOT_TRACK": "true",
    "PYTHONWARNINGS": "ignore",
}


class DriverFailed(RuntimeError):
    pass


def check_peers() -> None:
    if not PEER_PY.exists():
        sys.exit(
            f"MLflow is not installed: run benchmarks/setup_peers.sh first ({PEER_PY} missing)"
        )


def run_driver(
    side: str,
    scenario: str,
    args: dict[str, Any],
    *,
    env: dict[str, str] | None = None,
    timeout: float = 1800,
) -> dict[str, Any]:
    """Run ``_<side>_driver.py SCENARIO ARGS`` in a fresh process; return its JSON line."""
    python = YARD_PY if side == "yard" else PEER_PY
    script = HERE / f"_{side}_driver.py"
    full_env = {**os.environ, **QUIET_ENV, **(env or {})}
    proc = subprocess.run(
        [str(python), str(script), scenario, json.dumps(args)],
        check=False,
        capture_output=True,
        text=True,
        env=full_env,
        timeout=timeout,
        cwd=str(WORK),
    )
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("{")]
    if proc.returncode != 0 or not lines:
        tail = (proc.stderr or proc.stdout)[-3000:]
        raise DriverFailed(f"{side} driver {scenario} failed (exit {proc.returncode}):\n{tail}")
    return json.loads(lines[-1])


# ------------------------------------------------------------------------ servers
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """A server process in its own session, stopped (whole process group) on exit."""

    def __init__(
        self,
        name: str,
        argv: list[str],
        health_url: str,
        log: Path,
        env: dict[str, str] | None = None,
    ) -> None:
        self.name, self.argv, self.health_url, self.log = name, argv, health_url, log
        self.env = {**os.environ, **QUIET_ENV, **(env or {})}
        self.proc: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> Self:
        self._logf = open(self.log, "wb")
        self.proc = subprocess.Popen(
            self.argv,
            stdout=self._logf,
            stderr=subprocess.STDOUT,
            env=self.env,
            cwd=str(WORK),
            start_new_session=True,
        )
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise DriverFailed(f"{self.name} exited early:\n{self.log.read_text()[-3000:]}")
            try:
                with urllib.request.urlopen(self.health_url, timeout=2) as resp:
                    if resp.status == 200:
                        return self
            except OSError:
                time.sleep(0.2)
        self.__exit__(None, None, None)
        raise DriverFailed(f"{self.name} did not answer {self.health_url} within 120 s")

    def __exit__(self, *exc: object) -> None:
        if self.proc and self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
                self.proc.wait(timeout=15)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                try:
                    os.killpg(self.proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                self.proc.wait(timeout=15)
        self._logf.close()


# ------------------------------------------------------------------------ caches
def yard_schema_key() -> str:
    """A hash of our schema sources, so a cached workspace is rebuilt when they change."""
    h = hashlib.sha256()
    src = ROOT / "src" / "modelyard"
    for path in sorted([*src.glob("db/migrations/**/*.py"), src / "tracking/sql/tables.py"]):
        if path.is_file():
            h.update(path.read_bytes())
    return h.hexdigest()[:12]


def cached(name: str, build: Callable[[Path], None]) -> Path:
    """A cached folder under benchmarks/.work/cache/NAME, built once by ``build(tmp)``."""
    target = CACHE / name
    if (target / ".complete").exists():
        return target
    tmp = CACHE / f"{name}.building-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    build(tmp)
    (tmp / ".complete").write_text(time.strftime("%Y-%m-%dT%H:%M:%S"))
    shutil.rmtree(target, ignore_errors=True)
    tmp.rename(target)
    return target


def copy_of(folder: Path, scratch: Path, name: str) -> Path:
    dest = scratch / name
    shutil.copytree(folder, dest)
    return dest


# ------------------------------------------------------------------------ machine
def machine() -> dict[str, str]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = "unknown"
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                mem = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
                break
    except OSError:
        pass
    load = ""
    try:
        load = " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        pass
    return {
        "cpus": str(os.cpu_count()),
        "cpu": cpu,
        "memory": mem,
        "os": f"{platform.system()} {platform.release()}",
        "loadavg_at_start": load,
    }
