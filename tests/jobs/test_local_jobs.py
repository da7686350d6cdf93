"""Jobs end to end on the local compute, with a real dispatcher and real processes."""

from __future__ import annotations

import os
import signal
import sys
import textwrap
import time
from pathlib import Path

import pytest

from modelyard.errors import NotFound
from modelyard.tracking.entities import RunStatus

WAIT = 60  # generous upper bound on a job's life; tests never rely on timing


def wait_for(predicate, what: str, timeout: float = WAIT):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def attempt_pid(ws, job_id: str, attempt: int = 1) -> int:
    pid_file = ws.location.folder / "jobs" / job_id / f"attempt-{attempt}" / "pid"
    return int(wait_for(lambda: pid_file.is_file() and pid_file.read_text().strip(), "the job's pid"))


def test_hello_world(ws, dispatcher, submit) -> None:
    job = submit(command="echo hello world", experiment_name="hello")
    ended = job.wait(timeout=WAIT)
    assert ended.status is RunStatus.FINISHED and ended.exit_code == 0
    assert "hello world" in ws.jobs.logs(job.id)
    run = ws.runs.get(job.id)
    assert run.kind == "job" and run.status is RunStatus.FINISHED
    key = f"{ended.artifact_location}/logs/std_log.txt"
    assert b"hello world" in b"".join(ws.artifact_store.iter_chunks(key))


def test_stdout_and_stderr_share_the_log_line_by_line(ws, dispatcher, submit, tmp_path: Path) -> None:
    # stdout writes each line in three pieces; stderr writes whole lines in between
    script = tmp_path / "interleave.py"
    script.write_text(textwrap.dedent("""
        import os
        for i in range(20):
            os.write(1, b"out-%d " % i)
            os.write(2, b"err-%d\\n" % i)
            os.write(1, b"part-two ")
            os.write(1, b"end\\n")
    """))
    job = submit(command=f"{sys.executable} {script}", experiment_name="interleave")
    assert job.wait(timeout=WAIT).status is RunStatus.FINISHED
    lines = [line for line in ws.jobs.logs(job.id).splitlines() if "out-" in line or "err-" in line]
    assert sorted(lines) == sorted([f"out-{i} part-two end" for i in range(20)] + [f"err-{i}" for i in range(20)])


def test_a_training_script_with_inputs_outputs_and_metrics(ws, dispatcher, submit, tmp_path: Path) -> None:
    code = tmp_path / "src"
    code.mkdir()
    (code / "train.py").write_text(textwrap.dedent("""
        import argparse, os, modelyard as yard
        p = argparse.ArgumentParser()
        p.add_argument("--lr", type=float); p.add_argument("--data"); p.add_argument("--out")
        a = p.parse_args()
        rows = open(a.data).read().splitlines()
        with yard.start_run():
            yard.log_param("lr", a.lr)
            for step in range(3):
                yard.log_metric("loss", a.lr / (step + 1), step=step)
        os.makedirs(a.out, exist_ok=True)
        open(os.path.join(a.out, "model.txt"), "w").write(f"rows={len(rows)}")
        print("trained on", len(rows), "rows")
    """))
    (tmp_path / "data.csv").write_text("a,b\n1,2\n3,4\n")
    job = submit(
        command="python train.py --lr ${{inputs.lr}} --data ${{inputs.data}} --out ${{outputs.model}}",
        code=code, inputs={"lr": 0.5, "data": {"type": "uri_file", "path": str(tmp_path / "data.csv")}},
        outputs={"model": {"type": "uri_folder"}}, experiment_name="train",
    )
    (code / "train.py").write_text("raise SystemExit(3)\n")  # the job runs on its snapshot
    ended = job.wait(timeout=WAIT)
    assert ended.status is RunStatus.FINISHED, ws.jobs.logs(job.id)
    run = ws.runs.get(job.id)
    assert run.params["lr"] == "0.5"
    assert run.metrics["loss"].count == 3 and run.metrics["loss"].min == 0.5 / 3
    assert "trained on 3 rows" in ws.jobs.logs(job.id)
    out = ws.jobs.download(job.id, tmp_path / "dl")
    assert (out / "outputs" / "model" / "model.txt").read_text() == "rows=3"


