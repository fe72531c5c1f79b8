"""The launches already announced: a schedule with its history, and which vehicle each one flies.

Most launches are announced before they fly.  Launch Library 2 (The Space Devs,
https://thespacedevs.com/llapi) aggregates the world's announced launches with a
no-earlier-than time (NET), a window and a status; a user adds windows from anywhere
else (a navigation warning, a news report) with its source.  This module keeps them:

- ``schedule.csv``: the announced launches now, one row per id;
- ``schedule-revisions.csv``: every version of every entry ever taken in — a NET that
  moved, a status that changed — appended, never rewritten, so the schedule's own
  history can say how launches slip (``model.questions.manifest``);
- ``schedule.json``: where and when the schedule was last fetched, with the validators
  for a conditional request.

They live in the data directory and change by its one path (``datadir.writing``: one
writer, all-or-nothing), so a failed or cut update leaves the schedule as it was.  The
launch record's hash covers ``launches.csv`` and ``vehicles.csv`` only: a schedule update
never makes a fit stale.

LL2's page layout is read in ``model.record.ll2``; which vehicle an entry flies in
``model.record.rockets``.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field, fields
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from launchcast.model.defaults import YEARS
from launchcast.model.errors import LaunchcastError, ScheduleError
from launchcast.model.record import datadir
from launchcast.model.record.text import LIMITS, checked

SCHEDULE_FILE = "schedule.csv"
REVISIONS_FILE = "schedule-revisions.csv"
META_FILE = "schedule.json"
LL2_SOURCE = "Launch Library 2 (The Space Devs)"
#: An entry whose window closed this long before the fetch is history, not an announcement.
PAST_GRACE = timedelta(days=1)
#: LL2 statuses of launches that have flown: not upcoming, whatever list they came in.
FLOWN = frozenset({"Success", "Failure", "Partial Failure", "In Flight"})
#: The fields whose change makes a new revision (``last_updated`` alone does not).
REVISED_BY = ("status", "net", "net_precision", "window_start", "window_end", "rocket")
#: The statuses a user may give an entry (LL2's words for a launch still to fly).
USER_STATUSES = ("Go", "TBC", "TBD", "Hold")
#: The most entries the schedule holds, all sources together (LL2 lists about 300 upcoming
#: launches; at most 15 pages of 100 are read a refresh, ``schedule_max_pages``).  A change past
#: it is refused and the old schedule stays: 30,000 entries once took minutes of every start.
MAX_ENTRIES = 2_000
#: The largest ``schedule.csv`` written (2,000 entries at the field limits is about 2.8 MB).
MAX_FILE_BYTES = 4 * 1024 * 1024


@dataclass(frozen=True)
class Announced:
    """One announced launch, as its source gives it (times in UTC)."""

    id: str
    source: str
    name: str
    rocket: str  # the rocket as the source names it (LL2: the configuration's name)
    rocket_family: str
    country: str  # the pad's state, as the source gives it (LL2: ISO alpha-2)
    provider: str
    status: str  # Go | TBC | TBD | Hold | …
    net: datetime
    net_precision: str
    window_start: datetime
    window_end: datetime
    last_updated: datetime

    def revised(self, other: Announced) -> bool:
        return any(getattr(self, f) != getattr(other, f) for f in REVISED_BY)


COLUMNS = tuple(f.name for f in fields(Announced))
TIME_COLUMNS = ("net", "window_start", "window_end", "last_updated")
#: The longest value of each text field (``model.record.text``).
TEXT_LIMITS = {
    "id": LIMITS["id"],
    "source": LIMITS["source"],
    "name": LIMITS["name"],
    "rocket": LIMITS["code"],
    "rocket_family": LIMITS["code"],
    "country": LIMITS["code"],
    "provider": LIMITS["name"],
    "status": LIMITS["code"],
    "net_precision": LIMITS["code"],
}


def _time(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class OutOfRange(LaunchcastError):
    """A time that parses but lies outside ``YEARS`` (or outside what a date can hold in UTC)."""


def parse_utc(text: str, what: str) -> datetime:
    """An ISO 8601 time ('2026-12-03T15:00:00Z') in ``YEARS``, to the second; a bare date is
    00:00 UTC.  ``OutOfRange`` for a time outside them, ``LaunchcastError`` for no time at all."""
    shown = text[:40] + "…" if isinstance(text, str) and len(text) > 40 else text
    try:
        value = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except (ValueError, AttributeError, TypeError):
        raise LaunchcastError(f"{what}: {shown!r} is not a time (give e.g. 2026-12-03T15:00Z)") from None
    try:
        value = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    except OverflowError:  # year 1 with a positive offset, year 9999 with a negative one
        value = (datetime.min if value.year < YEARS[0] else datetime.max).replace(tzinfo=UTC)
    if not YEARS[0] <= value.year <= YEARS[1]:
        raise OutOfRange(f"{what}: {shown!r} is out of range: give a time in {YEARS[0]}–{YEARS[1]}")
    return value.replace(microsecond=0)  # stored to the second (``_time``)


# --- the schedule on disk ------------------------------------------------------------------


@dataclass(frozen=True)
class Revision:
    entry: Announced
    recorded_at: datetime


@dataclass(frozen=True)
class Schedule:
    """The announced launches now, every revision, and when the list was last fetched."""

    entries: list[Announced]
    revisions: list[Revision]
    meta: dict[str, Any]

    @property
    def checked_at(self) -> datetime | None:
        """When the source was last asked successfully (a 304 counts): the schedule's age."""
        at = self.meta.get("checked_at") or self.meta.get("fetched_at")
        try:
            return parse_utc(at, "checked_at") if isinstance(at, str) else None
        except LaunchcastError:
            return None

    @property
    def partial(self) -> str | None:
        """Why the schedule may lack announced launches its source lists, if it may."""
        if self.meta.get("complete", True) is not False:
            return None
        return (
            f"Launch Library 2 listed {self.meta.get('listed', '?')} upcoming launches and "
            f"{self.meta.get('read', '?')} were read at its last update (pages cut short, or the "
            "page limit); launches past the last one read are as an earlier update left them"
        )

    def upcoming(self, now: datetime) -> list[Announced]:
        """Entries whose window has not closed by ``now``, by NET."""
        return sorted((e for e in self.entries if e.window_end + PAST_GRACE >= now), key=lambda e: e.net)

    def history(self, entry_id: str) -> list[Revision]:
        return [r for r in self.revisions if r.entry.id == entry_id]


