"""The block summaries behind downsampled histories (``metric_blocks``), on SQLite and
PostgreSQL: kept exact by every write, rebuilt by the ``0005_metric_blocks`` migration for
series logged before it, and removed with their run."""

from __future__ import annotations

import math
import random

import sqlalchemy as sa

from modelyard.db.engine import create_engine_for
from modelyard.tracking.entities import Metric
from modelyard.tracking.sql import SqlTrackingStore
from modelyard.tracking.sql._blocks import BLOCK_SIZE

T0 = 1_700_000_000_000


def _expected_blocks(conn: sa.Connection) -> set[tuple]:
    """The blocks, recomputed from the points: runs of at most BLOCK_SIZE points (in the
    order logged) whose steps never go down; extremes from the earliest point holding them."""
    points = conn.exec_driver_sql(
        "SELECT series_id, seq, step, timestamp, value FROM metric_points ORDER BY series_id, seq"
    ).all()
    out: list[list] = []
    for sid, _seq, step, ts, value in points:
        last = out[-1] if out else None
        if last is None or last[0] != sid:
            last = None
            number = 0
        else:
            number = last[1] + 1
        if last is None or last[2] == BLOCK_SIZE or step < last[4]:
            last = [sid, number, 0, step, step, None, None, None, None, None, None]
            out.append(last)
        last[2] += 1
        last[4] = step
        if value is not None:
            if last[5] is None or value < last[5]:
                last[5:8] = [value, step, ts]
            if last[8] is None or value > last[8]:
                last[8:11] = [value, step, ts]
    return {tuple(b) for b in out}


def _stored_blocks(conn: sa.Connection) -> set[tuple]:
    return set(
        map(
            tuple,
            conn.exec_driver_sql(
                "SELECT series_id, block, count, lo_step, hi_step, min_value, min_step,"
                " min_timestamp, max_value, max_step, max_timestamp FROM metric_blocks"
            ).all(),
        )
    )


def _log_messy(store: SqlTrackingStore, run_id: str, seed: int) -> None:
    """Two keys in batches of every size: steps in order, backwards, repeated and random;
    NaN, inf and -inf; equal values (ties); a single point; a point far back at the end."""
    rng = random.Random(seed)
    step = 0
    for size in (1, 5, 127, 128, 129, 300, 1, 1, 700, 64):
        batch = []
        for _ in range(size):
            roll = rng.random()
            step = (
                step - rng.randrange(1, 50)
                if roll < 0.03
                else step
                if roll < 0.1
                else step + rng.randrange(1, 3)
            )
            value = rng.choice([0.5, 0.5, -2.0, math.nan, math.inf, -math.inf, rng.random()])
            batch.append(Metric("a", value, step, T0 + len(batch)))
            batch.append(Metric("b", float(rng.randrange(3)), rng.randrange(1000), T0))
        store.log_batch(run_id, metrics=batch)
    store.log_batch(run_id, metrics=[Metric("a", 9.0, 0, T0), Metric("b", math.nan, 5, T0)])


def test_every_write_keeps_the_blocks_exact(sql_url: str) -> None:
    store = SqlTrackingStore(sql_url)
    engine = create_engine_for(sql_url)
    try:
        run = store.create_run(store.create_experiment("e").id)
        _log_messy(store, run.id, seed=1)
        store.log_metric_batches({run.id: [Metric("c", float(i), i, T0) for i in range(300)]})
        with engine.connect() as conn:
            stored = _stored_blocks(conn)
            assert stored == _expected_blocks(conn)
            counts = dict(
                conn.exec_driver_sql(
                    "SELECT s.key, COUNT(*) FROM metric_blocks b"
                    " JOIN metric_series s ON s.id = b.series_id GROUP BY s.key"
                ).all()
            )
        assert counts["c"] == math.ceil(300 / BLOCK_SIZE)  # in step order: full blocks
        assert counts["a"] > 2 * 1600 // BLOCK_SIZE  # steps going down start new blocks
    finally:
        engine.dispose()
        store.close()


def test_the_migration_builds_the_blocks_of_existing_series(sql_url: str) -> None:
    store = SqlTrackingStore(sql_url)
    run = store.create_run(store.create_experiment("e").id)
    _log_messy(store, run.id, seed=2)
    before = store.get_metric_history(run.id, "a", max_points=40)
    store.close()
    engine = create_engine_for(sql_url)
    try:
        with engine.begin() as conn:  # the database as revision 0004 left it
            expected = _expected_blocks(conn)
            conn.exec_driver_sql("DROP TABLE metric_blocks")
            conn.exec_driver_sql("UPDATE alembic_version SET version_num = '0004_models_endpoints'")
        store = SqlTrackingStore(sql_url)  # upgrades
        try:
            with engine.connect() as conn:
                assert _stored_blocks(conn) == expected
            after = store.get_metric_history(run.id, "a", max_points=40)
            assert [(m.step, m.timestamp) for m in after] == [(m.step, m.timestamp) for m in before]
            store.log_batch(run.id, metrics=[Metric("a", 1.0, 10_000, T0)])
            with engine.connect() as conn:
                assert _stored_blocks(conn) == _expected_blocks(conn)
        finally:
            store.close()
    finally:
        engine.dispose()


def test_purging_a_run_removes_its_blocks(sql_url: str) -> None:
    store = SqlTrackingStore(sql_url)
    engine = create_engine_for(sql_url)
    try:
        exp = store.create_experiment("e")
        gone, kept = store.create_run(exp.id), store.create_run(exp.id)
        for run in (gone, kept):
            store.log_batch(run.id, metrics=[Metric("m", float(i), i, T0) for i in range(500)])
        store.delete_run(gone.id)
        with engine.connect() as conn:  # a deleted run can be restored: its blocks stay
            assert len(_stored_blocks(conn)) == 2 * math.ceil(500 / BLOCK_SIZE)
        store.purge_run(gone.id)
        with engine.connect() as conn:
            assert _stored_blocks(conn) == _expected_blocks(conn)
            assert len(_stored_blocks(conn)) == math.ceil(500 / BLOCK_SIZE)
        assert len(store.get_metric_history(kept.id, "m", max_points=10)) <= 10
    finally:
        engine.dispose()
        store.close()


def test_a_series_missing_from_the_blocks_is_read_from_its_points(sql_url: str) -> None:
    store = SqlTrackingStore(sql_url)
    engine = create_engine_for(sql_url)
    try:
        run = store.create_run(store.create_experiment("e").id)
        values = [math.sin(i / 30) for i in range(5000)]
        values[777] = 99.0
        store.log_batch(run.id, metrics=[Metric("m", v, i, T0) for i, v in enumerate(values)])
        with engine.begin() as conn:  # lose the blocks holding step 777
            conn.exec_driver_sql(
                "DELETE FROM metric_blocks WHERE lo_step <= 777 AND hi_step >= 700"
            )
        got = store.get_metric_history(run.id, "m", max_points=100)
        assert 99.0 in [m.value for m in got] and len(got) <= 100
    finally:
        engine.dispose()
        store.close()
