"""Asking a question: who is asked about (``Programme``), what that is in the fit (``resolve``,
``Resolved``), when it is asked (``Moment``), and the checks every question shares.

Every question is asked at a moment ``now`` (UTC), passed in by the caller — nothing here reads
the clock — and every answer carries it with the data's age (``Moment.anchored``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from functools import cached_property

from launchcast.model.defaults import MAX_PATHS, STALE_AFTER_DAYS, YEARS
from launchcast.model.errors import LaunchcastError
from launchcast.model.questions.answers import Anchored, ModelInfo, Record
from launchcast.model.record.assistance import Assistance, check_level
from launchcast.model.record.catalogue import LaunchQuery, VehicleRecord
from launchcast.model.record.history import LaunchHistory, decimal_year
from launchcast.model.record.schedule import Announced, Schedule
from launchcast.model.stats.fit import AssistanceAware, Fit
from launchcast.model.stats.slips import SlipModel, slips_for

#: How far past the data's end a question's time window may reach.
MAX_YEARS_AFTER_DATA = 30.0
MIN_PATHS = 1000


@dataclass(frozen=True)
class Programme:
    """Who is asked about: a vehicle, a state (its latest vehicle), or a new vehicle."""

    vehicle: str | None = None
    state: str | None = None
    family: str | None = None
    new_vehicle: bool = False
    #: Count foreign help up to this confidence (``model.record.assistance.LEVELS``) instead of
    #: the fit's own level: "alleged" asks what the forecast is if Russia's alleged help to
    #: Chollima-1 is real.  None: as the fit was made.
    assistance: str | None = None


@dataclass(frozen=True)
class Announcements:
    """The announced launches (``model.record.schedule``) time questions count, and how they slip;
    ``notes``: what every answer that counts them must say about the schedule (cut short, or not
    readable at all and so left out)."""

    entries: Sequence[Announced] = ()
    slips: SlipModel = field(default_factory=SlipModel)
    notes: tuple[str, ...] = ()

    @classmethod
    def of(cls, schedule: Schedule, history: LaunchHistory | None) -> Announcements:
        partial = schedule.partial
        return cls(schedule.entries, slips_for(schedule, history), (partial,) if partial else ())

    @classmethod
    def unreadable(cls, problem: str) -> Announcements:
        """None counted, because the schedule on disk cannot be read (``problem`` says how to mend it)."""
        return cls((), SlipModel(), (f"answered without announced launches: {problem}",))


@dataclass(frozen=True)
class Resolved:
    query: LaunchQuery
    subject: str
    display_name: str | None
    record: Record
    rate_kind: str
    rate_name: str | None  # None: a new launching state, no launch rate to learn from
    #: For a state's next launch: which vehicle it is taken to fly, and why.
    vehicle_choice: str | None = None
    #: What the answer should say about how it was asked (foreign help counted at another level).
    notes: tuple[str, ...] = ()


def state_vehicle(fit: Fit, state: str) -> tuple[VehicleRecord, str]:
    """The vehicle a state's next orbital attempt will most likely fly, and why.

    The rule: the state's vehicle with the most launches in the ``rates.RECENT_YEARS``
    (5) years before the data's end (the production line
    that is running); ties, or no launch in the window, go to the one that flew last.
    "Whichever flew last" alone picks one-off test vehicles: South Korea's last launch
    in the data is ADD's solid-fuel test vehicle (one flight, December 2023), while its
    orbital programme flies Nuri (three flights, 2021–2023).
    """
    records = [r for r in fit.records.values() if r.state == state]
    counts = fit.rates.recent_counts
    chosen = max(records, key=lambda r: (counts.get(r.vehicle, 0), r.last_launch))
    name = fit.catalogue.state_name(state)
    if counts.get(chosen.vehicle, 0):
        total = sum(counts.get(r.vehicle, 0) for r in records)
        years = fit.rates.recent_years
        why = (
            f"{chosen.display_name}: the {name} vehicle with the most launches in the {years:.0f} "
            f"years to the data's end ({counts[chosen.vehicle]} of {total}); "
            "another vehicle may be asked about by name"
        )
    else:
        why = (
            f"{chosen.display_name}: the {name} vehicle that flew last ({chosen.last_launch[:10]}); "
            "another vehicle may be asked about by name"
        )
    return chosen, why


def resolve(fit: Fit, programme: Programme) -> Resolved:
    """Turn a programme into the query for its next launch, its record and its launch rate."""
    if programme.assistance is not None:
        return _with_help(fit, resolve(fit, replace(programme, assistance=None)), programme.assistance)
    if programme.vehicle and programme.new_vehicle:
        raise LaunchcastError("give either a vehicle or a new vehicle (with a state), not both")
    if programme.state and programme.new_vehicle and fit.catalogue.find_state(programme.state) is None:
        named = fit.catalogue.find_named_state(programme.state)
        if named is not None:  # a state GCAT knows that has never launched: all from the hierarchy
            name = fit.catalogue.state_name(named)
            record = Record(subject=name, attempts=0, successes=0, first_launch=None, last_launch=None)
            query = fit.catalogue.new_vehicle_query(None, programme.family)
            subject = f"maiden flight of {name}'s first vehicle ({name} has never launched)"
            return Resolved(query, subject, None, record, "state", None)
    if programme.state:
        programme = replace(programme, state=fit.catalogue.state_code(programme.state))
    if programme.vehicle:
        r = fit.catalogue.record(programme.vehicle)
        if programme.state and programme.state != r.state:
            raise LaunchcastError(
                f"{r.display_name} ({r.vehicle}) is a {r.state} vehicle, not {programme.state}"
            )
        return Resolved(
            fit.catalogue.next_launch_query(r.vehicle),
            f"{r.display_name}, flight {r.attempts + 1}",
            r.display_name,
            Record(
                subject=r.display_name,
                attempts=r.attempts,
                successes=r.successes,
                first_launch=r.first_launch,
                last_launch=r.last_launch,
            ),
            "vehicle",
            r.vehicle,
        )
    if programme.new_vehicle or programme.family:
        query = fit.catalogue.new_vehicle_query(programme.state, programme.family)
        where = f" of family {programme.family}" if programme.family else ""
        if query.state is None:  # a state that has never launched: all from the hierarchy
            record = Record(
                subject="a new launching state", attempts=0, successes=0, first_launch=None, last_launch=None
            )
            return Resolved(
                query,
                f"maiden flight of a new launching state's first vehicle{where}",
                None,
                record,
                "state",
                None,
            )
        subject = f"maiden flight of a new {fit.catalogue.state_name(query.state)} vehicle{where}"
        return Resolved(query, subject, None, _state_record(fit, query.state), "state", query.state)
    if programme.state:
        chosen, why = state_vehicle(fit, programme.state)
        resolved = resolve(fit, Programme(vehicle=chosen.vehicle))
        return Resolved(
            resolved.query,
            f"next {fit.catalogue.state_name(programme.state)} launch (on {chosen.display_name})",
            chosen.display_name,
            _state_record(fit, programme.state),
            "state",
            programme.state,
            why,
        )
    raise LaunchcastError("say whose launch: a vehicle, a state, or a state with new_vehicle")


def _with_help(fit: Fit, resolved: Resolved, level: str) -> Resolved:
    """The query with foreign help counted up to ``level`` (the shipped ``data/assistance.csv``),
    and a note saying what was counted; the effect of help is the fit's own posterior, fitted on
    help up to the fit's level."""
    check_level(level)
    q = resolved.query
    fitted = str(fit.config.get("assistance", "none"))
    if not isinstance(fit, AssistanceAware) or fit.assistance_effect is None:
        note = (
            f"foreign help at the '{level}' level cannot be counted: the served model ({fit.model} "
            f"{fit.version}, assistance '{fitted}') has no foreign-help term; answered without it"
        )
        return replace(resolved, notes=(*resolved.notes, note))
    rows = Assistance.shipped().at(level).helping(q.vehicle, q.family, q.year)
    if level == "none":
        note = "foreign help left out (assistance 'none')"
    elif rows:
        given = "; ".join(f"{h.confidence} help from {h.helper} ({h.given}; {h.source})" for h in rows)
        note = (
            f"counts foreign help up to '{level}': {given}. The effect of help is the one fitted on "
            f"help up to '{fitted}'"
        )
    else:
        note = f"no foreign help on record for this launch up to the '{level}' level"
    return replace(resolved, query=replace(q, assisted=bool(rows)), notes=(*resolved.notes, note))


