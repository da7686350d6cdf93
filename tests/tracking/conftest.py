"""The ``tracking_store`` fixture: one contract suite, every TrackingStore implementation.

Each entry of ``STORE_FACTORIES`` builds a fresh, empty store for one test; adding a backend
(e.g. "rest", a SqlTrackingStore served through a live server) is one more entry, plus its
marks in ``STORE_MARKS``. A factory may return a context manager-less store: the fixture
closes it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from modelyard.tracking.sql import SqlTrackingStore
from modelyard.tracking.store import TrackingStore

StoreFactory = Callable[[pytest.FixtureRequest, Path], TrackingStore]


def _sqlite_store(request: pytest.FixtureRequest, tmp_path: Path) -> TrackingStore:
    folder = tmp_path / "workspace"
    folder.mkdir()
    return SqlTrackingStore(f"sqlite:///{folder / 'workspace.db'}")


def _postgres_store(request: pytest.FixtureRequest, tmp_path: Path) -> TrackingStore:
    return SqlTrackingStore(request.getfixturevalue("postgres_schema_url"))


def _rest_store(request: pytest.FixtureRequest, tmp_path: Path) -> TrackingStore:
    """A RestTrackingStore talking to a real server (loopback) on a fresh workspace folder."""
    from contextlib import ExitStack

    from modelyard.tracking.rest import RestTrackingStore
    from tests.support.server import live_server

    stack = ExitStack()
    request.addfinalizer(stack.close)  # runs after the fixture has closed the store
    server = stack.enter_context(live_server(tmp_path / "served-workspace"))
    return RestTrackingStore(server.url)


STORE_FACTORIES: dict[str, StoreFactory] = {
    "sqlite": _sqlite_store,
    "postgres": _postgres_store,
    "rest": _rest_store,
}
STORE_MARKS: dict[str, tuple[pytest.MarkDecorator, ...]] = {
    "postgres": (pytest.mark.postgres,),
}


@pytest.fixture(
    params=[pytest.param(name, marks=STORE_MARKS.get(name, ())) for name in STORE_FACTORIES]
)
def tracking_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[TrackingStore]:
    """A fresh, empty tracking store of each kind."""
    store = STORE_FACTORIES[request.param](request, tmp_path)
    try:
        yield store
    finally:
        store.close()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def sql_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A URL of a fresh, empty SQL database (no tables yet) of each kind, for schema-level tests."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'workspace.db'}"
    return request.getfixturevalue("postgres_empty_schema_url")
