"""The one contract suite of EndpointStore, run against SQLite, PostgreSQL and REST."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from modelyard.endpoints.entities import AuthMode, DeploymentState, RequestLog
from modelyard.endpoints.store import EndpointStore
from modelyard.errors import AlreadyExists, InvalidArgument, InvalidState, NotFound


def test_endpoint_lifecycle_and_keys(endpoint_store: EndpointStore) -> None:
    ep = endpoint_store.create_endpoint("churn", description="d", tags={"t": "1"})
    assert ep.auth_mode == AuthMode.KEY and len(ep.keys) == 2 and ep.keys[0] != ep.keys[1]
    assert endpoint_store.get_endpoint("churn") == ep
    with pytest.raises(AlreadyExists):
        endpoint_store.create_endpoint("churn")
    again = endpoint_store.regenerate_key("churn", which="secondary")
    assert again.keys[0] == ep.keys[0] and again.keys[1] != ep.keys[1]
    open_ep = endpoint_store.create_endpoint("open", auth_mode="none")
    assert open_ep.keys == ()
    assert [e.name for e in endpoint_store.list_endpoints()] == ["churn", "open"]
    endpoint_store.delete_endpoint("open")
    with pytest.raises(NotFound):
        endpoint_store.get_endpoint("open")
    with pytest.raises(InvalidArgument):
        endpoint_store.create_endpoint("bad_name!")


def test_token_endpoints_issue_signed_expiring_tokens(endpoint_store: EndpointStore) -> None:
    from modelyard.endpoints.tokens import verify_token

    ep = endpoint_store.create_endpoint("tok", auth_mode="aml_token")
    assert ep.auth_mode == AuthMode.AML_TOKEN and len(ep.keys) == 2
    creds = endpoint_store.issue_token("tok", lifetime=120)
    assert creds["tokenType"] == "Bearer" and creds["expiryTimeUtc"].endswith("Z")
    token = creds["accessToken"]
    assert token not in ep.keys and not any(k in token for k in ep.keys)  # the secrets never travel
    assert verify_token(ep, token)
    assert not verify_token(ep, token, now=datetime.now(UTC).timestamp() + 121)  # expired
    assert not verify_token(endpoint_store.create_endpoint("other", auth_mode="aml_token"), token)
    head, payload, sig = token.split(".")
    assert not verify_token(ep, f"{head}.{payload}.{sig[:-2]}AA")  # altered signature
    again = endpoint_store.regenerate_key("tok", which="primary")  # revokes what it signed
    assert not verify_token(again, token) and verify_token(again, endpoint_store.issue_token("tok")["accessToken"])
    with pytest.raises(InvalidArgument):
        endpoint_store.issue_token("tok", lifetime=5)
    endpoint_store.create_endpoint("keyed")
    with pytest.raises(InvalidState):
        endpoint_store.issue_token("keyed")
    with pytest.raises(NotFound):
        endpoint_store.issue_token("missing")


def test_deployments_and_traffic_rules(endpoint_store: EndpointStore) -> None:
    endpoint_store.create_endpoint("churn")
    blue = endpoint_store.create_deployment("churn", "blue", model="models:/lr/1", settings={"max_batch_size": 8})
    assert blue.state == DeploymentState.CREATING and blue.settings["max_batch_size"] == 8
    assert endpoint_store.get_endpoint("churn").traffic == {"blue": 100}  # the first one takes all
    endpoint_store.create_deployment("churn", "green", model="models:/lr/2", instance_count=2)
    assert endpoint_store.get_endpoint("churn").traffic == {"blue": 100}
    ep = endpoint_store.update_endpoint("churn", traffic={"blue": 90, "green": 10})
    assert ep.traffic == {"blue": 90, "green": 10}
    with pytest.raises(InvalidArgument, match="100"):
        endpoint_store.update_endpoint("churn", traffic={"blue": 90, "green": 20})
    with pytest.raises(InvalidArgument, match="red"):
        endpoint_store.update_endpoint("churn", traffic={"red": 100})
    with pytest.raises(InvalidArgument, match="live traffic"):
        endpoint_store.update_endpoint("churn", mirror_traffic={"green": 10})
    endpoint_store.update_endpoint("churn", traffic={"blue": 100, "green": 0}, mirror_traffic={"green": 20})
    assert endpoint_store.get_endpoint("churn").mirror_traffic == {"green": 20}
    with pytest.raises(AlreadyExists):
        endpoint_store.create_deployment("churn", "blue", model="models:/lr/1")
    with pytest.raises(InvalidArgument):
        endpoint_store.create_deployment("churn", "x", model="models:/lr/1", settings={"nope": 1})
    with pytest.raises(InvalidArgument):
        endpoint_store.create_deployment("churn", "y", model="models:/lr/1", instance_count=0)
    with pytest.raises(NotFound):
        endpoint_store.create_deployment("nope", "z", model="models:/lr/1")
    ready = endpoint_store.update_deployment("churn", "green", state=DeploymentState.READY)
    assert ready.state == DeploymentState.READY
    assert [d.name for d in endpoint_store.list_deployments("churn")] == ["blue", "green"]


def test_delete_deployment_refused_while_it_takes_traffic(endpoint_store: EndpointStore) -> None:
    endpoint_store.create_endpoint("churn")
    endpoint_store.create_deployment("churn", "blue", model="m:1")
    endpoint_store.create_deployment("churn", "green", model="m:2")
    endpoint_store.update_endpoint("churn", traffic={"blue": 50, "green": 50})
    with pytest.raises(InvalidState, match="traffic"):
        endpoint_store.delete_deployment("churn", "blue")
    endpoint_store.update_endpoint("churn", traffic={"blue": 0, "green": 100})
    endpoint_store.delete_deployment("churn", "blue")
    assert endpoint_store.get_endpoint("churn").traffic == {"green": 100}
    endpoint_store.delete_endpoint("churn")
    with pytest.raises(NotFound):
        endpoint_store.list_deployments("churn")


def test_deployment_code_must_be_a_snapshot_with_its_script(endpoint_store: EndpointStore) -> None:
    endpoint_store.create_endpoint("churn")
    with pytest.raises(InvalidArgument, match="snapshot"):
        endpoint_store.create_deployment("churn", "a", model="m:1", code="/home/me/src", scoring_script="score.py")
    with pytest.raises(InvalidArgument, match="scoring_script"):
        endpoint_store.create_deployment("churn", "b", model="m:1", code="snapshot:" + "0" * 40)
    with pytest.raises(InvalidArgument, match="code"):
        endpoint_store.create_deployment("churn", "c", model="m:1", scoring_script="score.py")
    assert endpoint_store.list_deployments("churn") == []


def test_request_logs(endpoint_store: EndpointStore) -> None:
    endpoint_store.create_endpoint("churn")
    now = datetime.now(UTC)
    endpoint_store.log_requests([
        RequestLog(endpoint="churn", deployment="blue", status_code=200, latency_ms=1.5, created_at=now,
                   request='{"x": 1}', response='{"predictions": [1]}'),
        RequestLog(endpoint="churn", deployment="blue", status_code=400, latency_ms=0.5, created_at=now),
    ])
    logs = endpoint_store.list_requests("churn")
    assert [r.status_code for r in logs] == [400, 200] and logs[1].request == '{"x": 1}'
