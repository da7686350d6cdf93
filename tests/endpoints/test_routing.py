"""Two servers on one workspace: one leads (it runs the deployment workers), the other routes
scoring requests from the route file the leader publishes, with the same keys, traffic,
pinning and mirror rules, and takes over when the leader stops."""

from __future__ import annotations

import contextlib
import os
import signal
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

import modelyard as yard
from modelyard.endpoints.routing import RouteTable, read_routes
from modelyard.endpoints.supervisor import EndpointSupervisor
from tests.endpoints.conftest import training_data
from tests.support.server import live_server


def _eventually(check: Callable[[], Any], *, timeout: float = 120.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.1)  # waiting for the other server's background pass, not timing it


def _leader(url: str) -> bool:
    return httpx.get(f"{url}/healthz").headers["x-modelyard-leader"] == "true"


def test_a_follower_routes_like_the_leader_and_takes_over(tmp_path: Path) -> None:
    from sklearn.linear_model import LogisticRegression
    from sklearn.tree import DecisionTreeClassifier

    from modelyard.models.packaging import save_model

    X, y = training_data()
    v1, v2 = LogisticRegression().fit(X, y), DecisionTreeClassifier(max_depth=2, random_state=0).fit(X, y)
    save_model(v1, tmp_path / "m1", input_example=X.head())
    save_model(v2, tmp_path / "m2", input_example=X.head())
    body = {"input_data": {"columns": list(X.columns), "data": X.head(5).values.tolist()}}
    expected = {"blue": v1.predict(X.head(5)).tolist(), "green": v2.predict(X.head(5)).tolist()}
    with contextlib.ExitStack() as stack:
        lead_stack = stack.enter_context(contextlib.ExitStack())
        lead = lead_stack.enter_context(live_server(tmp_path / "ws"))
        follow = stack.enter_context(live_server(tmp_path / "ws"))
        assert _leader(lead.url) and not _leader(follow.url)
        assert isinstance(follow.app.state.endpoint_router, RouteTable)
        ws = stack.enter_context(yard.Workspace(follow.url))  # every change goes through the follower
        ws.models.create(name="clf", path=tmp_path / "m1")
        ws.models.create(name="clf", path=tmp_path / "m2")
        ep = ws.endpoints.create(name="churn")
        ws.endpoints.create_deployment("churn", name="blue", model="clf:1")
        ws.endpoints.create_deployment("churn", name="green", model="clf:2")
        ws.endpoints.wait_ready("churn", "blue")
        ws.endpoints.wait_ready("churn", "green")
        client = stack.enter_context(httpx.Client(base_url=follow.url, timeout=60,
                                                  headers={"authorization": f"Bearer {ep.keys[0]}"}))

        def score(**headers: str) -> httpx.Response:
            return client.post("/endpoints/churn/score", json=body, headers=headers)

        r = _eventually(lambda: (r := score()).status_code == 200 and r)
        assert r and r.headers["x-modelyard-deployment"] == "blue" and r.json()["predictions"] == expected["blue"]
        assert r.headers["x-modelyard-server-pid"] == str(os.getpid())
        pinned = score(**{"x-modelyard-deployment": "green"})
        assert pinned.headers["x-modelyard-deployment"] == "green" and pinned.json()["predictions"] == expected["green"]
        assert score(**{"x-modelyard-deployment": "red"}).status_code == 404
        assert "worker-0.log" in ws.endpoints.get_logs("churn", "green")  # the leader's log files
        missing = httpx.post(f"{follow.url}/endpoints/churn/score", json=body)
        wrong = httpx.post(f"{follow.url}/endpoints/churn/score", json=body, headers={"authorization": "Bearer nope"})
        assert missing.status_code == wrong.status_code == 401
        assert "Authorization: Bearer <key>" in missing.json()["error"]["message"]
        assert "not one of endpoint 'churn'" in wrong.json()["error"]["message"]

        # traffic changed through the follower applies there at once, and in the leader soon
        ws.endpoints.update("churn", traffic="blue=0 green=100")
        assert {score().headers["x-modelyard-deployment"] for _ in range(10)} == {"green"}
        lead_client = stack.enter_context(httpx.Client(base_url=lead.url, timeout=60, headers=client.headers))
        assert _eventually(lambda: lead_client.post("/endpoints/churn/score", json=body)
                           .headers.get("x-modelyard-deployment") == "green")

        # a mirror copies requests from the follower too (counted in that process)
        ws.endpoints.update("churn", traffic="blue=100 green=0", mirror_traffic="green=50")
        assert {score().headers["x-modelyard-deployment"] for _ in range(40)} == {"blue"}
        assert _eventually(lambda: ws.endpoints.metrics("churn").get("mirrored", 0) >= 5)
        ws.endpoints.update("churn", mirror_traffic={})

        # a worker restarted by the leader gets a new address: the follower finds it
        supervisor: EndpointSupervisor = lead.app.state.endpoint_supervisor
        old_url = supervisor.worker_urls("churn", "blue")[0]
        os.kill(supervisor._runtimes[("churn", "blue")].workers[0].proc.pid, signal.SIGKILL)
        assert _eventually(lambda: (routes := read_routes(follow.app.state.endpoint_router.runtime_dir))
                           and routes["deployments"]["churn/blue"]["urls"] not in ([], [old_url]))
        r = score()
        assert r.status_code == 200 and r.json()["predictions"] == expected["blue"]

        # the leader stops: the follower leads, starts the deployments again and keeps serving
        lead_stack.close()
        assert _eventually(lambda: _leader(follow.url), timeout=30)
        assert _eventually(lambda: isinstance(follow.app.state.endpoint_router, EndpointSupervisor), timeout=30)
        r = _eventually(lambda: (r := score()).status_code == 200 and r)
        assert r and r.json()["predictions"] == expected["blue"]
