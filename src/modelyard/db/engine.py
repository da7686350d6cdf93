"""Engines for the two databases Modelyard stores its state in.

* **SQLite** (the embedded workspace): WAL journal, a 30 s busy timeout, ``synchronous=NORMAL``,
  foreign keys on and case-sensitive ``LIKE`` (as on PostgreSQL). pysqlite's own transaction
  handling is switched off and SQLAlchemy's ``begin`` event emits ``BEGIN`` itself, so a write
  transaction can start with ``BEGIN IMMEDIATE``: concurrent writers from many processes then
  queue on the busy timeout instead of failing with "database is locked" halfway through.
* **PostgreSQL** (a server) through psycopg 3, with ``pool_pre_ping``.

Stores open write transactions with :func:`write_transaction` and read ones with
:func:`read_connection`; both work on either database.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from modelyard.errors import BackendUnavailable, InvalidArgument

if TYPE_CHECKING:
    import sqlalchemy as sa

__all__ = [
    "SQLITE_BUSY_TIMEOUT_S",
    "WRITE_OPTION",
    "create_engine_for",
    "is_sqlite",
    "read_connection",
    "write_transaction",
]

logger = logging.getLogger(__name__)

#: execution option that makes a SQLite transaction start with BEGIN IMMEDIATE
WRITE_OPTION = "modelyard_write"
SQLITE_BUSY_TIMEOUT_S = 30.0


def _normalize_url(url: str) -> sa.URL:
    import sqlalchemy as sa

    try:
        parsed = sa.make_url(url)
    except sa.exc.ArgumentError as e:
        raise InvalidArgument(f"not a database URL: {url!r}") from e
    backend = parsed.get_backend_name()
    if backend == "postgresql" and parsed.get_driver_name() in ("", "psycopg2", "psycopg"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    elif backend not in ("sqlite", "postgresql"):
        raise InvalidArgument(f"unsupported database {backend!r}: use sqlite:/// or postgresql://")
    return parsed


def create_engine_for(url: str) -> sa.Engine:
    """Create an engine for a SQLite or PostgreSQL URL, configured for Modelyard.

    ``postgresql://`` URLs use psycopg 3. Nothing is connected yet.

    Raises:
        InvalidArgument: the URL is malformed or names another database.

    Example::

        engine = create_engine_for("sqlite:////tmp/ws/workspace.db")
    """
    import sqlalchemy as sa

    parsed = _normalize_url(url)
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(parsed)
    return sa.create_engine(parsed, pool_pre_ping=True)


def _sqlite_engine(url: sa.URL) -> sa.Engine:
    import sqlalchemy as sa
    from sqlalchemy import event, pool

    memory = url.database in (None, "", ":memory:")
    kwargs: dict[str, Any] = {
        "connect_args": {"timeout": SQLITE_BUSY_TIMEOUT_S, "check_same_thread": False}
    }
    if memory:
        kwargs["poolclass"] = pool.StaticPool
    engine = sa.create_engine(url, **kwargs)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take BEGIN away from pysqlite: the "begin" hook below emits it.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout = {int(SQLITE_BUSY_TIMEOUT_S * 1000)}")
            if not memory:
                (mode,) = cursor.execute("PRAGMA journal_mode").fetchone()
                if str(mode).lower() != "wal":
                    cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA synchronous = NORMAL")
            cursor.execute("PRAGMA foreign_keys = ON")
            cursor.execute("PRAGMA case_sensitive_like = ON")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: sa.Connection) -> None:
        if conn.get_execution_options().get(WRITE_OPTION):
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            conn.exec_driver_sql("BEGIN")

    return engine


def is_sqlite(engine: sa.Engine | sa.Connection) -> bool:
    """True for a SQLite engine or connection."""
    return engine.dialect.name == "sqlite"


@contextmanager
def write_transaction(engine: sa.Engine) -> Iterator[sa.Connection]:
    """A connection inside a write transaction, committed on success.

    On SQLite the transaction starts with ``BEGIN IMMEDIATE``, so it holds the write lock
    from its first statement and concurrent writers wait for it (up to the busy timeout).
    """
    with engine.connect() as conn:
        conn.execution_options(**{WRITE_OPTION: True})
        with conn.begin():
            yield conn


@contextmanager
def read_connection(engine: sa.Engine) -> Iterator[sa.Connection]:
    """A connection inside a read transaction (a consistent snapshot on both databases)."""
    with engine.connect() as conn, conn.begin():
        yield conn


def describe_backend_error(exc: BaseException) -> str:
    """One line about a driver error, without the SQL statement it came from."""
    orig = getattr(exc, "orig", None)
    text = str(orig if orig is not None else exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def backend_unavailable(exc: BaseException) -> BackendUnavailable:
    """Wrap a connection-level driver error (the caller raises it ``from exc``)."""
    return BackendUnavailable(f"database unavailable: {describe_backend_error(exc)}")


def open_migrated_engine(url: str) -> sa.Engine:
    """An engine whose database has been brought to the newest schema (see ``migrate``).

    The engine is disposed again if migrating fails.
    """
    from modelyard.db.migrate import upgrade

    engine = create_engine_for(url)
    try:
        upgrade(engine)
    except BaseException:
        engine.dispose()
        raise
    return engine


@contextmanager
def guarded_write(engine: sa.Engine) -> Iterator[sa.Connection]:
    """:func:`write_transaction`, with connection-level driver errors as BackendUnavailable."""
    import sqlalchemy as sa

    try:
        with write_transaction(engine) as conn:
            yield conn
    except (sa.exc.OperationalError, sa.exc.InterfaceError) as e:
        raise backend_unavailable(e) from e


@contextmanager
def guarded_read(engine: sa.Engine) -> Iterator[sa.Connection]:
    """:func:`read_connection`, with connection-level driver errors as BackendUnavailable."""
    import sqlalchemy as sa

    try:
        with read_connection(engine) as conn:
            yield conn
    except (sa.exc.OperationalError, sa.exc.InterfaceError) as e:
        raise backend_unavailable(e) from e
