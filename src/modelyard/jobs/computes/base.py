"""The compute target interface: start an attempt, poll it, cancel it, find it again."""

from __future__ import annotations

import abc
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from modelyard.jobs.entities import AttemptResult, Compute, EnvironmentSpec

__all__ = ["ComputeTarget", "LaunchRequest"]


@dataclass(frozen=True, slots=True)
class LaunchRequest:
    """Everything a target needs to start one attempt.

    ``working_dir`` holds the extracted code snapshot; ``log_path`` is the job's live log
    (appended by every attempt); ``environment`` is the spec (targets that build their own
    environments use it, e.g. Ray's ``runtime_env``), ``python_bin`` the folder of a
    locally built environment's interpreter (None: the current one).
    """

    job_id: str
    attempt: int
    attempt_dir: Path
    working_dir: Path
    log_path: Path
    command: str
    env: dict[str, str] = field(default_factory=dict)
    environment: EnvironmentSpec | None = None
    python_bin: str | None = None
    timeout: float | None = None
    grace: float = 10.0
    resources: dict[str, Any] = field(default_factory=dict)


class ComputeTarget(abc.ABC):
    """Runs attempts on one registered compute. One object per dispatcher and compute;
    it may keep per-attempt state (child processes, log offsets) between calls.

    ``handle`` values are JSON-serialisable dicts stored with the job, so another
    dispatcher (after a restart) can find the attempt again.
    """

    #: whether the dispatcher builds the job's environment locally before :meth:`start`
    builds_environment_locally: ClassVar[bool] = True

    def __init__(self, compute: Compute) -> None:
        self.compute = compute
        #: set by the dispatcher: call it (from any thread) when an attempt may have ended,
        #: so the dispatcher looks at once instead of at its next poll
        self.notify: Callable[[], None] | None = None

    @abc.abstractmethod
    def check(self) -> None:
        """Raise BackendUnavailable if the target cannot take jobs now (before anything runs)."""

    @abc.abstractmethod
    def start(self, request: LaunchRequest) -> dict[str, Any]:
        """Start an attempt; return its handle. Raises a ModelyardError if it cannot start."""

    @abc.abstractmethod
    def poll(self, handle: dict[str, Any]) -> AttemptResult | None:
        """How the attempt ended, or None while it runs. Also copies new log output."""

    @abc.abstractmethod
    def cancel(self, handle: dict[str, Any]) -> None:
        """Ask the attempt to stop (it then ends as canceled through :meth:`poll`)."""

    def close(self) -> None:
        """Release clients and connections."""
