"""`kill -9` of the server mid-flood loses no acknowledged write and corrupts nothing."""

from __future__ import annotations

import sqlite3
import threading

import httpx
import pytest

from tests.support.server import server_process

THREADS = 6
POINTS_PER_BATCH = 50
KILL_AFTER_ACKS = 120


@pytest.mark.slow
def test_every_acknowledged_batch_survives_kill_9(tmp_path) -> None:
    workspace = tmp_path / "ws"
    with server_process(workspace) as srv:
        with httpx.Client(base_url=srv.url) as http:
            exp = http.post("/api/v1/experiments", json={"name": "flood"}).json()["id"]
            run_ids = [http.post("/api/v1/runs", json={"experiment_id": exp}).json()["id"] for _ in range(THREADS)]

        acked: list[list[int]] = [[] for _ in range(THREADS)]
        lock = threading.Lock()
        enough = threading.Event()
        total = [0]

        def flood(i: int) -> None:
            with httpx.Client(base_url=srv.url, timeout=30) as client:
                for batch in range(100_000):
                    points = [
                        {"key": "m", "value": batch + k / 1000, "step": batch * POINTS_PER_BATCH + k, "timestamp": 1}
                        for k in range(POINTS_PER_BATCH)
                    ]
                    # odd batches go through the multi-run route the SDK's sender uses
                    try:
                        if batch % 2:
                            r = client.post("/api/v1/metrics/batches", json={"batches": {run_ids[i]: points}})
                        else:
                            r = client.post(f"/api/v1/runs/{run_ids[i]}/batch", json={"metrics": points})
                    except httpx.HTTPError:
                        return  # the server is gone: this batch was never acknowledged
                    if r.status_code != 204:
                        return
                    acked[i].append(batch)
                    with lock:
                        total[0] += 1
                        if total[0] >= KILL_AFTER_ACKS:
                            enough.set()

        threads = [threading.Thread(target=flood, args=(i,)) for i in range(THREADS)]
        for t in threads:
            t.start()
        assert enough.wait(timeout=240), "the flood never got going"
        srv.kill()
        for t in threads:
            t.join(timeout=60)
        assert sum(map(len, acked)) >= KILL_AFTER_ACKS

        srv.restart()
        with httpx.Client(base_url=srv.url, timeout=60) as http:
            for i, run_id in enumerate(run_ids):
                history = http.get(f"/api/v1/runs/{run_id}/metrics/m/history").json()
                stored_steps = set(history["steps"])
                for batch in acked[i]:
                    wanted = range(batch * POINTS_PER_BATCH, (batch + 1) * POINTS_PER_BATCH)
                    assert stored_steps.issuperset(wanted), f"run {i}: acknowledged batch {batch} lost"
                # batches are atomic: a batch is stored whole or not at all
                assert len(stored_steps) % POINTS_PER_BATCH == 0
                summary = http.get(f"/api/v1/runs/{run_id}").json()["metrics"].get("m")
                if stored_steps:
                    assert summary["count"] == len(history["steps"])
    with sqlite3.connect(workspace / "workspace.db") as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
