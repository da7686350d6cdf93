"""Models and endpoints: the model registry, online/batch endpoints, their deployments and
request logs.

Revision ID: 0004_models_endpoints
Revises: 0003_data
Create Date: 2026-11-28

Self-contained (does not import the current table definitions). Times are microseconds since
the epoch, UTC. Tags, traffic and settings are JSON text.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_models_endpoints"
down_revision = "0003_data"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "registered_models",
        sa.Column("name", sa.String(255), primary_key=True),
        sa.Column("description", sa.Text, nullable=True),
        sa.Column("tags", sa.Text, nullable=False),
        sa.Column("created_at", sa.BigInteger, nullable=False),
        sa.Column("updated_at", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "model_versions",
        sa.Column("name", sa.String(255), primary_key=True),
        sa.Column("version", sa.Integer, primary_key=True),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("storage", sa.Text, nullable=False),
        sa.Column("run_id", sa.String(64), nullable=True),
        sa.Column("flavors", sa.Text, nullable=False),
        sa.Column("signature", sa.Text, nullable=True),
        sa.Column("description", sa.Text, nullable=True),
        sa.Column("tags", sa.Text, nullable=False),
        sa.Column("archived", sa.Boolean, nullable=False),
        sa.Column("created_at", sa.BigInteger, nullable=False),
        sa.Column("updated_at", sa.BigInteger, nullable=False),
    )
    op.create_index("ix_model_versions_run", "model_versions", ["run_id"])
    op.create_table(
        "model_aliases",
        sa.Column("name", sa.String(255), primary_key=True),
        sa.Column("alias", sa.String(255), primary_key=True),
        sa.Column("version", sa.Integer, nullable=False),
    )
    op.create_table(
        "endpoints",
        sa.Column("name", sa.String(255), primary_key=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("auth_mode", sa.String(16), nullable=False),
        sa.Column("primary_key", sa.String(128), nullable=True),
        sa.Column("secondary_key", sa.String(128), nullable=True),
        sa.Column("traffic", sa.Text, nullable=False),
        sa.Column("mirror_traffic", sa.Text, nullable=False),
        sa.Column("description", sa.Text, nullable=True),
        sa.Column("tags", sa.Text, nullable=False),
        sa.Column("created_at", sa.BigInteger, nullable=False),
        sa.Column("updated_at", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "endpoint_deployments",
        sa.Column("endpoint", sa.String(255), primary_key=True),
        sa.Column("name", sa.String(255), primary_key=True),
        sa.Column("model", sa.Text, nullable=False),
        sa.Column("code", sa.Text, nullable=True),
        sa.Column("scoring_script", sa.Text, nullable=True),
        sa.Column("instance_count", sa.Integer, nullable=False),
        sa.Column("settings", sa.Text, nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("error", sa.Text, nullable=True),
        sa.Column("description", sa.Text, nullable=True),
        sa.Column("tags", sa.Text, nullable=False),
        sa.Column("created_at", sa.BigInteger, nullable=False),
        sa.Column("updated_at", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "endpoint_requests",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True, autoincrement=True),
        sa.Column("endpoint", sa.String(255), nullable=False),
        sa.Column("deployment", sa.String(255), nullable=False),
        sa.Column("status_code", sa.Integer, nullable=False),
        sa.Column("latency_ms", sa.Float, nullable=False),
        sa.Column("request", sa.Text, nullable=True),
        sa.Column("response", sa.Text, nullable=True),
        sa.Column("created_at", sa.BigInteger, nullable=False),
    )
    op.create_index("ix_endpoint_requests_endpoint", "endpoint_requests", ["endpoint", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_endpoint_requests_endpoint", table_name="endpoint_requests")
    op.drop_table("endpoint_requests")
    op.drop_table("endpoint_deployments")
    op.drop_table("endpoints")
    op.drop_table("model_aliases")
    op.drop_index("ix_model_versions_run", table_name="model_versions")
    op.drop_table("model_versions")
    op.drop_table("registered_models")
