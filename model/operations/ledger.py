"""The forecast ledger: standing forecasts recorded when a fit becomes current, scored as launches happen.

A backtest re-creates the past and can be tuned to it; the ledger records what the
live service said *before* each launch and cannot be tuned after the fact.

**What is recorded**: each time a fit becomes current, its standing forecasts and its
baselines' (``model.operations.standing``), as one set keyed by version; entries have
idempotent keys (version, model, kind, subject): recording a version twice adds
nothing, and the first ``made_at`` stands.

**Scoring, with no look-ahead** (``Ledger.score``).  Every set has two times:
``made_at`` (the wall clock when it was recorded) and ``data_as_of`` (the last
launch date its fit saw).  A launch is matched to the set current just before it —
the newest with ``made_at`` before the launch: the **prospective** tier, the live
record — or, if the service learned of it only later, to the newest set whose
``data_as_of`` is before the launch's date: the **out-of-sample** tier.  A set whose
data reach the launch's date is never used (a fit that saw the launch cannot
forecast it).  Within the set, a vehicle's own forecasts are used, else its state's
new-vehicle forecasts, else a new launching state's: of those, the one for the launch's
flight number and previous outcome (``at_flight``; sets recorded before migration 0002
hold one per subject).  Each model of the set is scored (log loss, Brier).  A
revised outcome adds a new revision; nothing is deleted or rewritten.  A launch
with no eligible set is recorded as unscored, with the reason.

**The scheduled tier**: each announced launch (``model.record.schedule``) gets a forecast
from the current version, recorded before its window opens and keyed by the schedule's id
(``record_scheduled``).  A launch that matches an announcement (``match_announced``: its
vehicle, near its window) is also scored against the newest forecast made for it before it
flew — a forecast for that very launch, days ahead, which no backtest can fake.  Each tier is
scored separately; no figure mixes them.

Storage: SQLAlchemy 2 (SQLite by default, WAL mode; any URL, e.g. PostgreSQL, for
several replicas), schema by Alembic migrations (``model/operations/migrations``) run on open.
Callers go through ``model.operations.upkeep.keep_record``, which treats the ledger as best effort: a
locked, full or unreachable database is logged and counted, never fails a forecast
or a refit, and a later start catches up.
"""

from __future__ import annotations

import fcntl
import logging
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Connection,
    Engine,
    Table,
    create_engine,
    event,
    func,
    select,
    text,
)
from sqlalchemy.exc import SQLAlchemyError

from launchcast.model.errors import LedgerError
from launchcast.model.operations.matching import as_utc, at_flight, match, match_announced
from launchcast.model.operations.schema import (
    announced_forecasts,
    audit,
    forecast_sets,
    forecasts,
    scores,
    unscored,
)
from launchcast.model.operations.standing import NEW_STATE, ForecastSet, ScheduledForecast
from launchcast.model.operations.track_record import ScoredLaunch, ScoreReport, TrackRecord, summarise
from launchcast.model.record.download import shown
from launchcast.model.record.history import LaunchHistory, parse_time
from launchcast.model.stats.scoring import briers, log_losses

log = logging.getLogger("launchcast.ledger")

#: One forecast set's standing forecasts: per model, per (kind, subject), every flight's.
BySubject = dict[str, dict[tuple[str, str], list[Any]]]

# --- the database ---------------------------------------------------------------------------


def default_url(var_dir: Path) -> str:
    return f"sqlite:///{Path(var_dir).resolve() / 'ledger.sqlite'}"


def _normalise(url: str) -> str:
    """``postgresql://`` means the psycopg 3 driver here (the one the project installs)."""
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


#: The longest one statement may run on PostgreSQL (server-side ``statement_timeout``);
#: SQLite waits at most its busy timeout (5 s) for a lock.
STATEMENT_TIMEOUT_SECONDS = 30


