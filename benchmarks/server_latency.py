"""p50/p90 latency of a small request over ONE kept-alive connection to a real server.

Starts the server in a subprocess on a fresh workspace, creates a run, then times
``GET /api/v1/runs/{id}`` (and ``/healthz``, the framework floor) with a lean
``http.client`` connection. Usage: ``python benchmarks/server_latency.py [N]``.
"""

from __future__ import annotations

import http.client
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.support.server import server_process


def _time(conn: http.client.HTTPConnection, path: str, n: int) -> tuple[float, float]:
    samples = []
    for _ in range(n):
        begin = time.perf_counter()
        conn.request("GET", path)
        response = conn.getresponse()
        response.read()
        samples.append(time.perf_counter() - begin)
        assert response.status == 200, response.status
    samples.sort()
    return statistics.median(samples) * 1e3, samples[int(n * 0.9)] * 1e3


def main(n: int = 5000) -> None:
    with tempfile.TemporaryDirectory() as tmp, server_process(Path(tmp) / "ws") as srv:
        conn = http.client.HTTPConnection("127.0.0.1", srv.port)
        conn.request("POST", "/api/v1/experiments", body=json.dumps({"name": "bench"}),
                     headers={"content-type": "application/json"})
        exp = json.loads(conn.getresponse().read())
        conn.request("POST", "/api/v1/runs", body=json.dumps({"experiment_id": exp["id"]}),
                     headers={"content-type": "application/json"})
        run = json.loads(conn.getresponse().read())
        for label, path in (("GET /healthz", "/healthz"), ("GET /api/v1/runs/{id}", f"/api/v1/runs/{run['id']}")):
            _time(conn, path, 200)  # warm-up
            p50, p90 = _time(conn, path, n)
            print(f"{label:28s} p50 {p50:.3f} ms   p90 {p90:.3f} ms   (n={n}, one kept-alive connection)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5000)
