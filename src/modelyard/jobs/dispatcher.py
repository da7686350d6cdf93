"""The dispatcher: claims queued jobs, starts them on their compute, watches them, ends them.

One loop (:meth:`Dispatcher.tick`, run by a thread or by the on-demand agent):

1. **Recover**: claimed jobs whose lease expired, or whose owner was a dispatcher on this
   host whose process is gone, are adopted. An adopted attempt is polled like any other:
   the local target finds a live supervisor again by pid, a finished one by its
   ``result.json``, and reports a vanished one as failed with the reason.
2. **Claim** queued jobs up to each compute's free slots (the store serializes claims) and
   start each in a worker thread (snapshot extraction and environment builds take time).
3. **Poll** running attempts; copy logs and outputs into the run's artifacts when one ends;
   record the attempt and requeue it for a retry or end the job.
4. **Cancel** attempts whose job has ``cancel_requested``; **heartbeat** the leases.

A job whose preparation fails (environment build, missing snapshot) ends Failed with the
reason; its build log is kept in the run's artifacts as ``logs/environment_build.txt``.
"""

from __future__ import annotations

import logging
import os
import shlex
import shutil
import socket
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from modelyard.artifacts.store import ArtifactStore
from modelyard.errors import InvalidState, ModelyardError
from modelyard.jobs.computes import ComputeTarget, LaunchRequest, open_target
from modelyard.jobs.entities import AttemptResult, Job
from modelyard.jobs.runner import pid_alive
from modelyard.jobs.snapshot import extract_snapshot
from modelyard.jobs.spec import literal_text, render_command
from modelyard.jobs.store import JobStore

__all__ = ["LOG_NAME", "Dispatcher", "new_owner_id", "owner_is_dead"]

logger = logging.getLogger(__name__)

LOG_NAME = "std_log.txt"


def new_owner_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def owner_is_dead(owner: str) -> bool:
    """True for an owner id of a dispatcher on this host whose process is gone."""
    host, _, rest = owner.partition(":")
    pid = rest.partition(":")[0]
    return host == socket.gethostname() and pid.isdigit() and not pid_alive(int(pid))


@dataclass
class _Active:
    job: Job
    target: ComputeTarget
    handle: dict[str, Any] = field(default_factory=dict)
    attempt_dir: Path | None = None
    canceling: bool = False