class Ledger:
    """The ledger database; ``Ledger.open(url)`` connects and migrates (idempotent)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @classmethod
    def open(cls, url: str, connect_timeout: float = 5.0) -> Ledger:
        url = _normalise(url)
        try:
            if url.startswith("sqlite"):
                path = url.split(":///", 1)[1] if ":///" in url else ""
                if path and path != ":memory:":
                    Path(path).parent.mkdir(parents=True, exist_ok=True)
                if path and Path(path).exists() and not os.access(Path(path).parent, os.W_OK):
                    # A read-only ledger (a read-only mount): no WAL, no locks, nothing written.
                    url = f"sqlite:///file:{path}?mode=ro&immutable=1&uri=true"
                    engine = create_engine(url, connect_args={"timeout": connect_timeout})
                else:
                    engine = create_engine(url, connect_args={"timeout": connect_timeout})
                    event.listen(engine, "connect", _sqlite_pragmas)
            else:
                limits = {
                    "connect_timeout": int(max(1, connect_timeout)),
                    "options": f"-c statement_timeout={STATEMENT_TIMEOUT_SECONDS * 1000}",
                }
                engine = create_engine(url, pool_pre_ping=True, connect_args=limits)
            ledger = cls(engine)
            ledger.migrate()
            return ledger
        except (SQLAlchemyError, OSError) as exc:
            raise LedgerError(f"ledger database {shown(url)}: {_reason(exc)}") from None

    def migrate(self) -> None:
        """Bring the schema to the newest migration; concurrent starts migrate once.

        A schema already at the newest migration is left alone without taking the migration
        lock, so a read-only ledger (its directory too) can still be read.
        """
        from alembic import command
        from alembic.config import Config
        from alembic.runtime.migration import MigrationContext
        from alembic.script import ScriptDirectory

        config = Config()
        config.set_main_option("script_location", str(Path(__file__).with_name("migrations")))
        with self.engine.connect() as connection:
            current = MigrationContext.configure(connection).get_current_heads()
        if set(current) == set(ScriptDirectory.from_config(config).get_heads()):
            return
        with self._migration_lock(), self.engine.connect() as connection:
            sqlite = connection.dialect.name == "sqlite"
            if sqlite:
                # A migration that rebuilds a table (SQLite's batch mode) must not have its
                # references checked mid-way; the pragma takes effect only outside a transaction.
                connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
                connection.commit()
            with connection.begin():
                if connection.dialect.name == "postgresql":
                    connection.execute(text("SELECT pg_advisory_xact_lock(74106)"))
                config.attributes["connection"] = connection
                command.upgrade(config, "head")
            if sqlite:
                broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                connection.exec_driver_sql("PRAGMA foreign_keys=ON")
                connection.commit()
                if broken:
                    raise LedgerError(f"the migration left {len(broken)} broken reference(s): {broken[:3]}")

    @contextmanager
    def _migration_lock(self) -> Iterator[None]:
        database = self.engine.url.database if self.engine.dialect.name == "sqlite" else None
        if not database or database == ":memory:":
            yield
            return
        with open(f"{database}.migrate.lock", "a+") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def dispose(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *_: object) -> None:
        self.dispose()

    # --- writing -----------------------------------------------------------------------

    def record(self, forecast_set: ForecastSet) -> int:
        """Store a set's forecasts; entries already there are kept as they were. Returns how many were new."""
        try:
            with self.engine.begin() as connection:
                _insert_ignore(
                    connection,
                    forecast_sets,
                    [
                        {
                            "version_id": forecast_set.version_id,
                            "served_model": forecast_set.served_model,
                            "data_hash": forecast_set.data_hash,
                            "data_as_of": forecast_set.data_as_of,
                            "made_at": forecast_set.made_at,
                        }
                    ],
                )
                before = _count_entries(connection, forecast_set.version_id)
                _insert_ignore(
                    connection,
                    forecasts,
                    [
                        {
                            "version_id": forecast_set.version_id,
                            **asdict(e),
                            "previous_failed": int(e.previous_failed),
                        }
                        for e in forecast_set.entries
                    ],
                )
                after = _count_entries(connection, forecast_set.version_id)
        except SQLAlchemyError as exc:
            raise LedgerError(
                f"could not record the standing forecasts of {forecast_set.version_id}: {_reason(exc)}"
            ) from None
        return after - before

    def record_scheduled(self, version_id: str, made_at: datetime, entries: list[ScheduledForecast]) -> int:
        """Store forecasts for announced launches (the set ``version_id`` must be recorded); one per
        (schedule id, version, model): the first made stands.  Returns how many were new."""
        if not entries:
            return 0
        try:
            with self.engine.begin() as connection:
                count = select(func.count()).select_from(announced_forecasts)
                before = int(connection.scalar(count) or 0)
                _insert_ignore(
                    connection,
                    announced_forecasts,
                    [{"version_id": version_id, "made_at": made_at, **asdict(e)} for e in entries],
                )
                after = int(connection.scalar(count) or 0)
        except SQLAlchemyError as exc:
            raise LedgerError(f"could not record the announced launches' forecasts: {_reason(exc)}") from None
        return after - before

    def scheduled_ids(self, version_id: str) -> set[str]:
        """The announced launches ``version_id`` has forecast already."""
        table = announced_forecasts
        query = select(table.c.schedule_id).where(table.c.version_id == version_id)
        try:
            with self.engine.connect() as connection:
                return set(connection.scalars(query))
        except SQLAlchemyError as exc:
            raise LedgerError(f"could not read the ledger: {_reason(exc)}") from None

    def has_set(self, version_id: str) -> bool:
        try:
            with self.engine.connect() as connection:
                found = connection.scalar(
                    select(forecast_sets.c.version_id).where(forecast_sets.c.version_id == version_id)
                )
        except SQLAlchemyError as exc:
            raise LedgerError(f"could not read the ledger: {_reason(exc)}") from None
        return found is not None

    def append_audit(self, rows: list[dict[str, Any]]) -> None:
        if not rows:
            return
        try:
            with self.engine.begin() as connection:
                connection.execute(audit.insert(), rows)
        except SQLAlchemyError as exc:
            raise LedgerError(f"could not write {len(rows)} audit row(s): {_reason(exc)}") from None

    def score(self, history: LaunchHistory, now: datetime) -> ScoreReport:
        """Score every launch after the oldest set's data that is not scored yet (or whose outcome
        GCAT revised). Idempotent: run after each update, ingest, and at start to catch up."""
        report = ScoreReport()
        try:
            with self.engine.begin() as connection:
                sets = connection.execute(select(forecast_sets)).mappings().all()
                if not sets:
                    return report
                oldest = min(s["data_as_of"] for s in sets)
                latest = _latest_scores(connection)
                noted = set(connection.scalars(select(unscored.c.launch_tag)))
                sets_read: dict[str, BySubject] = {}  # read once each
                announced = list(connection.execute(select(announced_forecasts)).mappings().all())
                claimed = _claimed(connection)
                launches = history.launches
                for row in launches[launches["time_utc"].str[:10] > oldest].itertuples(index=False):
                    self._score_launch(connection, row, sets, sets_read, latest, noted, now, report)
                    if announced:
                        _score_scheduled(connection, row, announced, claimed, latest, now, report)
        except SQLAlchemyError as exc:
            raise LedgerError(f"could not score launches in the ledger: {_reason(exc)}") from None
        if report.scored or report.rescored:
            log.info(report.summary())
        return report

    def _score_launch(
        self,
        connection: Connection,
        row: Any,
        sets: Sequence[Any],
        sets_read: dict[str, BySubject],
        latest: Latest,
        noted: set[str],
        now: datetime,
        report: ScoreReport,
    ) -> None:
        tag, success = str(row.launch_tag), int(row.success)
        launched = parse_time(row.time_utc)
        chosen, tier, reason = match(sets, launched)
        if chosen is None:
            if tag not in noted:
                connection.execute(
                    unscored.insert().values(
                        launch_tag=tag,
                        launch_time=launched,
                        vehicle=row.vehicle,
                        state=row.vehicle_state,
                        reason=reason,
                        noted_at=now,
                    )
                )
                noted.add(tag)
                report.unscored += 1
            return
        by_model = sets_read.get(chosen["version_id"])
        if by_model is None:
            by_model = sets_read[chosen["version_id"]] = _standing_by_subject(
                connection, chosen["version_id"]
            )
        flight, failed = int(row.vehicle_flight), bool(row.previous_failed)
        for model, table in sorted(by_model.items()):
            subject = (
                table.get(("vehicle", row.vehicle))
                or table.get(("new-vehicle", row.vehicle_state))
                or table.get(("new-state", NEW_STATE))
            )
            if subject is None:
                continue
            entry = at_flight(subject, flight, failed)
            previous = latest.get((tag, model, tier))
            if previous is not None and previous[1] == success:
                continue  # scored, same outcome
            revision = previous[0] + 1 if previous else 1
            p = float(entry["probability"])
            _insert_ignore(
                connection,
                scores,
                [
                    {
                        "launch_tag": tag,
                        "revision": revision,
                        "model": model,
                        "launch_time": launched,
                        "vehicle": row.vehicle,
                        "state": row.vehicle_state,
                        "success": success,
                        "tier": tier,
                        "forecast_id": entry["id"],
                        "version_id": chosen["version_id"],
                        "probability": p,
                        "log_loss": float(log_losses(p, success)),
                        "brier": float(briers(p, success)),
                        "scored_at": now,
                    }
                ],
            )
            latest[(tag, model, tier)] = (revision, success)
            if previous:
                report.rescored += 1
            else:
                report.scored += 1
                report.by_tier[tier] = report.by_tier.get(tier, 0) + 1

    # --- reading -----------------------------------------------------------------------

    def track_record(
        self,
        state: str | None = None,
        vehicle: str | None = None,
        model: str | None = None,
        since: date | None = None,
    ) -> TrackRecord:
        query = select(scores)
        if state:
            query = query.where(scores.c.state == state)
        if vehicle:
            query = query.where(scores.c.vehicle == vehicle)
        if model:
            query = query.where(scores.c.model == model)
        if since:
            query = query.where(
                scores.c.launch_time >= datetime(since.year, since.month, since.day, tzinfo=UTC)
            )
        try:
            with self.engine.connect() as connection:
                rows = (
                    connection.execute(
                        query.order_by(scores.c.launch_time, scores.c.model, scores.c.revision)
                    )
                    .mappings()
                    .all()
                )
                missing = (
                    connection.execute(select(unscored).order_by(unscored.c.launch_time)).mappings().all()
                )
                n_sets = connection.scalar(select(func.count()).select_from(forecast_sets))
        except SQLAlchemyError as exc:
            raise LedgerError(f"could not read the ledger: {_reason(exc)}") from None
        newest: dict[tuple[str, str, str], Any] = {}
        for row in rows:  # ordered by revision: the last one stands
            newest[(row["launch_tag"], row["model"], row["tier"])] = row
        launches = [
            ScoredLaunch(
                launch_tag=r["launch_tag"],
                launch_time=as_utc(r["launch_time"]),
                vehicle=r["vehicle"],
                state=r["state"],
                success=r["success"],
                tier=r["tier"],
                model=r["model"],
                version_id=r["version_id"],
                probability=r["probability"],
                log_loss=r["log_loss"],
                brier=r["brier"],
                revision=r["revision"],
            )
            for r in newest.values()
        ]
        totals, calibration = summarise(launches)
        kept = [
            dict(m)
            for m in missing
            if (not state or m["state"] == state) and (not vehicle or m["vehicle"] == vehicle)
        ]
        return TrackRecord(launches, totals, calibration, kept, int(n_sets or 0))

    def revisions(self, launch_tag: str) -> list[dict[str, Any]]:
        """Every score a launch has had, oldest first (a revised outcome adds one)."""
        with self.engine.connect() as connection:
            query = select(scores).where(scores.c.launch_tag == launch_tag)
            rows = connection.execute(query.order_by(scores.c.model, scores.c.revision)).mappings().all()
        return [dict(r) for r in rows]

    def audit_rows(self) -> int:
        with self.engine.connect() as connection:
            return int(connection.scalar(select(func.count()).select_from(audit)) or 0)


