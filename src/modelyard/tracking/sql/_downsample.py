"""Downsampled metric histories, computed in the database.

A chart of a million points needs a few thousand. Fetching a million rows into Python only
to drop most of them costs seconds, so the buckets are formed in SQL: the step range is cut
into equal buckets, and each bucket keeps the row with its lowest and the row with its
highest value (plus the first and last points overall). SQLite returns the other columns of
the row that ``MIN()``/``MAX()`` picked (a documented SQLite rule); PostgreSQL gets the same
rows with ``DISTINCT ON``.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from modelyard.errors import InvalidArgument
from modelyard.tracking.entities import Metric

__all__ = ["check_max_points", "downsampled_history"]

MIN_POINTS = 4


def check_max_points(max_points: object) -> int:
    if isinstance(max_points, bool) or not isinstance(max_points, int) or max_points < MIN_POINTS:
        raise InvalidArgument(f"max_points must be an integer >= {MIN_POINTS}, got {max_points!r}")
    return max_points


_SQLITE = """
SELECT step, timestamp, {agg}(value) FROM metric_points
WHERE series_id = :sid AND value IS NOT NULL
GROUP BY CAST((step - :lo) * 1.0 / :span * :nb AS INTEGER)
"""

_POSTGRES = """
SELECT DISTINCT ON (b) step, timestamp, value FROM (
  SELECT FLOOR((step - :lo)::float8 / :span * :nb)::bigint AS b, step, timestamp, value, seq
  FROM metric_points WHERE series_id = :sid AND value IS NOT NULL
) t ORDER BY b, value {direction}, step, seq
"""

_ENDS = """
SELECT step, timestamp, value FROM metric_points WHERE series_id = :sid
ORDER BY step {direction}, timestamp {direction}, seq {direction} LIMIT 1
"""


def downsampled_history(
    conn: sa.Connection, series_id: Any, key: str, max_points: int
) -> list[Metric] | None:
    """The downsampled history of one series, or None when it is short enough to send whole."""
    count, lo, hi = conn.execute(
        sa.text("SELECT COUNT(*), MIN(step), MAX(step) FROM metric_points WHERE series_id = :sid"),
        {"sid": series_id},
    ).one()
    if count <= max_points:
        return None
    params = {"sid": series_id, "lo": lo, "span": hi - lo + 1, "nb": (max_points - 2) // 2}
    rows: set[tuple[int, int, float | None]] = set()
    if conn.dialect.name == "sqlite":
        for agg in ("MIN", "MAX"):
            rows.update(tuple(r) for r in conn.execute(sa.text(_SQLITE.format(agg=agg)), params))
    else:
        for direction in ("ASC", "DESC"):
            sql = _POSTGRES.format(direction=direction)
            rows.update(tuple(r) for r in conn.execute(sa.text(sql), params))
    for direction in ("ASC", "DESC"):
        end = conn.execute(sa.text(_ENDS.format(direction=direction)), {"sid": series_id}).one()
        rows.add(tuple(end))
    nan = float("nan")
    ordered = sorted(rows, key=lambda r: (r[0], r[1]))
    return [Metric(key, nan if v is None else float(v), int(s), int(t)) for s, t, v in ordered]
