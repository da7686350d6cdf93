"""The one contract suite of TrackingStore, run against every implementation.

No backend special cases: a difference between backends is a bug.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import pytest

from modelyard.errors import AlreadyExists, InvalidArgument, InvalidState, NotFound
from modelyard.tracking.entities import LifecycleStage, Metric, RunSource, RunStatus
from modelyard.tracking.store import MAX_RESULTS_LIMIT, TrackingStore

T0 = 1_700_000_000_000


def pt(key: str, value: float, step: int = 0, ts: int | None = None) -> Metric:
    return Metric(key=key, value=value, step=step, timestamp=T0 + step if ts is None else ts)


def all_experiment_names(store: TrackingStore, **kw) -> list[str]:
    return [e.name for e in store.list_experiments(**kw).experiments]


# ---------------------------------------------------------------------- experiments
class TestExperiments:
    def test_create_get_find(self, tracking_store: TrackingStore) -> None:
        exp = tracking_store.create_experiment("vision", description="cats", tags={"team": "cv"})
        assert exp.name == "vision"
        assert exp.description == "cats"
        assert exp.tags == {"team": "cv"}
        assert exp.lifecycle_stage == LifecycleStage.ACTIVE
        assert exp.created_at.tzinfo is not None and exp.created_at.utcoffset() == timedelta(0)
        assert abs(exp.created_at - datetime.now(UTC)) < timedelta(minutes=5)
        assert tracking_store.get_experiment(exp.id) == exp
        assert tracking_store.find_experiment("vision") == exp
        assert tracking_store.find_experiment("Vision") is None
        assert tracking_store.find_experiment("nope") is None

    def test_duplicate_name_is_refused_even_when_deleted(
        self, tracking_store: TrackingStore
    ) -> None:
        exp = tracking_store.create_experiment("dup")
        with pytest.raises(AlreadyExists):
            tracking_store.create_experiment("dup")
        tracking_store.delete_experiment(exp.id)
        with pytest.raises(AlreadyExists):
            tracking_store.create_experiment("dup")

    @pytest.mark.parametrize("name", ["", "   ", "x" * 257, "line\nbreak", "nul\x00"])
    def test_bad_names_write_nothing(self, tracking_store: TrackingStore, name: str) -> None:
        with pytest.raises(InvalidArgument):
            tracking_store.create_experiment(name)
        assert all_experiment_names(tracking_store, include_deleted=True) == []

    def test_unknown_id(self, tracking_store: TrackingStore) -> None:
        for call in (
            lambda: tracking_store.get_experiment("0" * 32),
            lambda: tracking_store.update_experiment("missing", name="x"),
            lambda: tracking_store.set_experiment_tag("missing", "k", "v"),
            lambda: tracking_store.delete_experiment("missing"),
            lambda: tracking_store.restore_experiment("missing"),
            lambda: tracking_store.create_run("missing"),
        ):
            with pytest.raises(NotFound):
                call()

    def test_list_newest_first_and_paged(self, tracking_store: TrackingStore) -> None:
        names = [f"e{i}" for i in range(7)]
        for name in names:
            tracking_store.create_experiment(name)
        assert all_experiment_names(tracking_store) == names[::-1]
        seen, token = [], None
        while True:
            page = tracking_store.list_experiments(max_results=3, page_token=token)
            assert len(page.experiments) <= 3
            seen += [e.name for e in page.experiments]
            token = page.next_page_token
            if token is None:
                break
        assert seen == names[::-1]

    def test_list_rejects_bad_arguments(self, tracking_store: TrackingStore) -> None:
        for bad in (0, -1, MAX_RESULTS_LIMIT + 1):
            with pytest.raises(InvalidArgument):
                tracking_store.list_experiments(max_results=bad)
        for token in ("not a token!", "eyJ4IjoxfQ", "bnVsbA"):
            with pytest.raises(InvalidArgument):
                tracking_store.list_experiments(page_token=token)

    def test_rename_and_describe(self, tracking_store: TrackingStore) -> None:
        exp = tracking_store.create_experiment("old")
        other = tracking_store.create_experiment("taken")
        updated = tracking_store.update_experiment(exp.id, name="new", description="d")
        assert (updated.name, updated.description) == ("new", "d")
        assert updated.updated_at >= exp.updated_at
        assert tracking_store.find_experiment("old") is None
        assert tracking_store.find_experiment("new").id == exp.id
        with pytest.raises(AlreadyExists):
            tracking_store.update_experiment(exp.id, name=other.name)
        with pytest.raises(InvalidArgument):
            tracking_store.update_experiment(exp.id, name="")
        assert tracking_store.get_experiment(exp.id).name == "new"

    def test_tags_overwrite(self, tracking_store: TrackingStore) -> None:
        exp = tracking_store.create_experiment("tagged", tags={"a": "1"})
        tracking_store.set_experiment_tag(exp.id, "a", "2")
        tracking_store.set_experiment_tag(exp.id, "b", "3")
        assert tracking_store.get_experiment(exp.id).tags == {"a": "2", "b": "3"}
        with pytest.raises(InvalidArgument):
            tracking_store.set_experiment_tag(exp.id, "", "x")

    def test_delete_and_restore(self, tracking_store: TrackingStore) -> None:
        exp = tracking_store.create_experiment("gone")
        keep = tracking_store.create_experiment("kept")
        tracking_store.delete_experiment(exp.id)
        assert tracking_store.get_experiment(exp.id).lifecycle_stage == LifecycleStage.DELETED
        assert all_experiment_names(tracking_store) == ["kept"]
        assert set(all_experiment_names(tracking_store, include_deleted=True)) == {"gone", "kept"}
        with pytest.raises(InvalidState):
            tracking_store.delete_experiment(exp.id)
        with pytest.raises(InvalidState):
            tracking_store.create_run(exp.id)
        tracking_store.restore_experiment(exp.id)
        assert tracking_store.get_experiment(exp.id).lifecycle_stage == LifecycleStage.ACTIVE
        with pytest.raises(InvalidState):
            tracking_store.restore_experiment(keep.id)

    def test_deleting_an_experiment_deletes_its_runs_until_restored(
        self, tracking_store: TrackingStore
    ) -> None:
        exp = tracking_store.create_experiment("with-runs")
        alive = tracking_store.create_run(exp.id, name="alive")
        gone_before = tracking_store.create_run(exp.id, name="gone-before")
        tracking_store.delete_run(gone_before.id)
        tracking_store.delete_experiment(exp.id)
        assert tracking_store.get_run(alive.id).lifecycle_stage == LifecycleStage.DELETED
        assert tracking_store.search_runs().runs == []
        assert {r.id for r in tracking_store.list_deleted_runs()} == {alive.id, gone_before.id}
        with pytest.raises(InvalidState):
            tracking_store.log_batch(alive.id, metrics=[pt("m", 1.0)])
        with pytest.raises(InvalidState):
            tracking_store.restore_run(alive.id)
        tracking_store.restore_experiment(exp.id)
        assert [r.id for r in tracking_store.search_runs().runs] == [alive.id]
        assert tracking_store.get_run(gone_before.id).lifecycle_stage == LifecycleStage.DELETED


# ----------------------------------------------------------------------------- runs
class TestRuns:
    def test_create_defaults(self, tracking_store: TrackingStore) -> None:
        exp = tracking_store.create_experiment("e")
        run = tracking_store.create_run(exp.id, tags={"t": "v"})
        assert run.experiment_id == exp.id
        assert run.name  # a generated readable name
        assert run.status == RunStatus.RUNNING
        assert run.kind == "run"
        assert run.lifecycle_stage == LifecycleStage.ACTIVE
        assert run.start_time is not None and run.start_time.utcoffset() == timedelta(0)
        assert run.end_time is None
        assert run.parent_id is None
        assert run.artifact_location == f"runs/{run.id}"
        assert run.tags == {"t": "v"}
        assert run.params == {} and run.metrics == {}
        assert tracking_store.get_run(run.id) == run

    def test_source_and_explicit_fields_round_trip(self, tracking_store: TrackingStore) -> None:
        exp = tracking_store.create_experiment("e")
        source = RunSource(
            git_commit="a" * 40, git_branch="main", git_remote="git@example.com:x/y.git",
            git_dirty=True, entry_point="train.py", user="ada", host="lab1",
            python_version="3.11.7", packages={"numpy": "1.26.4", "torch": "2.3.0"},
        )  # fmt: skip
        start = datetime(2024, 5, 1, 12, 30, 15, 123456, tzinfo=UTC)
        run = tracking_store.create_run(
            exp.id, name="my run", kind="sweep", source=source, start_time=start
        )
        got = tracking_store.get_run(run.id)
        assert got.source == source
        assert (got.name, got.kind, got.start_time) == ("my run", "sweep", start)

    def test_queued_then_running_then_finished(self, tracking_store: TrackingStore) -> None:
        exp = tracking_store.create_experiment("e")
        run = tracking_store.create_run(exp.id, status=RunStatus.QUEUED)
        assert run.status == RunStatus.QUEUED and run.start_time is None
        running = tracking_store.update_run(run.id, status=RunStatus.RUNNING)
        assert running.start_time is not None and running.end_time is None
        done = tracking_store.update_run(run.id, status=RunStatus.FINISHED)
        assert done.status == RunStatus.FINISHED
        assert done.end_time is not None and done.end_time >= done.start_time
        assert done.duration_seconds is not None and done.duration_seconds >= 0

    def test_terminal_status_stays(self, tracking_store: TrackingStore) -> None:
        exp = tracking_store.create_experiment("e")
        run = tracking_store.create_run(exp.id)
        end = datetime(2030, 1, 1, tzinfo=UTC)
        failed = tracking_store.update_run(
            run.id, status=RunStatus.FAILED, end_time=end, error="Traceback: boom"
        )
        assert (failed.status, failed.end_time, failed.error) == (
            RunStatus.FAILED,
            end,
            "Traceback: boom",
        )
        for status in (RunStatus.RUNNING, RunStatus.FINISHED, RunStatus.QUEUED):
            with pytest.raises(InvalidState):
                tracking_store.update_run(run.id, status=status)
        again = tracking_store.update_run(run.id, status=RunStatus.FAILED)
        assert again.status == RunStatus.FAILED and again.end_time == end
        assert tracking_store.update_run(run.id, name="renamed").name == "renamed"

    def test_update_rejects_bad_input(self, tracking_store: TrackingStore) -> None:
        exp = tracking_store.create_experiment("e")
        run = tracking_store.create_run(exp.id)
        with pytest.raises(NotFound):
            tracking_store.update_run("missing", status=RunStatus.FINISHED)
        with pytest.raises(InvalidArgument):
            tracking_store.update_run(run.id, status="Exploded")  # type: ignore[arg-type]
        with pytest.raises(InvalidArgument):
            tracking_store.update_run(run.id, name="")
        assert tracking_store.get_run(run.id).status == RunStatus.RUNNING

    def test_create_rejects_bad_input(self, tracking_store: TrackingStore) -> None:
        exp = tracking_store.create_experiment("e")
        with pytest.raises(InvalidArgument):
            tracking_store.create_run(exp.id, name="x" * 300)
        with pytest.raises(InvalidArgument):
            tracking_store.create_run(exp.id, tags={"": "v"})
        with pytest.raises(NotFound):
            tracking_store.create_run(exp.id, parent_id="missing")
        with pytest.raises(NotFound):
            tracking_store.get_run("missing")
        assert tracking_store.search_runs().runs == []

    def test_nesting(self, tracking_store: TrackingStore) -> None:
        exp = tracking_store.create_experiment("e")
        other = tracking_store.create_experiment("other")
        parent = tracking_store.create_run(exp.id, name="parent")
        child = tracking_store.create_run(exp.id, name="child", parent_id=parent.id)
        assert child.parent_id == parent.id
        with pytest.raises(InvalidArgument):
            tracking_store.create_run(other.id, parent_id=parent.id)
        found = tracking_store.search_runs(filter=f"attributes.parent_id = '{parent.id}'")
        assert [r.id for r in found.runs] == [child.id]

    def test_delete_and_restore_with_descendants(self, tracking_store: TrackingStore) -> None:
        exp = tracking_store.create_experiment("e")
        root = tracking_store.create_run(exp.id, name="root")
        child = tracking_store.create_run(exp.id, name="child", parent_id=root.id)
        grandchild = tracking_store.create_run(exp.id, name="gc", parent_id=child.id)
        earlier = tracking_store.create_run(exp.id, name="earlier", parent_id=root.id)
        tracking_store.delete_run(earlier.id)
        tracking_store.delete_run(root.id)
        for run in (root, child, grandchild, earlier):
            assert tracking_store.get_run(run.id).lifecycle_stage == LifecycleStage.DELETED
        assert tracking_store.search_runs().runs == []
        assert len(tracking_store.search_runs(include_deleted=True).runs) == 4
        with pytest.raises(InvalidState):
            tracking_store.delete_run(child.id)
        tracking_store.restore_run(root.id)
        active = {r.id for r in tracking_store.search_runs().runs}
        assert active == {root.id, child.id, grandchild.id}  # "earlier" was deleted on its own
        with pytest.raises(InvalidState):
            tracking_store.restore_run(root.id)
        with pytest.raises(NotFound):
            tracking_store.delete_run("missing")

    def test_list_deleted_and_purge(self, tracking_store: TrackingStore) -> None:
        exp = tracking_store.create_experiment("e")
        parent = tracking_store.create_run(exp.id)
        child = tracking_store.create_run(exp.id, parent_id=parent.id)
        keep = tracking_store.create_run(exp.id)
        tracking_store.log_batch(
            parent.id, metrics=[pt("m", 1.0)], params={"p": "1"}, tags={"t": "1"}
        )
        with pytest.raises(InvalidState):
            tracking_store.purge_run(parent.id)
        tracking_store.delete_run(parent.id)
        assert {r.id for r in tracking_store.list_deleted_runs()} == {parent.id, child.id}
        tracking_store.purge_run(parent.id)
        with pytest.raises(NotFound):
            tracking_store.get_run(parent.id)
        with pytest.raises(NotFound):
            tracking_store.get_metric_history(parent.id, "m")
        with pytest.raises(NotFound):
            tracking_store.purge_run(parent.id)
        assert {r.id for r in tracking_store.list_deleted_runs()} == {child.id}
        tracking_store.purge_run(child.id)
        assert tracking_store.list_deleted_runs() == []
        assert tracking_store.get_run(keep.id).lifecycle_stage == LifecycleStage.ACTIVE


# ------------------------------------------------------------------- params and tags
class TestParamsAndTags:
    def test_params_are_write_once(self, tracking_store: TrackingStore) -> None:
        exp = tracking_store.create_experiment("e")
        run = tracking_store.create_run(exp.id)
        tracking_store.log_batch(run.id, params={"lr": "0.1", "model": "rf"})
        tracking_store.log_batch(run.id, params={"lr": "0.1", "depth": "3"})  # same value: fine
        with pytest.raises(InvalidArgument, match="lr"):
            tracking_store.log_batch(
                run.id, params={"lr": "0.2", "new": "x"}, metrics=[pt("m", 1.0)], tags={"t": "x"}
            )
        got = tracking_store.get_run(run.id)
        assert got.params == {"lr": "0.1", "model": "rf", "depth": "3"}
        assert got.metrics == {} and got.tags == {}  # nothing of the failed batch was written

    @pytest.mark.parametrize(
        "params", [{"": "x"}, {"k": 1}, {"k\n": "x"}, {"x" * 251: "v"}, {"k": "v" * 6001}]
    )
    def test_bad_params(self, tracking_store: TrackingStore, params: dict) -> None:
        exp = tracking_store.create_experiment("e")
        run = tracking_store.create_run(exp.id)
        with pytest.raises(InvalidArgument):
            tracking_store.log_batch(run.id, params=params)
        assert tracking_store.get_run(run.id).params == {}

    def test_tags_set_overwrite_delete(self, tracking_store: TrackingStore) -> None:
        exp = tracking_store.create_experiment("e")
        run = tracking_store.create_run(exp.id, tags={"a": "1"})
        tracking_store.log_batch(run.id, tags={"a": "2", "b": 'it\'s "quoted"'})
        assert tracking_store.get_run(run.id).tags == {"a": "2", "b": 'it\'s "quoted"'}
        tracking_store.delete_tag(run.id, "a")
        assert tracking_store.get_run(run.id).tags == {"b": 'it\'s "quoted"'}
        with pytest.raises(NotFound):
            tracking_store.delete_tag(run.id, "a")
        with pytest.raises(NotFound):
            tracking_store.delete_tag("missing", "b")

    def test_logging_to_unknown_or_deleted_run(self, tracking_store: TrackingStore) -> None:
        exp = tracking_store.create_experiment("e")
        run = tracking_store.create_run(exp.id)
        with pytest.raises(NotFound):
            tracking_store.log_batch("missing", params={"a": "b"})
        tracking_store.delete_run(run.id)
        with pytest.raises(InvalidState):
            tracking_store.log_batch(run.id, tags={"a": "b"})
        tracking_store.restore_run(run.id)
        tracking_store.log_batch(run.id, tags={"a": "b"})
        assert tracking_store.get_run(run.id).tags == {"a": "b"}


# -------------------------------------------------------------------------- metrics
class TestMetrics:
    def test_history_order_and_summary(self, tracking_store: TrackingStore) -> None:
        exp = tracking_store.create_experiment("e")
        run = tracking_store.create_run(exp.id)
        points = [
            pt("loss", 3.0, step=2, ts=T0 + 5),
            pt("loss", 5.0, step=0, ts=T0 + 9),
            pt("loss", 1.0, step=2, ts=T0 + 1),
            pt("loss", 4.0, step=1, ts=T0 + 2),
            pt("loss", 2.0, step=2, ts=T0 + 5),  # same step and time as the first: logged later
        ]
        tracking_store.log_batch(run.id, metrics=points)
        history = tracking_store.get_metric_history(run.id, "loss")
        assert [(m.step, m.timestamp, m.value) for m in history] == [
            (0, T0 + 9, 5.0), (1, T0 + 2, 4.0), (2, T0 + 1, 1.0), (2, T0 + 5, 3.0), (2, T0 + 5, 2.0),
        ]  # fmt: skip
        summary = tracking_store.get_run(run.id).metrics["loss"]
        assert (summary.latest, summary.latest_step, summary.latest_timestamp) == (2.0, 2, T0 + 5)
        assert (summary.min, summary.max, summary.count) == (1.0, 5.0, 5)

    def test_summaries_merge_across_batches(self, tracking_store: TrackingStore) -> None:
        exp = tracking_store.create_experiment("e")
        run = tracking_store.create_run(exp.id)
        tracking_store.log_batch(run.id, metrics=[pt("acc", 0.5, 0), pt("acc", 0.7, 5)])
        tracking_store.log_batch(run.id, metrics=[pt("acc", 0.9, 3), pt("acc", 0.1, 4)])
        s = tracking_store.get_run(run.id).metrics["acc"]
        assert (s.latest, s.latest_step, s.min, s.max, s.count) == (0.7, 5, 0.1, 0.9, 4)
        tracking_store.log_batch(run.id, metrics=[pt("acc", 0.6, 5, ts=T0 + 5)])  # tie: newest wins
        s = tracking_store.get_run(run.id).metrics["acc"]
        assert (s.latest, s.count) == (0.6, 5)
        assert [m.value for m in tracking_store.get_metric_history(run.id, "acc")] == [
            0.5, 0.9, 0.1, 0.7, 0.6,
        ]  # fmt: skip

    def test_nan_and_infinities_round_trip(self, tracking_store: TrackingStore) -> None:
        exp = tracking_store.create_experiment("e")
        run = tracking_store.create_run(exp.id)
        values = [1.5, math.nan, math.inf, -math.inf, -0.25]
        tracking_store.log_batch(run.id, metrics=[pt("x", v, i) for i, v in enumerate(values)])
        tracking_store.log_batch(run.id, metrics=[pt("allnan", math.nan, 0)])
        tracking_store.log_batch(
            run.id, metrics=[pt("lastnan", 1.0, 0), pt("lastnan", math.nan, 1)]
        )
        got = [m.value for m in tracking_store.get_metric_history(run.id, "x")]
        assert got[0] == 1.5 and math.isnan(got[1]) and got[2:] == [math.inf, -math.inf, -0.25]
        summaries = tracking_store.get_run(run.id).metrics
        assert (summaries["x"].min, summaries["x"].max, summaries["x"].count) == (
            -math.inf,
            math.inf,
            5,
        )
        assert summaries["x"].latest == -0.25
        assert math.isnan(summaries["allnan"].latest)
        assert math.isnan(summaries["allnan"].min) and math.isnan(summaries["allnan"].max)
        assert math.isnan(summaries["lastnan"].latest) and summaries["lastnan"].max == 1.0

    def test_downsampled_history_keeps_ends_and_spikes(self, tracking_store: TrackingStore) -> None:
        exp = tracking_store.create_experiment("e")
        run = tracking_store.create_run(exp.id)
        points = [pt("loss", float(i % 97), step=i, ts=T0 + i) for i in range(5000)]
        points[1234] = pt("loss", 1e6, step=1234, ts=T0 + 1234)  # a spike
        points[3000] = pt("loss", -5.0, step=3000, ts=T0 + 3000)  # a dip
        points[10] = pt("loss", math.nan, step=10, ts=T0 + 10)
        tracking_store.log_batch(run.id, metrics=points)
        small = tracking_store.get_metric_history(run.id, "loss", max_points=200)
        assert 100 <= len(small) <= 200
        steps = [m.step for m in small]
        assert steps == sorted(steps) and len(set(steps)) == len(steps)
        assert steps[0] == 0 and steps[-1] == 4999
        values = {m.step: m.value for m in small}
        assert values[1234] == 1e6 and values[3000] == -5.0
        assert all(values[s] == points[s].value for s in steps)  # real points, not averages
        # short histories come back whole, NaN included
        whole = tracking_store.get_metric_history(run.id, "loss", max_points=5000)
        assert len(whole) == 5000 and math.isnan(whole[10].value)

    @pytest.mark.parametrize("bad", [0, 3, -1])
    def test_downsampling_needs_at_least_four_points(self, tracking_store: TrackingStore, bad: int) -> None:
        exp = tracking_store.create_experiment("e")
        run = tracking_store.create_run(exp.id)
        with pytest.raises(InvalidArgument):
            tracking_store.get_metric_history(run.id, "loss", max_points=bad)

    def test_history_of_unknown_key_and_run(self, tracking_store: TrackingStore) -> None:
        exp = tracking_store.create_experiment("e")
        run = tracking_store.create_run(exp.id)
        assert tracking_store.get_metric_history(run.id, "never") == []
        with pytest.raises(NotFound):
            tracking_store.get_metric_history("missing", "loss")

    @pytest.mark.parametrize(
        "bad",
        [
            Metric("", 1.0, 0, T0),
            Metric("k", "high", 0, T0),  # type: ignore[arg-type]
            Metric("k", 1.0, 1.5, T0),  # type: ignore[arg-type]
            Metric("k", 1.0, math.nan, T0),  # type: ignore[arg-type]
            Metric("k", 1.0, 2**63, T0),
            Metric("k", 1.0, 0, None),  # type: ignore[arg-type]
            Metric("ctl\x01", 1.0, 0, T0),
        ],
    )
    def test_bad_points_write_nothing(self, tracking_store: TrackingStore, bad: Metric) -> None:
        exp = tracking_store.create_experiment("e")
        run = tracking_store.create_run(exp.id)
        with pytest.raises(InvalidArgument):
            tracking_store.log_batch(run.id, metrics=[pt("good", 1.0), bad])
        with pytest.raises(InvalidArgument):
            tracking_store.log_metric_batches({run.id: [pt("good", 1.0), bad]})
        assert tracking_store.get_metric_history(run.id, "good") == []
        assert tracking_store.get_run(run.id).metrics == {}

    def test_log_metric_batches_is_atomic_across_runs(self, tracking_store: TrackingStore) -> None:
        exp = tracking_store.create_experiment("e")
        a = tracking_store.create_run(exp.id)
        b = tracking_store.create_run(exp.id)
        tracking_store.log_metric_batches(
            {a.id: [pt("m", 1.0, 0), pt("m", 2.0, 1)], b.id: [pt("m", 10.0, 0)]}
        )
        assert [m.value for m in tracking_store.get_metric_history(a.id, "m")] == [1.0, 2.0]
        assert tracking_store.get_run(b.id).metrics["m"].count == 1
        with pytest.raises(NotFound):
            tracking_store.log_metric_batches({a.id: [pt("m", 3.0, 2)], "missing": [pt("m", 1.0)]})
        tracking_store.delete_run(b.id)
        with pytest.raises(InvalidState):
            tracking_store.log_metric_batches({a.id: [pt("m", 3.0, 2)], b.id: [pt("m", 1.0)]})
        assert tracking_store.get_run(a.id).metrics["m"].count == 2
        tracking_store.log_metric_batches({})  # nothing to do is fine

    def test_threads_share_one_store(self, tracking_store: TrackingStore) -> None:
        from concurrent.futures import ThreadPoolExecutor

        exp = tracking_store.create_experiment("e")
        run = tracking_store.create_run(exp.id)

        def log(thread: int) -> None:
            for batch in range(5):
                steps = range(thread * 100 + batch * 20, thread * 100 + batch * 20 + 20)
                tracking_store.log_batch(
                    run.id, metrics=[pt("m", float(s), s) for s in steps], tags={f"t{thread}": "x"}
                )

        with ThreadPoolExecutor(max_workers=6) as pool:
            list(pool.map(log, range(6)))
        history = tracking_store.get_metric_history(run.id, "m")
        assert [m.step for m in history] == list(range(600))
        summary = tracking_store.get_run(run.id).metrics["m"]
        assert (summary.count, summary.min, summary.max, summary.latest) == (600, 0.0, 599.0, 599.0)
        assert len(tracking_store.get_run(run.id).tags) == 6

    def test_metrics_of_terminal_runs_still_log(self, tracking_store: TrackingStore) -> None:
        exp = tracking_store.create_experiment("e")
        run = tracking_store.create_run(exp.id)
        tracking_store.update_run(run.id, status=RunStatus.FINISHED)
        tracking_store.log_batch(run.id, metrics=[pt("late", 1.0)])
        assert tracking_store.get_run(run.id).metrics["late"].count == 1


# --------------------------------------------------------------------------- search
DAY = timedelta(days=1)
START = datetime(2024, 1, 1, tzinfo=UTC)
START_MS = 1_704_067_200_000  # START as epoch milliseconds


@pytest.fixture
def populated(tracking_store: TrackingStore) -> TrackingStore:
    """Four runs in "main" and one in "side"; see the table below."""
    store = tracking_store
    main = store.create_experiment("main")
    side = store.create_experiment("side")
    rows = [
        # name,   status,   kind,   params,                       tags,               metrics
        ("alpha", "Finished", "run", {"model": "rf", "lr": "0.1"}, {"team": "vision"}, {"acc": 0.95, "loss": 0.2}),
        ("beta", "Running", "run", {"model": "RF", "lr": "0.01"}, {"team": "nlp"}, {"acc": 0.80, "loss": 0.5}),
        ("gamma", "Failed", "run", {"model": "xgb"}, {}, {"acc": math.nan}),
        ("delta", "Queued", "sweep", {}, {"team": "it's"}, {}),
    ]  # fmt: skip
    for i, (name, status, kind, params, tags, metrics) in enumerate(rows):
        run = store.create_run(
            main.id, name=name, kind=kind, start_time=START + i * DAY, tags=tags,
            status=RunStatus.RUNNING if status != "Queued" else RunStatus.QUEUED,
        )  # fmt: skip
        store.log_batch(run.id, params=params, metrics=[pt(k, v) for k, v in metrics.items()])
        if status in ("Finished", "Failed"):
            store.update_run(run.id, status=RunStatus(status), end_time=START + i * DAY + DAY / 2)
    other = store.create_run(side.id, name="omega", start_time=START + 10 * DAY)
    store.log_batch(other.id, params={"model": "rf"}, metrics=[pt("acc", 0.5)])
    return store


def names(store: TrackingStore, filter: str | None = None, **kw) -> list[str]:
    return [r.name for r in store.search_runs(filter=filter, **kw).runs]


class TestSearch:
    def test_default_order_is_newest_start_first(self, populated: TrackingStore) -> None:
        assert names(populated) == ["omega", "delta", "gamma", "beta", "alpha"]

    def test_runs_come_back_whole(self, populated: TrackingStore) -> None:
        (run,) = populated.search_runs(filter="attributes.name = 'alpha'").runs
        assert run.params == {"model": "rf", "lr": "0.1"}
        assert run.tags == {"team": "vision"}
        assert run.metrics["acc"].latest == 0.95 and run.metrics["loss"].count == 1
        assert run == populated.get_run(run.id)

    @pytest.mark.parametrize(
        ("flt", "expected"),
        [
            ("metrics.acc > 0.9", {"alpha"}),
            ("metrics.acc >= 0.8", {"alpha", "beta"}),
            ("metrics.acc < 0.9", {"beta", "omega"}),
            ("metrics.acc <= 0.5", {"omega"}),
            ("metrics.acc = 0.8", {"beta"}),
            ("metrics.acc != 0.8", {"alpha", "omega"}),  # NaN and missing never match
            ("metrics.acc in (0.95, 0.5)", {"alpha", "omega"}),
            ("metrics.acc not in (0.95, 0.5)", {"beta"}),
            ("metrics.loss > 0", {"alpha", "beta"}),
            ("metrics.acc > 0.1 and metrics.loss > 0.3", {"beta"}),
            ("params.model = 'rf'", {"alpha", "omega"}),
            ("params.model != 'rf'", {"beta", "gamma"}),
            ("params.model like 'r%'", {"alpha", "omega"}),
            ("params.model ilike 'r%'", {"alpha", "beta", "omega"}),
            ("params.model in ('xgb', 'RF')", {"beta", "gamma"}),
            ("params.model not in ('xgb', 'RF')", {"alpha", "omega"}),
            ("params.lr = '0.1' and params.model = 'rf'", {"alpha"}),
            ("tags.team = 'vision'", {"alpha"}),
            ("tags.team = 'it\\'s'", {"delta"}),
            ('tags.team = "it\'s"', {"delta"}),
            ("tags.team like '%i%'", {"alpha", "delta"}),
            ("tags.team ILIKE 'NLP'", {"beta"}),
            ("attributes.status = 'Finished'", {"alpha"}),
            ("attributes.status = 'FAILED'", {"gamma"}),
            ("attributes.status in ('running', 'queued')", {"beta", "delta", "omega"}),
            ("attributes.status != 'Running'", {"alpha", "gamma", "delta"}),
            ("attributes.name like '%a'", {"alpha", "beta", "gamma", "delta", "omega"}),
            ("attributes.run_name = 'beta'", {"beta"}),
            ("attributes.kind = 'sweep'", {"delta"}),
            ("attributes.start_time >= '2024-01-03T00:00:00Z'", {"gamma", "delta", "omega"}),
            ("attributes.start_time < '2024-01-02'", {"alpha"}),
            (f"attributes.start_time = {START_MS}", {"alpha"}),
            (
                f"attributes.start_time > {START_MS} and attributes.start_time <= {START_MS + 86_400_000}",
                {"beta"},
            ),
            ("attributes.end_time < '2024-01-02T00:00:00+00:00'", {"alpha"}),
            ("attributes.end_time > '2024-01-01T13:00:00+01:00'", {"gamma"}),
            ("attributes.created_at > '2000-01-01'", {"alpha", "beta", "gamma", "delta", "omega"}),
            ("metrics.acc > 0.1 and params.model = 'rf' and tags.team = 'vision'", {"alpha"}),
            ("METRICS.acc > 0.1 AND params.model = 'rf'", {"alpha", "omega"}),
            ("metrics.nothing > 0", set()),
            ("", {"alpha", "beta", "gamma", "delta", "omega"}),
        ],
    )
    def test_filters(self, populated: TrackingStore, flt: str, expected: set[str]) -> None:
        assert set(names(populated, flt)) == expected

    def test_filter_by_ids(self, populated: TrackingStore) -> None:
        runs = {r.name: r for r in populated.search_runs().runs}
        alpha, beta = runs["alpha"], runs["beta"]
        assert set(names(populated, f"attributes.run_id in ('{alpha.id}', '{beta.id}')")) == {
            "alpha",
            "beta",
        }
        assert names(populated, f"attributes.id = '{alpha.id}'") == ["alpha"]
        side = runs["omega"].experiment_id
        assert names(populated, f"attributes.experiment_id = '{side}'") == ["omega"]
        assert set(names(populated, f"attributes.experiment_id != '{side}'")) == {
            "alpha",
            "beta",
            "gamma",
            "delta",
        }

    def test_experiment_ids(self, populated: TrackingStore) -> None:
        side = populated.find_experiment("side")
        main = populated.find_experiment("main")
        assert names(populated, experiment_ids=[side.id]) == ["omega"]
        assert len(names(populated, experiment_ids=[side.id, main.id])) == 5
        with pytest.raises(NotFound):
            populated.search_runs(experiment_ids=["missing"])
        populated.delete_experiment(side.id)
        assert "omega" not in names(populated)
        assert names(populated, experiment_ids=[side.id]) == []
        assert names(populated, experiment_ids=[side.id], include_deleted=True) == ["omega"]

    @pytest.mark.parametrize(
        ("order_by", "expected"),
        [
            (["metrics.acc DESC"], ["alpha", "beta", "omega", "delta", "gamma"]),
            (["metrics.acc"], ["omega", "beta", "alpha", "delta", "gamma"]),
            (["metrics.acc asc"], ["omega", "beta", "alpha", "delta", "gamma"]),
            (["metrics.loss DESC"], ["beta", "alpha", "omega", "delta", "gamma"]),
            (["params.model"], ["beta", "omega", "alpha", "gamma", "delta"]),  # ties: newest first
            (
                ["params.model DESC", "attributes.name"],
                ["gamma", "alpha", "omega", "beta", "delta"],
            ),
            (["tags.team"], ["delta", "beta", "alpha", "omega", "gamma"]),
            (["attributes.start_time ASC"], ["alpha", "beta", "gamma", "delta", "omega"]),
            (["attributes.name"], ["alpha", "beta", "delta", "gamma", "omega"]),
            (["attributes.end_time DESC"], ["gamma", "alpha", "omega", "delta", "beta"]),
        ],
    )
    def test_order_by_with_missing_last(
        self, populated: TrackingStore, order_by: list[str], expected: list[str]
    ) -> None:
        assert names(populated, order_by=order_by) == expected

    def test_paging(self, populated: TrackingStore) -> None:
        full = names(populated, order_by=["metrics.acc DESC"])
        seen, token, pages = [], None, 0
        while True:
            page = populated.search_runs(
                order_by=["metrics.acc DESC"], max_results=2, page_token=token
            )
            seen += [r.name for r in page.runs]
            pages += 1
            token = page.next_page_token
            if token is None:
                break
        assert seen == full and pages == 3
        exact = populated.search_runs(max_results=5)
        assert len(exact.runs) == 5 and exact.next_page_token is None

    @pytest.mark.parametrize(
        "flt",
        [
            "metrics.acc > 0.9; DROP TABLE runs",
            "metrics.acc > 0.9 or params.model = 'rf'",
            "metrics.acc > 'abc'",
            "params.model = 'rf",
            "unknown.key = 1",
            "attributes.colour = 'red'",
            "attributes.status = 'Exploded'",
            "attributes.start_time > 'yesterday'",
            "metrics.acc >",
            "params.model = 1",
            "1 = 1",
            "metrics.acc > 0.9 and",
            "(metrics.acc > 0.9)",
            "metrics.acc like '%'",
            "' OR 1=1 --",
        ],
    )
    def test_bad_filters_are_refused(self, populated: TrackingStore, flt: str) -> None:
        from modelyard.errors import FilterSyntaxError

        with pytest.raises(FilterSyntaxError) as info:
            populated.search_runs(filter=flt)
        assert isinstance(info.value.details["position"], int)
        assert f"position {info.value.details['position']}" in info.value.message
        assert len(names(populated)) == 5  # nothing was dropped or changed

    @pytest.mark.parametrize(
        "order_by",
        [["metrics.acc sideways"], ["nope.x"], ["metrics."], ["metrics.acc; DROP TABLE runs"]],
    )
    def test_bad_order_by(self, populated: TrackingStore, order_by: list[str]) -> None:
        from modelyard.errors import FilterSyntaxError

        with pytest.raises(FilterSyntaxError):
            populated.search_runs(order_by=order_by)

    def test_bad_paging_arguments(self, populated: TrackingStore) -> None:
        for bad in (0, -5, MAX_RESULTS_LIMIT + 1):
            with pytest.raises(InvalidArgument):
                populated.search_runs(max_results=bad)
        for token in ("%%%", "eyJvZmZzZXQiOi0xfQ", "e30"):
            with pytest.raises(InvalidArgument):
                populated.search_runs(page_token=token)

    def test_keys_with_spaces_and_dots(self, tracking_store: TrackingStore) -> None:
        exp = tracking_store.create_experiment("e")
        run = tracking_store.create_run(exp.id, name="spaced")
        tracking_store.log_batch(
            run.id, metrics=[pt("val acc", 0.7), pt("train.loss", 0.1)], params={"opt.lr": "3"}
        )
        assert names(tracking_store, "metrics.`val acc` > 0.5") == ["spaced"]
        assert names(tracking_store, 'metrics."val acc" > 0.5 and metrics.train.loss < 1') == [
            "spaced"
        ]
        assert names(tracking_store, "params.`opt.lr` = '3'") == ["spaced"]
        assert names(tracking_store, order_by=["metrics.`val acc` DESC"]) == ["spaced"]
