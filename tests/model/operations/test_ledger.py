"""The forecast ledger on real databases: recording, scoring without look-ahead, revisions."""

from __future__ import annotations

import math
import shutil
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from launchcast.model.operations.ledger import Ledger
from launchcast.model.operations.matching import match
from launchcast.model.operations.refit import RefitPolicy, refit
from launchcast.model.operations.registry import Registry
from launchcast.model.operations.upkeep import keep_record
from launchcast.model.record import datadir
from launchcast.model.record.history import load_history, read_history
from launchcast.model.record.ingest import add_launch
from tests.conftest import DATA
from tests.db import BACKENDS, database

T0 = datetime(2024, 1, 10, tzinfo=UTC)  # the promotion: standing forecasts made then


@pytest.fixture(params=BACKENDS)
def url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    with database(request.param, tmp_path) as found:
        yield found


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return Path(shutil.copytree(DATA, tmp_path / "data"))


@pytest.fixture
def registry(tmp_path: Path, data_dir: Path) -> Registry:
    registry = Registry(tmp_path / "registry")
    assert refit(data_dir, registry, RefitPolicy(model="eb-beta")).outcome == "promoted"
    return registry


def test_launches_after_a_promotion_are_scored_prospectively_as_computed_by_hand(
    url: str, data_dir: Path, registry: Registry
) -> None:
    first = keep_record(url, registry, data_dir, T0)
    assert first.error is None and first.recorded == registry.current_id() and first.entries > 100
    assert keep_record(url, registry, data_dir, T0).entries == 0  # idempotent: nothing twice

    add_launch(data_dir, "2024-01-09T23:59Z", "Cheonlima-1", "failure", tag="T-BEFORE")  # a minute before t0
    add_launch(data_dir, "2024-02-01T10:00Z", "Nuri", "success", tag="T-NURI")
    add_launch(
        data_dir, "2024-05-27T15:44Z", "Chollima-2", "failure", family="Chollima", state="KP", tag="T-NEW"
    )
    upkeep = keep_record(url, registry, data_dir, datetime(2024, 6, 1, tzinfo=UTC))
    assert upkeep.error is None and upkeep.report.scored == 6  # 3 launches × (eb-beta, laplace)

    with Ledger.open(url) as ledger:
        record = ledger.track_record()
    by_key = {(r.launch_tag, r.model): r for r in record.launches}
    fit = registry.load_current()
    p_chollima = fit.success_probability(fit.catalogue.next_launch_query("Cheonlima-1")).mean()
    p_nuri = fit.success_probability(fit.catalogue.next_launch_query("Nuri")).mean()
    p_new_kp = fit.success_probability(fit.catalogue.new_vehicle_query("KP")).mean()

    before = by_key[("T-BEFORE", "eb-beta")]
    assert before.tier == "out-of-sample"  # made_at is after it: never prospective against t0
    assert before.log_loss == pytest.approx(-math.log(1 - p_chollima), rel=1e-9)
    nuri = by_key[("T-NURI", "eb-beta")]
    assert nuri.tier == "prospective" and nuri.log_loss == pytest.approx(-math.log(p_nuri), rel=1e-9)
    assert nuri.brier == pytest.approx((1 - p_nuri) ** 2, rel=1e-9)
    new = by_key[("T-NEW", "eb-beta")]  # a new vehicle: its state's new-vehicle forecast
    assert new.tier == "prospective" and new.probability == pytest.approx(p_new_kp, rel=1e-9)
    assert {r.model for r in record.launches} == {"eb-beta", "laplace"}
    prospective = {t.model: t for t in record.totals if t.tier == "prospective"}
    assert prospective["eb-beta"].launches == 2
    assert prospective["eb-beta"].log_loss == pytest.approx((-math.log(p_nuri) - math.log(1 - p_new_kp)) / 2)
    assert all(b.tier in ("prospective", "out-of-sample") for b in record.calibration)


def test_a_revised_outcome_is_rescored_and_the_old_score_kept(
    url: str, data_dir: Path, registry: Registry
) -> None:
    keep_record(url, registry, data_dir, T0)
    add_launch(data_dir, "2024-02-01T10:00Z", "Nuri", "success", tag="T-NURI")
    keep_record(url, registry, data_dir, datetime(2024, 3, 1, tzinfo=UTC))
    with datadir.writing(data_dir) as tx:  # GCAT revises the launch to a failure
        text = tx.read_bytes("launches.csv").decode()
        row = next(line for line in text.splitlines() if line.startswith("T-NURI,"))
        tx.commit(
            {"launches.csv": text.replace(row, row.replace(",success,1.00,", ",failure,0.00,")).encode()},
            check=read_history,
        )
    upkeep = keep_record(url, registry, data_dir, datetime(2024, 3, 2, tzinfo=UTC))
    assert upkeep.report.rescored == 2 and upkeep.report.scored == 0
    with Ledger.open(url) as ledger:
        revisions = [(r["model"], r["revision"], r["success"]) for r in ledger.revisions("T-NURI")]
        latest = [r for r in ledger.track_record().launches if r.launch_tag == "T-NURI"]
    assert revisions == [("eb-beta", 1, 1), ("eb-beta", 2, 0), ("laplace", 1, 1), ("laplace", 2, 0)]
    assert {r.success for r in latest} == {0} and {r.revision for r in latest} == {2}


