"""Errors keep their shape and their class across the wire."""

from __future__ import annotations

import pytest
from fastapi.routing import APIRoute

import modelyard.data.errors  # noqa: F401 - its DataChanged must make the round trip too
from modelyard import errors
from modelyard._http import HttpClient
from modelyard.server.app import create_app
from modelyard.settings import Settings
from tests.support.server import live_server


def _all_error_classes() -> list[type[errors.ModelyardError]]:
    out, todo = [], [errors.ModelyardError]
    while todo:
        cls = todo.pop()
        out.append(cls)
        todo.extend(cls.__subclasses__())
    return out


@pytest.fixture
def raising_server(tmp_path):
    """A real server with one extra route that raises the error class named by its code."""
    settings = Settings(workspace=str(tmp_path / "ws"))
    app = create_app(settings)

    def raise_error(code: str):
        cls = errors.error_class_for_code(code)
        raise cls(f"raised {cls.__name__}", details={"position": 7})

    app.router.routes.insert(0, APIRoute("/test/raise/{code}", raise_error, methods=["GET"]))
    with live_server(tmp_path / "ws", settings=settings, app=app) as srv:
        yield srv


@pytest.mark.parametrize("cls", _all_error_classes(), ids=lambda c: c.__name__)
def test_every_error_class_survives_the_round_trip(raising_server, cls) -> None:
    client = HttpClient(raising_server.url)
    try:
        with pytest.raises(errors.ModelyardError) as caught:
            client.request("GET", f"/test/raise/{cls.code}")
    finally:
        client.close()
    assert type(caught.value) is cls
    assert caught.value.message == f"raised {cls.__name__}"
    assert caught.value.details == {"position": 7}


def test_error_body_shape_and_status(http, no_server_errors) -> None:
    response = http.get("/api/v1/runs/does-not-exist")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert set(body) == {"error"} and body["error"]["code"] == "NOT_FOUND"
    assert "does-not-exist" in body["error"]["message"]


def test_unknown_route_is_a_json_404(http, no_server_errors) -> None:
    for method in ("GET", "POST", "DELETE"):
        response = http.request(method, "/api/v1/no/such/route")
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "NOT_FOUND"


def test_unexpected_failures_are_a_generic_500_with_the_traceback_logged(tmp_path, caplog) -> None:
    settings = Settings(workspace=str(tmp_path / "ws"))
    app = create_app(settings)

    def boom():
        raise RuntimeError("secret internal detail")

    app.router.routes.insert(0, APIRoute("/test/boom", boom, methods=["GET"]))
    import httpx

    with live_server(tmp_path / "ws", settings=settings, app=app) as srv:
        response = httpx.get(f"{srv.url}/test/boom")
    assert response.status_code == 500
    assert response.json()["error"]["code"] == "INTERNAL"
    assert "secret" not in response.text
    logged = [r for r in caplog.records if r.name == "modelyard.server.errors"]
    assert logged and logged[0].exc_info and "secret internal detail" in str(logged[0].exc_info[1])


def test_connection_failures_become_backend_unavailable() -> None:
    from tests.support.server import listening_socket

    sock = listening_socket()
    port = sock.getsockname()[1]
    sock.close()  # nothing listens on this port any more
    client = HttpClient(f"http://127.0.0.1:{port}", timeout=5)
    with pytest.raises(errors.BackendUnavailable, match="cannot reach"):
        client.request("GET", "/healthz")
