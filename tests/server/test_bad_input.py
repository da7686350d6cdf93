"""Bad input gets a clear 4xx, never a 500, and nothing lands outside the artifact root."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote

import pytest


def _files_under(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*")}


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/api/v1/runs/nope"),
        ("PATCH", "/api/v1/runs/nope"),
        ("DELETE", "/api/v1/runs/nope"),
        ("GET", "/api/v1/experiments/nope"),
        ("GET", "/api/v1/experiments/by-name/nope"),
        ("GET", "/api/v1/runs/nope/metrics/acc/history"),
        ("GET", "/api/v1/runs/nope/artifacts"),
        ("GET", "/api/v1/runs/nope/artifacts/a.txt"),
        ("POST", "/api/v1/runs/nope/restore"),
    ],
)
def test_unknown_ids_are_404(http, no_server_errors, method, path) -> None:
    kwargs = {"json": {}} if method in ("PATCH", "POST") else {}
    response = http.request(method, path, **kwargs)
    assert response.status_code == 404, response.text
    assert response.json()["error"]["code"] == "NOT_FOUND"


def test_malformed_json_is_400_saying_so(http, no_server_errors) -> None:
    response = http.post("/api/v1/experiments", content=b'{"name": ', headers={"content-type": "application/json"})
    assert response.status_code == 400
    assert "JSON" in response.json()["error"]["message"]


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/api/v1/experiments", {"name": 5}, "name"),
        ("/api/v1/experiments", {}, "name"),
        ("/api/v1/runs", {"experiment_id": "x", "status": "Sleeping"}, "status"),
        ("/api/v1/runs/search", {"max_results": "many"}, "max_results"),
        ("/api/v1/metrics/batches", {"batches": {"r": [{"key": "a", "value": "high", "timestamp": 1}]}}, "value"),
        ("/api/v1/experiments", {"name": "x", "surprise": 1}, "surprise"),
    ],
)
def test_wrong_types_are_400_naming_the_field(http, no_server_errors, path, body, field) -> None:
    response = http.post(path, json=body)
    assert response.status_code == 400, response.text
    assert field in response.json()["error"]["message"]


@pytest.mark.parametrize(
    "filter_",
    [
        "metrics.acc >",
        "metrics.acc >> 1",
        "params.model = 'rf' or 1=1",
        "1=1; DROP TABLE runs; --",
        "metrics.acc > 0.5) UNION SELECT * FROM runs --",
        "params.x = 'unterminated",
    ],
)
def test_bad_filters_are_400_and_harmless(http, run_id, no_server_errors, filter_) -> None:
    response = http.post("/api/v1/runs/search", json={"filter": filter_})
    assert response.status_code == 400, response.text
    assert response.json()["error"]["code"] in ("INVALID_FILTER", "INVALID_ARGUMENT")
    assert http.get(f"/api/v1/runs/{run_id}").status_code == 200


def test_out_of_range_paging_is_400(http, no_server_errors) -> None:
    assert http.get("/api/v1/experiments", params={"max_results": 0}).status_code == 400
    response = http.post("/api/v1/runs/search", json={"page_token": "garbage!"})
    assert response.status_code == 400


BAD_PATHS = [
    "%2E%2E/escape.txt",
    "a/%2E%2E/%2E%2E/%2E%2E/escape.txt",
    "%2Fetc%2Fescape.txt",
    "/tmp/escape.txt",
    "nul%00byte.txt",
    "back%5C..%5Cslash.txt",
    "C:/escape.txt",
    "x" * 5000,
]


@pytest.mark.parametrize("bad", BAD_PATHS, ids=lambda p: p[:30])
def test_unsafe_artifact_paths_are_400_and_write_nothing(http, server, workspace, run_id, no_server_errors, bad) -> None:
    root = workspace.parent
    before = _files_under(root)
    outside = _stat_or_none(Path("/tmp/escape.txt"))
    for url in (f"/api/v1/runs/{run_id}/artifacts/{bad}", f"/api/v1/artifacts/files/{bad}"):
        response = http.put(url, content=b"payload")
        assert 400 <= response.status_code < 500, (url, response.text)
        assert response.status_code != 404, response.text
        assert response.json()["error"]["message"]
        assert http.get(url).status_code in (400, 404)
    listing = http.get(f"/api/v1/runs/{run_id}/artifacts", params={"path": unquote(bad)})
    assert listing.status_code == 400, listing.text
    after = _files_under(root)
    assert {p for p in after - before if not p.startswith(("ws/workspace.db", "ws-server"))} == set()
    assert _stat_or_none(Path("/tmp/escape.txt")) == outside  # not created, not written


def _stat_or_none(path: Path) -> tuple[int, int] | None:
    """(size, mtime in ns) of a file, or None when there is none."""
    try:
        st = path.stat()
    except FileNotFoundError:
        return None
    return st.st_size, st.st_mtime_ns


def test_upload_over_the_limit_is_413_and_keeps_nothing(tmp_path) -> None:
    import httpx

    from modelyard.settings import Settings
    from tests.support.server import live_server

    settings = Settings()
    settings.artifacts.max_upload_bytes = 1000
    with live_server(tmp_path / "ws", settings=settings) as srv:
        too_big = httpx.put(f"{srv.url}/api/v1/artifacts/files/big.bin", content=b"x" * 5000)
        streamed = httpx.put(f"{srv.url}/api/v1/artifacts/files/big2.bin", content=iter([b"x" * 600] * 3))
        info = httpx.get(f"{srv.url}/api/v1/artifacts", params={"recursive": True}).json()
    assert too_big.status_code == 413 and streamed.status_code == 413
    assert info["files"] == []