def _rows(entries: Iterable[Announced], extra: dict[str, str] | None = None) -> list[dict[str, str]]:
    rows = []
    for entry in entries:
        row = {k: (_time(v) if isinstance(v, datetime) else str(v)) for k, v in asdict(entry).items()}
        rows.append(row | (extra or {}))
    return rows


def _csv(rows: list[dict[str, str]], columns: tuple[str, ...]) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def _unreadable(name: str, line: int | None, problem: str) -> ScheduleError:
    at = f" line {line}" if line else ""
    return ScheduleError(
        f"{name}{at}: {problem}: the schedule cannot be read; 'launchcast schedule update' or "
        "'schedule add' replaces it (keeping the unreadable file beside it), or remove the file",
        "unreadable",
    )


def _read_entries(raw: bytes, name: str) -> list[tuple[Announced, dict[str, str]]]:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _unreadable(name, None, f"not UTF-8 (byte {exc.start})") from None
    reader = csv.DictReader(io.StringIO(text))
    out = []
    try:
        for row in reader:
            line = reader.line_num
            try:
                values: dict[str, Any] = {k: row[k] for k in COLUMNS}
                for k in TIME_COLUMNS:
                    values[k] = parse_utc(values[k], k)
            except (KeyError, LaunchcastError, TypeError) as exc:
                raise _unreadable(name, line, str(exc)) from None
            out.append((Announced(**values), row))
    except csv.Error as exc:  # raised before the line it reads is counted
        raise _unreadable(name, reader.line_num + 1, str(exc)) from None
    return out


def _meta(raw: bytes) -> dict[str, Any]:
    try:
        meta = json.loads(raw) if raw else {}
    except (ValueError, RecursionError):
        return {}  # unreadable validators: the next update fetches everything, as the first did
    return meta if isinstance(meta, dict) else {}


