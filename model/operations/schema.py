"""The ledger database's tables, in one place for the ledger and its Alembic migrations.

``forecast_sets`` and ``forecasts`` hold standing forecasts (``model.operations.standing``),
``announced_forecasts`` each announced launch's forecast made before its window opened,
``scores`` and ``unscored`` what the ledger made of each launch, and ``audit`` the
service's log of served forecasts (``service/audit.py``): it lives in the same
database, so its schema is migrated with the others (``migrations/``).
"""

from sqlalchemy import (
    JSON,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    UniqueConstraint,
)

metadata = MetaData()

forecast_sets = Table(
    "forecast_sets",
    metadata,
    Column("version_id", String(160), primary_key=True),
    Column("served_model", String(40), nullable=False),
    Column("data_hash", String(64), nullable=False),
    Column("data_as_of", String(10), nullable=False),  # YYYY-MM-DD: the last launch the fit saw
    Column("made_at", DateTime(timezone=True), nullable=False),
)

forecasts = Table(
    "forecasts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("version_id", String(160), ForeignKey("forecast_sets.version_id"), nullable=False),
    Column("model", String(40), nullable=False),
    Column("kind", String(20), nullable=False),  # vehicle | state | new-vehicle
    Column("subject", String(120), nullable=False),  # GCAT vehicle name or state code
    Column("state", String(20), nullable=False),
    Column("flight_number", Integer, nullable=False),
    Column("probability", Float, nullable=False),
    Column("low_90", Float, nullable=False),
    Column("high_90", Float, nullable=False),
    Column("query", JSON, nullable=False),
    # The previous flight's outcome the forecast assumes (NULL: recorded before 0002, one per subject).
    Column("previous_failed", Integer, nullable=True),
    UniqueConstraint(
        "version_id", "model", "kind", "subject", "flight_number", "previous_failed", name="uq_forecast"
    ),
)

announced_forecasts = Table(
    "announced_forecasts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("schedule_id", String(200), nullable=False),  # LL2's UUID or a user's id
    Column("version_id", String(160), ForeignKey("forecast_sets.version_id"), nullable=False),
    Column("model", String(40), nullable=False),
    Column("made_at", DateTime(timezone=True), nullable=False),
    Column("name", String(300), nullable=False),
    Column("source", String(300), nullable=False),
    Column("status", String(40), nullable=False),
    Column("window_start", DateTime(timezone=True), nullable=False),
    Column("window_end", DateTime(timezone=True), nullable=False),
    Column("vehicle", String(120), nullable=True),  # NULL: a new vehicle of ``state``
    Column("state", String(20), nullable=True),
    Column("flight_number", Integer, nullable=False),
    Column("probability", Float, nullable=False),
    Column("low_90", Float, nullable=False),
    Column("high_90", Float, nullable=False),
    UniqueConstraint("schedule_id", "version_id", "model", name="uq_announced_forecast"),
)

scores = Table(
    "scores",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("launch_tag", String(40), nullable=False),
    Column("revision", Integer, nullable=False),
    Column("model", String(40), nullable=False),
    Column("launch_time", DateTime(timezone=True), nullable=False),
    Column("vehicle", String(120), nullable=False),
    Column("state", String(20), nullable=False),
    Column("success", Integer, nullable=False),
    Column("tier", String(20), nullable=False),
    # A standing forecast (prospective, out-of-sample tiers) or an announced one (scheduled tier).
    Column("forecast_id", Integer, ForeignKey("forecasts.id"), nullable=True),
    Column("announced_id", Integer, ForeignKey("announced_forecasts.id"), nullable=True),
    Column("version_id", String(160), nullable=False),
    Column("probability", Float, nullable=False),
    Column("log_loss", Float, nullable=False),
    Column("brier", Float, nullable=False),
    Column("scored_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("launch_tag", "model", "tier", "revision", name="uq_score"),
)

unscored = Table(
    "unscored",
    metadata,
    Column("launch_tag", String(40), primary_key=True),
    Column("launch_time", DateTime(timezone=True), nullable=False),
    Column("vehicle", String(120), nullable=False),
    Column("state", String(20), nullable=False),
    Column("reason", String(400), nullable=False),
    Column("noted_at", DateTime(timezone=True), nullable=False),
)

audit = Table(
    "audit",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("route", String(80), nullable=False),
    Column("query", JSON, nullable=False),
    Column("version_id", String(160), nullable=True),
    Column("probability", Float, nullable=True),
    Column("request_id", String(128), nullable=True),
)
