"""Shared fixtures: real PostgreSQL for the tests that need it.

``postgres_url`` reads ``MODELYARD_TEST_POSTGRES_URL``. When it is unset (or the server does
not answer) the test is skipped, unless ``CI=true``: then it fails, so CI never passes
without having run the PostgreSQL tests.

``postgres_schema_url`` gives each test its own fresh, empty schema (unique per xdist worker
and test), selected through ``search_path`` in the URL, and drops it afterwards.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest

POSTGRES_ENV = "MODELYARD_TEST_POSTGRES_URL"


def _in_ci() -> bool:
    return os.environ.get("CI", "").lower() == "true"


def _psycopg_conninfo(url: str) -> str:
    """The libpq form of a SQLAlchemy URL (drops the ``+driver`` part)."""
    import sqlalchemy as sa

    parsed = sa.make_url(url).set(drivername="postgresql")
    return parsed.render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def postgres_url() -> str:
    """The test PostgreSQL URL (``postgresql+psycopg://...``), checked to answer."""
    url = os.environ.get(POSTGRES_ENV)
    if not url:
        if _in_ci():
            pytest.fail(f"CI=true but {POSTGRES_ENV} is not set: PostgreSQL tests cannot run")
        pytest.skip(f"{POSTGRES_ENV} is not set")
    import psycopg

    try:
        with psycopg.connect(_psycopg_conninfo(url), connect_timeout=10) as conn:
            conn.execute("SELECT 1")
    except psycopg.Error as e:
        if _in_ci():
            pytest.fail(f"PostgreSQL at {POSTGRES_ENV} is unreachable in CI: {e}")
        pytest.skip(f"PostgreSQL at {POSTGRES_ENV} is unreachable: {e}")
    return url


@pytest.fixture
def postgres_schema_url(postgres_url: str) -> Iterator[str]:
    """A URL whose connections see only a fresh schema of their own (dropped afterwards)."""
    import psycopg
    import sqlalchemy as sa

    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    schema = f"t_{worker}_{uuid.uuid4().hex[:16]}"
    conninfo = _psycopg_conninfo(postgres_url)
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    parsed = sa.make_url(postgres_url)
    if parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    url = parsed.update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with psycopg.connect(conninfo, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