def _meta_file(meta: dict[str, Any]) -> bytes:
    return (json.dumps(meta, indent=1) + "\n").encode()


def _schedule_from(snapshot: datadir.Snapshot) -> Schedule:
    def raw(name: str) -> bytes:
        return snapshot.read_bytes(name) if snapshot.path(name).exists() else b""

    entries = [e for e, _ in _read_entries(raw(SCHEDULE_FILE), SCHEDULE_FILE)]
    revisions = []
    for entry, row in _read_entries(raw(REVISIONS_FILE), REVISIONS_FILE):
        try:
            revisions.append(Revision(entry, parse_utc(row.get("recorded_at") or "", "recorded_at")))
        except LaunchcastError as exc:
            raise _unreadable(REVISIONS_FILE, None, f"{entry.id}: {exc}") from None
    return Schedule(entries, revisions, _meta(raw(META_FILE)))


def read_schedule(data_dir: Path) -> Schedule:
    """The schedule as committed (empty before the first update or addition); ``ScheduleError``
    (kind ``unreadable``) naming the file and line when it cannot be read."""
    with datadir.reading(Path(data_dir)) as snapshot:
        return _schedule_from(snapshot)


@dataclass(frozen=True)
class ScheduleChange:
    """What one update or addition did to the schedule."""

    new: int = 0
    revised: int = 0
    dropped: int = 0
    kept: int = 0
    skipped: tuple[str, ...] = ()  # entries not taken in, each with why
    #: Schedule files that could not be read, kept beside the new ones: why, and where.
    set_aside: tuple[str, ...] = ()

    def summary(self) -> str:
        skipped = f"; {len(self.skipped)} skipped ({self.skipped[0]}…)" if self.skipped else ""
        return (
            f"{self.new} new, {self.revised} revised, {self.dropped} no longer listed, "
            f"{self.kept} unchanged{skipped}"
        )


def check_unique(entries: list[Announced], where: str) -> None:
    seen: set[str] = set()
    for entry in entries:
        if entry.id in seen:
            raise ScheduleError(
                f"{where}: the id {entry.id} appears twice (a list that moved while it was paged?); "
                "the schedule is unchanged",
                "duplicate",
            )
        seen.add(entry.id)


def usable(entries: list[Announced], now: datetime) -> tuple[list[Announced], list[str]]:
    """Entries that are announcements at ``now``; the others (flown, window long closed), each with why."""
    kept, skipped = [], []
    for entry in entries:
        if entry.status in FLOWN:
            skipped.append(f"{entry.name}: status {entry.status} (it has flown)")
        elif entry.window_end + PAST_GRACE < now:
            skipped.append(f"{entry.name}: its window closed {_time(entry.window_end)}, before {_time(now)}")
        elif entry.window_end < entry.window_start:
            skipped.append(f"{entry.name}: window_end {_time(entry.window_end)} before window_start")
        else:
            kept.append(entry)
    return kept, skipped


@dataclass
class _Current:
    """A writer's view of the schedule: the entries it can read, and unreadable files to keep aside."""

    entries: list[Announced]
    revisions_readable: bool
    set_aside: dict[str, bytes] = field(default_factory=dict)
    why: list[str] = field(default_factory=list)


def _current(tx: datadir.Transaction, now: datetime) -> _Current:
    """The committed schedule.  A file that cannot be read does not stop the change that replaces
    it: its bytes are kept beside it (``schedule-unreadable-<time>.csv``), so nothing is lost."""
    current = _Current([], True)
    stamp = now.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    for name in (SCHEDULE_FILE, REVISIONS_FILE):
        if not tx.path(name).exists():
            continue
        raw = tx.read_bytes(name)
        try:
            entries = [e for e, _ in _read_entries(raw, name)]
        except ScheduleError as exc:
            aside = name.replace(".csv", f"-unreadable-{stamp}.csv")
            current.set_aside[aside] = raw
            current.why.append(f"{exc} — kept as {aside}")
            if name == REVISIONS_FILE:
                current.revisions_readable = False
            continue
        if name == SCHEDULE_FILE:
            current.entries = entries
    return current


