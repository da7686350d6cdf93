"""The SQL job store (SQLite for an embedded workspace, PostgreSQL for a server).

It shares the tracking store's database and migrations, and updates a job's run status in
the same transaction as the job record, so the two never disagree. Claims on one compute
are serialized by updating that compute's row first (a row lock on PostgreSQL; SQLite's
``BEGIN IMMEDIATE`` holds the database write lock anyway).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from contextlib import AbstractContextManager
from typing import Any

import sqlalchemy as sa

from modelyard.db.engine import create_engine_for, guarded_read, guarded_write
from modelyard.db.migrate import upgrade
from modelyard.db.values import from_us, now_us
from modelyard.errors import AlreadyExists, InvalidArgument, InvalidState, NotFound
from modelyard.jobs import _tables as t
from modelyard.jobs._sql_catalog import ComputesEnvironmentsMixin
from modelyard.jobs.entities import (
    AttemptResult,
    CommandJobSpec,
    Job,
    JobAttempt,
)
from modelyard.jobs.store import JobStore
from modelyard.tracking.entities import RunStatus

__all__ = ["SqlJobStore"]

_JOB_COLS = [*t.jobs.c, t.runs.c.name.label("run_name"), t.runs.c.artifact_location]


def _job(row: Any) -> Job:
    m = row._mapping
    return Job(
        id=m["id"], name=m["run_name"], experiment_id=m["experiment_id"],
        status=RunStatus(m["status"]), compute=m["compute"],
        spec=CommandJobSpec.from_dict(json.loads(m["spec"])), snapshot=m["snapshot"],
        environment_digest=m["environment_digest"], attempt=m["attempt"],
        max_retries=m["max_retries"], created_at=from_us(m["created_at"]),
        started_at=from_us(m["started_at"]), ended_at=from_us(m["ended_at"]),
        cancel_requested=bool(m["cancel_requested"]), lease_owner=m["lease_owner"],
        lease_expires_at=from_us(m["lease_expires_at"]), handle=json.loads(m["handle"] or "{}"),
        exit_code=m["exit_code"], signal=m["signal"], error=m["error"],
        stderr_tail=m["stderr_tail"], artifact_location=m["artifact_location"],
    )  # fmt: skip


class SqlJobStore(ComputesEnvironmentsMixin, JobStore):
    """Job store on a SQLAlchemy engine; migrates the database on open.

    Args:
        url: a ``sqlite:///`` or ``postgresql://`` URL (ignored when ``engine`` is given).
        engine: an engine to share with the tracking store.

    Example:
        >>> store = SqlJobStore("sqlite:////tmp/ws/workspace.db")
        >>> store.get_compute("local").type
        <ComputeType.LOCAL: 'local'>
    """

    def __init__(self, url: str | None = None, *, engine: sa.Engine | None = None) -> None:
        if engine is None:
            if url is None:
                raise InvalidArgument("SqlJobStore needs a URL or an engine")
            engine = create_engine_for(url)
            self._owns_engine = True
        else:
            self._owns_engine = False
        self._engine = engine
        upgrade(engine)

    def close(self) -> None:
        if self._owns_engine:
            self._engine.dispose()

    # ----------------------------------------------------------------- helpers
    def _write(self) -> AbstractContextManager[sa.Connection]:
        return guarded_write(self._engine)

    def _read(self) -> AbstractContextManager[sa.Connection]:
        return guarded_read(self._engine)

    def _job_query(self) -> sa.Select:
        return sa.select(*_JOB_COLS).select_from(t.jobs.join(t.runs, t.runs.c.id == t.jobs.c.id))

    def _get_job(self, conn: sa.Connection, job_id: str) -> Job:
        row = conn.execute(self._job_query().where(t.jobs.c.id == job_id)).first()
        if row is None:
            raise NotFound(f"job {job_id!r} not found")
        return _job(row)

    def _set_run(self, conn: sa.Connection, job_id: str, **values: Any) -> None:
        conn.execute(t.runs.update().where(t.runs.c.id == job_id).values(**values))

    def _owned(self, conn: sa.Connection, job_id: str, owner: str) -> Any:
        row = conn.execute(
            sa.select(t.jobs.c.lease_owner, t.jobs.c.state, t.jobs.c.attempt)
            .where(t.jobs.c.id == job_id)
        ).first()  # fmt: skip
        if row is None:
            raise NotFound(f"job {job_id!r} not found")
        if row.lease_owner != owner or row.state != "claimed":
            raise InvalidState(f"job {job_id} is not claimed by {owner}")
        return row

    # -------------------------------------------------------------------- jobs
    def create_job(
        self, *, run_id: str, spec: CommandJobSpec, compute: str,
        snapshot: str | None, environment_digest: str | None,
    ) -> Job:  # fmt: skip
        with self._write() as conn:
            self._ensure_local(conn)
            run = conn.execute(sa.select(t.runs.c.experiment_id).where(t.runs.c.id == run_id)).first()
            if run is None:
                raise NotFound(f"run {run_id!r} not found")
            if conn.execute(sa.select(t.computes.c.name).where(t.computes.c.name == compute)).first() is None:
                raise NotFound(f"compute {compute!r} not found")
            if conn.execute(sa.select(t.jobs.c.id).where(t.jobs.c.id == run_id)).first():
                raise AlreadyExists(f"run {run_id} already has a job")
            conn.execute(t.jobs.insert().values(
                id=run_id, experiment_id=run.experiment_id, compute=compute,
                spec=json.dumps(spec.to_dict()), snapshot=snapshot,
                environment_digest=environment_digest, state="queued",
                status=RunStatus.QUEUED.value, attempt=1, max_retries=spec.retries,
                cancel_requested=False, handle="{}", created_at=now_us(),
            ))  # fmt: skip
            self._set_run(conn, run_id, status=RunStatus.QUEUED.value, kind="job")
            return self._get_job(conn, run_id)

    def get_job(self, job_id: str) -> Job:
        with self._read() as conn:
            return self._get_job(conn, job_id)

    def list_jobs(
        self, *, experiment_ids: Iterable[str] | None = None,
        statuses: Iterable[RunStatus] | None = None, compute: str | None = None,
        max_results: int = 1000,
    ) -> list[Job]:  # fmt: skip
        if not 1 <= max_results <= 50_000:
            raise InvalidArgument("max_results must be in 1..50000")
        q = self._job_query()
        if experiment_ids is not None:
            q = q.where(t.jobs.c.experiment_id.in_(list(experiment_ids)))
        if statuses is not None:
            q = q.where(t.jobs.c.status.in_([RunStatus(s).value for s in statuses]))
        if compute is not None:
            q = q.where(t.jobs.c.compute == compute)
        q = q.order_by(t.jobs.c.created_at.desc(), t.jobs.c.id.desc()).limit(max_results)
        with self._read() as conn:
            return [_job(r) for r in conn.execute(q)]

    def cancel_job(self, job_id: str) -> Job:
        now = now_us()
        with self._write() as conn:
            job = self._get_job(conn, job_id)
            if job.status.is_terminal:
                return job
            done = conn.execute(
                t.jobs.update().where(t.jobs.c.id == job_id, t.jobs.c.state == "queued")
                .values(state="done", status=RunStatus.CANCELED.value, ended_at=now,
                        cancel_requested=True, error="canceled", lease_owner=None)
            ).rowcount  # fmt: skip
            if done:
                conn.execute(t.job_attempts.insert().values(
                    job_id=job_id, attempt=job.attempt, status=RunStatus.CANCELED.value,
                    started_at=None, ended_at=now, error="canceled before it started",
                ))  # fmt: skip
                self._set_run(conn, job_id, status=RunStatus.CANCELED.value, end_time=now,
                              error="canceled")  # fmt: skip
            else:
                conn.execute(t.jobs.update().where(t.jobs.c.id == job_id).values(cancel_requested=True))
            return self._get_job(conn, job_id)

    def list_attempts(self, job_id: str) -> list[JobAttempt]:
        with self._read() as conn:
            self._get_job(conn, job_id)
            rows = conn.execute(
                sa.select(t.job_attempts).where(t.job_attempts.c.job_id == job_id)
                .order_by(t.job_attempts.c.attempt)
            )  # fmt: skip
            return [
                JobAttempt(
                    job_id=r.job_id, attempt=r.attempt, status=RunStatus(r.status),
                    started_at=from_us(r.started_at), ended_at=from_us(r.ended_at),
                    exit_code=r.exit_code, signal=r.signal, error=r.error,
                    stderr_tail=r.stderr_tail,
                )
                for r in rows
            ]

    # ------------------------------------------------------------- dispatching
    def claim_jobs(self, *, owner: str, lease_seconds: float, computes: Iterable[str] | None = None) -> list[Job]:
        wanted = None if computes is None else set(computes)
        expires = now_us() + int(lease_seconds * 1e6)
        claimed: list[str] = []
        with self._read() as conn:  # idle dispatchers look often: no write lock for nothing
            if conn.execute(sa.select(t.jobs.c.id).where(t.jobs.c.state == "queued").limit(1)).first() is None:
                return []
        with self._write() as conn:
            self._ensure_local(conn)
            names = conn.execute(
                sa.select(t.jobs.c.compute).where(t.jobs.c.state == "queued").distinct()
            ).scalars().all()  # fmt: skip
            for name in sorted(names):
                if wanted is not None and name not in wanted:
                    continue
                conn.execute(
                    t.computes.update().where(t.computes.c.name == name)
                    .values(claim_seq=t.computes.c.claim_seq + 1)
                )  # fmt: skip
                limit = conn.execute(
                    sa.select(t.computes.c.max_concurrent_jobs).where(t.computes.c.name == name)
                ).scalar()  # fmt: skip
                if limit is None:
                    continue
                busy = conn.execute(
                    sa.select(sa.func.count()).select_from(t.jobs)
                    .where(t.jobs.c.compute == name, t.jobs.c.state == "claimed")
                ).scalar_one()  # fmt: skip
                free = limit - busy
                if free <= 0:
                    continue
                ids = conn.execute(
                    sa.select(t.jobs.c.id)
                    .where(t.jobs.c.compute == name, t.jobs.c.state == "queued")
                    .order_by(t.jobs.c.created_at, t.jobs.c.id).limit(free)
                ).scalars().all()  # fmt: skip
                for job_id in ids:
                    n = conn.execute(
                        t.jobs.update().where(t.jobs.c.id == job_id, t.jobs.c.state == "queued")
                        .values(state="claimed", lease_owner=owner, lease_expires_at=expires)
                    ).rowcount  # fmt: skip
                    if n:
                        claimed.append(job_id)
            return [self._get_job(conn, i) for i in claimed]

    def renew_leases(self, *, owner: str, job_ids: Iterable[str], lease_seconds: float) -> list[str]:
        ids = list(job_ids)
        if not ids:
            return []
        expires = now_us() + int(lease_seconds * 1e6)
        with self._write() as conn:
            conn.execute(
                t.jobs.update()
                .where(t.jobs.c.id.in_(ids), t.jobs.c.lease_owner == owner, t.jobs.c.state == "claimed")
                .values(lease_expires_at=expires)
            )  # fmt: skip
            return list(conn.execute(
                sa.select(t.jobs.c.id).where(
                    t.jobs.c.id.in_(ids), t.jobs.c.lease_owner == owner, t.jobs.c.state == "claimed"
                )
            ).scalars())  # fmt: skip

    def adopt_orphans(self, *, owner: str, lease_seconds: float, dead_owners: Iterable[str] = ()) -> list[Job]:
        now = now_us()
        dead = list(dead_owners)
        cond = t.jobs.c.lease_expires_at < now
        if dead:
            cond = sa.or_(cond, t.jobs.c.lease_owner.in_(dead))
        query = sa.select(t.jobs.c.id).where(t.jobs.c.state == "claimed", t.jobs.c.lease_owner != owner, cond)
        with self._read() as conn:
            if conn.execute(query.limit(1)).first() is None:
                return []
        with self._write() as conn:
            ids = conn.execute(query).scalars().all()
            if ids:
                conn.execute(
                    t.jobs.update().where(t.jobs.c.id.in_(ids))
                    .values(lease_owner=owner, lease_expires_at=now + int(lease_seconds * 1e6))
                )  # fmt: skip
            return [self._get_job(conn, i) for i in ids]

    def list_lease_owners(self) -> list[str]:
        with self._read() as conn:
            return list(conn.execute(
                sa.select(t.jobs.c.lease_owner).where(t.jobs.c.state == "claimed").distinct()
            ).scalars())  # fmt: skip

    def mark_running(self, job_id: str, *, owner: str, handle: Mapping[str, Any]) -> Job:
        now = now_us()
        with self._write() as conn:
            row = self._owned(conn, job_id, owner)
            conn.execute(t.jobs.update().where(t.jobs.c.id == job_id).values(
                status=RunStatus.RUNNING.value, handle=json.dumps(dict(handle)),
                started_at=sa.func.coalesce(t.jobs.c.started_at, now),
            ))  # fmt: skip
            conn.execute(
                t.job_attempts.delete().where(
                    t.job_attempts.c.job_id == job_id, t.job_attempts.c.attempt == row.attempt
                )
            )  # fmt: skip
            conn.execute(t.job_attempts.insert().values(
                job_id=job_id, attempt=row.attempt, status=RunStatus.RUNNING.value, started_at=now,
            ))  # fmt: skip
            self._set_run(conn, job_id, status=RunStatus.RUNNING.value,
                          start_time=sa.func.coalesce(t.runs.c.start_time, now))  # fmt: skip
            return self._get_job(conn, job_id)

    def finish_attempt(self, job_id: str, *, owner: str, result: AttemptResult, retry: bool) -> Job:
        now = now_us()
        if result.succeeded:
            status = RunStatus.FINISHED
        elif result.canceled:
            status = RunStatus.CANCELED
        else:
            status = RunStatus.FAILED
        error = result.describe() or None
        with self._write() as conn:
            row = self._owned(conn, job_id, owner)
            outcome = {
                "exit_code": result.exit_code, "signal": result.signal, "error": error,
                "stderr_tail": result.stderr_tail or None,
            }  # fmt: skip
            updated = conn.execute(
                t.job_attempts.update().where(
                    t.job_attempts.c.job_id == job_id, t.job_attempts.c.attempt == row.attempt
                ).values(status=status.value, ended_at=now, **outcome)
            ).rowcount  # fmt: skip
            if not updated:  # the attempt failed before its process started
                conn.execute(t.job_attempts.insert().values(
                    job_id=job_id, attempt=row.attempt, status=status.value, started_at=None,
                    ended_at=now, **outcome,
                ))  # fmt: skip
            if retry and status is RunStatus.FAILED:
                conn.execute(t.jobs.update().where(t.jobs.c.id == job_id).values(
                    state="queued", attempt=row.attempt + 1, lease_owner=None,
                    lease_expires_at=None, handle="{}", **outcome,
                ))  # fmt: skip
            else:
                conn.execute(t.jobs.update().where(t.jobs.c.id == job_id).values(
                    state="done", status=status.value, ended_at=now, lease_owner=None,
                    lease_expires_at=None, **outcome,
                ))  # fmt: skip
                self._set_run(conn, job_id, status=status.value, end_time=now, error=error)
            return self._get_job(conn, job_id)
