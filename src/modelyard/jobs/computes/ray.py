"""The ``ray`` compute: attempts go to an existing Ray cluster through the Ray Jobs API.

The extracted code snapshot is the job's ``working_dir`` (Ray uploads it), the environment's
pip requirements become ``runtime_env.pip``, and the job's environment variables (the
workspace location, the run id...) ``runtime_env.env_vars``. Logs are copied from
``get_job_logs`` into the job's ``std_log.txt`` as they grow. Timeouts are enforced here
(``stop_job`` once the deadline passes). Ray is imported only when a ray target is used.

Outputs and uri inputs are local paths: this works for a cluster on this machine or one
that shares its file system.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from modelyard.errors import BackendUnavailable, InvalidArgument
from modelyard.jobs.computes.base import ComputeTarget, LaunchRequest
from modelyard.jobs.entities import AttemptResult

__all__ = ["RayTarget"]

logger = logging.getLogger(__name__)

_TAIL_LINES = 20
#: seconds between status requests for one job, and between log copies while it runs: the
#: dashboard that answers them shares the machine with the jobs
_STATUS_EVERY = 0.2
_LOGS_EVERY = 1.0


class RayTarget(ComputeTarget):
    builds_environment_locally = False

    def __init__(self, compute) -> None:
        super().__init__(compute)
        self._client = None
        self._log_sizes: dict[str, int] = {}
        self._stopping: dict[str, str] = {}  # submission id -> "canceled" | "timed_out"
        self._next_status: dict[str, float] = {}
        self._next_logs: dict[str, float] = {}

    def _get_client(self):
        if self._client is None:
            try:
                from ray.job_submission import JobSubmissionClient
            except ImportError as e:
                raise InvalidArgument(
                    "the ray compute needs Ray: pip install 'modelyard[ray]'"
                ) from e
            address = self.compute.address or ""
            if "://" not in address:
                address = f"http://{address}"
            try:
                self._client = JobSubmissionClient(address)
            except Exception as e:
                raise BackendUnavailable(
                    f"the Ray cluster at {self.compute.address} is unreachable: {e}"
                ) from e
        return self._client

    def check(self) -> None:
        self._get_client()

    def start(self, request: LaunchRequest) -> dict[str, Any]:
        client = self._get_client()
        runtime_env: dict[str, Any] = {
            "working_dir": str(request.working_dir),
            "env_vars": {**request.env, "PYTHONUNBUFFERED": "1"},
        }
        if request.environment is not None and request.environment.pip:
            runtime_env["pip"] = list(request.environment.pip)
        sid = f"modelyard-{request.job_id}-{request.attempt}-{int(time.time())}"
        kwargs: dict[str, Any] = {}
        cpus = request.resources.get("num_cpus") or request.resources.get("cpu")
        gpus = request.resources.get("num_gpus") or request.resources.get("gpu")
        if cpus:
            kwargs["entrypoint_num_cpus"] = float(cpus)
        if gpus:
            kwargs["entrypoint_num_gpus"] = float(gpus)
        try:
            client.submit_job(
                entrypoint=request.command, submission_id=sid, runtime_env=runtime_env, **kwargs
            )
        except Exception as e:
            raise BackendUnavailable(f"Ray refused the job: {e}") from e
        deadline = time.time() + request.timeout if request.timeout else None
        if request.attempt > 1:
            with open(request.log_path, "ab") as log:
                log.write(f"[modelyard] attempt {request.attempt}\n".encode())
        return {"submission_id": sid, "address": self.compute.address,
                "log_path": str(request.log_path), "deadline": deadline}  # fmt: skip

    def _copy_logs(self, client, handle: dict[str, Any]) -> str:
        sid = handle["submission_id"]
        try:
            text = client.get_job_logs(sid)
        except Exception:  # noqa: BLE001 - logs are best effort while running
            return ""
        data = text.encode("utf-8", errors="replace")
        done = self._log_sizes.get(sid)
        if done is None:  # after a restart: trust the file's size only if it is ours
            done = 0
        if len(data) > done:
            with open(handle["log_path"], "ab") as log:
                log.write(data[done:])
            self._log_sizes[sid] = len(data)
        return text

    def poll(self, handle: dict[str, Any]) -> AttemptResult | None:
        from ray.job_submission import JobStatus

        client = self._get_client()
        sid = handle["submission_id"]
        now = time.monotonic()
        if now < self._next_status.get(sid, 0.0) and sid not in self._stopping:
            return None
        self._next_status[sid] = now + _STATUS_EVERY
        try:
            info = client.get_job_info(sid)
        except Exception as e:  # noqa: BLE001
            return AttemptResult(exit_code=None, error=f"Ray lost the job {sid}: {e}")
        deadline = handle.get("deadline")
        if not info.status.is_terminal() and deadline and time.time() > deadline and sid not in self._stopping:
            self._stopping[sid] = "timed_out"
            client.stop_job(sid)
        if not info.status.is_terminal():
            if now >= self._next_logs.get(sid, 0.0):
                self._next_logs[sid] = now + _LOGS_EVERY
                self._copy_logs(client, handle)
            return None
        text = self._copy_logs(client, handle)
        self._next_status.pop(sid, None)
        self._next_logs.pop(sid, None)
        reason = self._stopping.pop(sid, None)
        tail = "\n".join(text.strip().splitlines()[-_TAIL_LINES:])
        if info.status == JobStatus.SUCCEEDED:
            return AttemptResult(exit_code=0)
        if info.status == JobStatus.STOPPED or reason:
            return AttemptResult(
                exit_code=info.driver_exit_code, canceled=reason != "timed_out",
                timed_out=reason == "timed_out", stderr_tail=tail,
            )  # fmt: skip
        code = info.driver_exit_code
        error = None if code not in (None, 0) else f"Ray: {info.message or 'the job failed'}"
        return AttemptResult(exit_code=code, stderr_tail=tail, error=error)

    def cancel(self, handle: dict[str, Any]) -> None:
        sid = handle["submission_id"]
        self._stopping.setdefault(sid, "canceled")
        try:
            self._get_client().stop_job(sid)
        except Exception as e:  # noqa: BLE001 - it may have ended already
            logger.debug("stop_job(%s): %s", sid, e)

    def close(self) -> None:
        self._client = None
