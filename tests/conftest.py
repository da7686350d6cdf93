"""Shared fixtures: real PostgreSQL for the tests that need it, and the CI no-skip guard.

``postgres_url`` reads ``MODELYARD_TEST_POSTGRES_URL``. When it is unset (or the server does
not answer) the test is skipped, unless ``CI=true``: then it fails, so CI never passes
without having run the PostgreSQL tests.

``postgres_schema_url`` gives each test a schema of its own holding no data, at the newest
migration. Migrating takes about a second, so it happens once per xdist worker and run: the
worker's schema (``t_<worker>_<run id>``, dropped at the end of the session) is migrated on
first use, and before each test every table but ``alembic_version`` is emptied and the
sequences restart at 1. A test that changed the schema itself (its tables, columns, indexes
or revision) is noticed, and the next test gets a freshly migrated schema.

``postgres_empty_schema_url`` gives a brand-new schema with no tables at all (for tests of
the migrations themselves); it is dropped afterwards.

The guard: with ``CI=true``, a test marked ``postgres``, ``s3``, ``ray`` or ``browser`` that
would skip fails instead, whatever made it skip.
"""

from __future__ import annotations

import logging
import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

POSTGRES_ENV = "MODELYARD_TEST_POSTGRES_URL"
#: marks of tests that need a service: in CI they must run, never skip
CI_REQUIRED_MARKS = ("postgres", "s3", "ray", "browser")
_LOCK_TIMEOUT = "15s"

logger = logging.getLogger(__name__)


def _in_ci() -> bool:
    return os.environ.get("CI", "").lower() == "true"


def pytest_configure(config: pytest.Config) -> None:
    """On-demand job agents started by tests exit 5 s after their last job (not 60 s). In CI,
    Hypothesis keeps its files in the temp folder, not in ``.hypothesis/`` of the checkout."""
    os.environ.setdefault("MODELYARD_JOBS__AGENT_IDLE_SECONDS", "5")
    if _in_ci():
        import tempfile

        where = os.path.join(tempfile.gettempdir(), "modelyard-tests-hypothesis")
        os.environ.setdefault("HYPOTHESIS_STORAGE_DIRECTORY", where)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    """In CI, turn the skip of a test that needs a service into a failure."""
    outcome = yield
    report = outcome.get_result()
    if not (_in_ci() and report.skipped and not hasattr(report, "wasxfail")):
        return
    marks = sorted({m.name for m in item.iter_markers()} & set(CI_REQUIRED_MARKS))
    if not marks:
        return
    reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
    report.outcome = "failed"
    report.longrepr = (
        f"CI=true: a test marked {', '.join(marks)} must run, but it skipped: {reason}"
    )


def _psycopg_conninfo(url: str) -> str:
    """The libpq form of a SQLAlchemy URL (drops the ``+driver`` part)."""
    import sqlalchemy as sa

    parsed = sa.make_url(url).set(drivername="postgresql")
    return parsed.render_as_string(hide_password=False)


def _schema_url(postgres_url: str, schema: str) -> str:
    """``postgres_url`` with its connections' ``search_path`` set to ``schema`` only."""
    import sqlalchemy as sa

    parsed = sa.make_url(postgres_url)
    if parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    url = parsed.update_query_dict({"options": f"-csearch_path={schema}"})
    return url.render_as_string(hide_password=False)


def _new_schema_name() -> str:
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    return f"t_{worker}_{uuid.uuid4().hex[:16]}"


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
def postgres_empty_schema_url(postgres_url: str) -> Iterator[str]:
    """A URL whose connections see only a brand-new schema with no tables (dropped afterwards)."""
    import psycopg

    schema = _new_schema_name()
    conninfo = _psycopg_conninfo(postgres_url)
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield _schema_url(postgres_url, schema)
    finally:
        _drop_schema(conninfo, schema)


def _drop_schema(conninfo: str, schema: str) -> None:
    import psycopg

    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(f"SET lock_timeout = '{_LOCK_TIMEOUT}'")
        try:
            conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        except psycopg.errors.LockNotAvailable:  # a connection leaked by a test holds a lock
            logger.warning("schema %s left behind: a connection still holds a lock on it", schema)


# The fingerprint of a schema: its revision and every column of its tables, indexes and
# sequences. Equal fingerprints: a test did not change the schema itself.
_FINGERPRINT_SQL = """
SELECT md5(coalesce(string_agg(
         c.relkind::text || ':' || c.relname || '.' || a.attname || ':' || format_type(a.atttypid, a.atttypmod)
         || ':' || a.attnotnull::text, ',' ORDER BY c.relname, a.attnum), ''))
       || ':' || coalesce((SELECT string_agg(version_num, ',') FROM {schema}.alembic_version), '')
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
WHERE n.nspname = %(schema)s AND c.relkind IN ('r', 'p', 'i', 'S', 'v')
"""