def _state_record(fit: Fit, state: str) -> Record:
    records = [r for r in fit.records.values() if r.state == state]
    return Record(
        subject=fit.catalogue.state_name(state),
        attempts=sum(r.attempts for r in records),
        successes=sum(r.successes for r in records),
        first_launch=min((r.first_launch for r in records), default=None),
        last_launch=max((r.last_launch for r in records), default=None),
    )


def model_info(fit: Fit) -> ModelInfo:
    return ModelInfo(model=fit.model, version=fit.version, draws=fit.n_draws)


@dataclass(frozen=True)
class Moment:
    """The time a question is asked, against the fit's data: the gap the model cannot see."""

    now: datetime
    data_end: datetime
    stale_after_days: int
    #: Set when the fit is a stand-in (the first start's baseline): every answer says so.
    provisional: str | None = None

    @classmethod
    def of(cls, fit: Fit, now: datetime, stale_after_days: int = STALE_AFTER_DAYS) -> Moment:
        check_year(now, "as_of")
        try:
            now = now.replace(tzinfo=UTC) if now.tzinfo is None else now.astimezone(UTC)
        except OverflowError:
            raise LaunchcastError(f"as_of {now.isoformat()} is out of range: give a time in UTC") from None
        data_end = fit.data_end
        if data_end is None:
            raise LaunchcastError("this fit records no data as-of date; refit it with 'launchcast refit'")
        if now < data_end:
            raise LaunchcastError(
                f"as_of {now:%Y-%m-%dT%H:%MZ} is before the data's last launch ({fit.as_of}): the fit "
                f"already knows what happened after it; ask as of {fit.as_of} or later"
            )
        moment = cls(now, data_end, stale_after_days, fit.manifest.get("provisional"))
        if moment.gap_years > MAX_YEARS_AFTER_DATA:
            raise LaunchcastError(
                f"as_of {now:%Y-%m-%d} is more than {MAX_YEARS_AFTER_DATA:.0f} years after the data's "
                f"end ({fit.as_of}): update the data ('launchcast data update') and refit"
            )
        return moment

    @cached_property
    def gap_years(self) -> float:
        return years_between(self.data_end, self.now)

    @cached_property
    def age_days(self) -> int:
        return (self.now.date() - self.data_end.date()).days

    def anchored(self, extra_warnings: list[str] | None = None) -> dict[str, object]:
        """The ``Anchored`` fields of an answer asked at this moment."""
        warnings = []
        if self.age_days > self.stale_after_days:
            warnings.append(
                f"the data end {self.age_days:,} days before this question ({self.data_end:%Y-%m-%d}): "
                f"launches since then are unknown to the model — {UPDATE_AND_REFIT}"
            )
        if self.provisional:
            warnings.insert(0, self.provisional)
        return {
            "as_of": self.now,
            "data_as_of": self.data_end.date(),
            "data_age_days": self.age_days,
            "warnings": warnings + (extra_warnings or []),
        }