def _schedule_file(entries: Iterable[Announced], where: str) -> bytes:
    """``schedule.csv`` holding ``entries``, within ``MAX_ENTRIES`` and ``MAX_FILE_BYTES``."""
    ordered = sorted(entries, key=lambda e: (e.net, e.id))
    if len(ordered) > MAX_ENTRIES:
        raise ScheduleError(
            f"{where}: the schedule would hold {len(ordered):,} entries, over the limit of "
            f"{MAX_ENTRIES:,}; the schedule is unchanged",
            "too-large",
        )
    content = _csv(_rows(ordered), COLUMNS)
    if len(content) > MAX_FILE_BYTES:
        raise ScheduleError(
            f"{where}: the schedule would take {len(content):,} bytes, over the limit of "
            f"{MAX_FILE_BYTES:,}; the schedule is unchanged",
            "too-large",
        )
    return content


def _commit(
    tx: datadir.Transaction,
    current: _Current,
    entries: list[Announced] | None,
    changed: list[Announced],
    now: datetime,
    where: str,
    meta: bytes | None = None,
) -> None:
    """Write the schedule (``entries``; None: unchanged), ``changed`` appended to the revisions and
    ``meta``, with unreadable files kept aside; each file is read back before the commit."""
    files = dict(current.set_aside)
    if entries is not None:
        files[SCHEDULE_FILE] = _schedule_file(entries, where)
    if changed or not current.revisions_readable:
        files[REVISIONS_FILE] = _append_revisions(tx, current, changed, now)
    if meta is not None:
        files[META_FILE] = meta

    def reads_back(staged: datadir.Snapshot) -> None:
        schedule = _schedule_from(staged)
        if entries is not None and sorted(schedule.entries, key=lambda e: e.id) != sorted(
            entries, key=lambda e: e.id
        ):
            raise ScheduleError(f"{SCHEDULE_FILE} does not read back as the entries written")
        if changed and [r.entry for r in schedule.revisions[-len(changed) :]] != changed:
            raise ScheduleError(f"{REVISIONS_FILE} does not read back with the revisions appended")

    tx.commit(files, check=reads_back)


def take_in(
    data_dir: Path,
    fetched: list[Announced],
    now: datetime,
    *,
    source: str = LL2_SOURCE,
    complete: bool = True,
    meta: dict[str, Any] | None = None,
) -> ScheduleChange:
    """Replace ``source``'s entries with ``fetched`` as one commit, appending a revision for each
    new or changed entry.  Entries of other sources stay.  With ``complete`` False (the list was
    cut at the page limit, or its pages held fewer than it listed), entries past the last one
    fetched are kept as they were."""
    check_unique(fetched, source)
    taken, skipped = usable(fetched, now)
    with datadir.writing(Path(data_dir)) as tx:
        current = _current(tx, now)
        before = {e.id: e for e in current.entries if e.source == source}
        others = [e for e in current.entries if e.source != source]
        clash = {e.id for e in others} & {e.id for e in taken}
        if clash:
            raise ScheduleError(f"{source}: id {sorted(clash)[0]} is already an entry of another source")
        after = {e.id: e for e in taken}
        if not complete and taken:
            last = max(e.net for e in taken)
            after |= {i: e for i, e in before.items() if i not in after and e.net > last}
        changed = [e for i, e in after.items() if i not in before or before[i].revised(e)]
        new = sum(1 for e in changed if e.id not in before)
        stamps = {"fetched_at": _time(now), "checked_at": _time(now)}
        _commit(
            tx,
            current,
            [*others, *after.values()],
            changed,
            now,
            source,
            _meta_file((meta or {}) | stamps),
        )
    return ScheduleChange(
        new=new,
        revised=len(changed) - new,
        dropped=len(set(before) - set(after)),
        kept=len(after) - len(changed),
        skipped=tuple(skipped),
        set_aside=tuple(current.why),
    )


def record_check(data_dir: Path, meta: dict[str, Any]) -> None:
    """Note a check that found nothing new (LL2 answered 304): the schedule's age restarts."""
    with datadir.writing(Path(data_dir)) as tx:
        tx.commit({META_FILE: _meta_file(meta)}, check=_schedule_from)


