"""Block summaries of metric series, kept at write time (table ``metric_blocks``).

The points of a series, in the order logged, are cut into blocks numbered 0, 1, 2, ...: a
block holds at most ``BLOCK_SIZE`` consecutive points whose steps never go down, so a point
logged at a lower step than the one before it starts a new block (steps logged out of order
then make small blocks instead of one block spanning everything). A block's row says how
many points it has, their lowest and highest step, and their lowest and highest value with
the step and timestamp of the point holding it (the earliest logged one on ties; NaN values
are left out, so a block of NaNs only has NULLs there). A downsampled history reads these
rows, about ``count / BLOCK_SIZE`` of them, instead of every point (:mod:`._downsample`).

A batch may extend the series' last block and then opens new ones, so only its first block
can already exist: the rows go to the database as one ``executemany`` of an upsert that
merges a stored row with the new one.
"""

from __future__ import annotations

import operator
from collections.abc import Iterable
from typing import Any, NamedTuple

import sqlalchemy as sa

__all__ = [
    "BLOCK_SIZE",
    "BlockRow",
    "LastBlock",
    "last_blocks",
    "summarize_blocks",
    "upsert_blocks",
]

#: points per block at most: 1,000,000 points logged in step order are 7,813 rows
BLOCK_SIZE = 128

#: (series_id, block, count, lo_step, hi_step,
#:  min_value, min_step, min_timestamp, max_value, max_step, max_timestamp)
BlockRow = tuple[Any, int, int, int, int, Any, Any, Any, Any, Any, Any]


class LastBlock(NamedTuple):
    """The newest block of a series: new points whose steps do not go down can join it."""

    block: int
    count: int
    hi_step: int


_COLUMNS = (
    "series_id, block, count, lo_step, hi_step, "
    "min_value, min_step, min_timestamp, max_value, max_step, max_timestamp"
)

_NEW_MIN = (
    "(excluded.min_value < metric_blocks.min_value"
    " OR (metric_blocks.min_value IS NULL AND excluded.min_value IS NOT NULL))"
)
_NEW_MAX = (
    "(excluded.max_value > metric_blocks.max_value"
    " OR (metric_blocks.max_value IS NULL AND excluded.max_value IS NOT NULL))"
)

#: the newest block of one series: an index lookup (one per series, joined by UNION ALL)
_LAST = (
    "SELECT * FROM (SELECT series_id, block, count, hi_step FROM metric_blocks"
    " WHERE series_id = {mark} ORDER BY block DESC LIMIT 1) t{i}"
)


def _upsert_sql(mark: str) -> str:
    def pick(column: str, cond: str) -> str:
        return f"{column} = CASE WHEN {cond} THEN excluded.{column} ELSE metric_blocks.{column} END"

    sets = [
        "count = metric_blocks.count + excluded.count",
        pick("lo_step", "excluded.lo_step < metric_blocks.lo_step"),
        pick("hi_step", "excluded.hi_step > metric_blocks.hi_step"),
        *(pick(c, _NEW_MIN) for c in ("min_value", "min_step", "min_timestamp")),
        *(pick(c, _NEW_MAX) for c in ("max_value", "max_step", "max_timestamp")),
    ]
    marks = ", ".join([mark] * 11)
    return (
        f"INSERT INTO metric_blocks ({_COLUMNS}) VALUES ({marks}) "
        f"ON CONFLICT (series_id, block) DO UPDATE SET {', '.join(sets)}"
    )


def last_blocks(conn: sa.Connection, series_ids: Iterable[Any]) -> dict[Any, LastBlock]:
    """The newest block of each of these series that has one."""
    ids = list(series_ids)
    if not ids:
        return {}
    mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    sql = " UNION ALL ".join(_LAST.format(i=i, mark=mark) for i in range(len(ids)))
    rows = conn.exec_driver_sql(sql, tuple(ids))
    return {sid: LastBlock(block, count, hi) for sid, block, count, hi in rows}


def summarize_blocks(
    series_id: Any, last: LastBlock | None, rows: list[tuple[int, int, float | None]]
) -> list[BlockRow]:
    """The block rows of new points (step, timestamp, value or None for NaN), in the order
    logged, after the series' newest block ``last`` (None for a new series). The first row
    has ``last``'s number when the points start by joining it."""
    steps = [r[0] for r in rows]
    values = [r[2] for r in rows]
    n = len(rows)
    # where the steps go down: a block cannot span that
    drops: list[int] = []
    if any(map(operator.gt, steps, steps[1:])):
        drops = [i + 1 for i, down in enumerate(map(operator.gt, steps, steps[1:])) if down]
    if last is None:
        block, room = 0, BLOCK_SIZE
    elif n and last.count < BLOCK_SIZE and steps[0] >= last.hi_step:
        block, room = last.block, BLOCK_SIZE - last.count
    else:
        block, room = last.block + 1, BLOCK_SIZE
    out: list[BlockRow] = []
    i = 0
    for end in (*drops, n):
        while i < end:
            j = min(end, i + room)
            chunk = values[i:j]
            known = chunk if None not in chunk else [v for v in chunk if v is not None]
            if known:
                lo_v, hi_v = min(known), max(known)
                lo_r, hi_r = rows[i + chunk.index(lo_v)], rows[i + chunk.index(hi_v)]
                extremes = (lo_v, lo_r[0], lo_r[1], hi_v, hi_r[0], hi_r[1])
            else:
                extremes = (None, None, None, None, None, None)
            out.append((series_id, block, j - i, steps[i], steps[j - 1], *extremes))
            i, block, room = j, block + 1, BLOCK_SIZE
    return out


def upsert_blocks(conn: sa.Connection, blocks: list[BlockRow]) -> None:
    """Merge block rows into ``metric_blocks`` (in the caller's transaction)."""
    if blocks:
        mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
        conn.exec_driver_sql(_upsert_sql(mark), blocks)