def _standing_by_subject(connection: Connection, version_id: str) -> BySubject:
    """A set's standing forecasts: per model, per (kind, subject), every flight's."""
    rows = connection.execute(select(forecasts).where(forecasts.c.version_id == version_id)).mappings().all()
    by_model: BySubject = {}
    for standing in rows:
        by_model.setdefault(standing["model"], {}).setdefault(
            (standing["kind"], standing["subject"]), []
        ).append(standing)
    return by_model


def _count_entries(connection: Connection, version_id: str) -> int:
    query = select(func.count()).select_from(forecasts).where(forecasts.c.version_id == version_id)
    return int(connection.scalar(query) or 0)


Latest = dict[tuple[str, str, str], tuple[int, int]]


def _latest_scores(connection: Connection) -> Latest:
    """(launch, model, tier) → (its latest revision, the outcome it scored)."""
    latest: Latest = {}
    for tag, model, tier, revision, success in connection.execute(
        select(
            scores.c.launch_tag, scores.c.model, scores.c.tier, scores.c.revision, scores.c.success
        ).order_by(scores.c.revision)
    ):
        latest[(tag, model, tier)] = (revision, success)
    return latest


def _claimed(connection: Connection) -> dict[str, str]:
    """Schedule ids already matched to a launch (one announcement is one launch)."""
    query = (
        select(announced_forecasts.c.schedule_id, scores.c.launch_tag)
        .join(scores, scores.c.announced_id == announced_forecasts.c.id)
        .where(scores.c.tier == "scheduled")
    )
    return {schedule_id: tag for schedule_id, tag in connection.execute(query)}


