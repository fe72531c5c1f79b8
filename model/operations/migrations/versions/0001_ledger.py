"""The forecast ledger: forecast sets, standing forecasts, scores, unscored launches, audit.

Revision ID: 0001
Revises:
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

UTC_TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "forecast_sets",
        sa.Column("version_id", sa.String(160), primary_key=True),
        sa.Column("served_model", sa.String(40), nullable=False),
        sa.Column("data_hash", sa.String(64), nullable=False),
        sa.Column("data_as_of", sa.String(10), nullable=False),
        sa.Column("made_at", UTC_TIME, nullable=False),
    )
    op.create_table(
        "forecasts",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("version_id", sa.String(160), sa.ForeignKey("forecast_sets.version_id"), nullable=False),
        sa.Column("model", sa.String(40), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("subject", sa.String(120), nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("flight_number", sa.Integer, nullable=False),
        sa.Column("probability", sa.Float, nullable=False),
        sa.Column("low_90", sa.Float, nullable=False),
        sa.Column("high_90", sa.Float, nullable=False),
        sa.Column("query", sa.JSON, nullable=False),
        sa.UniqueConstraint("version_id", "model", "kind", "subject", name="uq_forecast"),
    )
    op.create_table(
        "scores",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("launch_tag", sa.String(40), nullable=False),
        sa.Column("revision", sa.Integer, nullable=False),
        sa.Column("model", sa.String(40), nullable=False),
        sa.Column("launch_time", UTC_TIME, nullable=False),
        sa.Column("vehicle", sa.String(120), nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("success", sa.Integer, nullable=False),
        sa.Column("tier", sa.String(20), nullable=False),
        sa.Column("forecast_id", sa.Integer, sa.ForeignKey("forecasts.id"), nullable=False),
        sa.Column("version_id", sa.String(160), nullable=False),
        sa.Column("probability", sa.Float, nullable=False),
        sa.Column("log_loss", sa.Float, nullable=False),
        sa.Column("brier", sa.Float, nullable=False),
        sa.Column("scored_at", UTC_TIME, nullable=False),
        sa.UniqueConstraint("launch_tag", "model", "revision", name="uq_score"),
    )
    op.create_index("ix_scores_launch_time", "scores", ["launch_time"])
    op.create_table(
        "unscored",
        sa.Column("launch_tag", sa.String(40), primary_key=True),
        sa.Column("launch_time", UTC_TIME, nullable=False),
        sa.Column("vehicle", sa.String(120), nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("reason", sa.String(400), nullable=False),
        sa.Column("noted_at", UTC_TIME, nullable=False),
    )
    op.create_table(
        "audit",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("at", UTC_TIME, nullable=False),
        sa.Column("route", sa.String(80), nullable=False),
        sa.Column("query", sa.JSON, nullable=False),
        sa.Column("version_id", sa.String(160), nullable=True),
        sa.Column("probability", sa.Float, nullable=True),
        sa.Column("request_id", sa.String(128), nullable=True),
    )


def downgrade() -> None:
    for table in ("audit", "unscored", "scores", "forecasts", "forecast_sets"):
        op.drop_table(table)