def add(data_dir: Path, entries: list[Announced], now: datetime) -> ScheduleChange:
    """Add or revise entries a user gives (a navigation warning, a news report), each with its source."""
    check_unique(entries, "the entries given")
    if len(entries) > MAX_ENTRIES:
        raise ScheduleError(
            f"{len(entries):,} entries given, over the schedule's limit of {MAX_ENTRIES:,}; "
            "nothing was added",
            "too-large",
        )
    for entry in entries:
        if not entry.source.strip():
            raise ScheduleError(f"{entry.name}: give its source (a URL or a citation) with --source")
        if entry.window_end < entry.window_start:
            raise ScheduleError(f"{entry.name}: the window ends before it starts")
        if entry.window_end + PAST_GRACE < now:
            raise ScheduleError(
                f"{entry.name}: its window closed {_time(entry.window_end)}, before now ({_time(now)}); "
                "a launch that flew belongs in the record ('launchcast data add'), not the schedule"
            )
    with datadir.writing(Path(data_dir)) as tx:
        state = _current(tx, now)
        current = {e.id: e for e in state.entries}
        for entry in entries:
            if entry.id in current and current[entry.id].source != entry.source:
                if current[entry.id].source == LL2_SOURCE:
                    raise ScheduleError(
                        f"{entry.id} is a Launch Library 2 entry; add yours under another --id"
                    )
        changed = [e for e in entries if e.id not in current or current[e.id].revised(e)]
        new = sum(1 for e in changed if e.id not in current)
        merged = current | {e.id: e for e in entries}
        _commit(tx, state, list(merged.values()), changed, now, "the entries given")
    return ScheduleChange(
        new=new, revised=len(changed) - new, kept=len(entries) - len(changed), set_aside=tuple(state.why)
    )


def _append_revisions(
    tx: datadir.Transaction, current: _Current, changed: list[Announced], now: datetime
) -> bytes:
    """The revision history with ``changed`` appended (never rewritten; begun anew when the old
    file could not be read, which is then kept aside)."""
    readable = current.revisions_readable and tx.path(REVISIONS_FILE).exists()
    old = tx.read_bytes(REVISIONS_FILE) if readable else b""
    added = _csv(_rows(changed, {"recorded_at": _time(now)}), (*COLUMNS, "recorded_at"))
    if old:
        return old + added.split(b"\n", 1)[1]
    return added


def user_entry(
    *,
    rocket: str,
    net: datetime,
    source: str,
    window_end: datetime | None = None,
    status: str = "TBC",
    name: str | None = None,
    country: str = "",
    entry_id: str | None = None,
    now: datetime,
) -> Announced:
    """An announced launch a user gives (``launchcast schedule add``); ``TextError`` naming a
    field with a control character or over its limit, ``ScheduleError`` for a status a launch
    still to fly does not have."""
    where = ""  # the caller says which entry
    known = {s.casefold(): s for s in USER_STATUSES}
    if status.strip().casefold() not in known:
        raise ScheduleError(
            f"status {status.strip()[:40]!r}: give one of {', '.join(USER_STATUSES)} (a launch that has "
            "flown belongs in the record: 'launchcast data add')"
        )
    rocket = checked(rocket, "rocket", TEXT_LIMITS["rocket"], where)
    name = checked(name or f"{rocket} (announced)", "name", TEXT_LIMITS["name"], where)
    entry_id = checked(entry_id or "", "id", TEXT_LIMITS["id"], where)
    return Announced(
        id=entry_id or f"user:{rocket.casefold().replace(' ', '-')}:{net:%Y-%m-%d}"[: TEXT_LIMITS["id"]],
        source=checked(source, "source", TEXT_LIMITS["source"], where),
        name=name,
        rocket=rocket,
        rocket_family="",
        country=checked(country, "country", TEXT_LIMITS["country"], where),
        provider="",
        status=known[status.strip().casefold()],
        net=net,
        net_precision="DAY",
        window_start=net,
        window_end=window_end or net,
        last_updated=now,
    )
