"""Tracking: experiments, runs, params, tags, metric series and points.

Revision ID: 0001_tracking
Revises:
Create Date: 2026-05-09

Self-contained on purpose (it does not import the current table definitions, which later
revisions may change). Times are microseconds since the epoch, UTC.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001_tracking"
down_revision = None
branch_labels = None
depends_on = None

BigIntId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "experiments",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("name", sa.String(256), nullable=False),
        sa.Column("description", sa.Text, nullable=True),
        sa.Column("lifecycle_stage", sa.String(16), nullable=False),
        sa.Column("created_at", sa.BigInteger, nullable=False),
        sa.Column("updated_at", sa.BigInteger, nullable=False),
        sa.Column("deleted_time", sa.BigInteger, nullable=True),
        sa.UniqueConstraint("name", name="uq_experiments_name"),
    )
    op.create_table(
        "experiment_tags",
        sa.Column(
            "experiment_id",
            sa.String(32),
            sa.ForeignKey("experiments.id", ondelete="CASCADE", name="fk_experiment_tags_exp"),
            primary_key=True,
        ),
        sa.Column("key", sa.String(250), primary_key=True),
        sa.Column("value", sa.Text, nullable=False),
    )
    op.create_table(
        "runs",
        sa.Column("pk", BigIntId, primary_key=True, autoincrement=True),
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column(
            "experiment_id",
            sa.String(32),
            sa.ForeignKey("experiments.id", name="fk_runs_experiment"),
            nullable=False,
        ),
        sa.Column(
            "parent_id",
            sa.String(32),
            sa.ForeignKey("runs.id", ondelete="SET NULL", name="fk_runs_parent"),
            nullable=True,
        ),
        sa.Column("name", sa.String(256), nullable=False),
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("lifecycle_stage", sa.String(16), nullable=False),
        sa.Column("created_at", sa.BigInteger, nullable=False),
        sa.Column("start_time", sa.BigInteger, nullable=True),
        sa.Column("end_time", sa.BigInteger, nullable=True),
        sa.Column("deleted_time", sa.BigInteger, nullable=True),
        sa.Column("artifact_location", sa.Text, nullable=False),
        sa.Column("error", sa.Text, nullable=True),
        sa.Column("git_commit", sa.Text, nullable=True),
        sa.Column("git_branch", sa.Text, nullable=True),
        sa.Column("git_remote", sa.Text, nullable=True),
        sa.Column("git_dirty", sa.Boolean, nullable=True),
        sa.Column("entry_point", sa.Text, nullable=True),
        sa.Column("source_user", sa.Text, nullable=True),
        sa.Column("source_host", sa.Text, nullable=True),
        sa.Column("python_version", sa.Text, nullable=True),
        sa.Column("packages", sa.Text, nullable=True),
        sa.UniqueConstraint("id", name="uq_runs_id"),
    )
    op.create_index("ix_runs_experiment_start", "runs", ["experiment_id", "start_time"])
    op.create_index("ix_runs_parent", "runs", ["parent_id"])
    op.create_index("ix_runs_lifecycle", "runs", ["lifecycle_stage"])
    for name in ("params", "run_tags"):
        op.create_table(
            name,
            sa.Column(
                "run_pk",
                BigIntId,
                sa.ForeignKey("runs.pk", ondelete="CASCADE", name=f"fk_{name}_run"),
                primary_key=True,
            ),
            sa.Column("key", sa.String(250), primary_key=True),
            sa.Column("value", sa.Text, nullable=False),
        )
    op.create_index("ix_params_key_run", "params", ["key", "run_pk"])
    op.create_index("ix_run_tags_key", "run_tags", ["key", "run_pk"])
    op.create_table(
        "metric_series",
        sa.Column("id", BigIntId, primary_key=True, autoincrement=True),
        sa.Column(
            "run_pk",
            BigIntId,
            sa.ForeignKey("runs.pk", ondelete="CASCADE", name="fk_metric_series_run"),
            nullable=False,
        ),
        sa.Column("key", sa.String(250), nullable=False),
        sa.Column("latest_value", sa.Double, nullable=True),
        sa.Column("latest_step", sa.BigInteger, nullable=False),
        sa.Column("latest_timestamp", sa.BigInteger, nullable=False),
        sa.Column("min_value", sa.Double, nullable=True),
        sa.Column("max_value", sa.Double, nullable=True),
        sa.Column("count", sa.BigInteger, nullable=False),
        sa.UniqueConstraint("run_pk", "key", name="uq_metric_series_run_key"),
    )
    op.create_index("ix_metric_series_key_latest", "metric_series", ["key", "latest_value"])
    # clustered by series, step, timestamp and insertion number: a history is one range scan
    op.create_table(
        "metric_points",
        sa.Column(
            "series_id",
            BigIntId,
            sa.ForeignKey("metric_series.id", ondelete="CASCADE", name="fk_metric_points_series"),
            nullable=False,
        ),
        sa.Column("step", sa.BigInteger, nullable=False),
        sa.Column("timestamp", sa.BigInteger, nullable=False),
        sa.Column("seq", sa.BigInteger, nullable=False),
        sa.Column("value", sa.Double, nullable=True),
        sa.PrimaryKeyConstraint("series_id", "step", "timestamp", "seq", name="pk_metric_points"),
        sqlite_with_rowid=False,
    )


def downgrade() -> None:
    op.drop_table("metric_points")
    op.drop_table("metric_series")
    op.drop_table("run_tags")
    op.drop_table("params")
    op.drop_table("runs")
    op.drop_table("experiment_tags")
    op.drop_table("experiments")
