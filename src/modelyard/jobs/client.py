"""The SDK surface of jobs: ``yard.command(...)``, ``ws.jobs``, ``ws.computes``,
``ws.environments``.

Example::

    import modelyard as yard

    ws = yard.Workspace()
    job = ws.jobs.create_or_update(
        yard.command(command="python train.py --lr ${{inputs.lr}}", code="./src",
                     inputs={"lr": 0.1}, experiment_name="demo")
    )
    job.stream()            # prints the log as it grows, returns the ended Job
    print(job.wait().status)

On an embedded workspace the job is queued in the workspace database and an on-demand
local agent runs it (see :mod:`modelyard.jobs.agent`); no server is needed.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from modelyard.errors import InvalidArgument, InvalidState
from modelyard.jobs.entities import (
    CommandJobSpec,
    Compute,
    ComputeType,
    Environment,
    EnvironmentSpec,
    Job,
)
from modelyard.tracking.entities import RunStatus

if TYPE_CHECKING:
    from modelyard.jobs.store import JobStore
    from modelyard.sdk.workspace import Workspace

__all__ = ["Computes", "Environments", "Jobs", "SubmittedJob", "command"]

LOG_KEY = "logs/std_log.txt"


def command(
    *,
    command: str,
    code: str | Path | None = None,
    inputs: Mapping[str, Any] | None = None,
    outputs: Mapping[str, Any] | None = None,
    environment: str | Mapping[str, Any] | None = None,
    compute: str = "local",
    experiment_name: str | None = None,
    display_name: str | None = None,
    description: str | None = None,
    tags: Mapping[str, str] | None = None,
    timeout: float | None = None,
    retries: int = 0,
    environment_variables: Mapping[str, str] | None = None,
    resources: Mapping[str, Any] | None = None,
) -> CommandJobSpec:
    """Build a command job, validated exactly like a YAML spec.

    ``inputs`` values are literals or mappings such as ``{"type": "uri_file", "path": "x.csv"}``;
    ``outputs`` values are mappings such as ``{"type": "uri_folder"}`` (or None). Relative
    paths are resolved against the current directory. ``environment`` is a registered
    name (``"sk:2"``) or an inline spec (``{"pip": ["numpy"]}``, ``{"conda_file": "env.yml"}``).

    Raises:
        InvalidArgument: the same errors as a YAML spec.
    """
    from modelyard.jobs.spec import parse_job

    data: dict[str, Any] = {"type": "command", "command": command, "compute": compute}
    if code is not None:
        data["code"] = str(code)
    if inputs:
        data["inputs"] = dict(inputs)
    if outputs:
        data["outputs"] = {k: (dict(v) if v else {}) for k, v in outputs.items()}
    optional = {
        "environment": environment, "experiment_name": experiment_name,
        "display_name": display_name, "description": description,
        "tags": dict(tags) if tags else None, "retries": retries or None,
        "environment_variables": dict(environment_variables) if environment_variables else None,
        "resources": dict(resources) if resources else None,
        "limits": {"timeout": timeout} if timeout is not None else None,
    }  # fmt: skip
    data.update({k: v for k, v in optional.items() if v is not None})
    return parse_job(data, source="yard.command()", base_dir=Path.cwd())


class SubmittedJob:
    """A job handed to the workspace: ``wait()``, ``stream()``, ``cancel()``, ``refresh()``."""

    def __init__(self, jobs: Jobs, job: Job) -> None:
        self._jobs = jobs
        self.job = job

    def __repr__(self) -> str:
        return f"SubmittedJob(id={self.id!r}, status={self.job.status.value!r})"

    @property
    def id(self) -> str:
        return self.job.id

    @property
    def name(self) -> str:
        return self.job.id

    @property
    def status(self) -> RunStatus:
        return self.refresh().status

    def refresh(self) -> Job:
        self.job = self._jobs.get(self.id)
        return self.job

    def wait(self, *, timeout: float | None = None, poll_interval: float = 0.1) -> Job:
        """Block until the job ends; return it. Raises TimeoutError past ``timeout``."""
        return self._jobs.wait(self.id, timeout=timeout, poll_interval=poll_interval)

    def stream(self, file: IO[str] | None = None) -> Job:
        """Print the job's log as it grows until the job ends; return the ended job."""
        return self._jobs.stream(self.id, file=file)

    def cancel(self) -> Job:
        self.job = self._jobs.cancel(self.id)
        return self.job


