"""The metric write path: validate points, insert them, keep the summaries current.

Points are validated and grouped by key in one Python pass, the summaries of the batch are
merged with the stored ones in Python, and the points go to the driver's ``executemany`` as
plain tuples (no per-row SQLAlchemy work), followed by the batch's block summaries
(:mod:`._blocks`). Everything runs in the caller's transaction.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from operator import itemgetter
from typing import Any

import sqlalchemy as sa

from modelyard.errors import InvalidArgument
from modelyard.tracking.entities import Metric
from modelyard.tracking.sql._blocks import BlockRow, last_blocks, summarize_blocks, upsert_blocks
from modelyard.tracking.sql._convert import paused_gc
from modelyard.tracking.sql._validate import check_int64, check_key, check_metric_value
from modelyard.tracking.sql.tables import metric_series

__all__ = ["PointGroups", "group_points", "write_points"]

_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1
_STEP_TS = itemgetter(0, 1)

#: key -> list of (step, timestamp, value or None for NaN), in the order logged
PointGroups = dict[str, list[tuple[int, int, float | None]]]


def group_points(metrics: Sequence[Metric]) -> PointGroups:
    """Validate points and group them by key.

    Raises:
        InvalidArgument: a key, value, step or timestamp is malformed.
    """
    with paused_gc():
        return _group_points(metrics)


def _group_points(metrics: Sequence[Metric]) -> PointGroups:
    groups: PointGroups = {}
    lo, hi = _INT64_MIN, _INT64_MAX
    try:
        for m in metrics:
            key = m.key
            rows = groups.get(key)
            if rows is None:
                check_key(key, "metric key")
                rows = groups[key] = []
            v = m.value
            if v.__class__ is not float:
                v = check_metric_value(v, key)
            s = m.step
            if s.__class__ is not int or not lo <= s <= hi:
                s = check_int64(s, f"step of metric {key!r}")
            t = m.timestamp
            if t.__class__ is not int or not lo <= t <= hi:
                t = check_int64(t, f"timestamp of metric {key!r}")
            rows.append((s, t, None if v != v else v))  # noqa: PLR0124 - NaN test
    except AttributeError as e:
        raise InvalidArgument(f"metrics must be Metric objects: {e}") from e
    return groups


def _batch_summary(rows: list[tuple[int, int, float | None]]) -> list[Any]:
    """[latest_step, latest_ts, latest_value, min, max, count] of one key's new points."""
    # max() keeps the first of equal items: scan backwards so the last logged wins ties
    s, t, v = max(reversed(rows), key=_STEP_TS)
    values = [r[2] for r in rows if r[2] is not None]
    if values:
        return [s, t, v, min(values), max(values), len(rows)]
    return [s, t, v, None, None, len(rows)]


def _merge(old: Any, new: list[Any]) -> dict[str, Any]:
    s, t, v, mn, mx, n = new
    if (old.latest_step, old.latest_timestamp) > (s, t):
        s, t, v = old.latest_step, old.latest_timestamp, old.latest_value
    if old.min_value is not None:
        mn = old.min_value if mn is None else min(mn, old.min_value)
        mx = old.max_value if mx is None else max(mx, old.max_value)
    return {
        "b_id": old.id,
        "b_latest_step": s,
        "b_latest_timestamp": t,
        "b_latest_value": v,
        "b_min_value": mn,
        "b_max_value": mx,
        "b_count": old.count + n,
    }


def write_points(conn: sa.Connection, run_pk: int, groups: PointGroups) -> None:
    """Insert the points of one run and update its summaries (caller holds the run's lock)."""
    if not groups:
        return
    ms = metric_series.c
    keys = list(groups)
    summaries = {key: _batch_summary(rows) for key, rows in groups.items()}
    existing = {
        row.key: row
        for row in conn.execute(
            sa.select(
                ms.id, ms.key, ms.latest_step, ms.latest_timestamp, ms.latest_value,
                ms.min_value, ms.max_value, ms.count,
            ).where(ms.run_pk == run_pk, ms.key.in_(keys))
        )
    }  # fmt: skip
    new_rows = [
        {
            "run_pk": run_pk,
            "key": key,
            "latest_step": s[0],
            "latest_timestamp": s[1],
            "latest_value": s[2],
            "min_value": s[3],
            "max_value": s[4],
            "count": s[5],
        }
        for key, s in summaries.items()
        if key not in existing
    ]
    updates = [_merge(existing[key], s) for key, s in summaries.items() if key in existing]
    if new_rows:
        conn.execute(metric_series.insert(), new_rows)
    if updates:
        conn.execute(
            metric_series.update()
            .where(ms.id == sa.bindparam("b_id"))
            .values(
                latest_step=sa.bindparam("b_latest_step"),
                latest_timestamp=sa.bindparam("b_latest_timestamp"),
                latest_value=sa.bindparam("b_latest_value"),
                min_value=sa.bindparam("b_min_value"),
                max_value=sa.bindparam("b_max_value"),
                count=sa.bindparam("b_count"),
            ),
            updates,
        )
    ids = {key: row.id for key, row in existing.items()}
    if new_rows:
        ids.update(
            conn.execute(
                sa.select(ms.key, ms.id).where(
                    ms.run_pk == run_pk, ms.key.in_([r["key"] for r in new_rows])
                )
            ).all()
        )
    mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    sql = (
        "INSERT INTO metric_points (series_id, step, timestamp, seq, value) "
        f"VALUES ({mark}, {mark}, {mark}, {mark}, {mark})"
    )
    last = last_blocks(conn, [row.id for row in existing.values()])
    points: list[tuple[int, int, int, int, float | None]] = []
    blocks: list[BlockRow] = []
    with paused_gc():
        for key, rows in groups.items():
            sid = ids[key]
            old = existing.get(key)
            seq = itertools.count(0 if old is None else old.count)
            points += [(sid, s, t, n, v) for (s, t, v), n in zip(rows, seq, strict=False)]
            blocks += summarize_blocks(sid, last.get(sid), rows)
    conn.exec_driver_sql(sql, points)
    upsert_blocks(conn, blocks)
