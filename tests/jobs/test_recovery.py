"""Nothing stays Running after its dispatcher died: live attempts are adopted, dead ones fail."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from modelyard.tracking.entities import RunStatus

WAIT = 60


def wait_for(predicate, what: str, timeout: float = WAIT):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def start_agent(folder: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "modelyard.jobs.agent", str(folder), "--idle", "60"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip


def test_a_restarted_dispatcher_adopts_live_jobs_and_fails_dead_ones(ws, submit, tmp_path: Path) -> None:
    go = tmp_path / "go"
    live = submit(command=f"while [ ! -f {go} ]; do sleep 0.05; done; echo released")
    doomed = submit(command="sleep 300")
    agent = start_agent(ws.location.folder)
    try:
        wait_for(lambda: all(ws.jobs.store.get_job(j.id).status is RunStatus.RUNNING for j in (live, doomed)),
                 "both jobs to run")  # fmt: skip
        handle = ws.jobs.store.get_job(doomed.id).handle
        pid_file = Path(handle["attempt_dir"], "pid")
        pid = int(wait_for(lambda: pid_file.is_file() and pid_file.read_text().strip(), "the pid"))
        agent.kill()  # the dispatcher dies; the supervised jobs do not
        agent.wait()
        os.kill(handle["supervisor_pid"], signal.SIGKILL)  # ...and this job's supervisor dies too
        os.killpg(pid, signal.SIGKILL)
    finally:
        if agent.poll() is None:
            agent.kill()
    from modelyard.jobs.agent import _build_dispatcher

    d = _build_dispatcher(ws.location.folder, lease_seconds=3.0, grace=1.0, poll_interval=0.05)
    d.start()
    try:
        failed = wait_for(lambda: (j := ws.jobs.store.get_job(doomed.id)).status.is_terminal and j, "recovery")
        assert failed.status is RunStatus.FAILED and "gone" in failed.error
        assert ws.jobs.store.get_job(live.id).status is RunStatus.RUNNING  # adopted, still running
        go.write_text("")
        ended = wait_for(lambda: (j := ws.jobs.store.get_job(live.id)).status.is_terminal and j, "the live job")
        assert ended.status is RunStatus.FINISHED
        assert "released" in ws.jobs.logs(live.id)
    finally:
        d.stop()


def test_job_create_on_an_embedded_workspace_starts_an_agent_that_exits_when_idle(ws, tmp_path: Path) -> None:
    from modelyard.jobs.agent import agent_running
    from modelyard.jobs.client import command

    job = ws.jobs.create_or_update(command(command="echo from-agent"))
    assert job.wait(timeout=WAIT).status is RunStatus.FINISHED
    assert "from-agent" in ws.jobs.logs(job.id)
    assert agent_running(ws.location.folder)  # stays warm for the next job


def test_an_idle_agent_exits(ws, tmp_path: Path) -> None:
    from modelyard.jobs.agent import agent_running, ensure_agent
    from modelyard.jobs.client import command

    assert ensure_agent(ws.location.folder, idle_seconds=1)  # a short idle period for the test
    wait_for(lambda: agent_running(ws.location.folder), "the agent to start")
    job = ws.jobs.create_or_update(command(command="echo from-agent"))
    assert job.wait(timeout=WAIT).status is RunStatus.FINISHED
    assert "from-agent" in ws.jobs.logs(job.id)
    wait_for(lambda: not agent_running(ws.location.folder), "the idle agent to exit", timeout=60)
