"""Artifacts over HTTP: run-scoped routes, the REST artifact store, streaming both ways."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from modelyard.artifacts.rest import RestArtifactStore
from modelyard.errors import InvalidArgument, NotFound, PayloadTooLarge


def test_upload_list_and_download_a_run_artifact(http, run_id, workspace) -> None:
    put = http.put(f"/api/v1/runs/{run_id}/artifacts/plots/loss.csv", content=b"step,loss\n1,0.5\n")
    assert put.status_code == 200 and put.json()["size"] == 16
    http.put(f"/api/v1/runs/{run_id}/artifacts/model/weights.bin", content=b"\x00\x01")
    top = http.get(f"/api/v1/runs/{run_id}/artifacts").json()["files"]
    assert {(f["path"], f["is_dir"]) for f in top} == {("plots", True), ("model", True)}
    inner = http.get(f"/api/v1/runs/{run_id}/artifacts", params={"path": "plots"}).json()["files"]
    assert inner == [{"path": "loss.csv", "is_dir": False, "size": 16}]
    got = http.get(f"/api/v1/runs/{run_id}/artifacts/plots/loss.csv")
    assert got.content == b"step,loss\n1,0.5\n"
    assert got.headers["content-type"].startswith("text/csv")
    assert http.get(f"/api/v1/runs/{run_id}/artifacts/model/weights.bin").headers["content-type"] == "application/octet-stream"
    # the file is in the workspace folder, under the run's artifact location
    assert (workspace / "artifacts" / "runs" / run_id / "plots" / "loss.csv").read_bytes().startswith(b"step")


def test_downloading_a_folder_or_a_missing_file_is_a_clear_4xx(http, run_id) -> None:
    http.put(f"/api/v1/runs/{run_id}/artifacts/dir/a.txt", content=b"a")
    folder = http.get(f"/api/v1/runs/{run_id}/artifacts/dir")
    assert folder.status_code == 400 and "folder" in folder.json()["error"]["message"]
    assert http.get(f"/api/v1/runs/{run_id}/artifacts/dir/b.txt").status_code == 404


def test_rest_artifact_store_implements_the_interface(server, tmp_path) -> None:
    store = RestArtifactStore(server.url)
    try:
        assert store.write("runs/x/a b/é?#.txt", [b"hello ", b"world"]) == 11
        assert store.info("runs/x/a b/é?#.txt").size == 11
        assert store.info("runs/x/missing") is None
        with store.open("runs/x/a b/é?#.txt") as fh:
            assert fh.read() == b"hello world"
        assert [e.path for e in store.list("runs/x", recursive=True)] == ["a b", "a b/é?#.txt"]
        with pytest.raises(NotFound):
            store.open("runs/x/missing")
        with pytest.raises(InvalidArgument, match=r"\.\."):
            store.write("../escape", [b"x"])
        with pytest.raises(PayloadTooLarge):
            store.write("runs/x/big", [b"x" * 10] * 5, max_bytes=20)
        assert store.info("runs/x/big") is None
        src = tmp_path / "src"
        (src / "sub").mkdir(parents=True)
        (src / "sub" / "f.txt").write_text("f")
        store.write_folder("runs/y", src)
        target = store.download("runs/y", tmp_path / "out")
        assert (target / "sub" / "f.txt").read_text() == "f"
        assert store.delete("runs/x") == 11
        assert store.list("runs/x") == []
    finally:
        store.close()


def _generated(total: int, chunk: int = 1024 * 1024):
    """Deterministic pseudo-random bytes generated on the fly (never held whole)."""
    block = hashlib.sha256(b"seed").digest() * (chunk // 32)
    sent = 0
    while sent < total:
        n = min(chunk, total - sent)
        yield block[:n]
        sent += n


def _peak_rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise AssertionError("no VmHWM")


@pytest.mark.slow
def test_a_200_mb_artifact_streams_in_and_out_with_bounded_server_memory(tmp_path) -> None:
    import httpx

    from tests.support.server import server_process

    total = 200 * 1024 * 1024
    expected = hashlib.sha256()
    for chunk in _generated(total):
        expected.update(chunk)
    with server_process(tmp_path / "ws") as srv, httpx.Client(base_url=srv.url, timeout=120) as http:
        exp = http.post("/api/v1/experiments", json={"name": "big"}).json()
        run = http.post("/api/v1/runs", json={"experiment_id": exp["id"]}).json()
        baseline = _peak_rss_kib(srv.proc.pid)
        put = http.put(f"/api/v1/runs/{run['id']}/artifacts/big.bin", content=_generated(total))
        assert put.status_code == 200 and put.json()["size"] == total
        got = hashlib.sha256()
        size = 0
        with http.stream("GET", f"/api/v1/runs/{run['id']}/artifacts/big.bin") as response:
            assert response.headers["content-length"] == str(total)
            for chunk in response.iter_bytes():
                got.update(chunk)
                size += len(chunk)
        grown_mib = (_peak_rss_kib(srv.proc.pid) - baseline) / 1024
    assert size == total and got.hexdigest() == expected.hexdigest()
    assert grown_mib < 64, f"server peak memory grew by {grown_mib:.0f} MiB for a 200 MiB artifact"
