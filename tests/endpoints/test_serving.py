"""Real-time serving through a real server, real worker processes and the gateway: one
server for the module with blue (v1) and green (v2) deployments of two trained models."""

from __future__ import annotations

import contextlib
import os
import signal
import time
from collections import Counter
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

import modelyard as yard
from modelyard.sdk import fluent
from tests.endpoints.conftest import training_data
from tests.support.server import live_server


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    from sklearn.linear_model import LogisticRegression
    from sklearn.tree import DecisionTreeClassifier

    X, y = training_data()
    v1 = LogisticRegression().fit(X, y)
    v2 = DecisionTreeClassifier(max_depth=2, random_state=0).fit(X, y)
    with contextlib.ExitStack() as stack:
        srv = stack.enter_context(live_server(tmp_path_factory.mktemp("serving") / "ws"))
        ws = yard.Workspace(srv.url)
        stack.callback(ws.close)
        fluent.set_workspace(ws)
        yard.log_model(v1, "model", input_example=X.head(), registered_model_name="clf")
        yard.log_model(v2, "model", input_example=X.head(), registered_model_name="clf")
        fluent._default.get().workspace = None
        fluent._workspace.set(None)
        ep = ws.endpoints.create(name="churn")
        ws.endpoints.create_deployment("churn", name="blue", model="models:/clf/1", instance_count=2)
        ws.endpoints.create_deployment("churn", name="green", model="clf:2")
        ws.endpoints.wait_ready("churn", "blue")
        ws.endpoints.wait_ready("churn", "green")
        client = httpx.Client(base_url=srv.url, headers={"authorization": f"Bearer {ep.keys[0]}"}, timeout=60)
        stack.callback(client.close)
        yield {"ws": ws, "url": srv.url, "client": client, "key": ep.keys[0], "X": X, "v1": v1, "v2": v2, "app": srv.app}


def _split(X, n: int = 5) -> dict[str, Any]:
    return {"input_data": {"columns": list(X.columns), "data": X.head(n).values.tolist()}}


def test_scores_like_the_model_and_names_the_deployment(served) -> None:
    X, client = served["X"], served["client"]
    served["ws"].endpoints.update("churn", traffic="blue=100 green=0")
    r = client.post("/endpoints/churn/score", json=_split(X, 20))
    assert r.status_code == 200, r.text
    assert r.headers["x-modelyard-deployment"] == "blue"
    assert r.json()["predictions"] == served["v1"].predict(X.head(20)).tolist()
    records = client.post("/endpoints/churn/score", json={"dataframe_records": X.head(3).to_dict(orient="records")})
    split = client.post("/endpoints/churn/score", json={"dataframe_split": _split(X, 3)["input_data"]})
    inputs = client.post("/endpoints/churn/score", json={"inputs": X.head(3).to_dict(orient="list")})
    assert records.json() == split.json() == inputs.json() == {"predictions": served["v1"].predict(X.head(3)).tolist()}


def test_keys_are_required(served) -> None:
    body = _split(served["X"])
    assert httpx.post(f"{served['url']}/endpoints/churn/score", json=body).status_code == 401
    bad = httpx.post(f"{served['url']}/endpoints/churn/score", json=body, headers={"authorization": "Bearer nope"})
    assert bad.status_code == 401 and "key" in bad.json()["error"]["message"]


def test_a_token_endpoint_takes_tokens_not_its_secrets(served) -> None:
    ws, X, url = served["ws"], served["X"], served["url"]
    ep = ws.endpoints.create(name="tokened", auth_mode="aml_token")
    ws.endpoints.create_deployment("tokened", name="main", model="models:/clf/1")
    ws.endpoints.wait_ready("tokened", "main")
    creds = ws.endpoints.get_credentials("tokened")
    assert set(creds) >= {"accessToken", "expiryTimeUtc"} and "primaryKey" not in creds

    def score(credential: str | None) -> httpx.Response:
        headers = {"authorization": f"Bearer {credential}"} if credential else {}
        return httpx.post(f"{url}/endpoints/tokened/score", json=_split(X), headers=headers, timeout=60)

    ok = score(creds["accessToken"])
    assert ok.status_code == 200, ok.text
    assert ok.json()["predictions"] == served["v1"].predict(X.head(5)).tolist()
    missing = score(None)
    assert missing.status_code == 401 and "token" in missing.json()["error"]["message"]
    assert score(ep.keys[0]).status_code == 401  # the signing secret itself is no credential
    assert score(served["key"]).status_code == 401  # nor another endpoint's key
    from modelyard.endpoints.tokens import issue_token

    expired = issue_token(ep, lifetime=60, now=time.time() - 120)["accessToken"]
    answer = score(expired)
    assert answer.status_code == 401 and "expired" in answer.json()["error"]["message"]
    ws.endpoints.delete("tokened")


