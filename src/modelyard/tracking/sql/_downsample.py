"""Downsampled metric histories for charts, from the block summaries where they suffice.

A chart of a million points needs a few thousand. The requested step range is cut into
``nb`` equal buckets and each bucket keeps its lowest and its highest point (plus the first
and last points of the range), so every spike stays visible.

Reading every point for that costs a pass over the series, so the write path keeps a summary
of every block of up to ``BLOCK_SIZE`` consecutive points whose steps never go down
(:mod:`._blocks`). A block narrower than a bucket gives its extremes to the bucket holding
its middle step: its points may reach into the next bucket, so a bucket's edges move by less
than a bucket. The points of wider blocks (large jumps in step, or blocks wider than the
buckets of a zoomed view) and of blocks cut by the range's ends are bucketed from the points
themselves, in SQL, over those blocks' step ranges only: SQLite returns the other columns of
the row that ``MIN()``/``MAX()`` picked (a documented SQLite rule), PostgreSQL gets the same
rows with ``DISTINCT ON``. A series with many small blocks (steps logged in random order) is
bucketed from its points altogether. For a series logged in step order the work is about
``count / BLOCK_SIZE`` rows, whatever its length.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from modelyard.errors import InvalidArgument
from modelyard.tracking.entities import Metric
from modelyard.tracking.sql._validate import check_int64

__all__ = ["check_max_points", "check_step_range", "downsampled_history", "step_filter"]

MIN_POINTS = 4
#: more separate ranges than this to read point by point: read the whole range instead
MAX_RAW_RANGES = 16
#: fewer points per block than this on average: bucket the points instead of the blocks
MIN_BLOCK_FILL = 16
_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1

#: (value, step, timestamp)
_Point = tuple[float, int, int]


def check_max_points(max_points: object) -> int:
    if isinstance(max_points, bool) or not isinstance(max_points, int) or max_points < MIN_POINTS:
        raise InvalidArgument(f"max_points must be an integer >= {MIN_POINTS}, got {max_points!r}")
    return max_points


def check_step_range(min_step: object, max_step: object) -> tuple[int | None, int | None]:
    lo = None if min_step is None else check_int64(min_step, "min_step")
    hi = None if max_step is None else check_int64(max_step, "max_step")
    if lo is not None and hi is not None and lo > hi:
        raise InvalidArgument(f"min_step ({lo}) must not be greater than max_step ({hi})")
    return lo, hi


def step_filter(min_step: int | None, max_step: int | None, mark: str) -> tuple[str, list[int]]:
    """An SQL condition (`` AND ...``, ``mark`` for each parameter) on ``step`` for an
    optional step range, and its parameters."""
    sql, params = "", []
    if min_step is not None:
        sql += f" AND step >= {mark}"
        params.append(min_step)
    if max_step is not None:
        sql += f" AND step <= {mark}"
        params.append(max_step)
    return sql, params


_BLOCKS = """
SELECT lo_step, hi_step, count, min_value, min_step, min_timestamp,
       max_value, max_step, max_timestamp
