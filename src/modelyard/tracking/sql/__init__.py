"""The SQL tracking store (SQLite and PostgreSQL through SQLAlchemy 2 Core)."""

from modelyard.tracking.sql.store import SqlTrackingStore

__all__ = ["SqlTrackingStore"]
