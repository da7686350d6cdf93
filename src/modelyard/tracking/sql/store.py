"""The SQL tracking store: SQLite for the embedded workspace, PostgreSQL for a server."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from modelyard.db.engine import create_engine_for, read_connection, write_transaction
from modelyard.db.migrate import upgrade
from modelyard.errors import InvalidArgument, InvalidState, NotFound
from modelyard.tracking.entities import (
    Metric,
    Run,
    RunPage,
    RunSource,
    RunStatus,
)
from modelyard.tracking.filter import parse_filter, parse_order_by
from modelyard.tracking.sql import _convert as cv
from modelyard.tracking.sql import _rows as q
from modelyard.tracking.sql._downsample import (
    check_max_points,
    check_step_range,
    downsampled_history,
    step_filter,
)
from modelyard.tracking.sql._experiments import ExperimentMethods
from modelyard.tracking.sql._metrics import group_points, write_points
from modelyard.tracking.sql._search import (
    RUN_COLUMNS,
    build_search,
    decode_page_token,
    encode_page_token,
)
from modelyard.tracking.sql._validate import (
    check_kind,
    check_max_results,
    check_name,
    check_status,
    check_value,
)
from modelyard.tracking.sql.tables import (
    experiments,
    metric_blocks,
    metric_points,
    metric_series,
    run_tags,
    runs,
)
from modelyard.tracking.sql.tables import params as params_table
from modelyard.tracking.store import TrackingStore

__all__ = ["SqlTrackingStore"]

logger = logging.getLogger(__name__)

_NAN = float("nan")
ACTIVE, DELETED = q.ACTIVE, q.DELETED


def _check_time(value: Any, what: str) -> int | None:
    if value is None:
        return None
    if not isinstance(value, datetime):
        raise InvalidArgument(f"{what} must be a datetime, got {type(value).__name__}")
    return cv.to_us(value)


class SqlTrackingStore(ExperimentMethods, TrackingStore):
    """A :class:`TrackingStore` on SQLAlchemy 2 Core.

    Opening the store brings its database to the newest schema.

    Args:
        url: ``sqlite:///path/to/workspace.db`` or ``postgresql://user@host/db``.

    Raises:
        BackendUnavailable: the database cannot be reached.
        InvalidArgument: the URL is malformed.

    Example::

        store = SqlTrackingStore("sqlite:////tmp/ws/workspace.db")
        exp = store.create_experiment("demo")
    """

    def __init__(self, url: str) -> None:
        self._engine = create_engine_for(url)
        try:
            upgrade(self._engine)
        except BaseException:
            self._engine.dispose()
            raise

    def __repr__(self) -> str:
        return f"SqlTrackingStore({self._engine.url.render_as_string(hide_password=True)!r})"

    @contextmanager
    def _write(self) -> Iterator[sa.Connection]:
        with q.translate_errors(), write_transaction(self._engine) as conn:
            yield conn

    @contextmanager
    def _read(self) -> Iterator[sa.Connection]:
        with q.translate_errors(), read_connection(self._engine) as conn:
            yield conn

    def close(self) -> None:
        self._engine.dispose()

    # ------------------------------------------------------------------------ runs
    def create_run(
        self,
        experiment_id: str,
        *,
        name: str | None = None,
        parent_id: str | None = None,
        kind: str = "run",
        status: RunStatus = RunStatus.RUNNING,
        tags: Mapping[str, str] | None = None,
        source: RunSource | None = None,
        start_time: datetime | None = None,
    ) -> Run:
        run_name = cv.generate_run_name() if name is None else check_name(name, "run name")
        check_kind(kind)
        status = check_status(status)
        tag_values = q.check_mapping(tags, "tag")
        if source is not None and not isinstance(source, RunSource):
            raise InvalidArgument("source must be a RunSource")
        now = cv.now_us()
        start = _check_time(start_time, "start_time")
        if start is None and status != RunStatus.QUEUED:
            start = now
        run_id = cv.new_id()
        with self._write() as conn:
            exp = q.fetch_experiment_row(conn, experiment_id)
            if exp.lifecycle_stage == DELETED:
                raise InvalidState(f"experiment {experiment_id!r} is deleted: restore it first")
            if parent_id is not None:
                parent = q.fetch_run_row(conn, parent_id)
                if parent.experiment_id != experiment_id:
                    raise InvalidArgument(
                        f"parent run {parent_id!r} belongs to another experiment ({parent.experiment_id!r})"
                    )
            conn.execute(
                runs.insert().values(
                    id=run_id, experiment_id=experiment_id, parent_id=parent_id, name=run_name,
                    kind=kind, status=status.value, lifecycle_stage=ACTIVE, created_at=now,
                    start_time=start, end_time=now if status.is_terminal else None,
                    artifact_location=f"runs/{run_id}", **cv.source_columns(source),
                )
            )  # fmt: skip
            row = q.fetch_run_row(conn, run_id)
            q.upsert(
                conn, run_tags, self._tag_rows("run_pk", row.pk, tag_values), ("run_pk", "key")
            )
            return q.load_runs(conn, [row])[0]

    def get_run(self, run_id: str) -> Run:
        with self._read() as conn:
            return q.load_runs(conn, [q.fetch_run_row(conn, run_id)])[0]

    def update_run(
        self,
        run_id: str,
        *,
        status: RunStatus | None = None,
        name: str | None = None,
        end_time: datetime | None = None,
        error: str | None = None,
    ) -> Run:
        new_status = None if status is None else check_status(status)
        values: dict[str, Any] = {}
        if name is not None:
            values["name"] = check_name(name, "run name")
        if error is not None:
            values["error"] = check_value(error, "error", 1_000_000)
        end = _check_time(end_time, "end_time")
        with self._write() as conn:
            row = q.fetch_run_row(conn, run_id, lock=True)
            current = RunStatus(row.status)
            target = new_status or current
            if new_status is not None and new_status != current:
                if current.is_terminal:
                    raise InvalidState(
                        f"run {run_id!r} is {current.value}: a finished run stays finished"
                    )
                values["status"] = new_status.value
                if new_status == RunStatus.RUNNING and row.start_time is None:
                    values["start_time"] = cv.now_us()
                if new_status.is_terminal:
                    values["end_time"] = end if end is not None else cv.now_us()
            if end is not None:
                if not target.is_terminal:
                    raise InvalidArgument(
                        "end_time can only be set on a finished, failed or canceled run"
                    )
                values["end_time"] = end
            if values:
                conn.execute(runs.update().where(runs.c.pk == row.pk).values(**values))
            return q.load_runs(conn, [q.fetch_run_row(conn, run_id)])[0]

    def _family(
        self, conn: sa.Connection, root_id: str, *, stage: str, deleted_time: int | None = None
    ) -> list[str]:
        """The run and its descendants whose lifecycle is ``stage`` (and deleted at that time)."""
        found, frontier = [root_id], [root_id]
        while frontier:
            cond = [runs.c.parent_id.in_(frontier), runs.c.lifecycle_stage == stage]
            if deleted_time is not None:
                cond.append(runs.c.deleted_time == deleted_time)
            frontier = list(conn.execute(sa.select(runs.c.id).where(*cond)).scalars())
            found += frontier
        return found

    def delete_run(self, run_id: str) -> None:
        with self._write() as conn:
            row = q.fetch_run_row(conn, run_id, lock=True)
            if q.is_deleted(row):
                raise InvalidState(f"run {run_id!r} is already deleted")
            ids = self._family(conn, run_id, stage=ACTIVE)
            stamp = cv.now_us()
            for start in range(0, len(ids), 5000):
                conn.execute(
                    runs.update()
                    .where(runs.c.id.in_(ids[start : start + 5000]))
                    .values(lifecycle_stage=DELETED, deleted_time=stamp)
                )

    def restore_run(self, run_id: str) -> None:
        with self._write() as conn:
            row = q.fetch_run_row(conn, run_id, lock=True)
            if row.experiment_stage == DELETED:
                raise InvalidState(
                    f"run {run_id!r} belongs to a deleted experiment: restore the experiment"
                )
            if row.lifecycle_stage != DELETED:
                raise InvalidState(f"run {run_id!r} is not deleted")
            ids = self._family(conn, run_id, stage=DELETED, deleted_time=row.deleted_time)
            for start in range(0, len(ids), 5000):
                conn.execute(
                    runs.update()
                    .where(runs.c.id.in_(ids[start : start + 5000]))
                    .values(lifecycle_stage=ACTIVE, deleted_time=None)
                )

    def list_deleted_runs(self) -> list[Run]:
        stmt = (
            sa.select(*RUN_COLUMNS)
            .select_from(runs.join(experiments, experiments.c.id == runs.c.experiment_id))
            .where(
                sa.or_(runs.c.lifecycle_stage == DELETED, experiments.c.lifecycle_stage == DELETED)
            )
            .order_by(runs.c.pk)
        )
        with self._read() as conn:
            return q.load_runs(conn, conn.execute(stmt).all())

    def purge_run(self, run_id: str) -> None:
        with self._write() as conn:
            row = q.fetch_run_row(conn, run_id, lock=True)
            if not q.is_deleted(row):
                raise InvalidState(f"run {run_id!r} is not deleted: delete it before purging it")
            # children stay (their parent_id becomes NULL); logged data goes by cascade
            conn.execute(runs.update().where(runs.c.parent_id == run_id).values(parent_id=None))
            series = sa.select(metric_series.c.id).where(metric_series.c.run_pk == row.pk)
            conn.execute(metric_points.delete().where(metric_points.c.series_id.in_(series)))
            conn.execute(metric_blocks.delete().where(metric_blocks.c.series_id.in_(series)))
            conn.execute(metric_series.delete().where(metric_series.c.run_pk == row.pk))
            conn.execute(params_table.delete().where(params_table.c.run_pk == row.pk))
            conn.execute(run_tags.delete().where(run_tags.c.run_pk == row.pk))
            conn.execute(runs.delete().where(runs.c.pk == row.pk))

    # --------------------------------------------------------------------- logging
    def log_batch(
        self,
        run_id: str,
        *,
        metrics: Sequence[Metric] = (),
        params: Mapping[str, str] | None = None,
        tags: Mapping[str, str] | None = None,
    ) -> None:
        q.check_id(run_id, "run id")
        groups = group_points(metrics)
        param_values = q.check_mapping(params, "param")
        tag_values = q.check_mapping(tags, "tag")
        with self._write() as conn:
            run_pk = q.fetch_live_runs(conn, [run_id])[run_id]
            if param_values:
                self._insert_params(conn, run_id, run_pk, param_values)
            q.upsert(
                conn, run_tags, self._tag_rows("run_pk", run_pk, tag_values), ("run_pk", "key")
            )
            write_points(conn, run_pk, groups)

    @staticmethod
    def _insert_params(
        conn: sa.Connection, run_id: str, run_pk: int, values: dict[str, str]
    ) -> None:
        p = params_table.c
        stored = dict(
            conn.execute(
                sa.select(p.key, p.value).where(p.run_pk == run_pk, p.key.in_(list(values)))
            ).all()
        )
        for key, old in stored.items():
            if values[key] != old:
                raise InvalidArgument(
                    f"param {key!r} of run {run_id!r} was logged as {old!r}: "
                    f"it cannot change to {values[key]!r}"
                )
        new = [
            {"run_pk": run_pk, "key": k, "value": v} for k, v in values.items() if k not in stored
        ]
        if new:
            conn.execute(params_table.insert(), new)

    def log_metric_batches(self, batches: Mapping[str, Sequence[Metric]]) -> None:
        if not isinstance(batches, Mapping):
            raise InvalidArgument("batches must map run ids to sequences of metrics")
        grouped = {
            q.check_id(run_id, "run id"): group_points(points) for run_id, points in batches.items()
        }
        if not grouped:
            return
        with self._write() as conn:
            pks = q.fetch_live_runs(conn, sorted(grouped))
            for run_id, groups in grouped.items():
                write_points(conn, pks[run_id], groups)

    def delete_tag(self, run_id: str, key: str) -> None:
        with self._write() as conn:
            row = q.fetch_run_row(conn, run_id, lock=True)
            result = conn.execute(
                run_tags.delete().where(run_tags.c.run_pk == row.pk, run_tags.c.key == key)
            )
            if result.rowcount == 0:
                raise NotFound(f"run {run_id!r} has no tag {key!r}")

    def get_metric_history(
        self,
        run_id: str,
        key: str,
        *,
        max_points: int | None = None,
        min_step: int | None = None,
        max_step: int | None = None,
    ) -> list[Metric]:
        if not isinstance(key, str):
            raise InvalidArgument("metric key must be a string")
        if max_points is not None:
            check_max_points(max_points)
        min_step, max_step = check_step_range(min_step, max_step)
        with self._read() as conn:
            row = q.fetch_run_row(conn, run_id)
            series = conn.execute(
                sa.select(metric_series.c.id, metric_series.c.count).where(
                    metric_series.c.run_pk == row.pk, metric_series.c.key == key
                )
            ).first()
            if series is None:
                return []
            if max_points is not None:
                sampled = downsampled_history(
                    conn, series.id, key, max_points,
                    count=series.count, min_step=min_step, max_step=max_step,
                )  # fmt: skip
                if sampled is not None:
                    return sampled
            mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
            cond, params = step_filter(min_step, max_step, mark)
            cursor = conn.connection.cursor()
            try:
                with cv.paused_gc():
                    cursor.execute(
                        "SELECT step, timestamp, value FROM metric_points "
                        f"WHERE series_id = {mark}{cond} ORDER BY step, timestamp, seq",
                        (series.id, *params),
                    )
                    return cv.metrics_from_points(key, cursor.fetchall())
            finally:
                cursor.close()

    # ---------------------------------------------------------------------- search
    def search_runs(
        self,
        *,
        experiment_ids: Iterable[str] | None = None,
        filter: str | None = None,
        order_by: Sequence[str] | None = None,
        max_results: int = 1000,
        page_token: str | None = None,
        include_deleted: bool = False,
    ) -> RunPage:
        parsed = parse_filter(filter)
        if isinstance(order_by, str):
            order_by = [order_by]
        orders = [parse_order_by(entry) for entry in order_by or ()]
        limit = check_max_results(max_results)
        offset = decode_page_token(page_token)
        ids = None
        if experiment_ids is not None:
            if isinstance(experiment_ids, str):
                experiment_ids = [experiment_ids]
            ids = [q.check_id(i, "experiment id") for i in experiment_ids]
        stmt = build_search(
            parsed,
            orders,
            experiment_ids=ids,
            include_deleted=include_deleted,
            dialect=self._engine.dialect.name,
            offset=offset,
            limit=limit + 1,
        )
        with self._read() as conn:
            if ids:
                known = set(
                    conn.execute(
                        sa.select(experiments.c.id).where(experiments.c.id.in_(ids))
                    ).scalars()
                )
                missing = [i for i in ids if i not in known]
                if missing:
                    raise NotFound(f"experiment {missing[0]!r} does not exist")
            rows = conn.execute(stmt).all()
            found = q.load_runs(conn, rows[:limit])
        token = encode_page_token(offset + limit) if len(rows) > limit else None
        return RunPage(runs=found, next_page_token=token)
