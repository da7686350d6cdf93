"""``modelyard server --workers N``: N real server processes share the port, exactly one
leads (runs the endpoint supervisor and the job dispatcher), every one serves scoring
requests, and another process leads when the leader is killed."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

import modelyard as yard
from modelyard.endpoints.routing import read_routes
from modelyard.server.leader import Leadership
from tests.endpoints.conftest import training_data

_DEADLINE_S = 120.0


def test_one_leadership_at_a_time_and_a_takeover(tmp_path: Path) -> None:
    first, second = Leadership(tmp_path / "leader.lock"), Leadership(tmp_path / "leader.lock", interval=0.05)
    elected = threading.Event()
    try:
        assert first.acquire() and first.is_leader
        assert not second.acquire() and not second.is_leader
        second.watch(on_elected=elected.set)
        assert not elected.wait(0.3)  # bounded: the first still leads
        first.release()
        assert elected.wait(30) and second.is_leader
        assert (tmp_path / "leader.lock").read_text().strip() == str(os.getpid())
        assert not first.acquire()
    finally:
        second.stop()
        second.release()
        first.release()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def _descendants(pid: int) -> set[int]:
    """Live processes whose parent chain reaches ``pid`` or whose ``--parent-pid`` names it."""
    found, frontier = set(), {pid}
    while frontier:
        parent = frontier.pop()
        for proc in Path("/proc").iterdir():
            if not proc.name.isdigit() or int(proc.name) in found:
                continue
            try:
                ppid = int((proc / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            if ppid == parent and _alive(int(proc.name)):
                found.add(int(proc.name))
                frontier.add(int(proc.name))
    return found


@pytest.fixture
def two_process_server(tmp_path: Path) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    port = _free_port()
    log = open(tmp_path / "server.log", "wb")  # noqa: SIM115 - closed below
    proc = subprocess.Popen([sys.executable, "-m", "modelyard.cli.main", "-w", str(tmp_path / "ws"), "server",
                             "--port", str(port), "--workers", "2"], stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    spawned: set[int] = set()
    try:
        deadline = time.monotonic() + _DEADLINE_S
        while True:
            try:
                if httpx.get(f"{url}/healthz", timeout=5).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert proc.poll() is None and time.monotonic() < deadline, (tmp_path / "server.log").read_text()
            time.sleep(0.1)  # waiting for the processes to start, not timing them
        yield url, proc
        spawned = _descendants(proc.pid)
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=30)
        log.close()
        deadline = time.monotonic() + 30
        while any(_alive(p) for p in spawned) and time.monotonic() < deadline:
            time.sleep(0.1)  # the server processes and their deployment workers exit
        for pid in spawned:
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)
        assert not [p for p in spawned if _alive(p)], "processes outlived the server"


def _health(url: str) -> tuple[int, bool]:
    r = httpx.get(f"{url}/healthz", timeout=10)  # a new connection each time: any process may answer
    return int(r.headers["x-modelyard-server-pid"]), r.headers["x-modelyard-leader"] == "true"


def test_workers_2_serves_from_both_processes_and_survives_the_leader(
        tmp_path: Path, two_process_server: tuple[str, subprocess.Popen[bytes]]) -> None:
    from sklearn.linear_model import LogisticRegression

    from modelyard.models.packaging import save_model

    url, server = two_process_server
    X, y = training_data()
    model = LogisticRegression().fit(X, y)
    save_model(model, tmp_path / "model", input_example=X.head())
    body = {"input_data": {"columns": list(X.columns), "data": X.head(4).values.tolist()}}
    expected = model.predict(X.head(4)).tolist()

    processes: dict[int, bool] = {}
    for _ in range(200):
        pid, leads = _health(url)
        processes[pid] = leads
        if len(processes) == 2:
            break
    assert len(processes) == 2 and sorted(processes.values()) == [False, True], processes
    leader = next(pid for pid, leads in processes.items() if leads)

    with yard.Workspace(url) as ws:
        ws.models.create(name="clf", path=tmp_path / "model")
        key = ws.endpoints.create(name="churn").keys[0]
        ws.endpoints.create_deployment("churn", name="blue", model="clf:1")
        ws.endpoints.wait_ready("churn", "blue")

        sent = 0

        def server_pids_answering() -> set[str]:
            """Score until both server processes have answered (every answer must be right)."""
            nonlocal sent
            answered: set[str] = set()
            for _ in range(200):
                sent += 1
                r = httpx.post(f"{url}/endpoints/churn/score", json=body, headers={"authorization": f"Bearer {key}"})
                assert r.status_code == 200 and r.json()["predictions"] == expected, r.text
                answered.add(r.headers["x-modelyard-server-pid"])
                if len(answered) == 2:
                    break
            return answered

        assert server_pids_answering() == {str(p) for p in processes}
        # the endpoint's metrics count the requests of both processes, whichever answers
        deadline = time.monotonic() + _DEADLINE_S
        counted = None
        while counted != sent and time.monotonic() < deadline:
            counted = httpx.get(f"{url}/api/v1/endpoints/churn/metrics").json()["requests"]
            time.sleep(0.1)  # waiting for the other process to publish, not timing it
        assert counted == sent

        before = read_routes(tmp_path / "ws" / "endpoints")
        assert before is not None and before["leader"] == leader and before["deployments"]["churn/blue"]["urls"]

        os.kill(leader, signal.SIGKILL)  # its deployment workers exit with it
        deadline = time.monotonic() + _DEADLINE_S
        new_leader = None
        while new_leader is None and time.monotonic() < deadline:
            pid, leads = _health(url)
            new_leader = pid if leads and pid != leader else None
            time.sleep(0.1)  # waiting for the takeover, not timing it
        assert new_leader is not None and _alive(new_leader) and not _alive(leader)
        assert server.poll() is None  # uvicorn's parent replaced the killed process

        def restarted() -> bool:  # by the new leader, on new workers
            after = read_routes(tmp_path / "ws" / "endpoints") or {}
            urls = after.get("deployments", {}).get("churn/blue", {}).get("urls")
            return after.get("leader") == new_leader and urls not in (None, [], before["deployments"]["churn/blue"]["urls"])

        while not restarted() and time.monotonic() < deadline:
            time.sleep(0.1)  # waiting for the deployment to start again, not timing it
        assert restarted()
        assert ws.endpoints.wait_ready("churn", "blue").state == "Ready"
        answered = server_pids_answering()
        assert len(answered) == 2 and str(new_leader) in answered