class Jobs:
    """``ws.jobs``: create_or_update, get, list, cancel, logs, stream, wait, download."""

    def __init__(self, workspace: Workspace) -> None:
        self._ws = workspace

    @property
    def store(self) -> JobStore:
        return _job_store(self._ws)

    def _folder(self) -> Path | None:
        return None if self._ws.location.is_remote else self._ws.location.folder

    def create_or_update(
        self, job: CommandJobSpec, *, start_agent: bool = True, snapshot: str | None = None
    ) -> SubmittedJob:
        """Submit a job; every check runs before anything does.

        ``snapshot`` is the digest of a code snapshot stored already (a deployment's code),
        used instead of snapshotting ``job.code``.

        Raises:
            NotFound: unknown compute or environment.
            BackendUnavailable: the compute cannot be reached.
            PayloadTooLarge: the code folder is over the snapshot limit.
        """
        if self._ws.location.is_remote:
            from modelyard.jobs.rest import submit_remote

            submitted = submit_remote(self._ws, job, snapshot=snapshot)
        else:
            from modelyard.jobs.service import submit_job

            if start_agent:  # a cold agent boots while the job is checked and queued
                self._ensure_agent()
            needs_data = any(i.is_data_ref for i in job.inputs.values()) or any(o.name for o in job.outputs.values())
            submitted = submit_job(
                job, tracking=self._ws.tracking_store, jobs=self.store,
                artifacts=self._ws.artifact_store, data=self._ws.data.store if needs_data else None,
                snapshot=snapshot,
            )  # fmt: skip
            if start_agent:  # again once queued (an agent may have exited meanwhile); wakes it
                self._ensure_agent()
        return SubmittedJob(self, submitted)

    def _ensure_agent(self) -> None:
        folder = self._folder()
        if folder is not None:
            from modelyard.jobs.agent import ensure_agent

            ensure_agent(folder)

    def get(self, job_id: str) -> Job:
        """Return a job (its id is its run's id). Raises NotFound."""
        job = self.store.get_job(job_id)
        if not job.status.is_terminal:
            self._ensure_agent()  # someone must watch it (after a reboot, an agent crash)
        return job

    def list(
        self,
        *,
        experiment: str | None = None,
        status: str | RunStatus | None = None,
        max_results: int = 1000,
    ) -> list[Job]:
        """Jobs, newest first, optionally of one experiment (by name) or status."""
        ids = None
        if experiment is not None:
            exp = self._ws.tracking_store.find_experiment(experiment)
            if exp is None:
                return []
            ids = [exp.id]
        statuses = [RunStatus(status)] if status else None
        return self.store.list_jobs(experiment_ids=ids, statuses=statuses, max_results=max_results)

    def cancel(self, job_id: str) -> Job:
        """Cancel a job (SIGTERM to its process group, SIGKILL after a grace period)."""
        return self.store.cancel_job(job_id)

    def wait(self, job_id: str, *, timeout: float | None = None, poll_interval: float = 0.1) -> Job:
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            job = self.get(job_id)
            if job.status.is_terminal:
                return job
            if deadline is not None and time.monotonic() > deadline:
                raise TimeoutError(f"job {job_id} is still {job.status.value}")
            time.sleep(poll_interval)

    def logs(self, job_id: str) -> str:
        """The job's log so far (stdout and stderr of every attempt)."""
        return b"".join(self.iter_log(job_id, follow=False)).decode("utf-8", errors="replace")

    def iter_log(self, job_id: str, *, follow: bool = True, poll_interval: float = 0.1) -> Iterator[bytes]:
        """Chunks of the job's log; with ``follow``, until the job ends."""
        if self._ws.location.is_remote:
            from modelyard.jobs.rest import iter_remote_log

            yield from iter_remote_log(self._ws, job_id, follow=follow)
            return
        from modelyard.jobs.agent import work_root

        live = work_root(self._ws.location.folder) / job_id / "std_log.txt"
        offset = 0
        while True:
            job = self.get(job_id)
            ended = job.status.is_terminal
            if live.is_file():
                with open(live, "rb") as fh:
                    fh.seek(offset)
                    while chunk := fh.read(65536):
                        offset += len(chunk)
                        yield chunk
            elif ended and job.artifact_location:
                key = f"{job.artifact_location}/{LOG_KEY}"
                if self._ws.artifact_store.info(key) is not None:
                    yield from self._ws.artifact_store.iter_chunks(key)
            if ended or not follow:
                return
            time.sleep(poll_interval)

    def stream(self, job_id: str, *, file: IO[str] | None = None) -> Job:
        out = file or sys.stdout
        for chunk in self.iter_log(job_id, follow=True):
            out.write(chunk.decode("utf-8", errors="replace"))
            out.flush()
        return self.get(job_id)

    def download(self, job_id: str, dest: str | Path, *, what: str = "all") -> Path:
        """Copy the job's outputs and logs (``what``: all, outputs, logs) under ``dest``."""
        job = self.get(job_id)
        if not job.artifact_location:
            raise InvalidState(f"job {job_id} has no artifacts")
        dest = Path(dest)
        store = self._ws.artifact_store
        parts = ["outputs", "logs"] if what == "all" else [what]
        for part in parts:
            key = f"{job.artifact_location}/{part}"
            if store.info(key) is not None:
                store.download(key, dest)
        return dest


