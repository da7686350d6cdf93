"""Queries shared by the store's methods: locking a run, loading runs and experiments whole."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa

from modelyard.db.engine import backend_unavailable
from modelyard.errors import InvalidArgument, InvalidState, NotFound
from modelyard.tracking.entities import Experiment, LifecycleStage, Run
from modelyard.tracking.sql._convert import (
    experiment_from_row,
    paused_gc,
    run_from_row,
    summary_from_row,
)
from modelyard.tracking.sql._search import RUN_COLUMNS
from modelyard.tracking.sql._validate import (
    MAX_PARAM_VALUE_LENGTH,
    MAX_TAG_VALUE_LENGTH,
    check_key,
    check_value,
)
from modelyard.tracking.sql.tables import (
    experiment_tags,
    experiments,
    metric_series,
    params,
    run_tags,
    runs,
)

__all__ = [
    "check_id",
    "check_mapping",
    "fetch_experiment_row",
    "fetch_run_row",
    "is_deleted",
    "load_experiments",
    "load_runs",
    "translate_errors",
    "upsert",
]

_CHUNK = 5000
ACTIVE = LifecycleStage.ACTIVE.value
DELETED = LifecycleStage.DELETED.value


@contextmanager
def translate_errors() -> Iterator[None]:
    """Map driver errors to the error tree (the store's one edge for foreign exceptions)."""
    try:
        yield
    except (sa.exc.OperationalError, sa.exc.InterfaceError, sa.exc.TimeoutError) as e:
        raise backend_unavailable(e) from e
    except sa.exc.DataError as e:
        raise InvalidArgument(f"value out of range: {str(e.orig).splitlines()[0]}") from e
    except OverflowError as e:
        raise InvalidArgument(f"value out of range: {e}") from e
    except sa.exc.DBAPIError as e:
        if e.connection_invalidated:
            raise backend_unavailable(e) from e
        raise


def check_id(value: Any, what: str) -> str:
    if not isinstance(value, str) or not value:
        raise InvalidArgument(f"{what} must be a non-empty string, got {value!r}")
    return value


def check_mapping(values: Mapping[str, str] | None, what: str) -> dict[str, str]:
    """Validate a params or tags mapping (``what`` is "param" or "tag")."""
    if values is None:
        return {}
    if not isinstance(values, Mapping):
        raise InvalidArgument(f"{what}s must be a mapping of strings")
    limit = MAX_PARAM_VALUE_LENGTH if what == "param" else MAX_TAG_VALUE_LENGTH
    return {
        check_key(k, f"{what} key"): check_value(v, f"{what} {k!r} value", limit)
        for k, v in values.items()
    }


def is_deleted(row: Any) -> bool:
    return DELETED in (row.lifecycle_stage, row.experiment_stage)


# Statements built once (SQLAlchemy's statement construction costs more than SQLite's
# execution of these point reads); parameters are bound at execution.
_RUN = (
    sa.select(*RUN_COLUMNS)
    .select_from(runs.join(experiments, experiments.c.id == runs.c.experiment_id))
    .where(runs.c.id == sa.bindparam("run_id"))
)
_RUN_FOR_UPDATE = _RUN.with_for_update(of=runs)
_SUMMARIES = sa.select(
    metric_series.c.run_pk, metric_series.c.key, metric_series.c.latest_value,
    metric_series.c.latest_step, metric_series.c.latest_timestamp, metric_series.c.min_value,
    metric_series.c.max_value, metric_series.c.count,
).where(metric_series.c.run_pk.in_(sa.bindparam("pks", expanding=True)))  # fmt: skip


def fetch_run_row(conn: sa.Connection, run_id: str, *, lock: bool = False) -> Any:
    """The run's row with ``experiment_stage``; locked FOR UPDATE on PostgreSQL if asked.

    Raises:
        NotFound: no such run.
    """
    stmt = _RUN_FOR_UPDATE if lock else _RUN
    row = conn.execute(stmt, {"run_id": check_id(run_id, "run id")}).first()
    if row is None:
        raise NotFound(f"run {run_id!r} does not exist")
    return row


def fetch_live_runs(conn: sa.Connection, run_ids: Sequence[str]) -> dict[str, int]:
    """Lock runs (in pk order) for logging; return id -> pk.

    Raises:
        NotFound: a run does not exist. InvalidState: a run is deleted.
    """
    stmt = (
        sa.select(
            runs.c.pk,
            runs.c.id,
            runs.c.lifecycle_stage,
            experiments.c.lifecycle_stage.label("experiment_stage"),
        )
        .select_from(runs.join(experiments, experiments.c.id == runs.c.experiment_id))
        .where(runs.c.id.in_(list(run_ids)))
        .order_by(runs.c.pk)
        .with_for_update(of=runs)
    )
    found = {row.id: row for row in conn.execute(stmt)}
    for run_id in run_ids:
        row = found.get(run_id)
        if row is None:
            raise NotFound(f"run {run_id!r} does not exist")
        if is_deleted(row):
            raise InvalidState(f"run {run_id!r} is deleted: restore it before logging to it")
    return {run_id: row.pk for run_id, row in found.items()}


def fetch_experiment_row(conn: sa.Connection, experiment_id: str, *, lock: bool = False) -> Any:
    stmt = sa.select(experiments).where(
        experiments.c.id == check_id(experiment_id, "experiment id")
    )
    if lock:
        stmt = stmt.with_for_update()
    row = conn.execute(stmt).first()
    if row is None:
        raise NotFound(f"experiment {experiment_id!r} does not exist")
    return row


_KEY_VALUES: dict[tuple[str, str], sa.Select[Any]] = {}


def _grouped(
    conn: sa.Connection, table: sa.Table, fk: str, ids: Sequence[Any]
) -> dict[Any, dict[str, str]]:
    out: dict[Any, dict[str, str]] = defaultdict(dict)
    stmt = _KEY_VALUES.get((table.name, fk))
    if stmt is None:  # built once: building a statement costs more than running it here
        col = table.c[fk]
        stmt = sa.select(col, table.c.key, table.c.value).where(
            col.in_(sa.bindparam("ids", expanding=True)))
        _KEY_VALUES[(table.name, fk)] = stmt
    for start in range(0, len(ids), _CHUNK):
        for owner, key, value in conn.execute(stmt, {"ids": list(ids[start : start + _CHUNK])}):
            out[owner][key] = value
    return out


def load_runs(conn: sa.Connection, rows: Sequence[Any]) -> list[Run]:
    """Whole runs for rows of ``RUN_COLUMNS``: params, tags and summaries in batched queries."""
    with paused_gc():
        return _load_runs(conn, rows)


def _load_runs(conn: sa.Connection, rows: Sequence[Any]) -> list[Run]:
    pks = [row.pk for row in rows]
    params_by = _grouped(conn, params, "run_pk", pks)
    tags_by = _grouped(conn, run_tags, "run_pk", pks)
    summaries_by: dict[int, list[Any]] = defaultdict(list)
    for start in range(0, len(pks), _CHUNK):
        for row in conn.execute(_SUMMARIES, {"pks": pks[start : start + _CHUNK]}):
            summaries_by[row.run_pk].append(summary_from_row(row))
    return [
        run_from_row(
            row,
            params=params_by.get(row.pk, {}),
            tags=tags_by.get(row.pk, {}),
            summaries=summaries_by.get(row.pk, ()),
        )
        for row in rows
    ]


def load_experiments(conn: sa.Connection, rows: Sequence[Any]) -> list[Experiment]:
    tags_by = _grouped(conn, experiment_tags, "experiment_id", [row.id for row in rows])
    return [experiment_from_row(row, tags_by.get(row.id, {})) for row in rows]


def upsert(
    conn: sa.Connection, table: sa.Table, rows: list[dict[str, Any]], keys: Sequence[str]
) -> None:
    """INSERT ... ON CONFLICT (keys) DO UPDATE SET value (SQLite and PostgreSQL alike)."""
    if not rows:
        return
    if conn.dialect.name == "sqlite":
        from sqlalchemy.dialects.sqlite import insert
    else:
        from sqlalchemy.dialects.postgresql import insert
    stmt = insert(table)
    stmt = stmt.on_conflict_do_update(
        index_elements=list(keys), set_={"value": stmt.excluded.value}
    )
    conn.execute(stmt, rows)
