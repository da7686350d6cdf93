"""The app's operational surface: health, OpenAPI, Prometheus, the home page, the Studio."""

from __future__ import annotations

import httpx

from modelyard.server.app import create_app
from modelyard.settings import Settings
from tests.support.server import live_server


def test_healthz_and_workspace(http) -> None:
    assert http.get("/healthz").json() == {"status": "ok"}
    info = http.get("/api/v1/workspace").json()
    assert info["version"] and info["store"] == "SqlTrackingStore" and info["counts"]["experiments"] == 0


def test_openapi_has_stable_unique_operation_ids(http) -> None:
    doc = http.get("/api/v1/openapi.json").json()
    ops = {op["operationId"] for path in doc["paths"].values() for op in path.values()}
    assert {"experiments_create", "experiments_list", "runs_search", "runs_get", "runs_log_batch",
            "metrics_log_batches", "runs_metric_history", "artifacts_upload_run",
            "artifacts_download_run", "workspace_get"} <= ops
    assert all(p.startswith("/api/v1/") for p in doc["paths"])
    assert http.get("/api/v1/docs").status_code == 200


def test_prometheus_counts_requests_by_route_template(http, run_id) -> None:
    for _ in range(3):
        http.get(f"/api/v1/runs/{run_id}")
    http.get("/api/v1/runs/unknown-id")
    text = http.get("/metrics").text
    assert 'modelyard_http_requests_total{method="GET",route="/api/v1/runs/{run_id}",status="200"} 3.0' in text
    assert 'route="/api/v1/runs/{run_id}",status="404"} 1.0' in text
    assert "modelyard_http_request_duration_seconds_bucket" in text
    assert "modelyard_experiments 1.0" in text
    assert run_id not in text


def test_home_page_says_what_is_running_until_the_studio_is_built(tmp_path) -> None:
    settings = Settings(workspace=str(tmp_path / "ws"))
    app = create_app(settings, static_dir=tmp_path / "no-ui")
    with live_server(tmp_path / "ws", settings=settings, app=app) as srv:
        page = httpx.get(srv.url + "/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "Modelyard is running" in page.text and "/api/v1/docs" in page.text and "make ui" in page.text


def test_studio_is_served_with_client_side_routes_falling_back_to_index(tmp_path) -> None:
    ui = tmp_path / "ui"
    (ui / "assets").mkdir(parents=True)
    (ui / "index.html").write_text("<html>studio</html>")
    (ui / "assets" / "app.js").write_text("console.log(1)")
    settings = Settings(workspace=str(tmp_path / "ws"))
    app = create_app(settings, static_dir=ui)
    with live_server(tmp_path / "ws", settings=settings, app=app) as srv, httpx.Client(base_url=srv.url) as http:
        assert http.get("/").text == "<html>studio</html>"
        assert http.get("/experiments/123/runs").text == "<html>studio</html>"
        js = http.get("/assets/app.js")
        assert js.text == "console.log(1)" and "javascript" in js.headers["content-type"]
        assert http.get("/api/v1/nope").json()["error"]["code"] == "NOT_FOUND"
        assert http.get("/assets/../../ws/workspace.db").text == "<html>studio</html>"
        assert http.get("/healthz").json() == {"status": "ok"}


def test_metric_history_downsamples_server_side(http, rest_store, run_id) -> None:
    from modelyard.tracking.entities import Metric

    points = [Metric("loss", float(i % 100), i, 1000 + i) for i in range(5000)]
    points[1234] = Metric("loss", 1e6, 1234, 2234)  # a spike that must survive
    rest_store.log_batch(run_id, metrics=points)
    full = http.get(f"/api/v1/runs/{run_id}/metrics/loss/history").json()
    assert len(full["steps"]) == 5000 and full["downsampled"] is False
    small = http.get(f"/api/v1/runs/{run_id}/metrics/loss/history", params={"max_points": 500}).json()
    assert len(small["steps"]) <= 500 and small["total"] == 5000 and small["downsampled"] is True
    assert 1e6 in small["values"] and small["steps"][0] == 0 and small["steps"][-1] == 4999