def test_traffic_split_and_pinning(served) -> None:
    ws, client, X = served["ws"], served["client"], served["X"]
    ws.endpoints.update("churn", traffic={"blue": 90, "green": 10})
    body = _split(X, 1)
    served_by = Counter(client.post("/endpoints/churn/score", json=body).headers["x-modelyard-deployment"]
                        for _ in range(600))
    share = served_by["green"] / 600
    assert set(served_by) == {"blue", "green"} and abs(share - 0.10) < 0.04, served_by
    pinned = client.post("/endpoints/churn/score", json=_split(X, 20), headers={"x-modelyard-deployment": "green"})
    assert pinned.headers["x-modelyard-deployment"] == "green"
    assert pinned.json()["predictions"] == served["v2"].predict(X.head(20)).tolist()
    direct = client.post("/endpoints/churn/deployments/green/score", json=body)
    assert direct.headers["x-modelyard-deployment"] == "green"
    ws.endpoints.update("churn", traffic="blue=0 green=100")
    assert {client.post("/endpoints/churn/score", json=body).headers["x-modelyard-deployment"]
            for _ in range(30)} == {"green"}
    ws.endpoints.update("churn", traffic="blue=100 green=0")


@pytest.mark.parametrize(
    ("body", "status", "words"),
    [
        ({"input_data": {"columns": ["a", "b", "x"], "data": [[1.0, 2.0, 3.0]]}}, 400, "'c'"),
        ({"input_data": {"columns": ["a", "b"], "data": [[1.0, 2.0]]}}, 400, "missing required column 'c'"),
        ({"input_data": {"columns": ["a", "b", "c"], "data": [[1.0, "high", 3.0]]}}, 400, "'b' expects type double"),
        ({"input_data": {"columns": ["a", "b", "c"], "data": []}}, 400, "empty"),
        ({"input_data": {"columns": ["a", "b", "c"], "data": [[1.0, None, 3.0]]}}, 400, "'b' is required"),
        ({"something": 1}, 400, "input_data"),
    ],
)
def test_bad_input_is_a_4xx_naming_the_problem(served, body, status: int, words: str) -> None:
    r = served["client"].post("/endpoints/churn/score", json=body)
    assert r.status_code == status and words in r.json()["error"]["message"], r.text
    assert served["client"].post("/endpoints/churn/score", json=_split(served["X"])).status_code == 200


def test_nan_not_json_and_huge_bodies(served) -> None:
    client = served["client"]
    nan = client.post("/endpoints/churn/score", content=b'{"input_data": {"columns": ["a","b","c"], '
                      b'"data": [[NaN, 1, 2]]}}', headers={"content-type": "application/json"})
    assert nan.status_code == 400 and "'a' is required" in nan.json()["error"]["message"]
    not_json = client.post("/endpoints/churn/score", content=b"a,b,c\n1,2,3", headers={"content-type": "text/csv"})
    assert not_json.status_code == 400 and "JSON" in not_json.json()["error"]["message"]
    huge = client.post("/endpoints/churn/score", content=b" " * (100 * 1024 * 1024),
                       headers={"content-type": "application/json"})
    assert huge.status_code == 413
    assert client.post("/endpoints/churn/score", json=_split(served["X"])).status_code == 200