class Dispatcher:
    """Runs the jobs of one workspace.

    Args:
        jobs: the job store.
        artifacts: the artifact store (snapshots in, logs and outputs out).
        work_root: a local folder for attempt folders and live logs.
        env_cache: where built environments are cached.
        workspace: the location jobs use to log to the workspace (``MODELYARD_WORKSPACE``).
        lease_seconds: how long a claim stays valid without a heartbeat.
        poll_interval: seconds between ticks of :meth:`run_forever`.
        grace: seconds between SIGTERM and SIGKILL when stopping a job.
        data: makes the workspace's data store (opened on first use) for data asset inputs
            and outputs registered as data versions.
    """

    def __init__(
        self,
        *,
        jobs: JobStore,
        artifacts: ArtifactStore,
        work_root: str | Path,
        env_cache: str | Path,
        workspace: str,
        lease_seconds: float = 15.0,
        poll_interval: float = 0.1,
        grace: float = 10.0,
        owner: str | None = None,
        max_starters: int = 8,
        data: Callable[[], Any] | None = None,
    ) -> None:
        self.jobs = jobs
        self.artifacts = artifacts
        self.work_root = Path(work_root)
        self.env_cache = Path(env_cache)
        self.workspace = workspace
        self.lease_seconds = lease_seconds
        self.poll_interval = poll_interval
        self.grace = grace
        self.owner = owner or new_owner_id()
        self._data_factory = data
        self._data: Any = None
        self._targets: dict[str, ComputeTarget] = {}
        self._active: dict[str, _Active] = {}
        self._starting: set[str] = set()
        self._lock = threading.Lock()
        self._pool = ThreadPoolExecutor(max_workers=max_starters, thread_name_prefix="job-start")
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._last_heartbeat = 0.0
        self._last_recover = 0.0
        self._last_cancel_check = 0.0

    # ------------------------------------------------------------------ lifecycle
    def start(self) -> None:
        """Run the loop in a daemon thread."""
        self._thread = threading.Thread(target=self.run_forever, name="modelyard-dispatcher", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Stop the loop (running jobs keep running; another dispatcher adopts them)."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
        self._pool.shutdown(wait=True, cancel_futures=False)
        for target in self._targets.values():
            target.close()
        if self._data is not None:
            self._data.close()
            self._data = None

    def run_forever(self) -> None:
        while not self._stop.is_set():
            try:
                self.tick()
            except ModelyardError as e:
                logger.warning("dispatcher tick failed: %s", e)
            except Exception:
                logger.exception("dispatcher tick failed")
            self.idle_wait(self.poll_interval)

    def idle_wait(self, timeout: float) -> None:
        """Sleep until :meth:`wake` is called or ``timeout`` seconds pass."""
        self._wake.wait(timeout)
        self._wake.clear()

    def wake(self) -> None:
        """Run the next tick now (a job was queued or canceled, an attempt ended)."""
        self._wake.set()

    @property
    def busy(self) -> bool:
        with self._lock:
            return bool(self._active or self._starting)

    # ------------------------------------------------------------------ the loop
    def tick(self) -> None:
        now = time.monotonic()
        if now - self._last_recover >= min(1.0, self.lease_seconds / 3):
            self._last_recover = now
            self._recover()
        for job in self.jobs.claim_jobs(owner=self.owner, lease_seconds=self.lease_seconds):
            self._begin(job)
        self._poll_all()
        if now - self._last_cancel_check >= 0.25:
            self._last_cancel_check = now
            self._check_cancels()
        if now - self._last_heartbeat >= self.lease_seconds / 3:
            self._last_heartbeat = now
            with self._lock:
                ids = list(self._active) + list(self._starting)
            self.jobs.renew_leases(owner=self.owner, job_ids=ids, lease_seconds=self.lease_seconds)

    def _recover(self) -> None:
        dead = [o for o in self.jobs.list_lease_owners() if o != self.owner and owner_is_dead(o)]
        for job in self.jobs.adopt_orphans(owner=self.owner, lease_seconds=self.lease_seconds, dead_owners=dead):
            logger.info("adopting job %s (attempt %s) from another dispatcher", job.id, job.attempt)
            if not job.handle:  # claimed but never started: start it now
                self._begin(job)
                continue
            try:
                target = self._target(job.compute)
            except ModelyardError as e:
                self._finish(_Active(job=job, target=None), AttemptResult(exit_code=None, error=str(e)))  # type: ignore[arg-type]
                continue
            attempt_dir = job.handle.get("attempt_dir")
            with self._lock:
                self._active[job.id] = _Active(
                    job=job, target=target, handle=job.handle,
                    attempt_dir=Path(attempt_dir) if attempt_dir else self._attempt_dir(job),
                )  # fmt: skip

    def _target(self, compute_name: str) -> ComputeTarget:
        target = self._targets.get(compute_name)
        if target is None:
            target = open_target(self.jobs.get_compute(compute_name))
            target.notify = self.wake
            self._targets[compute_name] = target
        return target

    def _attempt_dir(self, job: Job) -> Path:
        return self.work_root / job.id / f"attempt-{job.attempt}"

    def log_path(self, job_id: str) -> Path:
        """The live log of a job (all attempts)."""
        return self.work_root / job_id / LOG_NAME

    # ------------------------------------------------------------------ starting
    def _begin(self, job: Job) -> None:
        with self._lock:
            self._starting.add(job.id)
        self._pool.submit(self._start_safely, job)

    def _start_safely(self, job: Job) -> None:
        try:
            self._start(job)
        except ModelyardError as e:
            self._fail_before_start(job, e.message)
        except Exception as e:
            logger.exception("starting job %s failed", job.id)
            self._fail_before_start(job, f"internal error while starting: {e!r}")
        finally:
            with self._lock:
                self._starting.discard(job.id)

    def _fail_before_start(self, job: Job, message: str) -> None:
        self._finish(_Active(job=job, target=None), AttemptResult(exit_code=None, error=message))  # type: ignore[arg-type]

    def _start(self, job: Job) -> None:
        target = self._target(job.compute)
        spec = job.spec
        attempt_dir = self._attempt_dir(job)
        if attempt_dir.exists():
            shutil.rmtree(attempt_dir)
        wd = attempt_dir / "wd"
        if job.snapshot:
            extract_snapshot(self.artifacts, job.snapshot, wd)
        else:
            wd.mkdir(parents=True)
        python_bin = None
        if target.builds_environment_locally and spec.environment is not None:
            from modelyard.jobs.environments import EnvironmentBuildFailed, ensure_environment

            try:
                built = ensure_environment(spec.environment, cache_root=self.env_cache)
            except EnvironmentBuildFailed as e:
                self._keep_build_log(job, e.details.get("log"))
                raise
            python_bin = built.bin_dir if built.digest else None
        outputs: dict[str, str] = {}
        for name, out in spec.outputs.items():
            path = attempt_dir / "outputs" / name
            if out.type == "uri_file":
                path.parent.mkdir(parents=True, exist_ok=True)
            else:
                path.mkdir(parents=True, exist_ok=True)
            outputs[name] = shlex.quote(str(path))
        inputs = {
            name: shlex.quote(self._local_input(i.path) if i.is_data_ref else i.path)
            if i.is_path and i.path else literal_text(i.value)
            for name, i in spec.inputs.items()
        }  # fmt: skip
        env = {
            **spec.environment_variables,
            "MODELYARD_WORKSPACE": self.workspace,
            "MODELYARD_RUN_ID": job.id,
            "MODELYARD_JOB_ID": job.id,
            "MODELYARD_JOB_ATTEMPT": str(job.attempt),
        }
        request = LaunchRequest(
            job_id=job.id, attempt=job.attempt, attempt_dir=attempt_dir, working_dir=wd,
            log_path=self.log_path(job.id), env=env,
            command=render_command(spec.command, inputs=inputs, outputs=outputs),
            environment=spec.environment, python_bin=python_bin, timeout=spec.timeout,
            grace=self.grace, resources=spec.resources,
        )  # fmt: skip
        request.log_path.parent.mkdir(parents=True, exist_ok=True)
        handle = target.start(request)
        active = _Active(job=job, target=target, handle=handle, attempt_dir=attempt_dir)
        try:
            job = self.jobs.mark_running(job.id, owner=self.owner, handle=handle)
        except InvalidState:
            target.cancel(handle)  # the lease was lost: someone else owns it now
            raise
        active.job = job
        with self._lock:
            self._active[job.id] = active

    def data_store(self) -> Any:
        """The workspace's data store (opened once). Raises InvalidState without one."""
        if self._data is None:
            if self._data_factory is None:
                raise InvalidState("this dispatcher has no data store: data asset inputs cannot run here")
            with self._lock:
                if self._data is None:
                    self._data = self._data_factory()
        return self._data

    def _local_input(self, ref: str) -> str:
        from modelyard.data.load import resolve_path

        return str(resolve_path(self.data_store(), ref, cache=self.work_root / "data-cache"))

    def _register_outputs(self, job: Job, attempt_dir: Path | None) -> str | None:
        """Register named outputs as data versions; return an error line if one failed."""
        named = {k: o for k, o in job.spec.outputs.items() if o.name}
        if not named or attempt_dir is None:
            return None
        from modelyard.data.assets import create_from_path
        from modelyard.data.entities import DataType, LineageDirection

        for key, out in named.items():
            path = attempt_dir / "outputs" / key
            try:
                v = create_from_path(self.data_store(), name=out.name, type=DataType(out.type), path=path,
                                     version=out.version, description=f"output {key!r} of job {job.id}")  # fmt: skip
                self.data_store().add_lineage(v.name, v.version, run_id=job.id, direction=LineageDirection.OUTPUT)
            except ModelyardError as e:
                return f"could not register output {key!r} as data asset {out.name}: {e.message}"
        return None

    def _keep_build_log(self, job: Job, log: str | None) -> None:
        if log and Path(log).is_file() and job.artifact_location:
            self.artifacts.write_file(f"{job.artifact_location}/logs/environment_build.txt", log)

    # ------------------------------------------------------------------ watching
    def _poll_all(self) -> None:
        with self._lock:
            active = list(self._active.values())
        for a in active:
            try:
                result = a.target.poll(a.handle)
            except ModelyardError as e:
                result = AttemptResult(exit_code=None, error=str(e))
            if result is not None:
                if a.canceling and not result.canceled and not result.succeeded:
                    result = AttemptResult(
                        exit_code=result.exit_code, signal=result.signal, canceled=True,
                        stderr_tail=result.stderr_tail,
                    )  # fmt: skip
                with self._lock:
                    self._active.pop(a.job.id, None)
                self._finish(a, result)

    def _check_cancels(self) -> None:
        with self._lock:
            active = [a for a in self._active.values() if not a.canceling]
        for a in active:
            job = self.jobs.get_job(a.job.id)
            if job.cancel_requested:
                a.canceling = True
                a.target.cancel(a.handle)

    def _finish(self, a: _Active, result: AttemptResult) -> None:
        job = a.job
        if result.succeeded:
            error = self._register_outputs(job, a.attempt_dir)
            if error:
                result = AttemptResult(exit_code=result.exit_code, error=error)
        try:
            self._collect(job, a.attempt_dir, success=result.succeeded)
        except ModelyardError as e:
            logger.warning("could not store the logs/outputs of job %s: %s", job.id, e)
        retry = (
            not result.succeeded and not result.canceled and job.attempt <= job.max_retries
            and not self.jobs.get_job(job.id).cancel_requested
        )  # fmt: skip
        try:
            self.jobs.finish_attempt(job.id, owner=self.owner, result=result, retry=retry)
        except InvalidState:
            logger.warning("job %s: lease lost before its end was recorded", job.id)

    def _collect(self, job: Job, attempt_dir: Path | None, *, success: bool) -> None:
        if not job.artifact_location:
            return
        prefix = job.artifact_location
        log = self.log_path(job.id)
        if log.is_file():
            self.artifacts.write_file(f"{prefix}/logs/{LOG_NAME}", log)
        if attempt_dir is None:
            return
        out_root = attempt_dir / "outputs"
        for name, out in job.spec.outputs.items():
            path = out_root / name
            if out.type == "uri_file" and path.is_file():
                self.artifacts.write_file(f"{prefix}/outputs/{name}", path)
            elif path.is_dir():
                self.artifacts.write_folder(f"{prefix}/outputs/{name}", path)

    def drain(self, timeout: float = 60.0) -> None:
        """Tick until nothing is queued, starting or running (used by tests and the agent)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.tick()
            if not self.busy and not self.has_pending():
                return
            time.sleep(self.poll_interval)
        raise TimeoutError("jobs still running")

    def has_pending(self) -> bool:
        """Whether any job of the workspace is queued or running (on any dispatcher)."""
        from modelyard.tracking.entities import RunStatus

        pending = [RunStatus.QUEUED, RunStatus.RUNNING]
        return bool(self.jobs.list_jobs(statuses=pending, max_results=1))
