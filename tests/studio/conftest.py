"""Fixtures for the Studio tests: node and Chromium, required in CI, skipped elsewhere."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
UI = REPO / "ui"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")


def _need(what: str, ok: bool) -> None:
    if ok:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"{what} is required in CI")
    pytest.skip(f"{what} is missing")


@pytest.fixture(scope="session")
def node() -> str:
    path = shutil.which("node")
    _need("node", path is not None)
    _need("ui/node_modules (run `make ui`)", (UI / "node_modules").is_dir())
    return path  # type: ignore[return-value]


@pytest.fixture(scope="session")
def npm() -> str:
    path = shutil.which("npm")
    _need("npm", path is not None)
    _need("ui/node_modules (run `make ui`)", (UI / "node_modules").is_dir())
    return path  # type: ignore[return-value]


@pytest.fixture(scope="session")
def chromium() -> str:
    _need(f"Chromium at {CHROMIUM} (apt-get install chromium)", Path(CHROMIUM).is_file())
    return CHROMIUM