def _score_scheduled(
    connection: Connection,
    row: Any,
    announced: Sequence[Any],
    claimed: dict[str, str],
    latest: Latest,
    now: datetime,
    report: ScoreReport,
) -> None:
    """Score a launch against the forecast made for its announcement (the scheduled tier): per
    model, the newest made before the launch."""
    tag, success = str(row.launch_tag), int(row.success)
    launched = parse_time(row.time_utc)
    schedule_id = match_announced(announced, row, launched, claimed)
    if schedule_id is None:
        return
    claimed[schedule_id] = tag
    newest: dict[str, Any] = {}
    for a in announced:
        if a["schedule_id"] == schedule_id and as_utc(a["made_at"]) < launched:
            if a["model"] not in newest or as_utc(a["made_at"]) > as_utc(newest[a["model"]]["made_at"]):
                newest[a["model"]] = a
    for model, a in sorted(newest.items()):
        previous = latest.get((tag, model, "scheduled"))
        if previous is not None and previous[1] == success:
            continue
        revision = previous[0] + 1 if previous else 1
        p = float(a["probability"])
        _insert_ignore(
            connection,
            scores,
            [
                {
                    "launch_tag": tag,
                    "revision": revision,
                    "model": model,
                    "launch_time": launched,
                    "vehicle": row.vehicle,
                    "state": row.vehicle_state,
                    "success": success,
                    "tier": "scheduled",
                    "forecast_id": None,
                    "announced_id": a["id"],
                    "version_id": a["version_id"],
                    "probability": p,
                    "log_loss": float(log_losses(p, success)),
                    "brier": float(briers(p, success)),
                    "scored_at": now,
                }
            ],
        )
        latest[(tag, model, "scheduled")] = (revision, success)
        if previous:
            report.rescored += 1
        else:
            report.scored += 1
            report.by_tier["scheduled"] = report.by_tier.get("scheduled", 0) + 1


def _insert_ignore(connection: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    """Insert rows, leaving any whose unique key is already there (idempotent writes)."""
    if not rows:
        return
    if connection.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert  # type: ignore[assignment]  # same API, other dialect
    connection.execute(insert(table).on_conflict_do_nothing(), rows)


def _sqlite_pragmas(dbapi_connection: Any, _: Any) -> None:
    """WAL: readers never block the writer; a busy timeout instead of 'database is locked' at once."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _reason(exc: BaseException) -> str:
    message = str(getattr(exc, "orig", None) or exc).strip()
    return message.splitlines()[0] if message else type(exc).__name__
