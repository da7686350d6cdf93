"""Jobs: job records, attempts, compute targets and named environments.

Revision ID: 0002_jobs
Revises: 0001_tracking
Create Date: 2026-05-09

A job's id is its run's id (a job is a run). Times are microseconds since the epoch, UTC.
Self-contained on purpose, like every revision.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_jobs"
down_revision = "0001_tracking"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "computes",
        sa.Column("name", sa.String(256), primary_key=True),
        sa.Column("type", sa.String(32), nullable=False),
        sa.Column("max_concurrent_jobs", sa.Integer, nullable=False),
        sa.Column("address", sa.Text, nullable=True),
        sa.Column("description", sa.Text, nullable=True),
        sa.Column("properties", sa.Text, nullable=False),
        sa.Column("created_at", sa.BigInteger, nullable=False),
        # bumped by every claim: the row lock that serializes claims on one compute
        sa.Column("claim_seq", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "jobs",
        sa.Column(
            "id",
            sa.String(32),
            sa.ForeignKey("runs.id", ondelete="CASCADE", name="fk_jobs_run"),
            primary_key=True,
        ),
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
    op.create_index("ix_jobs_state_compute", "jobs", ["state", "compute", "created_at"])
    op.create_index("ix_jobs_created", "jobs", ["created_at"])
    op.create_table(
        "job_attempts",
        sa.Column(
            "job_id",
            sa.String(32),
            sa.ForeignKey("jobs.id", ondelete="CASCADE", name="fk_job_attempts_job"),
            primary_key=True,
        ),
        sa.Column("attempt", sa.Integer, primary_key=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("started_at", sa.BigInteger, nullable=True),
        sa.Column("ended_at", sa.BigInteger, nullable=True),
        sa.Column("exit_code", sa.Integer, nullable=True),
        sa.Column("signal", sa.String(32), nullable=True),
        sa.Column("error", sa.Text, nullable=True),
        sa.Column("stderr_tail", sa.Text, nullable=True),
    )
    op.create_table(
        "environments",
        sa.Column("name", sa.String(256), primary_key=True),
        sa.Column("version", sa.String(64), primary_key=True),
        sa.Column("spec", sa.Text, nullable=False),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("description", sa.Text, nullable=True),
        sa.Column("tags", sa.Text, nullable=False),
        sa.Column("created_at", sa.BigInteger, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("environments")
    op.drop_table("job_attempts")
    op.drop_table("jobs")
    op.drop_table("computes")
