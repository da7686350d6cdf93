"""SQLAlchemy Core tables of the tracking store (revisions ``0001_tracking``, ``0005_metric_blocks``).

The migrations create the schema; these definitions only describe it for queries, and
``tests/tracking`` checks they agree. Conventions:

* Times are microseconds since the epoch (UTC) in BIGINT columns, converted to
  timezone-aware datetimes in :mod:`modelyard.tracking.sql._convert`.
* Metric values are ``DOUBLE``; NaN is stored as NULL (SQLite cannot store NaN) and read back
  as NaN, so filters behave the same on SQLite and PostgreSQL. A value is otherwise never
  NULL.
* Runs have an integer ``pk`` that their params, tags and metric series point to, and a
  public string ``id``. Nothing stores an absolute path.
"""

from __future__ import annotations

import sqlalchemy as sa

__all__ = [
    "BigIntId",
    "experiment_tags",
    "experiments",
    "metadata",
    "metric_blocks",
    "metric_points",
    "metric_series",
    "params",
    "run_tags",
    "runs",
]

metadata = sa.MetaData()

#: an auto-increment 64-bit id; plain INTEGER on SQLite so it aliases the rowid
BigIntId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

experiments = sa.Table(
    "experiments",
    metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("name", sa.String(256), nullable=False, unique=True),
    sa.Column("description", sa.Text, nullable=True),
    sa.Column("lifecycle_stage", sa.String(16), nullable=False),
    sa.Column("created_at", sa.BigInteger, nullable=False),
    sa.Column("updated_at", sa.BigInteger, nullable=False),
    sa.Column("deleted_time", sa.BigInteger, nullable=True),
)

experiment_tags = sa.Table(
    "experiment_tags",
    metadata,
    sa.Column(
        "experiment_id",
        sa.String(32),
        sa.ForeignKey("experiments.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column("key", sa.String(250), primary_key=True),
    sa.Column("value", sa.Text, nullable=False),
)

runs = sa.Table(
    "runs",
    metadata,
    sa.Column("pk", BigIntId, primary_key=True, autoincrement=True),
    sa.Column("id", sa.String(32), nullable=False, unique=True),
    sa.Column("experiment_id", sa.String(32), sa.ForeignKey("experiments.id"), nullable=False),
    sa.Column(
        "parent_id", sa.String(32), sa.ForeignKey("runs.id", ondelete="SET NULL"), nullable=True
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
    sa.Column("packages", sa.Text, nullable=True),  # JSON object name -> version
)

params = sa.Table(
    "params",
    metadata,
    sa.Column("run_pk", BigIntId, sa.ForeignKey("runs.pk", ondelete="CASCADE"), primary_key=True),
    sa.Column("key", sa.String(250), primary_key=True),
    sa.Column("value", sa.Text, nullable=False),
)

run_tags = sa.Table(
    "run_tags",
    metadata,
    sa.Column("run_pk", BigIntId, sa.ForeignKey("runs.pk", ondelete="CASCADE"), primary_key=True),
    sa.Column("key", sa.String(250), primary_key=True),
    sa.Column("value", sa.Text, nullable=False),
)

#: one row per (run, metric key): the summary, and the parent of the key's points
metric_series = sa.Table(
    "metric_series",
    metadata,
    sa.Column("id", BigIntId, primary_key=True, autoincrement=True),
    sa.Column("run_pk", BigIntId, sa.ForeignKey("runs.pk", ondelete="CASCADE"), nullable=False),
    sa.Column("key", sa.String(250), nullable=False),
    sa.Column("latest_value", sa.Double, nullable=True),
    sa.Column("latest_step", sa.BigInteger, nullable=False),
    sa.Column("latest_timestamp", sa.BigInteger, nullable=False),
    sa.Column("min_value", sa.Double, nullable=True),
    sa.Column("max_value", sa.Double, nullable=True),
    sa.Column("count", sa.BigInteger, nullable=False),
    sa.UniqueConstraint("run_pk", "key", name="uq_metric_series_run_key"),
)

#: the points; clustered by (series, step, timestamp, seq) on SQLite (WITHOUT ROWID), so a
#: history is one range scan. ``seq`` is the point's insertion number within its series.
metric_points = sa.Table(
    "metric_points",
    metadata,
    sa.Column(
        "series_id",
        BigIntId,
        sa.ForeignKey("metric_series.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column("step", sa.BigInteger, primary_key=True),
    sa.Column("timestamp", sa.BigInteger, primary_key=True),
    sa.Column("seq", sa.BigInteger, primary_key=True),
    sa.Column("value", sa.Double, nullable=True),
    sqlite_with_rowid=False,
)

#: the summary of each block of ``BLOCK_SIZE`` consecutive points of a series (by ``seq``,
#: i.e. in the order logged), kept by the write path: how many points, their step range and
#: their lowest and highest value with the step and timestamp of the point that holds it
#: (the first such point; NULL when every value of the block is NaN). Downsampled
#: histories merge these instead of scanning every point (``_downsample.py``).
metric_blocks = sa.Table(
    "metric_blocks",
    metadata,
    sa.Column(
        "series_id",
        BigIntId,
        sa.ForeignKey("metric_series.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column("block", sa.BigInteger, primary_key=True),
    sa.Column("count", sa.BigInteger, nullable=False),
    sa.Column("lo_step", sa.BigInteger, nullable=False),
    sa.Column("hi_step", sa.BigInteger, nullable=False),
    sa.Column("min_value", sa.Double, nullable=True),
    sa.Column("min_step", sa.BigInteger, nullable=True),
    sa.Column("min_timestamp", sa.BigInteger, nullable=True),
    sa.Column("max_value", sa.Double, nullable=True),
    sa.Column("max_step", sa.BigInteger, nullable=True),
    sa.Column("max_timestamp", sa.BigInteger, nullable=True),
    sqlite_with_rowid=False,
)

sa.Index("ix_runs_experiment_start", runs.c.experiment_id, runs.c.start_time)
sa.Index("ix_runs_parent", runs.c.parent_id)
sa.Index("ix_runs_lifecycle", runs.c.lifecycle_stage)
sa.Index("ix_params_key_run", params.c.key, params.c.run_pk)
sa.Index("ix_run_tags_key", run_tags.c.key, run_tags.c.run_pk)
sa.Index("ix_metric_series_key_latest", metric_series.c.key, metric_series.c.latest_value)
