"""The wire conversions: every entity survives entity -> JSON -> entity, and the JSON the
server sends validates against the documented schema."""

from __future__ import annotations

import math
from datetime import UTC, datetime

import orjson
from hypothesis import given
from hypothesis import strategies as st

from modelyard.tracking import schemas as s
from modelyard.tracking.entities import (
    Experiment,
    LifecycleStage,
    Metric,
    MetricSummary,
    Run,
    RunSource,
    RunStatus,
)

NOW = datetime(2024, 5, 1, 12, 30, 15, 123456, tzinfo=UTC)
floats = st.floats(allow_nan=True, allow_infinity=True)


def _same(a: float, b: float) -> bool:
    return (math.isnan(a) and math.isnan(b)) or a == b


@given(key=st.text(min_size=1, max_size=20), value=floats, step=st.integers(-(2**40), 2**40))
def test_metric_points_round_trip_including_nan_and_infinity(key: str, value: float, step: int) -> None:
    m = Metric(key=key, value=value, step=step, timestamp=1_700_000_000_000)
    wire = orjson.loads(orjson.dumps(s.metrics_to_wire([m])))
    s.MetricSchema.model_validate(wire[0])
    back = s.metrics_from_wire(wire)[0]
    assert (back.key, back.step, back.timestamp) == (m.key, m.step, m.timestamp)
    assert _same(back.value, m.value)


def _run(**over) -> Run:
    fields = dict(  # noqa: C408 - keyword form reads best here
        id="r1", experiment_id="e1", name="brave-otter", status=RunStatus.FINISHED, kind="run",
        lifecycle_stage=LifecycleStage.ACTIVE, created_at=NOW, start_time=NOW, end_time=NOW,
        parent_id="r0", artifact_location="runs/r1",
        source=RunSource(git_commit="abc", git_dirty=True, packages={"numpy": "2.0"}),
        params={"lr": "0.1"}, tags={"team": "x"},
        metrics={"acc": MetricSummary("acc", 0.9, 3, 17, float("-inf"), float("nan"), 4)},
        error=None,
    )
    fields.update(over)
    return Run(**fields)


def test_run_round_trips_and_validates_against_its_schema() -> None:
    run = _run()
    wire = orjson.loads(orjson.dumps(s.run_to_wire(run)))
    s.RunSchema.model_validate(wire)
    back = s.run_from_wire(wire)
    assert back.metrics["acc"].min == float("-inf") and math.isnan(back.metrics["acc"].max)
    assert back == _run(metrics=back.metrics)
    assert back.start_time == NOW and back.start_time.tzinfo is not None


def test_experiment_and_pages_round_trip() -> None:
    exp = Experiment("e1", "demo", LifecycleStage.DELETED, NOW, NOW, {"a": "b"}, "desc")
    wire = orjson.loads(orjson.dumps(s.experiment_page_to_wire(s.ExperimentPage([exp], "tok"))))
    s.ExperimentPageSchema.model_validate(wire)
    assert s.experiment_page_from_wire(wire) == s.ExperimentPage([exp], "tok")
    page = s.RunPage([_run(metrics={})], None)
    wire = orjson.loads(orjson.dumps(s.run_page_to_wire(page)))
    s.RunPageSchema.model_validate(wire)
    assert s.run_page_from_wire(wire) == page


def test_history_travels_in_columns() -> None:
    points = [Metric("loss", v, i, 1000 + i) for i, v in enumerate([1.0, float("nan"), 0.5])]
    wire = orjson.loads(orjson.dumps(s.history_to_wire("loss", points)))
    s.MetricHistorySchema.model_validate(wire)
    assert wire["steps"] == [0, 1, 2] and wire["values"][1] == "NaN"
    back = s.history_from_wire(wire)
    assert [p.step for p in back] == [0, 1, 2] and math.isnan(back[1].value)


