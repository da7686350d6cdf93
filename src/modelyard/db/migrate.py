"""Bring a database to the newest schema with the Alembic migrations shipped in the package.

No ``alembic.ini`` is needed: the Alembic ``Config`` is built in code and points at
``modelyard/db/migrations``, so this works from an installed wheel.

:func:`upgrade` is called by every store when it opens a database, so it is cheap when the
database is already at head (one query; Alembic is not even imported) and safe when many
processes open a brand-new workspace at the same moment: on SQLite the migration runs inside
a ``BEGIN IMMEDIATE`` transaction (the write lock), on PostgreSQL under a transaction-level
advisory lock. Each side checks the version again once it holds the lock.

Adding a migration: put a new file in ``migrations/versions/`` whose ``down_revision`` is the
current head (``head_revision()`` tells which). Every migration must run on both SQLite and
PostgreSQL.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import TYPE_CHECKING

from modelyard.db.engine import (
    backend_unavailable,
    describe_backend_error,
    is_sqlite,
    write_transaction,
)
from modelyard.errors import BackendUnavailable

if TYPE_CHECKING:
    import sqlalchemy as sa

__all__ = ["MIGRATIONS_DIR", "current_revision", "head_revision", "upgrade"]

logger = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
VERSION_TABLE = "alembic_version"
#: any constant shared by every Modelyard process: the key of the PostgreSQL advisory lock
_PG_LOCK_KEY = 0x6D6F64656C79  # "modely"

_REVISION_RE = re.compile(r"^revision\s*(?::\s*str\s*)?=\s*['\"]([^'\"]+)['\"]", re.MULTILINE)
_DOWN_RE = re.compile(r"^down_revision\s*(?::[^=]*)?=\s*(None|['\"]([^'\"]+)['\"])", re.MULTILINE)


def head_revision() -> str:
    """The newest revision in ``migrations/versions`` (read from the files, without Alembic).

    Raises:
        RuntimeError: the revisions do not form one chain (a packaging bug).
    """
    revisions: set[str] = set()
    downs: set[str] = set()
    for path in MIGRATIONS_DIR.joinpath("versions").glob("*.py"):
        text = path.read_text(encoding="utf-8")
        rev = _REVISION_RE.search(text)
        if rev is None:
            continue
        revisions.add(rev.group(1))
        down = _DOWN_RE.search(text)
        if down is not None and down.group(2):
            downs.add(down.group(2))
    heads = revisions - downs
    if len(heads) != 1:
        raise RuntimeError(f"migrations must have exactly one head, found {sorted(heads)}")
    return heads.pop()


def current_revision(conn: sa.Connection) -> str | None:
    """The revision a database is at, or None for an empty database."""
    import sqlalchemy as sa

    if VERSION_TABLE not in sa.inspect(conn).get_table_names():
        return None
    return conn.execute(sa.text(f"SELECT version_num FROM {VERSION_TABLE}")).scalar()


def _read_version_quickly(engine: sa.Engine) -> str | None:
    """One query; None when the version table does not exist (yet)."""
    import sqlalchemy as sa

    try:
        with engine.connect() as conn:
            try:
                return conn.execute(sa.text(f"SELECT version_num FROM {VERSION_TABLE}")).scalar()
            except sa.exc.ProgrammingError:
                return None  # PostgreSQL: undefined table
            except sa.exc.OperationalError as e:
                if "no such table" in str(e.orig):
                    return None
                raise
    except sa.exc.OperationalError as e:
        raise backend_unavailable(e) from e
    except sa.exc.InterfaceError as e:
        raise backend_unavailable(e) from e


def upgrade(engine: sa.Engine) -> None:
    """Bring the database behind ``engine`` to the newest revision.

    Raises:
        BackendUnavailable: the database cannot be reached.
    """
    import sqlalchemy as sa

    head = head_revision()
    if _read_version_quickly(engine) == head:
        return
    try:
        with write_transaction(engine) as conn:
            if not is_sqlite(conn):
                conn.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_LOCK_KEY})
            if current_revision(conn) == head:
                return  # another process migrated while this one waited for the lock
            _run_alembic(conn)
    except (sa.exc.OperationalError, sa.exc.InterfaceError, sa.exc.TimeoutError) as e:
        raise backend_unavailable(e) from e
    except sa.exc.DBAPIError as e:  # e.g. no schema to create the tables in
        raise BackendUnavailable(
            f"could not bring the database to the newest schema: {describe_backend_error(e)}"
        ) from e


def _run_alembic(conn: sa.Connection) -> None:
    from alembic import command
    from alembic.config import Config
    from alembic.util import CommandError

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["connection"] = conn
    logger.info("migrating %s database to the newest schema", conn.dialect.name)
    try:
        command.upgrade(config, "head")
    except CommandError as e:  # e.g. a database written by a newer Modelyard
        raise BackendUnavailable(
            f"cannot migrate the database (at revision {current_revision(conn)!r}): {e}"
        ) from e