_FOREIGN_KEYS_SQL = """
SELECT child.relname, parent.relname
FROM pg_constraint co
JOIN pg_class child ON child.oid = co.conrelid
JOIN pg_class parent ON parent.oid = co.confrelid
JOIN pg_namespace n ON n.oid = child.relnamespace
WHERE co.contype = 'f' AND n.nspname = %(schema)s
"""


@dataclass
class _WorkerSchema:
    """The migrated schema one xdist worker reuses, emptied before each test."""

    postgres_url: str
    conninfo: str
    schema: str = ""
    fingerprint: str = ""
    delete_sql: str = ""
    dropped: list[str] = field(default_factory=list)

    def create(self) -> None:
        """A new schema, migrated to head; remember what it looks like and how to empty it."""
        import psycopg

        from modelyard.db.engine import create_engine_for
        from modelyard.db.migrate import upgrade

        self.schema = _new_schema_name()
        with psycopg.connect(self.conninfo, autocommit=True) as conn:
            conn.execute(f'CREATE SCHEMA "{self.schema}"')
        engine = create_engine_for(self.url)
        try:
            upgrade(engine)
        finally:
            engine.dispose()
        with psycopg.connect(self.conninfo, autocommit=True) as conn:
            self.fingerprint = self._fingerprint(conn)
            self.delete_sql = self._delete_sql(conn)

    @property
    def url(self) -> str:
        return _schema_url(self.postgres_url, self.schema)

    def _fingerprint(self, conn: Any) -> str:
        sql = _FINGERPRINT_SQL.replace("{schema}", f'"{self.schema}"')
        return conn.execute(sql, {"schema": self.schema}).fetchone()[0]

    def _delete_sql(self, conn: Any) -> str:
        """``DELETE`` of every table but ``alembic_version``, children before parents, then
        ``setval`` of every sequence back to 1. (Much faster than ``TRUNCATE`` here.)"""
        tables = {
            row[0]
            for row in conn.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = %(schema)s",
                {"schema": self.schema},
            )
        } - {"alembic_version"}
        edges = {(c, p) for c, p in conn.execute(_FOREIGN_KEYS_SQL, {"schema": self.schema}) if c != p}
        order: list[str] = []
        remaining = set(tables)
        while remaining:
            leaves = {t for t in remaining if not any(p == t and c in remaining for c, p in edges)}
            if not leaves:  # a cycle of foreign keys: TRUNCATE copes with it
                names = ", ".join(f'"{self.schema}"."{t}"' for t in sorted(tables))
                return f"TRUNCATE {names} RESTART IDENTITY CASCADE"
            order += sorted(leaves)
            remaining -= leaves
        statements = [f'DELETE FROM "{self.schema}"."{t}"' for t in order]
        sequences = conn.execute(
            "SELECT sequencename FROM pg_sequences WHERE schemaname = %(schema)s",
            {"schema": self.schema},
        ).fetchall()
        statements += [f"SELECT setval('\"{self.schema}\".\"{s}\"', 1, false)" for (s,) in sequences]
        return "; ".join(statements)

    def reset(self) -> None:
        """Empty the schema for the next test, or replace it if a test changed its shape."""
        import psycopg

        if not self.schema:
            self.create()
            return
        try:
            with psycopg.connect(self.conninfo, autocommit=True) as conn:
                conn.execute(f"SET lock_timeout = '{_LOCK_TIMEOUT}'")
                conn.execute("SET synchronous_commit = off")  # test data: no need to wait for disk
                if self._fingerprint(conn) == self.fingerprint:
                    with conn.transaction():
                        conn.execute(self.delete_sql)
                    return
        except psycopg.Error as e:  # e.g. a leaked connection holds a lock: start afresh
            logger.warning("cannot empty test schema %s (%s): using a new one", self.schema, e)
        self.dropped.append(self.schema)
        self.create()

    def drop_all(self) -> None:
        for schema in [*self.dropped, self.schema]:
            if schema:
                _drop_schema(self.conninfo, schema)


@pytest.fixture(scope="session")
def _postgres_worker_schema(postgres_url: str) -> Iterator[_WorkerSchema]:
    worker = _WorkerSchema(postgres_url=postgres_url, conninfo=_psycopg_conninfo(postgres_url))
    try:
        yield worker
    finally:
        worker.drop_all()


@pytest.fixture
def postgres_schema_url(_postgres_worker_schema: _WorkerSchema) -> str:
    """A URL whose connections see only a schema of their own: at the newest migration, no data.

    Stores opened on it find the schema at head (their ``upgrade`` is one query). Isolated
    from every other test and xdist worker.
    """
    _postgres_worker_schema.reset()
    return _postgres_worker_schema.url