def test_a_failing_script_records_exit_code_and_stderr(ws, dispatcher, submit) -> None:
    cmd = f"{sys.executable} -c \"import sys; print('working'); sys.stderr.write('boom: bad value\\n'); sys.exit(7)\""
    ended = submit(command=cmd).wait(timeout=WAIT)
    assert ended.status is RunStatus.FAILED
    assert ended.exit_code == 7 and "exited with code 7" in ended.error
    assert "boom: bad value" in ended.stderr_tail
    assert ws.runs.get(ended.id).error == "exited with code 7"


def test_a_job_past_its_timeout_is_stopped(ws, dispatcher, submit) -> None:
    ended = submit(command="echo started; sleep 120", timeout=1).wait(timeout=WAIT)
    assert ended.status is RunStatus.FAILED and ended.error == "timed out"
    assert "timed out after 1 s" in ws.jobs.logs(ended.id)


def test_cancel_stops_the_whole_process_group(ws, dispatcher, submit, tmp_path: Path) -> None:
    marker = tmp_path / "child.pid"
    job = submit(command=f"sleep 300 & echo $! > {marker}; wait")
    wait_for(lambda: ws.jobs.get(job.id).status is RunStatus.RUNNING and marker.is_file()
             and marker.read_text().strip(), "the job to run")  # fmt: skip
    child = int(marker.read_text())
    job.cancel()
    ended = job.wait(timeout=WAIT)
    assert ended.status is RunStatus.CANCELED
    wait_for(lambda: not _alive(child), "the background child to be gone")
    assert [a.status for a in ws.jobs.store.list_attempts(job.id)] == [RunStatus.CANCELED]


def test_canceling_a_queued_job_ends_it_at_once(ws, submit) -> None:
    job = submit(command="echo never")  # no dispatcher: it stays queued
    assert job.cancel().status is RunStatus.CANCELED
    assert ws.runs.get(job.id).status is RunStatus.CANCELED


def test_kill_9_of_the_job_process_fails_the_job_naming_the_signal(ws, dispatcher, submit) -> None:
    job = submit(command="sleep 300")
    os.kill(attempt_pid(ws, job.id), signal.SIGKILL)
    ended = job.wait(timeout=WAIT)
    assert ended.status is RunStatus.FAILED
    assert ended.signal == "SIGKILL" and "SIGKILL" in ended.error


def test_retries_keep_one_record_per_attempt(ws, dispatcher, submit, tmp_path: Path) -> None:
    counter = tmp_path / "tries"
    cmd = f"echo x >> {counter}; test $(wc -l < {counter}) -ge 3"
    ended = submit(command=cmd, retries=3).wait(timeout=WAIT)
    assert ended.status is RunStatus.FINISHED
    attempts = ws.jobs.store.list_attempts(ended.id)
    assert [(a.attempt, a.status) for a in attempts] == [
        (1, RunStatus.FAILED), (2, RunStatus.FAILED), (3, RunStatus.FINISHED)
    ]
    assert [a.exit_code for a in attempts] == [1, 1, 0]


def test_at_most_max_concurrent_jobs_run_at_once(ws, dispatcher, submit, tmp_path: Path) -> None:
    ws.computes.create(name="pair", type="local", max_concurrent_jobs=2)
    journal = tmp_path / "journal"
    jobs = [
        submit(command=f"echo start >> {journal}; sleep 0.2; echo end >> {journal}", compute="pair")
        for _ in range(20)
    ]
    ended = [j.wait(timeout=120) for j in jobs]
    assert all(j.status is RunStatus.FINISHED for j in ended)
    running = peak = 0
    for line in journal.read_text().split():
        running += 1 if line == "start" else -1
        peak = max(peak, running)
    assert peak == 2 and running == 0  # the limit is reached and never passed


def test_an_unknown_compute_is_refused_before_anything_runs(ws, submit) -> None:
    with pytest.raises(NotFound, match="compute 'gpu-cluster'"):
        submit(command="echo hi", compute="gpu-cluster")
    assert ws.jobs.list() == []


def _alive(pid: int) -> bool:
    from modelyard.jobs.runner import pid_alive

    return pid_alive(pid)