def test_no_launch_is_ever_scored_against_a_fit_that_saw_it(
    url: str, data_dir: Path, registry: Registry
) -> None:
    """Refit on data that include the new launches: those launches stay scored by the older fit."""
    keep_record(url, registry, data_dir, T0)
    old = registry.current_id()
    add_launch(data_dir, "2024-02-01T10:00Z", "Nuri", "success", tag="T-NURI")
    new = refit(data_dir, registry, RefitPolicy(model="eb-beta")).version_id
    later = datetime(2024, 3, 1, tzinfo=UTC)
    keep_record(url, registry, data_dir, later)  # records the new fit's set, scores T-NURI
    with Ledger.open(url) as ledger:
        record = ledger.track_record()
    assert {r.version_id for r in record.launches} == {old} and new != old
    history = load_history(data_dir)
    sets = [
        {"version_id": v, "data_as_of": registry.manifest(v)["as_of"], "made_at": m}
        for v, m in ((old, T0), (new, later))
    ]
    for launch in history.launches.itertuples():  # every launch: only fits that ended before it
        chosen, _, _ = match(sets, datetime.fromisoformat(launch.time_utc.replace("Z", "+00:00")))
        if chosen is not None:
            assert chosen["data_as_of"] < launch.time_utc[:10]


def test_launches_before_any_forecast_are_unscored_with_the_reason(
    url: str, data_dir: Path, registry: Registry
) -> None:
    keep_record(url, registry, data_dir, T0)
    with Ledger.open(url) as ledger:
        record = ledger.track_record()
    assert record.launches == [] and record.unscored == [] and record.forecast_sets == 1


def test_an_unreachable_ledger_never_fails_a_refit_and_is_caught_up_later(
    url: str, data_dir: Path, registry: Registry
) -> None:
    down = "postgresql://nobody@127.0.0.1:9/none"  # nothing listens on the discard port
    result = refit(data_dir, registry, RefitPolicy(model="laplace", promote=True), ledger_url=down)
    assert result.outcome == "promoted" and result.ledger and "ledger unavailable" in result.ledger
    upkeep = keep_record(url, registry, data_dir, T0)  # the next start, refit or update
    assert upkeep.error is None and upkeep.recorded == result.version_id


def test_every_later_flight_is_scored_against_the_forecast_for_that_flight(url: str) -> None:
    """Four years between a refit and the next: each launch is scored against the standing
    forecast for its own flight number and previous outcome, so the ledger expects the
    failures the model itself expects of those launches. Scoring every flight as the
    vehicle's next one (what the ledger did) expects more failures of young vehicles."""
    from dataclasses import replace

    from launchcast.model.operations.standing import standing_forecasts
    from launchcast.model.record.catalogue import vehicle_records
    from launchcast.model.stats.fit import provenance
    from launchcast.model.stats.scoring import launch_query
    from tests.model.stats.test_hierarchical import _truth_fit, simulate_history

    history, truth = simulate_history(3)
    cut = date(2016, 1, 1)  # the gap's launches share the fit's era bin (2015–2019)
    seen = history.before(cut)
    fit = _truth_fit(history, truth)  # the model is the truth: its own expectations are exact
    fit = replace(
        fit,
        records=vehicle_records(seen),
        manifest={**fit.manifest, **provenance(seen, 0.0)},  # as of the cut, with its launch rates
    )
    with Ledger.open(url) as ledger:
        ledger.record(standing_forecasts(fit, "truth-2015", seen, datetime(2015, 12, 31, tzinfo=UTC)))
        ledger.score(history, datetime(2020, 6, 1, tzinfo=UTC))
        scored = [r for r in ledger.track_record().launches if r.model == "hierarchical"]
    gap = history.launches[history.launches["time_utc"] >= "2016-01-01"]
    assert len(scored) == len(gap) > 150 and {r.tier for r in scored} == {"prospective"}

    def p(row: object) -> float:
        return float(fit.success_probability(launch_query(row))[0])

    def as_next(row: object) -> float:  # the old ledger: the vehicle's next flight for every flight
        vehicle = row.vehicle
        first = (
            fit.catalogue.next_launch_query(vehicle)
            if vehicle in fit.records
            else fit.catalogue.new_vehicle_query(row.vehicle_state)
        )
        return float(fit.success_probability(first)[0])

    rows = list(gap.itertuples(index=False))
    by_tag = {r.launch_tag: r.probability for r in scored}
    # Young vehicles (under 10 flights at the refit, new ones too): where flight numbers matter.
    young = [r for r in rows if fit_attempts(fit, r) < 10]
    for chosen in (rows, young):
        expected_by_model = sum(1 - p(r) for r in chosen)
        expected_by_ledger = sum(1 - by_tag[r.launch_tag] for r in chosen)
        assert expected_by_ledger == pytest.approx(expected_by_model, rel=0.05)
    assert len(young) > 30
    expected_young = sum(1 - p(r) for r in young)
    # The old ledger (every flight scored as the vehicle's next) expected 15% more failures of
    # young vehicles here, where the ledger now matches the model within 5%.
    assert sum(1 - as_next(r) for r in young) > 1.1 * expected_young


