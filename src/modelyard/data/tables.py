"""SQLAlchemy Core tables of the data store (revision ``0003_data``).

The migration creates them; these definitions describe them for queries. Times are
microseconds since the epoch (UTC); JSON settings are stored as text.
"""

from __future__ import annotations

import sqlalchemy as sa

__all__ = ["data_lineage", "data_versions", "datastores", "metadata"]

metadata = sa.MetaData()

datastores = sa.Table(
    "datastores",
    metadata,
    sa.Column("name", sa.String(255), primary_key=True),
    sa.Column("type", sa.String(16), nullable=False),
    sa.Column("config", sa.Text, nullable=False),
    sa.Column("description", sa.Text, nullable=True),
    sa.Column("tags", sa.Text, nullable=False),
    sa.Column("created_at", sa.BigInteger, nullable=False),
    sa.Column("updated_at", sa.BigInteger, nullable=False),
)

data_versions = sa.Table(
    "data_versions",
    metadata,
    sa.Column("name", sa.String(255), primary_key=True),
    sa.Column("version", sa.String(64), primary_key=True),
    sa.Column("version_number", sa.BigInteger, nullable=True),
    sa.Column("type", sa.String(16), nullable=False),
    sa.Column("storage", sa.Text, nullable=False),
    sa.Column("source", sa.Text, nullable=False),
    sa.Column("datastore", sa.String(255), nullable=True),
    sa.Column("content_hash", sa.String(80), nullable=False),
    sa.Column("size_bytes", sa.BigInteger, nullable=False),
    sa.Column("file_count", sa.BigInteger, nullable=False),
    sa.Column("table_spec", sa.Text, nullable=True),
    sa.Column("columns", sa.Text, nullable=True),
    sa.Column("row_count", sa.BigInteger, nullable=True),
    sa.Column("description", sa.Text, nullable=True),
    sa.Column("tags", sa.Text, nullable=False),
    sa.Column("archived", sa.Boolean, nullable=False),
    sa.Column("created_at", sa.BigInteger, nullable=False),
)

data_lineage = sa.Table(
    "data_lineage",
    metadata,
    sa.Column("name", sa.String(255), primary_key=True),
    sa.Column("version", sa.String(64), primary_key=True),
    sa.Column("run_id", sa.String(64), primary_key=True),
    sa.Column("direction", sa.String(8), primary_key=True),
    sa.Column("created_at", sa.BigInteger, nullable=False),
)
