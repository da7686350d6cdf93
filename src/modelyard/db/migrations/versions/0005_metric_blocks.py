"""Metric blocks: a summary of every run of up to 128 consecutive points of a metric series,
so that a downsampled history reads a few thousand rows instead of every point.

Revision ID: 0005_metric_blocks
Revises: 0004_models_endpoints
Create Date: 2026-11-28

Self-contained (does not import the current table definitions). The points of a series, in
the order logged (``seq``), are cut into blocks numbered 0, 1, 2, ...: at most 128 points
whose steps never go down (a lower step starts a new block). A block's row keeps their
count, lowest and highest step, and lowest and highest value (NaN, stored as NULL, left
out) with the step and timestamp of the earliest logged point holding it. The store keeps
the rows current on every write (``tracking/sql/_blocks.py``, the same rule); this revision
computes them for the series that already exist, one series at a time.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0005_metric_blocks"
down_revision = "0004_models_endpoints"
branch_labels = None
depends_on = None

BigIntId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
BLOCK_SIZE = 128  # tracking/sql/_blocks.py BLOCK_SIZE
_FLUSH = 1000  # block rows per insert


def upgrade() -> None:
    op.create_table(
        "metric_blocks",
        sa.Column(
            "series_id",
            BigIntId,
            sa.ForeignKey("metric_series.id", ondelete="CASCADE", name="fk_metric_blocks_series"),
            nullable=False,
        ),
        sa.Column("block", sa.BigInteger, nullable=False),
        sa.Column("count", sa.BigInteger, nullable=False),
        sa.Column("lo_step", sa.BigInteger, nullable=False),
        sa.Column("hi_step", sa.BigInteger, nullable=False),
        sa.Column("min_value", sa.Double, nullable=True),
        sa.Column("min_step", sa.BigInteger, nullable=True),
        sa.Column("min_timestamp", sa.BigInteger, nullable=True),
        sa.Column("max_value", sa.Double, nullable=True),
        sa.Column("max_step", sa.BigInteger, nullable=True),
        sa.Column("max_timestamp", sa.BigInteger, nullable=True),
        sa.PrimaryKeyConstraint("series_id", "block", name="pk_metric_blocks"),
        sqlite_with_rowid=False,
    )
    _backfill(op.get_bind())


def _backfill(conn: sa.Connection) -> None:
    table = sa.table(
        "metric_blocks",
        *(
            sa.column(c)
            for c in (
                "series_id", "block", "count", "lo_step", "hi_step", "min_value", "min_step",
                "min_timestamp", "max_value", "max_step", "max_timestamp",
            )
        ),
    )  # fmt: skip
    series = conn.execute(sa.text("SELECT id FROM metric_series ORDER BY id")).scalars().all()
    points = sa.text(
        "SELECT seq, step, timestamp, value FROM metric_points WHERE series_id = :sid ORDER BY seq"
    )
    for sid in series:
        rows: list[dict[str, Any]] = []
        current: dict[str, Any] | None = None
        result = conn.execute(points, {"sid": sid}, execution_options={"stream_results": True})
        for _seq, step, ts, value in result:
            if current is None or current["count"] == BLOCK_SIZE or step < current["hi_step"]:
                if len(rows) >= _FLUSH:  # completed blocks
                    conn.execute(table.insert(), rows)
                    rows.clear()
                block = 0 if current is None else current["block"] + 1
                current = {
                    "series_id": sid, "block": block, "count": 0, "lo_step": step,
                    "hi_step": step, "min_value": None, "min_step": None,
                    "min_timestamp": None, "max_value": None, "max_step": None,
                    "max_timestamp": None,
                }  # fmt: skip
                rows.append(current)
            current["count"] += 1
            current["hi_step"] = step
            if value is None:
                continue
            if current["min_value"] is None or value < current["min_value"]:
                current.update(min_value=value, min_step=step, min_timestamp=ts)
            if current["max_value"] is None or value > current["max_value"]:
                current.update(max_value=value, max_step=step, max_timestamp=ts)
        if rows:
            conn.execute(table.insert(), rows)


def downgrade() -> None:
    op.drop_table("metric_blocks")
