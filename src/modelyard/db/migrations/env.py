"""Alembic environment: runs on the connection that :func:`modelyard.db.migrate.upgrade`
passes in ``config.attributes["connection"]`` (already inside a locked transaction)."""

from __future__ import annotations

from alembic import context

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - only reached when alembic is run by hand
    raise RuntimeError("run migrations through modelyard.db.migrate.upgrade(engine)")

context.configure(
    connection=connection,
    target_metadata=None,
    render_as_batch=True,  # SQLite needs batch mode for ALTER TABLE
    transactional_ddl=True,
)
with context.begin_transaction():
    context.run_migrations()
