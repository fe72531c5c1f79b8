"""``launchcast schedule update``: Launch Library 2's upcoming launches over HTTP, into the schedule.

Launch Library 2 (The Space Devs, https://thespacedevs.com/llapi; facts from it are
credited to The Space Devs wherever shown) lists the world's announced launches at
``/2.3.0/launches/upcoming/``, paginated by ``limit``/``offset``.  The free tier allows
15 requests an hour, so an update:

- asks for ``PAGE_SIZE`` (100, the most LL2 gives) entries a page and at most
  ``max_pages`` pages (the list is ordered by NET: a cut list is the nearest launches, and
  entries past its end are kept from the last update, ``schedule.take_in``);
- asks conditionally (``If-None-Match`` / ``If-Modified-Since`` of the last first page):
  ``304`` costs no parsing and changes nothing;
- sends ``Authorization: Token <key>`` when the user has a key (``LAUNCHCAST_SCHEDULE_API_KEY``);
  — to the configured host only: a ``next`` link's path and query are asked of that host
  (``download.on_host``), never the host the link names;
- on ``429`` stops at once and reports LL2's ``Retry-After`` (``ScheduleError.retry_after``,
  at most a day), which the service's refresher honours; 5xx, timeouts and dropped
  connections are retried a few times with backoff; every page has a byte cap and a deadline
  for the whole answer, headers included (``model.record.download``).

A page that is not LL2's layout, a truncated body, duplicate ids, more entries than were
asked for: the whole update is refused (``ScheduleError``, one line saying what and where,
the URL without credentials) and the schedule stays as it was — pages are parsed in memory
and only taken in, as one commit, once all have arrived.  Pages that end before LL2's
``count`` says the list does are taken in as **partial** (entries past the last one read
kept from before), and answers that count announced launches say so.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from launchcast.model.defaults import SCHEDULE_URL
from launchcast.model.errors import DownloadError, LaunchcastError, ScheduleError
from launchcast.model.record import download, schedule
from launchcast.model.record.schedule import (
    LL2_SOURCE,
    TEXT_LIMITS,
    Announced,
    OutOfRange,
    ScheduleChange,
    parse_utc,
)
from launchcast.model.record.text import TextError, bounded

#: What to check, by the kind of a failed download.
HINTS = {
    "rate-limited": " (Launch Library 2's free tier allows 15 requests an hour; a key raises it: "
    "LAUNCHCAST_SCHEDULE_API_KEY)",
    "http": " (is LAUNCHCAST_SCHEDULE_URL / --url Launch Library 2's …/launches/upcoming/?)",
}
#: The most entries LL2 returns in one page.
PAGE_SIZE = 100


@dataclass(frozen=True)
class ScheduleConfig(download.Limits):
    """Where LL2's list is and how much of it to read; each page within ``download.Limits``
    (a page of 100 is ~0.5 MB in LL2's normal mode, under the 8 MB cap)."""

    url: str = SCHEDULE_URL
    api_key: str | None = None
    page_size: int = PAGE_SIZE
    max_pages: int = 4


@dataclass
class ScheduleResult:
    outcome: str  # "updated" | "current" (LL2 answered 304: nothing new)
    reason: str
    change: ScheduleChange | None = None
    pages: int = 0
    listed: int = 0
    complete: bool = True
    meta: dict[str, Any] = field(default_factory=dict)


def update_schedule(data_dir: Path, config: ScheduleConfig, now: datetime) -> ScheduleResult:
    """Bring the schedule up to LL2's upcoming list; raise ``ScheduleError`` saying why not."""
    data_dir = Path(data_dir)
    try:
        previous = schedule.read_schedule(data_dir).meta
    except ScheduleError:
        previous = {}  # an unreadable schedule is replaced (and kept aside) by ``take_in``
    headers = {"User-Agent": "launchcast (schedule update)", "Accept": "application/json"}
    if config.api_key:
        headers["Authorization"] = f"Token {config.api_key}"
    first = _page_url(config.url, config.page_size)
    conditional = {}
    if previous.get("url") == download.shown(first):
        if previous.get("etag"):
            conditional["If-None-Match"] = str(previous["etag"])
        if previous.get("last_modified"):
            conditional["If-Modified-Since"] = str(previous["last_modified"])
    entries: list[Announced] = []
    skipped: list[str] = []
    url: str | None = first
    pages, listed, read, validators = 0, 0, 0, {}
    while url is not None and pages < config.max_pages:
        body = io.BytesIO()
        try:
            answer = download.get(url, config, body, now, headers | (conditional if pages == 0 else {}))
        except DownloadError as exc:
            hint = HINTS.get(exc.kind, "")
            raise ScheduleError(
                f"{exc}{hint}; the schedule is unchanged", exc.kind, exc.retry_after
            ) from None
        if answer.status == 304:
            schedule.record_check(data_dir, previous | {"checked_at": _stamp(now)})
            return ScheduleResult("current", "Launch Library 2's list has not changed since the last update")
        if pages == 0:
            validators = {
                "etag": answer.validator("etag"),
                "last_modified": answer.validator("last-modified"),
            }
        page = parse_ll2_page(body.getvalue(), download.shown(url))
        schedule.check_unique([*entries, *page.entries], download.shown(url))
        if page.listed > config.page_size:
            raise ScheduleError(
                f"{download.shown(url)}: the page holds {page.listed:,} entries where at most "
                f"{config.page_size} were asked for: not Launch Library 2's list; the schedule is unchanged",
                "too-large",
            )
        entries += page.entries
        skipped += page.skipped
        read += page.listed
        listed = page.count
        pages += 1
        try:
            url = download.on_host(page.next_url, config.url) if page.next_url else None
        except DownloadError as exc:
            raise ScheduleError(
                f"{download.shown(first)}: {exc}; the schedule is unchanged", exc.kind
            ) from None
    complete = url is None and read >= listed
    meta = {
        "url": download.shown(first),
        **validators,
        "pages": pages,
        "listed": listed,
        "read": read,
        "complete": complete,
    }
    change = schedule.take_in(data_dir, entries, now, complete=complete, meta=meta)
    change = ScheduleChange(**{**vars(change), "skipped": (*skipped, *change.skipped)})
    if complete:
        cut = ""
    elif url is None:
        cut = (
            f" (partial: the pages ended after {read} of the {listed} launches listed; "
            "the rest kept from before)"
        )
    else:
        cut = f" (first {pages} page(s) of {listed}; the rest kept from before)"
    return ScheduleResult(
        "updated",
        f"{len(entries)} announced launch(es) read{cut}: {change.summary()}",
        change,
        pages,
        listed,
        complete,
        meta,
    )


def _page_url(url: str, page_size: int) -> str:
    joiner = "&" if "?" in url else "?"
    return f"{url}{joiner}limit={page_size}" if "limit=" not in url else url


def _stamp(now: datetime) -> str:
    return now.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# --- Launch Library 2's layout -------------------------------------------------------------


@dataclass(frozen=True)
class Page:
    """One page of LL2's upcoming list: its entries, the next page's URL, the list's length, and
    the entries left out, each with why (a field over its limit, a time out of range)."""

    entries: list[Announced]
    next_url: str | None
    count: int
    skipped: list[str] = field(default_factory=list)

    @property
    def listed(self) -> int:
        """Entries the page held, taken in or not."""
        return len(self.entries) + len(self.skipped)


class _Skip(Exception):
    """An entry whose layout is right but whose content cannot be stored (it is left out, said)."""


def parse_ll2_page(raw: bytes, where: str) -> Page:
    """A page of ``/launches/upcoming/`` as announced launches; a malformed one is refused
    whole, naming the entry and the field (``ScheduleError``)."""
    try:
        body = json.loads(raw.decode("utf-8"))
    except RecursionError:
        raise ScheduleError(
            f"{where}: JSON nested too deep to be Launch Library 2's list; the schedule is unchanged",
            "malformed",
        ) from None
    except UnicodeDecodeError as exc:
        raise ScheduleError(
            f"{where}: not UTF-8 (byte {exc.start}); the schedule is unchanged", "malformed"
        ) from None
    except ValueError as exc:
        raise ScheduleError(
            f"{where}: not JSON ({exc}; {len(raw):,} bytes — truncated?); the schedule is unchanged",
            "malformed",
        ) from None
    if not isinstance(body, dict) or not isinstance(body.get("results"), list):
        raise ScheduleError(
            f"{where}: not Launch Library 2's launch list (no 'results' list; is the URL "
            "…/2.3.0/launches/upcoming/?); the schedule is unchanged",
            "malformed",
        )
    entries, skipped = [], []
    for i, item in enumerate(body["results"]):
        try:
            entries.append(_ll2_entry(item, f"{where} results[{i}]"))
        except _Skip as exc:
            skipped.append(str(exc))
    next_url = body.get("next")
    count = body.get("count")
    listed = len(entries) + len(skipped)
    return Page(
        entries,
        next_url if isinstance(next_url, str) and next_url else None,
        count if isinstance(count, int) and not isinstance(count, bool) and count >= 0 else listed,
        skipped,
    )


def _ll2_entry(item: Any, where: str) -> Announced:
    def at(*path: str, required: bool = True) -> Any:
        value: Any = item
        for key in path:
            value = value.get(key) if isinstance(value, dict) else None
        if required and value in (None, ""):
            raise ScheduleError(f"{where}: no {'.'.join(path)}; the schedule is unchanged", "malformed")
        return value

    def when(name: str, default: str | None = None) -> datetime:
        text = at(name, required=default is None) or default
        if not isinstance(text, str):
            raise ScheduleError(f"{where}: {name} is not a time; the schedule is unchanged", "malformed")
        try:
            return parse_utc(text, name)
        except OutOfRange as exc:
            raise _Skip(f"{where}: {exc}") from None
        except LaunchcastError:
            raise ScheduleError(
                f"{where}: {name} {text[:40]!r} is not a time; the schedule is unchanged", "malformed"
            ) from None

    def text(name: str, value: Any) -> str:
        if isinstance(value, dict | list):
            raise ScheduleError(f"{where}: {name} is not text; the schedule is unchanged", "malformed")
        try:
            return bounded(str(value or ""), name, TEXT_LIMITS[name], where)
        except TextError as exc:
            raise _Skip(str(exc)) from None

    net_text = at("net")
    configuration = at("rocket", "configuration")
    families = configuration.get("families") if isinstance(configuration, dict) else None
    first = families[0] if isinstance(families, list) and families else None
    family = first.get("name", "") if isinstance(first, dict) else ""
    start = when("window_start", net_text)
    entry = Announced(
        id=text("id", at("id")),
        source=LL2_SOURCE,
        name=text("name", at("name")),
        rocket=text("rocket", at("rocket", "configuration", "name", required=False))
        or text("rocket", at("rocket", "configuration", "full_name")),
        rocket_family=text("rocket_family", family),
        country=text("country", at("pad", "country", "alpha_2_code", required=False)),
        provider=text("provider", at("launch_service_provider", "name", required=False)),
        status=text("status", at("status", "abbrev")),
        net=when("net"),
        net_precision=text("net_precision", at("net_precision", "abbrev", required=False)),
        window_start=start,
        window_end=when("window_end", start.isoformat()),
        last_updated=when("last_updated", net_text),
    )
    for name in ("id", "name", "rocket", "status"):
        if not getattr(entry, name):
            raise _Skip(f"{where}: {name} is empty once control characters are removed")
    return entry
