"""The on-demand local agent of an embedded workspace (no server needed to run jobs).

``job create`` on a workspace folder queues the job and calls :func:`ensure_agent`: if no
agent holds ``<workspace>/jobs/agent.lock``, one is started in the background
(``python -m modelyard.jobs.agent <workspace>``). The agent runs a :class:`Dispatcher` and
exits once nothing has been queued or running for ``idle_seconds``.

A submitter that finds an agent running wakes it through a datagram on
``<workspace>/jobs/agent.sock`` so the job is claimed at once (best effort: without it the
agent still looks every ``poll_interval``).

Exiting cannot lose a job: the agent releases the lock *before* its last look at the
queue, and a submitter queues its job *before* it looks at the lock, so one of the two
always sees the other.
"""

from __future__ import annotations

import fcntl
import logging
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

__all__ = ["agent_running", "ensure_agent", "env_cache", "main", "wake_agent", "work_root"]

logger = logging.getLogger(__name__)

DEFAULT_IDLE_SECONDS = 60.0
#: how often an idle agent looks at the queue (submitters wake it at once anyway)
IDLE_POLL_SECONDS = 0.5


def work_root(folder: Path) -> Path:
    return Path(folder) / "jobs"


def env_cache(folder: Path) -> Path:
    return Path(folder) / "environments"


def _lock_path(folder: Path) -> Path:
    return work_root(folder) / "agent.lock"


def _try_lock(folder: Path):
    path = _lock_path(folder)
    path.parent.mkdir(parents=True, exist_ok=True)
    fh = open(path, "a+")  # noqa: SIM115 - held for the agent's life
    try:
        fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        fh.close()
        return None
    return fh


def _socket_path(folder: Path) -> Path:
    return work_root(folder) / "agent.sock"


def wake_agent(folder: Path) -> None:
    """Nudge a running agent to look at the queue now (best effort, never blocks)."""
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    try:
        sock.setblocking(False)
        sock.sendto(b"w", str(_socket_path(folder)))
    except OSError:
        pass  # no agent listening, a full queue (it is awake anyway), or a path too long
    finally:
        sock.close()


def _listen(folder: Path, dispatcher) -> socket.socket | None:
    """Bind the wake socket (the caller holds the agent lock) and relay wake-ups."""
    path = _socket_path(folder)
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    try:
        path.unlink(missing_ok=True)
        sock.bind(str(path))
    except OSError as e:
        logger.info("no wake socket (%s): polling only", e)
        sock.close()
        return None

    def relay() -> None:
        while True:
            try:
                sock.recv(64)
            except OSError:
                return  # closed at exit
            dispatcher.wake()

    threading.Thread(target=relay, name="agent-wake", daemon=True).start()
    return sock


def agent_running(folder: Path) -> bool:
    fh = _try_lock(folder)
    if fh is None:
        return True
    fh.close()
    return False


def ensure_agent(folder: Path, *, idle_seconds: float | None = None) -> bool:
    """Start an agent for the workspace folder unless one runs; True if one was started."""
    if agent_running(folder):
        wake_agent(folder)
        return False
    log = open(work_root(folder) / "agent.log", "ab")  # noqa: SIM115
    args = [sys.executable, "-m", "modelyard.jobs.agent", str(folder)]
    if idle_seconds is not None:
        args += ["--idle", str(idle_seconds)]
    env = {k: v for k, v in os.environ.items() if k not in ("MODELYARD_RUN_ID",)}
    subprocess.Popen(
        args, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
        start_new_session=True, close_fds=True, env=env,
    )  # fmt: skip
    log.close()
    return True


def _build_dispatcher(folder: Path, **kwargs):
    from modelyard.backends import open_artifact_store
    from modelyard.jobs.dispatcher import Dispatcher
    from modelyard.jobs.sql import SqlJobStore
    from modelyard.location import WorkspaceLocation

    loc = WorkspaceLocation(folder=folder)
    artifacts = open_artifact_store(loc.artifact_root)

    def data():  # opened only for jobs with data asset inputs or outputs
        from modelyard.data.sql import SqlDataStore

        return SqlDataStore(loc.store_url, artifacts)

    return Dispatcher(
        jobs=SqlJobStore(loc.store_url), artifacts=artifacts, work_root=work_root(folder),
        env_cache=env_cache(folder), workspace=str(folder), data=data, **kwargs,
    )  # fmt: skip


def _take_lock(folder: Path):
    """The agent lock, or None if another agent holds it. A submitter's probe
    (:func:`agent_running`) holds it for an instant: such a miss is retried, not taken for an
    agent."""
    for _ in range(50):
        lock = _try_lock(folder)
        if lock is not None:
            return lock
        time.sleep(0.01)
    return None


def run_agent(folder: Path, *, idle_seconds: float = DEFAULT_IDLE_SECONDS) -> int:
    lock = _take_lock(folder)
    if lock is None:
        return 0  # another agent serves this workspace
    dispatcher = _build_dispatcher(folder)
    listener = _listen(folder, dispatcher)
    idle_since: float | None = None
    try:
        while True:
            dispatcher.tick()
            if dispatcher.busy or dispatcher.has_pending():
                idle_since = None
            elif idle_since is None:
                idle_since = time.monotonic()
            elif time.monotonic() - idle_since >= idle_seconds:
                if listener is not None:
                    listener.close()
                    listener = None
                lock.close()  # release first, then look once more (see the module doc)
                if not dispatcher.has_pending():
                    return 0
                lock = _take_lock(folder)
                if lock is None:
                    return 0  # a new agent took over
                listener = _listen(folder, dispatcher)
                idle_since = None
            dispatcher.idle_wait(dispatcher.poll_interval if idle_since is None else IDLE_POLL_SECONDS)
    finally:
        if listener is not None:
            listener.close()
        dispatcher.stop(timeout=1)
        if lock is not None:
            lock.close()


def _default_idle_seconds() -> float:
    """``MODELYARD_JOBS__AGENT_IDLE_SECONDS`` when set, else :data:`DEFAULT_IDLE_SECONDS`."""
    from modelyard.settings import Settings

    return Settings().jobs.agent_idle_seconds


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if not args:
        print("usage: python -m modelyard.jobs.agent WORKSPACE_FOLDER [--idle SECONDS]", file=sys.stderr)
        return 2
    idle = _default_idle_seconds()
    if "--idle" in args:
        idle = float(args[args.index("--idle") + 1])
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    return run_agent(Path(args[0]).resolve(), idle_seconds=idle)


if __name__ == "__main__":
    sys.exit(main())