#: The stale-data warning's remedy: new launch data, then a fit on it.
UPDATE_AND_REFIT = "run 'launchcast data update' and 'launchcast refit'"


def with_newer_data(answer: Anchored, data_end: datetime, stale_after_days: int = STALE_AFTER_DAYS) -> None:
    """Say what the answer's fit has not seen when the data directory holds newer launches
    (a ``data add``, or an update not yet refitted): a refit is then the step needed, and a data
    update only if the directory is itself old.  The edges know the directory; the fit does not."""
    if data_end.date() <= answer.data_as_of:
        return
    refit = (
        f"the data directory holds launches to {data_end:%Y-%m-%d} that this fit (data to "
        f"{answer.data_as_of}) has not seen: run 'launchcast refit'"
    )
    fresh = (answer.as_of.date() - data_end.date()).days <= stale_after_days
    answer.warnings = [w for w in answer.warnings if not (fresh and w.endswith(UPDATE_AND_REFIT))] + [refit]


def check_year(moment: date, what: str) -> None:
    if not YEARS[0] <= moment.year <= YEARS[1]:
        raise LaunchcastError(
            f"{what} {moment.isoformat()} is out of range: give a time in {YEARS[0]}–{YEARS[1]}"
        )


def years_between(start: datetime, end: datetime) -> float:
    return decimal_year(end) - decimal_year(start)


def check_paths(paths: int) -> None:
    if not MIN_PATHS <= paths <= MAX_PATHS:
        raise LaunchcastError(f"paths must be between {MIN_PATHS} and {MAX_PATHS}, got {paths}")
