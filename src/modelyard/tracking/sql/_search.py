"""Compile a parsed filter and order_by into one SQLAlchemy SELECT over runs.

Every value is a bound parameter. Each metric, param or tag key used by the filter gets one
inner join (a run lacking the key matches no condition on it); keys used only for ordering
get an outer join, so runs lacking them sort last (``NULLS LAST``, both directions).
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterable, Sequence
from typing import Any

import sqlalchemy as sa

from modelyard.errors import InvalidArgument
from modelyard.tracking.entities import LifecycleStage
from modelyard.tracking.filter import (
    RUN_STATUS_VALUES,
    TIME_ATTRIBUTES,
    Comparison,
    Filter,
    OrderBy,
    parse_time_value,
)
from modelyard.tracking.sql._convert import to_us
from modelyard.tracking.sql.tables import experiments, metric_series, params, run_tags, runs

__all__ = ["RUN_COLUMNS", "build_search", "decode_page_token", "encode_page_token"]

RUN_COLUMNS = (*runs.c, experiments.c.lifecycle_stage.label("experiment_stage"))

_ATTRIBUTE_COLUMNS = {
    "status": runs.c.status,
    "name": runs.c.name,
    "run_id": runs.c.id,
    "experiment_id": runs.c.experiment_id,
    "parent_id": runs.c.parent_id,
    "kind": runs.c.kind,
    "start_time": runs.c.start_time,
    "end_time": runs.c.end_time,
    "created_at": runs.c.created_at,
}
_KEY_TABLES = {"metric": (metric_series, "latest_value"), "param": (params, "value"), "tag": (run_tags, "value")}  # fmt: skip


class _Joins:
    """The aliases of metric_series/params/run_tags joined to runs, one per (kind, key)."""

    def __init__(self) -> None:
        self.inner: dict[tuple[str, str], Any] = {}
        self.outer: dict[tuple[str, str], Any] = {}

    def column(self, kind: str, key: str, *, inner: bool) -> Any:
        found = self.inner.get((kind, key))
        if found is None and not inner:
            found = self.outer.get((kind, key))
        if found is None:
            table, _ = _KEY_TABLES[kind]
            alias = table.alias(f"{kind}_{len(self.inner) + len(self.outer)}")
            (self.inner if inner else self.outer)[(kind, key)] = alias
            found = alias
        return found.c[_KEY_TABLES[kind][1]]

    def apply(self, source: Any) -> Any:
        for joins, is_outer in ((self.inner, False), (self.outer, True)):
            for (_, key), alias in joins.items():
                on = sa.and_(alias.c.run_pk == runs.c.pk, alias.c.key == key)
                source = source.join(alias, on, isouter=is_outer)
        return source


def _time_bounds(value: Any) -> tuple[int, int]:
    """[start, end) in microseconds of a time value: a whole millisecond for epoch ms."""
    start = to_us(parse_time_value(value))
    return (start, start + 1000) if not isinstance(value, str) else (start, start + 1)


def _compare(column: Any, op: str, value: Any, *, nullable: bool) -> Any:
    if op == "=":
        return column == value
    if op == "!=":
        return column.is_distinct_from(value) if nullable else column != value
    if op == "<":
        return column < value
    if op == "<=":
        return column <= value
    if op == ">":
        return column > value
    if op == ">=":
        return column >= value
    if op == "like":
        return column.like(value)
    if op == "ilike":
        return column.ilike(value)
    if op == "in":
        return column.in_(list(value))
    if op == "not in":
        cond = column.not_in(list(value))
        return sa.or_(column.is_(None), cond) if nullable else cond
    raise AssertionError(op)  # the parser admits no other operator


def _attribute_condition(c: Comparison) -> Any:
    column = _ATTRIBUTE_COLUMNS[c.key]
    nullable = c.key in ("parent_id", "start_time", "end_time")
    if c.key in TIME_ATTRIBUTES:
        start, end = _time_bounds(c.value)
        if c.op == "=":
            return sa.and_(column >= start, column < end)
        if c.op == "!=":
            return sa.or_(column.is_(None), column < start, column >= end)
        return _compare(
            column,
            c.op,
            {"<": start, "<=": end - 1, ">": end - 1, ">=": start}[c.op],
            nullable=False,
        )
    value = c.value
    if c.key == "status" and c.op not in ("like", "ilike"):
        if isinstance(value, tuple):
            value = tuple(RUN_STATUS_VALUES[v.lower()] for v in value)
        else:
            value = RUN_STATUS_VALUES[str(value).lower()]
    return _compare(column, c.op, value, nullable=nullable)


def _order_column(o: OrderBy, joins: _Joins, dialect: str) -> Any:
    if o.kind == "attribute":
        column = _ATTRIBUTE_COLUMNS[o.key]
    else:
        column = joins.column(o.kind, o.key, inner=False)
    if dialect == "postgresql" and isinstance(column.type, sa.String):
        # byte order, as on SQLite, whatever the database's collation
        column = column.collate("C")
    return column


def build_search(
    parsed: Filter,
    order_by: Sequence[OrderBy],
    *,
    experiment_ids: Iterable[str] | None,
    include_deleted: bool,
    dialect: str,
    offset: int,
    limit: int,
) -> sa.Select[Any]:
    """The page query: run columns plus ``experiment_stage``, ``limit`` rows from ``offset``."""
    joins = _Joins()
    conditions: list[Any] = []
    if experiment_ids is not None:
        conditions.append(runs.c.experiment_id.in_(list(experiment_ids)))
    if not include_deleted:
        conditions.append(runs.c.lifecycle_stage == LifecycleStage.ACTIVE.value)
        conditions.append(experiments.c.lifecycle_stage == LifecycleStage.ACTIVE.value)
    for c in parsed.comparisons:
        if c.kind == "attribute":
            conditions.append(_attribute_condition(c))
        else:
            conditions.append(
                _compare(joins.column(c.kind, c.key, inner=True), c.op, c.value, nullable=False)
            )
    ordering = [
        sa.nulls_last(col.asc() if o.ascending else col.desc())
        for o in order_by
        for col in (_order_column(o, joins, dialect),)
    ]
    ordering += [sa.nulls_last(runs.c.start_time.desc()), runs.c.id.desc()]
    source = joins.apply(runs.join(experiments, experiments.c.id == runs.c.experiment_id))
    return (
        sa.select(*RUN_COLUMNS)
        .select_from(source)
        .where(*conditions)
        .order_by(*ordering)
        .offset(offset)
        .limit(limit)
    )


def encode_page_token(offset: int) -> str:
    raw = json.dumps({"offset": offset}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_page_token(token: str | None) -> int:
    """The offset a page token stands for (0 for None).

    Raises:
        InvalidArgument: the token was not made by :func:`encode_page_token`.
    """
    if token is None:
        return 0
    if not isinstance(token, str):
        raise InvalidArgument("a page token must be a string")
    try:
        padded = token + "=" * (-len(token) % 4)
        data = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
        offset = data["offset"]
    except (ValueError, TypeError, KeyError, binascii.Error, UnicodeError) as e:
        raise InvalidArgument(f"malformed page token {token[:40]!r}") from e
    if isinstance(offset, bool) or not isinstance(offset, int) or offset < 0:
        raise InvalidArgument(f"malformed page token {token[:40]!r}")
    return offset