def test_metrics_openapi_and_logs(served) -> None:
    client, ws = served["client"], served["ws"]
    client.post("/endpoints/churn/score", json=_split(served["X"]))
    m = ws.endpoints.metrics("churn")
    assert m["requests"] >= 1 and m["errors"] >= 1 and m["latency_ms"]["p50"] > 0
    text = httpx.get(f"{served['url']}/metrics").text
    assert 'modelyard_endpoint_requests_total{deployment="blue",endpoint="churn",status="200"}' in text
    assert "modelyard_endpoint_request_seconds_bucket" in text
    doc = httpx.get(f"{served['url']}/api/v1/endpoints/churn/openapi.json").json()
    assert doc["paths"]["/endpoints/churn/score"]["post"]["operationId"] == "score"
    assert [c["name"] for c in doc["x-modelyard-signature"]["columns"]] == ["a", "b", "c"]
    assert "worker-0.log" in ws.endpoints.get_logs("churn", "blue")


def test_request_logging_is_sampled_into_the_workspace(served) -> None:
    ws, client = served["ws"], served["client"]
    ws.endpoints.update_deployment("churn", "green", settings={"request_logging_rate": 1.0})
    ws.endpoints.wait_ready("churn", "green")
    served["app"].state.endpoint_supervisor.reconcile()
    r = client.post("/endpoints/churn/deployments/green/score", json=_split(served["X"], 2))
    assert r.status_code == 200
    deadline = time.monotonic() + 30
    while not ws.endpoints.requests("churn") and time.monotonic() < deadline:
        time.sleep(0.1)  # the supervisor writes logs in the background
    logged = ws.endpoints.requests("churn")
    assert logged and logged[0].deployment == "green" and '"input_data"' in logged[0].request


def test_a_killed_worker_is_restarted(served) -> None:
    client, app = served["client"], served["app"]
    supervisor = app.state.endpoint_supervisor
    runtime = supervisor._runtimes[("churn", "blue")]
    victim = runtime.workers[0]
    os.kill(victim.proc.pid, signal.SIGKILL)
    body = _split(served["X"], 1)
    failures = sum(client.post("/endpoints/churn/score", json=body).status_code != 200 for _ in range(50))
    assert failures == 0  # the other worker answers meanwhile
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        fresh = runtime.workers[0]
        if fresh is not victim and fresh.ready:
            break
        time.sleep(0.1)  # waiting for the restart, not timing it
    assert runtime.workers[0] is not victim and runtime.workers[0].ready
    assert runtime.workers[0].restarts == 1
    assert client.post("/endpoints/churn/score", json=body).status_code == 200


def test_mirror_traffic_copies_requests_without_answering_from_the_mirror(served) -> None:
    ws, client = served["ws"], served["client"]
    ws.endpoints.update("churn", traffic="blue=100 green=0", mirror_traffic="green=50")
    before = ws.endpoints.metrics("churn").get("mirrored", 0)
    body = _split(served["X"], 1)
    answered_by = {client.post("/endpoints/churn/score", json=body).headers["x-modelyard-deployment"]
                   for _ in range(80)}
    assert answered_by == {"blue"}
    deadline = time.monotonic() + 30
    mirrored = 0
    while time.monotonic() < deadline:
        mirrored = ws.endpoints.metrics("churn")["mirrored"] - before
        if mirrored >= 20:
            break
        time.sleep(0.1)  # mirrored copies finish in the background
    assert 20 <= mirrored <= 65
    ws.endpoints.update("churn", mirror_traffic={})



def test_a_new_deployment_takes_the_prestarted_worker(served) -> None:
    ws, client = served["ws"], served["client"]
    supervisor = served["app"].state.endpoint_supervisor
    warm_pid = supervisor._spare.pid
    ws.endpoints.create_deployment("churn", name="red", model="clf:1")
    ws.endpoints.wait_ready("churn", "red")
    assert supervisor._runtimes[("churn", "red")].workers[0].proc.pid == warm_pid
    assert supervisor._spare.pid not in (None, warm_pid)  # the next spare waits
    r = client.post("/endpoints/churn/score", json=_split(served["X"], 3), headers={"x-modelyard-deployment": "red"})
    assert r.status_code == 200 and r.json()["predictions"] == served["v1"].predict(served["X"].head(3)).tolist()
    assert "worker ready" in ws.endpoints.get_logs("churn", "red")
    ws.endpoints.delete_deployment("churn", "red")
