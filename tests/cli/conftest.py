"""Fixtures for CLI tests: a workspace location (embedded folder or live server URL) and a
runner that calls the real ``modelyard`` command in-process."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner

from modelyard.cli.main import app
from tests.support.server import live_server


@dataclass
class Result:
    exit_code: int
    stdout: str
    stderr: str


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("MODELYARD_RUN_ID", raising=False)
    monkeypatch.delenv("MODELYARD_WORKSPACE", raising=False)
    monkeypatch.delenv("MODELYARD_DEBUG", raising=False)
    monkeypatch.chdir(tmp_path)  # no .modelyard/ upward of here: nothing leaks into ~/.modelyard


@pytest.fixture
def cli() -> Iterator[callable]:
    """``cli("run", "list", "-o", "json")`` -> Result(exit_code, stdout, stderr)."""
    runner = CliRunner()

    def invoke(*args: str) -> Result:
        res = runner.invoke(app, list(args))
        return Result(res.exit_code, res.stdout, res.stderr)

    yield invoke


@pytest.fixture(params=["embedded", "server"])
def location(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "embedded":
        yield str(tmp_path / "ws")
    else:
        with live_server(tmp_path / "server-ws") as server:
            yield server.url
