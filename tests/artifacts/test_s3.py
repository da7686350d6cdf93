"""What only the S3 store does: its root URI, endpoint from the environment, foreign objects,
missing buckets and unreachable endpoints. The shared behaviour is in the contract suite."""

from __future__ import annotations

import socket
from typing import Any

import pytest

from modelyard.errors import BackendUnavailable, InvalidArgument, NotFound

pytestmark = pytest.mark.s3

_FAST_FAIL = {"config_kwargs": {"retries": {"max_attempts": 1}, "connect_timeout": 2}}


def _store(uri: str, **kwargs):
    from modelyard.artifacts.s3 import S3ArtifactStore

    return S3ArtifactStore(uri, **kwargs)


@pytest.mark.parametrize(
    "uri", ["bucket/prefix", "s3://", "s3:///prefix", "s3://b/../x", "s3://b/a\\b", "", "/tmp/x"]
)
def test_malformed_root_uris_are_refused(uri: str) -> None:
    with pytest.raises(InvalidArgument):
        _store(uri, endpoint_url="http://127.0.0.1:9")


def test_part_size_below_the_s3_minimum_is_refused() -> None:
    with pytest.raises(InvalidArgument, match="part_size"):
        _store("s3://b/p", endpoint_url="http://127.0.0.1:9", part_size=1024)


def test_endpoint_comes_from_aws_endpoint_url(
    s3_endpoint: str, s3_bucket: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", s3_endpoint)
    store = _store(f"s3://{s3_bucket}/env")
    assert store.write("hello.txt", [b"hi"]) == 2
    explicit = _store(f"s3://{s3_bucket}", endpoint_url=s3_endpoint)
    assert b"".join(explicit.iter_chunks("env/hello.txt")) == b"hi"


def test_store_at_bucket_root(s3_endpoint: str, s3_bucket: str) -> None:
    store = _store(f"s3://{s3_bucket}", endpoint_url=s3_endpoint)
    store.write("a/b.txt", [b"b"])
    assert [e.path for e in store.list("", recursive=True)] == ["a", "a/b.txt"]
    assert store.delete("a") == 1
    assert store.list("") == []


def test_objects_with_unsafe_names_are_not_listed(
    s3_endpoint: str, s3_fs: Any, s3_bucket: str
) -> None:
    fs = s3_fs
    fs.pipe(f"{s3_bucket}/root/ok.txt", b"ok")
    fs.pipe(f"{s3_bucket}/root/bad\\name.txt", b"x")  # written by another tool
    fs.pipe(f"{s3_bucket}/root/marker/", b"")  # a "folder marker" some consoles create
    store = _store(f"s3://{s3_bucket}/root", endpoint_url=s3_endpoint)
    assert [e.path for e in store.list("", recursive=True)] == ["ok.txt"]


def test_missing_bucket_is_a_clear_error(s3_endpoint: str) -> None:
    store = _store("s3://no-such-bucket-modelyard/p", endpoint_url=s3_endpoint)
    with pytest.raises(NotFound, match="no-such-bucket-modelyard"):
        store.write("x.txt", [b"x"])
    with pytest.raises(NotFound):
        store.open("x.txt")


def test_unreachable_endpoint_is_backend_unavailable(s3_endpoint: str) -> None:
    with socket.socket() as sock:  # a loopback port that nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    store = _store(
        "s3://bucket/p", endpoint_url=f"http://127.0.0.1:{port}", storage_options=_FAST_FAIL
    )
    with pytest.raises(BackendUnavailable):
        store.write("x.txt", [b"x"])
    with pytest.raises(BackendUnavailable):
        store.list("")


def test_a_reader_keeps_the_version_it_opened(s3_endpoint: str, s3_bucket: str) -> None:
    store = _store(f"s3://{s3_bucket}/r", endpoint_url=s3_endpoint)
    old = b"a" * (6 * 1024 * 1024)
    store.write("f.bin", [old])
    with store.open("f.bin") as fh:
        head = fh.read(1024 * 1024)
        store.write("f.bin", [b"b" * len(old)])
        assert head + fh.read() == old
    assert b"".join(store.iter_chunks("f.bin")) == b"b" * len(old)
