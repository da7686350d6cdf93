"""Fixtures for the artifact stores: a loopback S3 server (moto) and per-test buckets.

The S3 server is moto's server mode in a subprocess on 127.0.0.1 and a free port, started
once per session. When it cannot start, S3 tests skip on a developer's machine and FAIL in CI
(``CI=true``), so a broken S3 setup never passes silently.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .stores import ARTIFACT_STORE_FACTORIES, StoreHarness

_FAKE_AWS_ENV = {
    "AWS_ACCESS_KEY_ID": "modelyard-test",
    "AWS_SECRET_ACCESS_KEY": "modelyard-test",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_CONFIG_FILE": os.devnull,
    "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
    "NO_PROXY": "127.0.0.1,localhost",
    "no_proxy": "127.0.0.1,localhost",
}


def _unavailable(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"the loopback S3 server is required in CI: {reason}")
    pytest.skip(f"loopback S3 server unavailable: {reason}")


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_until_up(proc: subprocess.Popen, url: str, deadline_s: float) -> str | None:
    """Poll the server until it answers; return None when up, else why not."""
    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return f"moto.server exited with code {proc.returncode}"
        try:
            with urllib.request.urlopen(url, timeout=2):
                return None
        except urllib.error.HTTPError:
            return None  # it answered, even if with an error status
        except OSError:
            time.sleep(0.1)  # polling a starting process, not timing a test
    return f"no answer from {url} within {deadline_s:.0f} s"


@pytest.fixture(scope="session")
def s3_endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The URL of a moto S3 server on loopback, with fake credentials in the environment."""
    try:
        import moto.server  # noqa: F401
        import s3fs  # noqa: F401
    except ImportError as e:
        _unavailable(f"{e.name} is not installed (pip install -e '.[dev,s3]')")
    port = _free_port()
    log = tmp_path_factory.mktemp("moto") / "moto.log"
    with open(log, "wb") as log_fh:
        proc = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
            stdout=log_fh,
            stderr=subprocess.STDOUT,
            env={**os.environ, **_FAKE_AWS_ENV},
        )
    url = f"http://127.0.0.1:{port}"
    try:
        why = _wait_until_up(proc, url + "/", deadline_s=60)
        if why is not None:
            tail = Path(log).read_text(errors="replace")[-2000:]
            _unavailable(f"{why}\n{tail}")
        with pytest.MonkeyPatch.context() as mp:
            for name, value in _FAKE_AWS_ENV.items():
                mp.setenv(name, value)
            mp.delenv("AWS_PROFILE", raising=False)
            mp.delenv("AWS_SESSION_TOKEN", raising=False)
            mp.delenv("AWS_ENDPOINT_URL", raising=False)
            yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


@pytest.fixture(scope="session")
def s3_fs(s3_endpoint: str) -> Any:
    """An s3fs filesystem on the loopback server, for setting up and inspecting buckets."""
    import s3fs

    return s3fs.S3FileSystem(
        endpoint_url=s3_endpoint, skip_instance_cache=True, use_listings_cache=False
    )


@pytest.fixture
def s3_bucket(s3_fs: Any) -> Iterator[str]:
    """A fresh, empty bucket; emptied and removed after the test."""
    name = f"modelyard-{uuid.uuid4().hex[:12]}"
    s3_fs.mkdir(name)
    yield name
    s3_fs.rm(name, recursive=True)  # every object, folder markers included, then the bucket


@pytest.fixture(
    params=[pytest.param(name, marks=f.marks) for name, f in ARTIFACT_STORE_FACTORIES.items()]
)
def artifact_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[StoreHarness]:
    """An artifact store of each kind, wrapped with what the contract suite needs to check it."""
    with ARTIFACT_STORE_FACTORIES[request.param].make(request, tmp_path) as harness:
        yield harness


@pytest.fixture(
    params=[
        pytest.param(name, marks=f.marks)
        for name, f in ARTIFACT_STORE_FACTORIES.items()
        if f.local_root
    ]
)
def local_root_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[StoreHarness]:
    """The stores whose root is a local folder a test can plant symlinks in."""
    with ARTIFACT_STORE_FACTORIES[request.param].make(request, tmp_path) as harness:
        assert harness.root_dir is not None
        yield harness
