"""Metric histories for charts: downsampling and step ranges, on every TrackingStore.

Part of the contract suite (the ``tracking_store`` fixture): no backend special cases.
The downsampled histories are checked against the points logged, computed here by brute
force: every point kept is a real point, the first and last points of the range are kept,
and every logged point has a kept point at least as extreme close to it (so no spike or
dip disappears from the chart).
"""

from __future__ import annotations

import math
import random
from bisect import bisect_left, bisect_right

import pytest

from modelyard.errors import InvalidArgument
from modelyard.tracking.entities import Metric
from modelyard.tracking.store import TrackingStore

T0 = 1_700_000_000_000
Point = tuple[int, int, float]  # step, timestamp, value


def _messy_series(n: int, seed: int) -> list[list[Metric]]:
    """``n`` points of "loss" in batches: mostly in step order, with a shuffled stretch,
    repeated steps, a step logged again much later, NaN, inf, -inf, a spike and a dip."""
    rng = random.Random(seed)
    steps = list(range(n))
    stretch = steps[n // 3 : n // 3 + n // 10]
    rng.shuffle(stretch)
    steps[n // 3 : n // 3 + n // 10] = stretch
    steps[n // 2 : n // 2 + 300] = [n // 2] * 300  # one step logged 300 times
    points = []
    for i, step in enumerate(steps):
        value = math.sin(step / 50) + rng.random() * 0.1
        points.append(Metric("loss", value, step, T0 + i))
    points[n // 5] = Metric("loss", 1e9, points[n // 5].step, points[n // 5].timestamp)
    points[(3 * n) // 4] = Metric("loss", -1e9, points[(3 * n) // 4].step, T0 + (3 * n) // 4)
    for i in range(0, n, 997):
        points[i] = Metric("loss", math.nan, points[i].step, points[i].timestamp)
    points[n // 7] = Metric("loss", math.inf, points[n // 7].step, points[n // 7].timestamp)
    points[n // 9] = Metric("loss", -math.inf, points[n // 9].step, points[n // 9].timestamp)
    points.append(Metric("loss", 7.5, 10, T0 + n))  # step 10 again, logged last
    cuts = sorted(rng.sample(range(1, len(points)), 12))
    return [points[a:b] for a, b in zip([0, *cuts], [*cuts, len(points)], strict=True)]


def _key(p: Point) -> tuple[int, int, float | str]:
    return (p[0], p[1], "nan" if math.isnan(p[2]) else p[2])


def _keys(points: list[Metric]) -> list[tuple[int, int, float | str]]:
    return [_key((m.step, m.timestamp, m.value)) for m in points]


def _check_downsampled(
    got: list[Metric], logged: list[Point], max_points: int, lo: int, hi: int
) -> None:
    inside = sorted((p for p in logged if lo <= p[0] <= hi), key=lambda p: (p[0], p[1]))
    assert len(inside) > max_points, "the test must ask for fewer points than the range holds"
    assert 0 < len(got) <= max_points
    kept = [(m.step, m.timestamp, m.value) for m in got]
    assert [(s, t) for s, t, _ in kept] == sorted((s, t) for s, t, _ in kept)
    real = {_key(p) for p in inside}
    assert all(_key(p) in real for p in kept), "only real points of the range are kept"
    assert kept[0][0] == inside[0][0] and kept[-1][0] == inside[-1][0]
    known = [p for p in inside if not math.isnan(p[2])]
    values = [(ks, kv) for ks, _, kv in kept if not math.isnan(kv)]
    assert max(v for _, v in values) == max(p[2] for p in known)
    assert min(v for _, v in values) == min(p[2] for p in known)
    # every point has a kept point at least as high and one at least as low nearby: bucket
    # edges move by less than a bucket, so within three bucket widths
    reach = 3 * (hi - lo + 1) / ((max_points - 2) // 2)
    steps = [ks for ks, _ in values]
    for s, _, v in known:
        near = [
            kv for _, kv in values[bisect_left(steps, s - reach) : bisect_right(steps, s + reach)]
        ]
        assert max(near) >= v and min(near) <= v, (s, v)


class TestDownsampledHistory:
    def test_a_messy_series_keeps_its_extremes(self, tracking_store: TrackingStore) -> None:
        run = tracking_store.create_run(tracking_store.create_experiment("e").id)
        batches = _messy_series(20_000, seed=3)
        for batch in batches:
            tracking_store.log_batch(run.id, metrics=batch)
        logged = [(m.step, m.timestamp, m.value) for b in batches for m in b]
        for max_points in (100, 400, 1500):
            got = tracking_store.get_metric_history(run.id, "loss", max_points=max_points)
            _check_downsampled(got, logged, max_points, 0, 19_999)

    def test_steps_logged_in_random_order(self, tracking_store: TrackingStore) -> None:
        run = tracking_store.create_run(tracking_store.create_experiment("e").id)
        steps = list(range(6000))
        random.Random(11).shuffle(steps)
        values = {s: math.cos(s / 40) for s in steps}
        values[4321] = 50.0
        points = [Metric("loss", values[s], s, T0 + i) for i, s in enumerate(steps)]
        for start in range(0, 6000, 1000):
            tracking_store.log_batch(run.id, metrics=points[start : start + 1000])
        logged = [(m.step, m.timestamp, m.value) for m in points]
        got = tracking_store.get_metric_history(run.id, "loss", max_points=200)
        _check_downsampled(got, logged, 200, 0, 5999)
        assert 50.0 in [m.value for m in got]

    def test_step_ranges_downsample_or_come_back_whole(self, tracking_store: TrackingStore) -> None:
        run = tracking_store.create_run(tracking_store.create_experiment("e").id)
        batches = _messy_series(20_000, seed=5)
        for batch in batches:
            tracking_store.log_batch(run.id, metrics=batch)
        logged = [(m.step, m.timestamp, m.value) for b in batches for m in b]
        whole = tracking_store.get_metric_history(run.id, "loss")
        for lo, hi in ((0, 9_999), (6_000, 9_000), (9_990, 10_100), (6_500, 6_700)):
            got = tracking_store.get_metric_history(
                run.id, "loss", max_points=300, min_step=lo, max_step=hi
            )
            inside = [m for m in whole if lo <= m.step <= hi]
            if len(inside) <= 300:  # a narrow zoom: every point, NaN included
                assert _keys(got) == _keys(inside)
            else:
                _check_downsampled(got, logged, 300, lo, hi)
        # without max_points a range gives every point in it; one end alone works too
        tail = tracking_store.get_metric_history(run.id, "loss", min_step=19_990)
        assert _keys(tail) == _keys([m for m in whole if m.step >= 19_990])
        head = tracking_store.get_metric_history(run.id, "loss", max_step=5)
        assert _keys(head) == _keys([m for m in whole if m.step <= 5])
        assert tracking_store.get_metric_history(run.id, "loss", min_step=50_000) == []

    def test_one_step_logged_many_times(self, tracking_store: TrackingStore) -> None:
        run = tracking_store.create_run(tracking_store.create_experiment("e").id)
        values = [float((i * 7919) % 1000) for i in range(3000)]
        tracking_store.log_batch(
            run.id, metrics=[Metric("x", v, 4, T0 + i) for i, v in enumerate(values)]
        )
        got = tracking_store.get_metric_history(run.id, "x", max_points=10)
        assert 2 <= len(got) <= 10 and {m.step for m in got} == {4}
        assert {0.0, 999.0} <= {m.value for m in got}

    def test_bad_step_ranges(self, tracking_store: TrackingStore) -> None:
        run = tracking_store.create_run(tracking_store.create_experiment("e").id)
        tracking_store.log_batch(run.id, metrics=[Metric("x", 1.0, 1, T0)])
        with pytest.raises(InvalidArgument):
            tracking_store.get_metric_history(run.id, "x", min_step=5, max_step=4)
        with pytest.raises(InvalidArgument):
            tracking_store.get_metric_history(run.id, "x", min_step=2**63)
