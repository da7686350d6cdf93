"""Jobs through a server: the SDK on a server URL, the streaming log endpoint, and restarts."""

from __future__ import annotations

import os
import signal
import textwrap
import time
from pathlib import Path

import httpx
import pytest

import modelyard as yard
from modelyard.errors import InvalidArgument, NotFound
from modelyard.tracking.entities import RunStatus
from tests.support.server import live_server, server_process

WAIT = 60


def wait_for(predicate, what: str, timeout: float = WAIT):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def test_the_sdk_runs_jobs_on_a_server_exactly_as_embedded(tmp_path: Path) -> None:
    code = tmp_path / "src"
    code.mkdir()
    (code / "train.py").write_text(textwrap.dedent("""
        import os, sys, modelyard as yard
        print("hello from the snapshot", flush=True)
        with yard.start_run():
            yard.log_metric("acc", 0.9)
        open(os.path.join(sys.argv[1], "out.txt"), "w").write("done")
    """))
    with live_server(tmp_path / "ws") as srv, yard.Workspace(srv.url) as ws:
        job = ws.jobs.create_or_update(yard.command(
            command="python train.py ${{outputs.result}}", code=code, outputs={"result": {"type": "uri_folder"}},
            experiment_name="remote",
        ))  # fmt: skip
        (code / "train.py").write_text("raise SystemExit('the live folder is not what runs')")
        out = []
        ended = job.stream(file=_Collect(out))
        assert ended.status is RunStatus.FINISHED, ended.error
        assert "hello from the snapshot" in "".join(out)
        assert ws.runs.get(job.id).metrics["acc"].latest == 0.9
        assert [j.id for j in ws.jobs.list(experiment="remote")] == [job.id]
        dest = ws.jobs.download(job.id, tmp_path / "dl")
        assert (dest / "outputs" / "result" / "out.txt").read_text() == "done"
        with pytest.raises(NotFound):
            ws.jobs.get("0" * 32)


class _Collect:
    def __init__(self, out: list[str]) -> None:
        self.out = out

    def write(self, text: str) -> None:
        self.out.append(text)

    def flush(self) -> None:
        pass


def test_the_log_endpoint_streams_while_the_job_runs(tmp_path: Path) -> None:
    go = tmp_path / "go"
    with live_server(tmp_path / "ws") as srv, yard.Workspace(srv.url) as ws:
        job = ws.jobs.create_or_update(yard.command(
            command=f"echo first; while [ ! -f {go} ]; do sleep 0.05; done; echo second",
        ))  # fmt: skip
        url = f"{srv.url}/api/v1/jobs/{job.id}/logs"
        with httpx.stream("GET", url, params={"follow": "true"}, timeout=WAIT) as response:
            assert response.status_code == 200
            assert response.headers["content-type"].startswith("text/plain")
            chunks = response.iter_text()
            seen = ""
            while "first" not in seen:
                seen += next(chunks)
            assert ws.jobs.get(job.id).status is RunStatus.RUNNING  # streamed before the end
            go.write_text("")
            seen += "".join(chunks)  # the stream ends when the job has ended
        assert "second" in seen
        assert ws.jobs.get(job.id).status is RunStatus.FINISHED
        missing = httpx.get(f"{srv.url}/api/v1/jobs/{'0' * 32}/logs")
        assert missing.status_code == 404 and missing.json()["error"]["code"]


def test_bad_requests_get_clear_4xx_answers(tmp_path: Path) -> None:
    with live_server(tmp_path / "ws") as srv:
        api = f"{srv.url}/api/v1"
        assert httpx.post(f"{api}/jobs", json={"spec": {"no": "command"}}).status_code == 400
        with_code = {"spec": {"command": "ls", "code": "/etc"}}  # the server never snapshots its own files
        assert httpx.post(f"{api}/jobs", json=with_code).status_code == 400
        assert httpx.post(f"{api}/jobs", json={"spec": {"command": "ls", "compute": "nope"}}).status_code == 404
        assert httpx.post(f"{api}/computes", json={"name": "x", "type": "gpu"}).status_code in (400, 422)
        assert httpx.get(f"{api}/computes/nope").status_code == 404
        assert httpx.get(f"{api}/environments/nope").status_code == 404
        with yard.Workspace(srv.url) as ws, pytest.raises(InvalidArgument):
            ws.jobs.store.list_jobs(max_results=0)


def test_a_server_restart_while_three_jobs_run_leaves_none_running(tmp_path: Path) -> None:
    gate = tmp_path / "gate"
    with server_process(tmp_path / "ws") as proc:
        with yard.Workspace(proc.url) as ws:
            ws.computes.create(name="local", max_concurrent_jobs=3)  # this machine may have fewer cores
            jobs = [
                ws.jobs.create_or_update(yard.command(command=f"while [ ! -f {gate} ]; do sleep 0.05; done; echo out-{i}"))
                for i in range(3)
            ]  # fmt: skip
            wait_for(lambda: all(ws.jobs.get(j.id).status is RunStatus.RUNNING for j in jobs), "three running jobs")
            handle = ws.jobs.get(jobs[0].id).handle
        pid_file = Path(handle["attempt_dir"], "pid")
        pid = int(wait_for(lambda: pid_file.is_file() and pid_file.read_text().strip(), "the pid"))
        proc.kill()  # kill -9 the server: its dispatcher dies, the supervised jobs do not
        os.kill(handle["supervisor_pid"], signal.SIGKILL)  # one job dies with it
        os.killpg(pid, signal.SIGKILL)
        proc.start()
        with yard.Workspace(proc.url) as ws:
            dead = wait_for(lambda: (j := ws.jobs.get(jobs[0].id)).status.is_terminal and j, "the dead job to fail")
            assert dead.status is RunStatus.FAILED and "gone" in dead.error
            assert {ws.jobs.get(j.id).status for j in jobs[1:]} == {RunStatus.RUNNING}  # watched again
            gate.write_text("")
            for i, j in enumerate(jobs[1:], start=1):
                ended = ws.jobs.wait(j.id, timeout=WAIT)
                assert ended.status is RunStatus.FINISHED
                assert f"out-{i}" in ws.jobs.logs(j.id)
            assert ws.jobs.list(status=RunStatus.RUNNING) == []
