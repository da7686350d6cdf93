"""One contract suite for every JobStore: SQLite, PostgreSQL and REST (a live server).

The ``stores`` fixture gives a fresh tracking store and job store on the same backend; the
tests never ask which one they have.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest

from modelyard.errors import AlreadyExists, InvalidArgument, InvalidState, NotFound
from modelyard.jobs.entities import (
    AttemptResult,
    CommandJobSpec,
    ComputeType,
    EnvironmentSpec,
    JobInput,
    JobOutput,
)
from modelyard.tracking.entities import RunStatus


def _sqlite(request: pytest.FixtureRequest, tmp_path: Path, stack: ExitStack):
    from modelyard.jobs.sql import SqlJobStore
    from modelyard.tracking.sql import SqlTrackingStore

    url = f"sqlite:///{tmp_path / 'workspace.db'}"
    return SqlTrackingStore(url), SqlJobStore(url)


def _postgres(request: pytest.FixtureRequest, tmp_path: Path, stack: ExitStack):
    from modelyard.jobs.sql import SqlJobStore
    from modelyard.tracking.sql import SqlTrackingStore

    url = request.getfixturevalue("postgres_schema_url")
    return SqlTrackingStore(url), SqlJobStore(url)


def _rest(request: pytest.FixtureRequest, tmp_path: Path, stack: ExitStack):
    from modelyard.jobs.rest import RestJobStore
    from modelyard.server.app import create_app
    from modelyard.settings import Settings
    from modelyard.tracking.rest import RestTrackingStore
    from tests.support.server import live_server

    folder = tmp_path / "served"
    app = create_app(Settings(workspace=str(folder)), run_dispatcher=False)  # the tests dispatch
    server = stack.enter_context(live_server(folder, app=app))
    return RestTrackingStore(server.url), RestJobStore(server.url)


_FACTORIES = {"sqlite": _sqlite, "postgres": _postgres, "rest": _rest}


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres), "rest"])
def stores(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple]:
    with ExitStack() as stack:
        tracking, jobs = _FACTORIES[request.param](request, tmp_path, stack)
        try:
            yield tracking, jobs
        finally:
            jobs.close()
            tracking.close()


SPEC = CommandJobSpec(
    command="python train.py --lr ${{inputs.lr}} --out ${{outputs.model}}",
    inputs={"lr": JobInput(type="number", value=0.1), "data": JobInput(type="uri_file", path="/tmp/x.csv")},
    outputs={"model": JobOutput(type="uri_folder")},
    environment=EnvironmentSpec(pip=("numpy",), python="3.11"),
    timeout=30.0, retries=1, experiment_name="exp", tags={"team": "ml"},
)  # fmt: skip


def queue(stores, *, compute: str = "local", spec: CommandJobSpec = SPEC, experiment: str = "exp"):
    tracking, jobs = stores
    exp = tracking.find_experiment(experiment) or tracking.create_experiment(experiment)
    run = tracking.create_run(exp.id, kind="job", status=RunStatus.QUEUED)
    return jobs.create_job(run_id=run.id, spec=spec, compute=compute, snapshot="abc", environment_digest="d1")


# ------------------------------------------------------------------------------ jobs
def test_a_queued_job_round_trips(stores) -> None:
    tracking, jobs = stores
    job = queue(stores)
    got = jobs.get_job(job.id)
    assert got == job
    assert got.status is RunStatus.QUEUED and got.attempt == 1 and got.max_retries == 1
    assert got.spec == SPEC and got.snapshot == "abc" and got.environment_digest == "d1"
    assert got.artifact_location
    run = tracking.get_run(job.id)
    assert run.kind == "job" and run.status is RunStatus.QUEUED


def test_create_job_errors(stores) -> None:
    _, jobs = stores
    with pytest.raises(NotFound):
        jobs.create_job(run_id="nope", spec=SPEC, compute="local", snapshot=None, environment_digest=None)
    job = queue(stores)
    with pytest.raises(AlreadyExists):
        jobs.create_job(run_id=job.id, spec=SPEC, compute="local", snapshot=None, environment_digest=None)
    with pytest.raises(NotFound, match="compute"):
        queue(stores, compute="missing")
    with pytest.raises(NotFound):
        jobs.get_job("missing")
    with pytest.raises(NotFound):
        jobs.list_attempts("missing")


def test_list_jobs_newest_first_with_filters(stores) -> None:
    tracking, jobs = stores
    jobs.create_compute(name="pair", type=ComputeType.LOCAL, max_concurrent_jobs=2)
    a = queue(stores, experiment="one")
    b = queue(stores, experiment="two", compute="pair")
    c = queue(stores, experiment="two")
    jobs.cancel_job(c.id)
    assert [j.id for j in jobs.list_jobs()] == [c.id, b.id, a.id]
    two = tracking.find_experiment("two")
    assert [j.id for j in jobs.list_jobs(experiment_ids=[two.id])] == [c.id, b.id]
    assert [j.id for j in jobs.list_jobs(statuses=[RunStatus.QUEUED])] == [b.id, a.id]
    assert [j.id for j in jobs.list_jobs(compute="pair")] == [b.id]
    assert len(jobs.list_jobs(max_results=1)) == 1
    assert jobs.list_jobs(experiment_ids=[]) == []
    with pytest.raises(InvalidArgument):
        jobs.list_jobs(max_results=0)


def test_cancel_a_queued_job_ends_it_and_records_an_attempt(stores) -> None:
    tracking, jobs = stores
    job = queue(stores)
    canceled = jobs.cancel_job(job.id)
    assert canceled.status is RunStatus.CANCELED and canceled.cancel_requested
    assert tracking.get_run(job.id).status is RunStatus.CANCELED
    assert [a.status for a in jobs.list_attempts(job.id)] == [RunStatus.CANCELED]
    assert jobs.cancel_job(job.id).status is RunStatus.CANCELED  # no-op
    assert jobs.claim_jobs(owner="d1", lease_seconds=30) == []


def test_cancel_a_running_job_only_flags_it(stores) -> None:
    _, jobs = stores
    job = queue(stores)
    jobs.claim_jobs(owner="d1", lease_seconds=30)
    jobs.mark_running(job.id, owner="d1", handle={"pid": 1})
    flagged = jobs.cancel_job(job.id)
    assert flagged.status is RunStatus.RUNNING and flagged.cancel_requested
    ended = jobs.finish_attempt(job.id, owner="d1", result=AttemptResult(exit_code=None, signal="SIGTERM", canceled=True), retry=False)
    assert ended.status is RunStatus.CANCELED


# ----------------------------------------------------------------------- dispatching
def test_claims_respect_the_compute_limit_and_never_overlap(stores) -> None:
    _, jobs = stores
    jobs.create_compute(name="pair", type=ComputeType.LOCAL, max_concurrent_jobs=2)
    queued = [queue(stores, compute="pair") for _ in range(5)]
    first = jobs.claim_jobs(owner="d1", lease_seconds=30)
    second = jobs.claim_jobs(owner="d2", lease_seconds=30)
    assert [j.id for j in first] == [q.id for q in queued[:2]]  # oldest first
    assert second == []
    assert all(j.lease_owner == "d1" for j in first)
    assert jobs.claim_jobs(owner="d2", lease_seconds=30, computes=["local"]) == []
    jobs.mark_running(first[0].id, owner="d1", handle={})
    jobs.finish_attempt(first[0].id, owner="d1", result=AttemptResult(exit_code=0), retry=False)
    third = jobs.claim_jobs(owner="d2", lease_seconds=30)
    assert [j.id for j in third] == [queued[2].id]
    assert set(jobs.list_lease_owners()) == {"d1", "d2"}


def test_only_the_lease_holder_may_record_progress(stores) -> None:
    tracking, jobs = stores
    job = queue(stores)
    with pytest.raises(InvalidState):
        jobs.mark_running(job.id, owner="d1", handle={})
    jobs.claim_jobs(owner="d1", lease_seconds=30)
    with pytest.raises(InvalidState):
        jobs.mark_running(job.id, owner="intruder", handle={})
    running = jobs.mark_running(job.id, owner="d1", handle={"pid": 42, "host": "h"})
    assert running.status is RunStatus.RUNNING and running.handle == {"pid": 42, "host": "h"}
    assert running.started_at is not None
    assert tracking.get_run(job.id).status is RunStatus.RUNNING
    with pytest.raises(InvalidState):
        jobs.finish_attempt(job.id, owner="intruder", result=AttemptResult(exit_code=0), retry=False)
    with pytest.raises(NotFound):
        jobs.mark_running("missing", owner="d1", handle={})


def test_a_failed_attempt_is_retried_then_the_job_fails_with_its_reason(stores) -> None:
    tracking, jobs = stores
    job = queue(stores)  # retries: 1
    jobs.claim_jobs(owner="d1", lease_seconds=30)
    jobs.mark_running(job.id, owner="d1", handle={})
    requeued = jobs.finish_attempt(job.id, owner="d1", result=AttemptResult(exit_code=3, stderr_tail="boom"), retry=True)
    assert requeued.attempt == 2 and requeued.status is RunStatus.RUNNING and requeued.lease_owner is None
    [again] = jobs.claim_jobs(owner="d2", lease_seconds=30)
    assert again.id == job.id and again.attempt == 2
    jobs.mark_running(job.id, owner="d2", handle={})
    failed = jobs.finish_attempt(job.id, owner="d2", result=AttemptResult(exit_code=None, signal="SIGKILL"), retry=False)
    assert failed.status is RunStatus.FAILED and failed.error == "killed by signal SIGKILL"
    assert failed.ended_at is not None and failed.signal == "SIGKILL"
    run = tracking.get_run(job.id)
    assert run.status is RunStatus.FAILED
    attempts = jobs.list_attempts(job.id)
    assert [(a.attempt, a.status, a.exit_code) for a in attempts] == [
        (1, RunStatus.FAILED, 3), (2, RunStatus.FAILED, None)
    ]  # fmt: skip
    assert attempts[0].error == "exited with code 3" and attempts[0].stderr_tail == "boom"


def test_a_successful_attempt_finishes_the_job_and_frees_its_slot(stores) -> None:
    tracking, jobs = stores
    jobs.create_compute(name="solo", type=ComputeType.LOCAL, max_concurrent_jobs=1)
    a, b = queue(stores, compute="solo"), queue(stores, compute="solo")
    assert [j.id for j in jobs.claim_jobs(owner="d1", lease_seconds=30)] == [a.id]
    jobs.mark_running(a.id, owner="d1", handle={})
    done = jobs.finish_attempt(a.id, owner="d1", result=AttemptResult(exit_code=0), retry=False)
    assert done.status is RunStatus.FINISHED and done.error is None and done.exit_code == 0
    assert tracking.get_run(a.id).status is RunStatus.FINISHED
    assert [j.id for j in jobs.claim_jobs(owner="d1", lease_seconds=30)] == [b.id]


def test_leases_renew_expire_and_are_adopted(stores) -> None:
    _, jobs = stores
    a, b = queue(stores), queue(stores)
    jobs.claim_jobs(owner="d1", lease_seconds=30)
    assert set(jobs.renew_leases(owner="d1", job_ids=[a.id, b.id], lease_seconds=30)) == {a.id, b.id}
    assert jobs.renew_leases(owner="d2", job_ids=[a.id], lease_seconds=30) == []
    assert jobs.renew_leases(owner="d1", job_ids=[], lease_seconds=30) == []
    assert jobs.adopt_orphans(owner="d2", lease_seconds=30) == []  # leases still valid
    adopted = jobs.adopt_orphans(owner="d2", lease_seconds=30, dead_owners=["d1"])
    assert {j.id for j in adopted} == {a.id, b.id} and all(j.lease_owner == "d2" for j in adopted)
    assert jobs.renew_leases(owner="d1", job_ids=[a.id], lease_seconds=30) == []
    jobs.renew_leases(owner="d2", job_ids=[a.id, b.id], lease_seconds=1e-6)  # let them lapse
    late = jobs.adopt_orphans(owner="d3", lease_seconds=30)
    assert {j.id for j in late} == {a.id, b.id}
    assert jobs.list_lease_owners() == ["d3"]


# -------------------------------------------------------------------------- computes
def test_computes(stores) -> None:
    _, jobs = stores
    local = jobs.get_compute("local")
    assert local.type is ComputeType.LOCAL and local.max_concurrent_jobs >= 1
    ray = jobs.create_compute(name="cluster", type=ComputeType.RAY, address="http://127.0.0.1:8265",
                              description="lab", properties={"zone": "a"})  # fmt: skip
    assert jobs.get_compute("cluster") == ray
    assert ray.address == "http://127.0.0.1:8265" and ray.properties == {"zone": "a"}
    assert [c.name for c in jobs.list_computes()] == ["cluster", "local"]
    assert jobs.create_compute(name="local", type=ComputeType.LOCAL, max_concurrent_jobs=3).max_concurrent_jobs == 3
    with pytest.raises(AlreadyExists):
        jobs.create_compute(name="cluster", type=ComputeType.RAY, address="http://x:1")
    with pytest.raises(InvalidArgument):
        jobs.create_compute(name="noaddr", type=ComputeType.RAY)
    with pytest.raises(InvalidArgument):
        jobs.create_compute(name="bad name!", type=ComputeType.LOCAL)
    with pytest.raises(InvalidArgument):
        jobs.create_compute(name="zero", type=ComputeType.LOCAL, max_concurrent_jobs=0)
    with pytest.raises(InvalidState):
        jobs.delete_compute("local")
    queue(stores, compute="cluster")
    with pytest.raises(InvalidState):
        jobs.delete_compute("cluster")
    jobs.create_compute(name="spare", type=ComputeType.LOCAL)
    jobs.delete_compute("spare")
    with pytest.raises(NotFound):
        jobs.get_compute("spare")
    with pytest.raises(NotFound):
        jobs.delete_compute("spare")


# ---------------------------------------------------------------------- environments
def test_environments_are_versioned(stores) -> None:
    _, jobs = stores
    one = jobs.create_environment(name="sk", spec=EnvironmentSpec(pip=("scikit-learn",)), description="d")
    two = jobs.create_environment(name="sk", spec=EnvironmentSpec(pip=("scikit-learn", "numpy"), python="3.11"),
                                  tags={"a": "b"})  # fmt: skip
    assert (one.version, two.version) == ("1", "2")
    assert jobs.get_environment("sk") == two
    assert jobs.get_environment("sk", "latest") == two
    assert jobs.get_environment("sk", "1") == one and one.spec.pip == ("scikit-learn",)
    assert two.tags == {"a": "b"} and two.spec.python == "3.11"
    named = jobs.create_environment(name="sk", spec=EnvironmentSpec(), version="gpu")
    jobs.create_environment(name="other", spec=EnvironmentSpec())
    assert [(e.name, e.version) for e in jobs.list_environments(name="sk")] == [("sk", "1"), ("sk", "2"), ("sk", "gpu")]
    assert [e.name for e in jobs.list_environments()] == ["other", "sk", "sk", "sk"]
    assert named.version == "gpu"
    with pytest.raises(AlreadyExists):
        jobs.create_environment(name="sk", spec=EnvironmentSpec(), version="1")
    with pytest.raises(InvalidArgument):
        jobs.create_environment(name="bad name", spec=EnvironmentSpec())
    with pytest.raises(NotFound):
        jobs.get_environment("sk", "9")
    with pytest.raises(NotFound):
        jobs.get_environment("missing")