def fit_attempts(fit: object, row: object) -> int:
    """How many flights the launch's vehicle had in the fit's record (0 for a new vehicle)."""
    record = fit.records.get(row.vehicle)
    return record.attempts if record else 0


def test_a_ledger_recorded_before_flight_by_flight_forecasts_migrates_and_still_scores(
    url: str, data_dir: Path
) -> None:
    """Migration 0002 on a ledger holding a 0001 set (one forecast per vehicle): the rows are
    kept, flagged as such, and a later launch is scored against them as before."""
    from alembic import command
    from alembic.config import Config
    from sqlalchemy import create_engine, text

    from launchcast.model.operations import ledger as ledger_module

    config = Config()
    config.set_main_option("script_location", str(Path(ledger_module.__file__).with_name("migrations")))
    engine = create_engine(ledger_module._normalise(url))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0001")
        connection.execute(
            text("INSERT INTO forecast_sets VALUES ('v-old', 'eb-beta', 'h', '2023-12-30', :made)"),
            {"made": datetime(2024, 1, 1, tzinfo=UTC)},
        )
        connection.execute(
            text(
                "INSERT INTO forecasts (version_id, model, kind, subject, state, flight_number, probability,"
                " low_90, high_90, query) VALUES ('v-old', 'eb-beta', 'vehicle', 'Nuri', 'KR', 4, 0.75,"
                " 0.5, 0.9, '{}')"
            )
        )
    engine.dispose()
    add_launch(data_dir, "2024-02-01T10:00Z", "Nuri", "success", tag="T-NURI")
    with Ledger.open(url) as ledger:  # migrates to the newest schema
        report = ledger.score(load_history(data_dir), datetime(2024, 3, 1, tzinfo=UTC))
        record = ledger.track_record()
    assert report.scored == 1
    (scored,) = record.launches
    assert (scored.launch_tag, scored.probability, scored.tier) == ("T-NURI", 0.75, "prospective")


def test_an_announced_launch_is_scored_in_the_scheduled_tier_against_its_own_forecast(
    url: str, data_dir: Path, registry: Registry
) -> None:
    from launchcast.model.record.schedule import add, user_entry

    window = user_entry(
        rocket="Chollima-1",
        net=datetime(2024, 5, 20, tzinfo=UTC),
        window_end=datetime(2024, 5, 27, 23, tzinfo=UTC),
        source="navigation warning (test)",
        entry_id="kp-window",
        now=T0,
    )
    nuri = user_entry(
        rocket="Nuri", net=datetime(2024, 9, 1, tzinfo=UTC), source="test", entry_id="kr", now=T0
    )
    add(data_dir, [window, nuri], T0)
    first = keep_record(url, registry, data_dir, T0)
    assert first.error is None and first.scheduled == 4  # 2 announced launches × (eb-beta, laplace)
    assert keep_record(url, registry, data_dir, T0).scheduled == 0  # recorded once per version

    add_launch(data_dir, "2024-05-27T15:44Z", "Cheonlima-1", "failure", tag="T-KP")
    add_launch(data_dir, "2024-08-01T00:00Z", "Cheonlima-1", "success", tag="T-KP-LATER")  # not announced
    upkeep = keep_record(url, registry, data_dir, datetime(2024, 8, 2, tzinfo=UTC))
    assert upkeep.error is None and upkeep.report.by_tier["scheduled"] == 2

    with Ledger.open(url) as ledger:
        record = ledger.track_record()
    scheduled = [r for r in record.launches if r.tier == "scheduled"]
    assert {(r.launch_tag, r.model) for r in scheduled} == {("T-KP", "eb-beta"), ("T-KP", "laplace")}
    # The same launch is also scored in the prospective tier, and no figure pools the tiers.
    assert {r.tier for r in record.launches if r.launch_tag == "T-KP"} == {"scheduled", "prospective"}
    assert {(t.tier, t.model) for t in record.totals} >= {
        ("scheduled", "eb-beta"),
        ("prospective", "eb-beta"),
    }
    eb = next(r for r in scheduled if r.model == "eb-beta")
    fit = registry.load(registry.current_id() or "")
    record_kp = fit.catalogue.record("Chollima-1")
    # eb-beta ignores flight number and outcome: its forecast is the posterior mean, by hand.
    assert eb.probability == pytest.approx(
        float(fit.success_probability(fit.catalogue.next_launch_query(record_kp.vehicle)).mean()), abs=0.01
    )
    assert eb.log_loss == pytest.approx(-math.log(1 - eb.probability))
