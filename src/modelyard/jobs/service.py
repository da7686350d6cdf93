"""Submitting a job: everything checked before anything runs, then a queued run + job record.

Used by the server's ``POST /api/v1/jobs`` and by an embedded workspace's SDK. Checks, in
order: the compute exists and is reachable, the environment reference resolves, the code
snapshot is stored (or, when the client uploaded it, exists). Then the experiment is found
or created, the run is created (``kind="job"``, Queued) and the job is queued.
"""

from __future__ import annotations

import dataclasses
import logging
import re

from modelyard.artifacts.store import ArtifactStore
from modelyard.errors import InvalidArgument, NotFound
from modelyard.jobs.computes import open_target
from modelyard.jobs.entities import JOB_KIND, CommandJobSpec, EnvironmentSpec, Job
from modelyard.jobs.snapshot import DEFAULT_MAX_SNAPSHOT_BYTES, snapshot_key, store_snapshot
from modelyard.jobs.store import JobStore
from modelyard.tracking.entities import RunStatus
from modelyard.tracking.store import DEFAULT_EXPERIMENT_NAME, TrackingStore

__all__ = ["resolve_environment", "submit_job"]

logger = logging.getLogger(__name__)

_CURATED = re.compile(r"^AzureML-", re.IGNORECASE)


def resolve_environment(ref: str, jobs: JobStore) -> EnvironmentSpec | None:
    """Resolve ``azureml:name:version``, ``name:version``, ``name@latest`` or ``name``.

    Azure curated environments (``AzureML-...``) that are not registered run in the current
    interpreter, with a warning. Raises NotFound for other unknown names.
    """
    text = ref.removeprefix("azureml:")
    name, version = text, None
    if "@" in text:
        name, _, label = text.partition("@")
        version = None if label == "latest" else label
    elif ":" in text:
        name, _, version = text.partition(":")
    try:
        return jobs.get_environment(name, version).spec
    except NotFound:
        if _CURATED.match(name):
            logger.warning("curated environment %s is not registered: using the current interpreter", ref)
            return None
        raise


def submit_job(
    spec: CommandJobSpec,
    *,
    tracking: TrackingStore,
    jobs: JobStore,
    artifacts: ArtifactStore,
    snapshot: str | None = None,
    max_snapshot_bytes: int = DEFAULT_MAX_SNAPSHOT_BYTES,
) -> Job:
    """Validate and queue a job.

    Args:
        spec: the parsed job.
        snapshot: the digest of a snapshot the caller stored already (a remote client
            uploads it first); None to snapshot ``spec.code`` here.

    Raises:
        NotFound: unknown compute or environment.
        BackendUnavailable: the compute cannot be reached (e.g. a Ray address).
        PayloadTooLarge: the code folder is over the snapshot limit.
        InvalidArgument: an uploaded snapshot is missing.
    """
    compute = jobs.get_compute(spec.compute)
    open_target(compute).check()
    if spec.environment_ref:
        spec = dataclasses.replace(
            spec, environment=resolve_environment(spec.environment_ref, jobs)
        )
    if snapshot is not None:
        if artifacts.info(snapshot_key(snapshot)) is None:
            raise InvalidArgument(f"code snapshot {snapshot} was not uploaded")
    elif spec.code:
        snapshot = store_snapshot(artifacts, spec.code, max_bytes=max_snapshot_bytes).digest
    name = spec.experiment_name or DEFAULT_EXPERIMENT_NAME
    experiment = tracking.find_experiment(name)
    if experiment is None:
        from modelyard.errors import AlreadyExists

        try:
            experiment = tracking.create_experiment(name)
        except AlreadyExists:  # created concurrently
            experiment = tracking.find_experiment(name)
            assert experiment is not None
    run = tracking.create_run(
        experiment.id, name=spec.display_name, kind=JOB_KIND, status=RunStatus.QUEUED,
        tags=spec.tags or None,
    )  # fmt: skip
    env = spec.environment
    digest = env.digest() if env is not None and not env.is_current_interpreter else None
    return jobs.create_job(
        run_id=run.id, spec=spec, compute=compute.name, snapshot=snapshot,
        environment_digest=digest,
    )  # fmt: skip