class Computes:
    """``ws.computes``: create, get, list, delete."""

    def __init__(self, workspace: Workspace) -> None:
        self._ws = workspace

    def create(
        self,
        *,
        name: str,
        type: str = "local",
        max_concurrent_jobs: int | None = None,
        address: str | None = None,
        description: str | None = None,
    ) -> Compute:
        """Register a compute target. A ray address is checked before it is saved.

        Raises:
            AlreadyExists, InvalidArgument, BackendUnavailable (unreachable Ray).
        """
        from modelyard.jobs.computes import open_target

        kind = ComputeType(type) if type in ComputeType._value2member_map_ else None
        if kind is None:
            raise InvalidArgument(f"unknown compute type {type!r}; use local or ray")
        if kind is ComputeType.RAY:
            from datetime import UTC, datetime

            probe = Compute(name=name, type=kind, max_concurrent_jobs=1,
                            created_at=datetime.now(UTC), address=address)  # fmt: skip
            if address:
                open_target(probe).check()
        return _job_store(self._ws).create_compute(
            name=name, type=kind, max_concurrent_jobs=max_concurrent_jobs, address=address,
            description=description,
        )  # fmt: skip

    def create_from_file(self, path: str | Path, *, overrides: Sequence[str] = ()) -> Compute:
        """Register a compute from YAML: ``name``, ``type`` (local|ray), ``max_concurrent_jobs``,
        ``address``, ``description``."""
        from modelyard.jobs._yaml import line_of, load_yaml_file
        from modelyard.jobs.spec import apply_overrides

        data = load_yaml_file(path)
        if not isinstance(data, dict):
            raise InvalidArgument(f"{path}: a compute spec must be a mapping")
        apply_overrides(data, overrides)
        allowed = {"$schema", "name", "type", "max_concurrent_jobs", "address", "description"}
        for key in data:
            if key not in allowed:
                raise InvalidArgument(f"{path}:{line_of(data, key)}: unknown key {key!r}")
        if not data.get("name"):
            raise InvalidArgument(f"{path}: 'name' is required")
        return self.create(
            name=str(data["name"]), type=str(data.get("type", "local")),
            max_concurrent_jobs=data.get("max_concurrent_jobs"), address=data.get("address"),
            description=data.get("description"),
        )  # fmt: skip

    def get(self, name: str) -> Compute:
        return _job_store(self._ws).get_compute(name)

    def list(self) -> list[Compute]:
        return _job_store(self._ws).list_computes()

    def delete(self, name: str) -> None:
        _job_store(self._ws).delete_compute(name)


class Environments:
    """``ws.environments``: create, get, list."""

    def __init__(self, workspace: Workspace) -> None:
        self._ws = workspace

    def create(
        self,
        *,
        name: str,
        spec: EnvironmentSpec | Mapping[str, Any],
        version: str | None = None,
        description: str | None = None,
    ) -> Environment:
        """Register an environment version from a spec or a mapping like ``{"pip": [...]}``."""
        if not isinstance(spec, EnvironmentSpec):
            from modelyard.jobs.spec import parse_environment

            spec = parse_environment(dict(spec), base_dir=Path.cwd())
        return _job_store(self._ws).create_environment(
            name=name, spec=spec, version=version, description=description
        )

    def create_from_file(self, path: str | Path) -> Environment:
        """Register an environment from an Azure-style YAML (name, version, conda_file...)."""
        from modelyard.jobs.spec import load_environment_file

        data, spec = load_environment_file(path)
        if not data.get("name"):
            raise InvalidArgument(f"{path}: 'name' is required")
        version = data.get("version")
        return _job_store(self._ws).create_environment(
            name=str(data["name"]), spec=spec,
            version=None if version is None else str(version),
            description=data.get("description"),
        )  # fmt: skip

    def get(self, name: str, version: str | None = None) -> Environment:
        return _job_store(self._ws).get_environment(name, version)

    def list(self, *, name: str | None = None) -> list[Environment]:
        return _job_store(self._ws).list_environments(name=name)


def _job_store(ws: Workspace) -> JobStore:
    """The workspace's job store, opened once per workspace object."""
    store = getattr(ws, "_job_store", None)
    if store is None:
        if ws.location.is_remote:
            from modelyard.jobs.rest import RestJobStore

            store = RestJobStore(ws.location.url, token=ws.settings.token)
        else:
            from modelyard.jobs.sql import SqlJobStore

            store = SqlJobStore(ws.location.store_url)
        ws._job_store = store
    return store
