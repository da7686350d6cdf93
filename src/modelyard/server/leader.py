"""One leader among the processes that serve one workspace.

``modelyard server --workers N`` runs N processes, and several ``modelyard server`` commands
may serve the same workspace. All of them answer the REST API and the scoring gateway, but
only one, the leader, runs the job dispatcher and the endpoint supervisor (which starts the
deployment workers). The leader is whichever process holds an exclusive ``flock`` on
``<state dir>/leader.lock``; the kernel drops the lock when that process dies, however it
dies, and another process takes it over within ``interval`` seconds: its dispatcher adopts
the running jobs and its supervisor starts the deployments again (the old workers exit with
their leader).

Example::

    leadership = Leadership(state_dir(settings) / "leader.lock")
    if not leadership.acquire():
        leadership.watch(on_elected=start_leader_duties)
    ...
    leadership.stop(); stop_leader_duties(); leadership.release()
"""

from __future__ import annotations

import fcntl
import hashlib
import logging
import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import IO, TYPE_CHECKING

if TYPE_CHECKING:
    from modelyard.settings import Settings

__all__ = ["Leadership", "state_dir"]

logger = logging.getLogger(__name__)


def state_dir(settings: Settings) -> Path:
    """The folder shared by every process serving the workspace of ``settings``: the
    workspace folder, or for a store given only by URL, ``~/.modelyard/server/<hash of the URL>``."""
    if settings.store_url is None or settings.workspace:
        from modelyard.location import resolve_location

        location = resolve_location(settings.workspace)
        if location.folder is not None:
            return Path(location.folder)
    digest = hashlib.sha256(str(settings.store_url).encode()).hexdigest()[:16]
    return settings.home() / "server" / digest


class Leadership:
    """This process's claim on the leader lock at ``lock_path``.

    Args:
        lock_path: the lock file (created with its folder).
        interval: seconds between attempts while another process leads.
    """

    def __init__(self, lock_path: Path, *, interval: float = 0.25) -> None:
        self.lock_path = Path(lock_path)
        self.interval = interval
        self._fh: IO[str] | None = None
        self._leader = False
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def is_leader(self) -> bool:
        return self._leader

    def acquire(self) -> bool:
        """Try once, without waiting; True if this process leads (now or already)."""
        if self._leader:
            return True
        if self._fh is None:
            self.lock_path.parent.mkdir(parents=True, exist_ok=True)
            self._fh = open(self.lock_path, "a+", encoding="utf-8")  # noqa: SIM115 - held while leading
        try:
            fcntl.flock(self._fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        self._fh.seek(0)
        self._fh.truncate()
        self._fh.write(f"{os.getpid()}\n")  # for people looking; the lock is what counts
        self._fh.flush()
        self._leader = True
        logger.info("process %d leads (job dispatcher, endpoint supervisor)", os.getpid())
        return True

    def watch(self, *, on_elected: Callable[[], None]) -> None:
        """Keep trying in a thread; call ``on_elected`` there once this process leads."""
        def loop() -> None:
            while not self._stop.wait(self.interval):
                try:
                    if not self.acquire():
                        continue
                except OSError:
                    logger.exception("could not take the leader lock %s", self.lock_path)
                    continue
                try:
                    on_elected()
                except Exception:
                    logger.exception("starting the leader's work failed")
                return

        self._thread = threading.Thread(target=loop, name="modelyard-leader", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop trying (wait for a takeover in progress). A leader keeps the lock until
        :meth:`release`, so no other process starts leading before this one has stopped."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=60)
            self._thread = None

    def release(self) -> None:
        """Give the lock up (another process may lead from now on)."""
        self._leader = False
        if self._fh is not None:
            self._fh.close()  # closing the file drops the flock
            self._fh = None