FROM metric_blocks WHERE series_id = :sid AND hi_step >= :lo AND lo_step <= :hi
"""

_NBLOCKS = "SELECT MAX(block) + 1 FROM metric_blocks WHERE series_id = :sid"

#: the points of a step range, counted up to :limit
_COUNT = """
SELECT COUNT(*) FROM (
  SELECT 1 FROM metric_points WHERE series_id = :sid AND step BETWEEN :x AND :y LIMIT :limit
) t
"""

_SQLITE = """
SELECT CAST((step * 1.0 - :lo) / :span * :nb AS INTEGER) AS b, step, timestamp, {agg}(value)
FROM metric_points
WHERE series_id = :sid AND step BETWEEN :x AND :y AND value IS NOT NULL
GROUP BY b
"""

_POSTGRES = """
SELECT DISTINCT ON (b) b, step, timestamp, value FROM (
  SELECT FLOOR((step::float8 - :lo) / :span * :nb)::bigint AS b, step, timestamp, value, seq
  FROM metric_points
  WHERE series_id = :sid AND step BETWEEN :x AND :y AND value IS NOT NULL
) t ORDER BY b, value {direction}, step, seq
"""

_ENDS = """
SELECT step, timestamp, value FROM metric_points
WHERE series_id = :sid AND step BETWEEN :x AND :y
ORDER BY step {direction}, timestamp {direction}, seq {direction} LIMIT 1
"""


def _blocks(conn: sa.Connection, series_id: Any, lo: int, hi: int) -> list[Any]:
    params = {"sid": series_id, "lo": lo, "hi": hi}
    return conn.execute(sa.text(_BLOCKS), params).all()


def _merge(ranges: list[tuple[int, int]]) -> list[list[int]]:
    """Step ranges, sorted and merged where they overlap or touch."""
    out: list[list[int]] = []
    for x, y in sorted(ranges):
        if out and x <= out[-1][1] + 1:
            out[-1][1] = max(out[-1][1], y)
        else:
            out.append([x, y])
    return out


class _Buckets:
    """The lowest and highest point of each bucket of the step range [lo, lo + span)."""

    def __init__(self, lo: int, span: int, nb: int) -> None:
        self.lo, self.span, self.nb = lo, span, nb
        self.low: dict[int, _Point] = {}
        self.high: dict[int, _Point] = {}

    def index(self, step: int) -> int:
        return min(int((step - self.lo) / self.span * self.nb), self.nb - 1)

    def offer(self, b: int, low: _Point | None, high: _Point | None) -> None:
        if low is not None:
            old = self.low.get(b)
            if old is None or low[0] < old[0]:
                self.low[b] = low
        if high is not None:
            old = self.high.get(b)
            if old is None or high[0] > old[0]:
                self.high[b] = high

    def add_points(self, conn: sa.Connection, series_id: Any, x: int, y: int) -> None:
        """Bucket the points with a step in [x, y] from the points themselves."""
        params = {
            "sid": series_id, "lo": float(self.lo), "span": float(self.span), "nb": self.nb,
            "x": x, "y": y,
        }  # fmt: skip
        sqlite = conn.dialect.name == "sqlite"
        for sql, low in (
            (_SQLITE.format(agg="MIN") if sqlite else _POSTGRES.format(direction="ASC"), True),
            (_SQLITE.format(agg="MAX") if sqlite else _POSTGRES.format(direction="DESC"), False),
        ):
            for b, step, ts, value in conn.execute(sa.text(sql), params):
                point = (float(value), int(step), int(ts))
                self.offer(int(b), point if low else None, None if low else point)


def downsampled_history(
    conn: sa.Connection,
    series_id: Any,
    key: str,
    max_points: int,
    *,
    count: int,
    min_step: int | None = None,
    max_step: int | None = None,
) -> list[Metric] | None:
    """The downsampled history of one series (of ``count`` points) within an optional step
    range, or None when the range holds at most ``max_points`` points (send them whole)."""
    if count <= max_points:
        return None
    x = _INT64_MIN if min_step is None else min_step
    y = _INT64_MAX if max_step is None else max_step
    ends: list[tuple[int, int, float | None]] = []
    for direction in ("ASC", "DESC"):
        sql = _ENDS.format(direction=direction)
        ends += conn.execute(sa.text(sql), {"sid": series_id, "x": x, "y": y}).all()
    if not ends:
        return None  # nothing in the range
    lo = ends[0][0] if min_step is None else min_step
    hi = ends[-1][0] if max_step is None else max_step
    if min_step is not None or max_step is not None:
        params = {"sid": series_id, "x": lo, "y": hi, "limit": max_points + 1}
        if conn.execute(sa.text(_COUNT), params).scalar_one() <= max_points:
            return None
    span = hi - lo + 1
    buckets = _Buckets(lo, span, (max_points - 2) // 2)
    width = span / buckets.nb
    blocks = conn.execute(sa.text(_NBLOCKS), {"sid": series_id}).scalar() or 0
    if blocks * MIN_BLOCK_FILL > count:  # mostly tiny blocks: the points are as cheap
        raw = [[lo, hi]]
    else:
        wide: list[tuple[int, int]] = []
        blocks_read = _blocks(conn, series_id, lo, hi)
        for b in blocks_read:
            if b[0] >= lo and b[1] <= hi and b[1] - b[0] < width:
                low = None if b[3] is None else (b[3], b[4], b[5])
                high = None if b[6] is None else (b[6], b[7], b[8])
                buckets.offer(buckets.index((b[0] + b[1]) // 2), low, high)
            else:
                wide.append((max(b[0], lo), min(b[1], hi)))
        raw = _merge(wide)
        # every point of the series must be in a block, else (never expected) use the points
        whole = min_step is None and max_step is None
        if len(raw) > MAX_RAW_RANGES or (whole and sum(b[2] for b in blocks_read) != count):
            raw = [[lo, hi]]
            buckets = _Buckets(lo, span, buckets.nb)
    for first, last in raw:
        buckets.add_points(conn, series_id, first, last)
    rows = {tuple(e) for e in ends}
    for v, s, t in (*buckets.low.values(), *buckets.high.values()):
        rows.add((s, t, v))
    nan = float("nan")
    ordered = sorted(rows, key=lambda r: (r[0], r[1]))
    return [Metric(key, nan if v is None else float(v), int(s), int(t)) for s, t, v in ordered]
