"""SQLAlchemy Core tables of endpoints (revision ``0004_models_endpoints``)."""

from __future__ import annotations

import sqlalchemy as sa

__all__ = ["endpoint_deployments", "endpoint_requests", "endpoints", "metadata"]

metadata = sa.MetaData()

endpoints = sa.Table(
    "endpoints", metadata,
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

endpoint_deployments = sa.Table(
    "endpoint_deployments", metadata,
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

endpoint_requests = sa.Table(
    "endpoint_requests", metadata,
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True, autoincrement=True),
    sa.Column("endpoint", sa.String(255), nullable=False),
    sa.Column("deployment", sa.String(255), nullable=False),
    sa.Column("status_code", sa.Integer, nullable=False),
    sa.Column("latency_ms", sa.Float, nullable=False),
    sa.Column("request", sa.Text, nullable=True),
    sa.Column("response", sa.Text, nullable=True),
    sa.Column("created_at", sa.BigInteger, nullable=False),
)
