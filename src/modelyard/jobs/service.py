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
from typing import TYPE_CHECKING

from modelyard.artifacts.store import ArtifactStore
from modelyard.errors import InvalidArgument, NotFound
from modelyard.jobs.computes import open_target
from modelyard.jobs.entities import JOB_KIND, CommandJobSpec, EnvironmentSpec, Job
from modelyard.jobs.snapshot import DEFAULT_MAX_SNAPSHOT_BYTES, snapshot_key, store_snapshot
from modelyard.jobs.store import JobStore
from modelyard.tracking.entities import RunStatus
from modelyard.tracking.store import DEFAULT_EXPERIMENT_NAME, TrackingStore

__all__ = ["resolve_environment", "submit_job"]

if TYPE_CHECKING:
    from modelyard.data.entities import DataVersion
    from modelyard.data.store import DataStore

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
    data: DataStore | None = None,
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
        NotFound: an input names a data asset version that does not exist.
        AlreadyExists: an output would register a data version that exists.
    """
    compute = jobs.get_compute(spec.compute)
    open_target(compute).check()
    if spec.environment_ref:
        spec = dataclasses.replace(
            spec, environment=resolve_environment(spec.environment_ref, jobs)
        )
    spec, reads = _pin_data_inputs(spec, data)
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
    for version in reads:  # the asset's lineage shows this job's run as a reader
        from modelyard.data.entities import LineageDirection

        assert data is not None
        data.add_lineage(version.name, version.version, run_id=run.id, direction=LineageDirection.INPUT)
    env = spec.environment
    digest = env.digest() if env is not None and not env.is_current_interpreter else None
    return jobs.create_job(
        run_id=run.id, spec=spec, compute=compute.name, snapshot=snapshot,
        environment_digest=digest,
    )  # fmt: skip


def _pin_data_inputs(spec: CommandJobSpec, data: DataStore | None) -> tuple[CommandJobSpec, list[DataVersion]]:
    """Check data asset inputs exist and pin ``@latest`` to a version; check that outputs
    registered as data versions do not exist yet."""
    refs = {k: i for k, i in spec.inputs.items() if i.is_data_ref}
    named_outputs = {k: o for k, o in spec.outputs.items() if o.name}
    if not refs and not named_outputs:
        return spec, []
    if data is None:
        raise InvalidArgument("this workspace cannot resolve data assets for jobs")
    from modelyard.data.assets import parse_ref

    pinned, reads = dict(spec.inputs), []
    for key, value in refs.items():
        name, version = parse_ref(value.path or "")
        found = data.get_version(name, version)
        reads.append(found)
        pinned[key] = dataclasses.replace(value, path=f"data:{found.name}:{found.version}")
    for key, out in named_outputs.items():
        if out.version is not None:
            try:
                data.get_version(out.name or "", out.version)
            except NotFound:
                continue
            from modelyard.errors import AlreadyExists

            raise AlreadyExists(f"output {key!r}: data version {out.name}:{out.version} already exists")
    return dataclasses.replace(spec, inputs=pinned), reads
