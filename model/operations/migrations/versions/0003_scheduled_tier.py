"""The scheduled tier: a forecast for each announced launch, recorded before its window opens.

``announced_forecasts`` holds them, keyed by the schedule's id (Launch Library 2's UUID or a
user's), one per version and model; a score may now point at one of them
(``scores.announced_id``) instead of a standing forecast, and a launch is scored once per
tier (the key gains ``tier``).

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

UTC_TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "announced_forecasts",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("schedule_id", sa.String(200), nullable=False),
        sa.Column("version_id", sa.String(160), sa.ForeignKey("forecast_sets.version_id"), nullable=False),
        sa.Column("model", sa.String(40), nullable=False),
        sa.Column("made_at", UTC_TIME, nullable=False),
        sa.Column("name", sa.String(300), nullable=False),
        sa.Column("source", sa.String(300), nullable=False),
        sa.Column("status", sa.String(40), nullable=False),
        sa.Column("window_start", UTC_TIME, nullable=False),
        sa.Column("window_end", UTC_TIME, nullable=False),
        sa.Column("vehicle", sa.String(120), nullable=True),
        sa.Column("state", sa.String(20), nullable=True),
        sa.Column("flight_number", sa.Integer, nullable=False),
        sa.Column("probability", sa.Float, nullable=False),
        sa.Column("low_90", sa.Float, nullable=False),
        sa.Column("high_90", sa.Float, nullable=False),
        sa.UniqueConstraint("schedule_id", "version_id", "model", name="uq_announced_forecast"),
    )
    with op.batch_alter_table("scores") as batch:
        batch.add_column(sa.Column("announced_id", sa.Integer, nullable=True))
        batch.alter_column("forecast_id", existing_type=sa.Integer, nullable=True)
        batch.drop_constraint("uq_score", type_="unique")
        batch.create_unique_constraint("uq_score", ["launch_tag", "model", "tier", "revision"])
        batch.create_foreign_key("fk_scores_announced", "announced_forecasts", ["announced_id"], ["id"])


def downgrade() -> None:
    op.execute("DELETE FROM scores WHERE tier = 'scheduled'")
    with op.batch_alter_table("scores") as batch:
        batch.drop_constraint("fk_scores_announced", type_="foreignkey")
        batch.drop_constraint("uq_score", type_="unique")
        batch.create_unique_constraint("uq_score", ["launch_tag", "model", "revision"])
        batch.alter_column("forecast_id", existing_type=sa.Integer, nullable=False)
        batch.drop_column("announced_id")
    op.drop_table("announced_forecasts")
