"""DNS-rebinding and CSRF guards, and the refusal to expose an unauthenticated server."""

from __future__ import annotations

import pytest

from modelyard.errors import InvalidArgument
from modelyard.server.run import InsecureBindWarning, check_bind
from modelyard.settings import Settings
from tests.support.server import live_server


@pytest.mark.parametrize("host", ["evil.example", "evil.example:8200", "127.0.0.1.evil.example", "10.0.0.5"])
def test_foreign_host_headers_are_refused(http, host) -> None:
    response = http.get("/api/v1/experiments", headers={"host": host})
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "PERMISSION_DENIED"
    assert "Host" in response.json()["error"]["message"]


@pytest.mark.parametrize("host", ["localhost", "127.0.0.1", "[::1]", "LOCALHOST:8200"])
def test_loopback_host_headers_are_served(http, host) -> None:
    assert http.get("/api/v1/experiments", headers={"host": host}).status_code == 200


def test_configured_allowed_hosts_are_served(tmp_path) -> None:
    import httpx

    settings = Settings()
    settings.server.allowed_hosts = ["models.internal"]
    with live_server(tmp_path / "ws", settings=settings) as srv:
        ok = httpx.get(f"{srv.url}/healthz", headers={"host": "models.internal:8200"})
        refused = httpx.get(f"{srv.url}/healthz", headers={"host": "other.internal"})
    assert (ok.status_code, refused.status_code) == (200, 403)


def test_cross_origin_writes_are_refused_and_write_nothing(http, server) -> None:
    evil = {"origin": "http://evil.example"}
    response = http.post("/api/v1/experiments", json={"name": "csrf"}, headers=evil)
    assert response.status_code == 403
    assert "CSRF" in response.json()["error"]["message"]
    cross_site = {"sec-fetch-site": "cross-site"}
    assert http.post("/api/v1/experiments", json={"name": "csrf"}, headers=cross_site).status_code == 403
    assert http.post("/api/v1/experiments", json={"name": "csrf"}, headers={"origin": "null"}).status_code == 403
    names = [e["name"] for e in http.get("/api/v1/experiments").json()["experiments"]]
    assert "csrf" not in names


def test_same_origin_and_originless_writes_pass(http, server) -> None:
    same = {"origin": server.url, "sec-fetch-site": "same-origin"}
    assert http.post("/api/v1/experiments", json={"name": "a"}, headers=same).status_code == 201
    assert http.post("/api/v1/experiments", json={"name": "b"}).status_code == 201  # SDK, curl


def test_cross_origin_reads_are_not_blocked(http) -> None:
    # the browser's same-origin policy keeps a foreign page from reading the answer
    assert http.get("/api/v1/experiments", headers={"origin": "http://evil.example"}).status_code == 200


def test_non_loopback_bind_without_auth_needs_allow_insecure() -> None:
    settings = Settings()
    settings.server.host = "0.0.0.0"
    with pytest.raises(InvalidArgument, match="allow-insecure"):
        check_bind(settings)
    settings.server.allow_insecure = True
    with pytest.warns(InsecureBindWarning, match="no authentication"):
        check_bind(settings)


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "::1", "127.0.0.2"])
def test_loopback_binds_need_nothing(host) -> None:
    settings = Settings()
    settings.server.host = host
    check_bind(settings)


def test_a_wildcard_bind_accepts_ip_literals_and_this_machines_name_but_not_other_names() -> None:
    import socket

    from modelyard.server.security import SecurityMiddleware

    guard = SecurityMiddleware(None, bound_host="0.0.0.0")
    assert guard._check_host("192.168.1.20:8200") is None
    assert guard._check_host(f"{socket.gethostname()}:8200") is None
    assert guard._check_host("evil.example") is not None
