"""SQLAlchemy Core tables of the job store (revision ``0002_jobs``), and the few columns of
the tracking ``runs`` table the job store updates with a job's status.

``jobs.state`` is the dispatch state: ``queued`` (waiting for a slot), ``claimed`` (holds a
slot of its compute, leased by a dispatcher) or ``done``. ``jobs.status`` mirrors the run's
status for cheap listing.
"""

from __future__ import annotations

import sqlalchemy as sa

__all__ = ["computes", "environments", "job_attempts", "jobs", "metadata", "runs"]

metadata = sa.MetaData()

computes = sa.Table(
    "computes",
    metadata,
    sa.Column("name", sa.String(256), primary_key=True),
    sa.Column("type", sa.String(32), nullable=False),
    sa.Column("max_concurrent_jobs", sa.Integer, nullable=False),
    sa.Column("address", sa.Text, nullable=True),
    sa.Column("description", sa.Text, nullable=True),
    sa.Column("properties", sa.Text, nullable=False),
    sa.Column("created_at", sa.BigInteger, nullable=False),
    sa.Column("claim_seq", sa.BigInteger, nullable=False),
)

jobs = sa.Table(
    "jobs",
    metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("experiment_id", sa.String(32), nullable=False),
    sa.Column("compute", sa.String(256), nullable=False),
    sa.Column("spec", sa.Text, nullable=False),
    sa.Column("snapshot", sa.String(64), nullable=True),
    sa.Column("environment_digest", sa.String(64), nullable=True),
    sa.Column("state", sa.String(16), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("attempt", sa.Integer, nullable=False),
    sa.Column("max_retries", sa.Integer, nullable=False),
    sa.Column("cancel_requested", sa.Boolean, nullable=False),
    sa.Column("lease_owner", sa.String(256), nullable=True),
    sa.Column("lease_expires_at", sa.BigInteger, nullable=True),
    sa.Column("handle", sa.Text, nullable=False),
    sa.Column("exit_code", sa.Integer, nullable=True),
    sa.Column("signal", sa.String(32), nullable=True),
    sa.Column("error", sa.Text, nullable=True),
    sa.Column("stderr_tail", sa.Text, nullable=True),
    sa.Column("created_at", sa.BigInteger, nullable=False),
    sa.Column("started_at", sa.BigInteger, nullable=True),
    sa.Column("ended_at", sa.BigInteger, nullable=True),
)

job_attempts = sa.Table(
    "job_attempts",
    metadata,
    sa.Column("job_id", sa.String(32), primary_key=True),
    sa.Column("attempt", sa.Integer, primary_key=True),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("started_at", sa.BigInteger, nullable=True),
    sa.Column("ended_at", sa.BigInteger, nullable=True),
    sa.Column("exit_code", sa.Integer, nullable=True),
    sa.Column("signal", sa.String(32), nullable=True),
    sa.Column("error", sa.Text, nullable=True),
    sa.Column("stderr_tail", sa.Text, nullable=True),
)

environments = sa.Table(
    "environments",
    metadata,
    sa.Column("name", sa.String(256), primary_key=True),
    sa.Column("version", sa.String(64), primary_key=True),
    sa.Column("spec", sa.Text, nullable=False),
    sa.Column("digest", sa.String(64), nullable=False),
    sa.Column("description", sa.Text, nullable=True),
    sa.Column("tags", sa.Text, nullable=False),
    sa.Column("created_at", sa.BigInteger, nullable=False),
)

#: the tracking store's runs table, only the columns a job's status touches
runs = sa.Table(
    "runs",
    metadata,
    sa.Column("id", sa.String(32), nullable=False, unique=True),
    sa.Column("name", sa.String(256), nullable=False),
    sa.Column("experiment_id", sa.String(32), nullable=False),
    sa.Column("kind", sa.String(64), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("start_time", sa.BigInteger, nullable=True),
    sa.Column("end_time", sa.BigInteger, nullable=True),
    sa.Column("error", sa.Text, nullable=True),
    sa.Column("artifact_location", sa.Text, nullable=False),
)
