"""Data: datastores, data asset versions and their lineage.

Revision ID: 0003_data
Revises: 0002_jobs
Create Date: 2026-05-09

Self-contained (does not import the current table definitions). Times are microseconds since
the epoch, UTC. Settings, tags and column types are JSON text.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_data"
down_revision = "0002_jobs"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "datastores",
        sa.Column("name", sa.String(255), primary_key=True),
        sa.Column("type", sa.String(16), nullable=False),
        sa.Column("config", sa.Text, nullable=False),
        sa.Column("description", sa.Text, nullable=True),
        sa.Column("tags", sa.Text, nullable=False),
        sa.Column("created_at", sa.BigInteger, nullable=False),
        sa.Column("updated_at", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "data_versions",
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
    op.create_index("ix_data_versions_datastore", "data_versions", ["datastore"])
    op.create_table(
        "data_lineage",
        sa.Column("name", sa.String(255), primary_key=True),
        sa.Column("version", sa.String(64), primary_key=True),
        sa.Column("run_id", sa.String(64), primary_key=True),
        sa.Column("direction", sa.String(8), primary_key=True),
        sa.Column("created_at", sa.BigInteger, nullable=False),
    )
    op.create_index("ix_data_lineage_run", "data_lineage", ["run_id"])


def downgrade() -> None:
    op.drop_index("ix_data_lineage_run", table_name="data_lineage")
    op.drop_table("data_lineage")
    op.drop_index("ix_data_versions_datastore", table_name="data_versions")
    op.drop_table("data_versions")
    op.drop_table("datastores")
