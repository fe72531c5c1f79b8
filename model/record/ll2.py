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
- on ``429`` stops at once and reports LL2's ``Retry-After`` (``ScheduleError.retry_after``),
  which the service's refresher honours; 5xx, timeouts and dropped connections are retried
  a few times with backoff; every page has a byte cap and a wall-clock deadline (a server
  trickling bytes never trips a read timeout).

A page that is not LL2's layout, a truncated body, duplicate ids: the whole update is
refused (``ScheduleError``, one line saying what and where) and the schedule stays as it
was — pages are parsed in memory and only taken in, as one commit, once all have arrived.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

import httpx

from launchcast.model.defaults import SCHEDULE_URL
from launchcast.model.errors import ScheduleError
from launchcast.model.record import schedule
from launchcast.model.record.schedule import Announced, ScheduleChange

#: The most entries LL2 returns in one page.
PAGE_SIZE = 100


@dataclass(frozen=True)
class ScheduleConfig:
    url: str = SCHEDULE_URL
    api_key: str | None = None
    page_size: int = PAGE_SIZE
    max_pages: int = 4
    connect_timeout: float = 10.0
    read_timeout: float = 30.0
    #: The longest one page may take, start to end.
    deadline_seconds: float = 60.0
    #: The largest page body taken (LL2's pages of 100 are ~0.5 MB in normal mode).
    max_bytes: int = 8 * 1024 * 1024
    retries: int = 2
    backoff_seconds: float = 1.0


@dataclass
class ScheduleResult:
    outcome: str  # "updated" | "current" (LL2 answered 304: nothing new)
    reason: str
    change: ScheduleChange | None = None
    pages: int = 0
    listed: int = 0
    complete: bool = True
    meta: dict[str, Any] = field(default_factory=dict)


class _Retryable(Exception):
    pass


def update_schedule(data_dir: Path, config: ScheduleConfig, now: datetime) -> ScheduleResult:
    """Bring the schedule up to LL2's upcoming list; raise ``ScheduleError`` saying why not."""
    data_dir = Path(data_dir)
    previous = schedule.read_schedule(data_dir).meta
    headers = {"User-Agent": "launchcast (schedule update)", "Accept": "application/json"}
    if config.api_key:
        headers["Authorization"] = f"Token {config.api_key}"
    first = _page_url(config.url, config.page_size)
    conditional = {}
    if previous.get("url") == first:
        if previous.get("etag"):
            conditional["If-None-Match"] = str(previous["etag"])
        if previous.get("last_modified"):
            conditional["If-Modified-Since"] = str(previous["last_modified"])
    timeout = httpx.Timeout(config.read_timeout, connect=config.connect_timeout)
    entries: list[Announced] = []
    with httpx.Client(timeout=timeout, follow_redirects=True, headers=headers) as client:
        url: str | None = first
        pages, listed, validators = 0, 0, {}
        while url is not None and pages < config.max_pages:
            status, body, response_headers = _get(client, config, url, conditional if pages == 0 else {}, now)
            if status == 304:
                schedule.record_check(data_dir, previous | {"checked_at": _stamp(now)})
                return ScheduleResult(
                    "current", "Launch Library 2's list has not changed since the last update"
                )
            if pages == 0:
                validators = {
                    "etag": response_headers.get("etag"),
                    "last_modified": response_headers.get("last-modified"),
                }
            page = schedule.parse_ll2_page(body, url)
            entries += page.entries
            listed = page.count
            pages += 1
            url = page.next_url
    complete = url is None
    meta = {"url": first, **validators, "pages": pages, "listed": listed, "complete": complete}
    change = schedule.take_in(data_dir, entries, now, complete=complete, meta=meta)
    cut = "" if complete else f" (first {pages} page(s) of {listed}; the rest kept from before)"
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


def _get(
    client: httpx.Client, config: ScheduleConfig, url: str, headers: dict[str, str], now: datetime
) -> tuple[int, bytes, httpx.Headers]:
    problem = ""
    for attempt in range(config.retries + 1):
        if attempt:
            time.sleep(config.backoff_seconds * 2 ** (attempt - 1))
        try:
            return _download(client, config, url, headers, now)
        except _Retryable as exc:
            problem = str(exc)
        except httpx.TimeoutException as exc:
            kind = "connecting" if isinstance(exc, httpx.ConnectTimeout) else "waiting for data"
            problem = f"timed out {kind} ({type(exc).__name__})"
        except httpx.RemoteProtocolError as exc:
            problem = f"the connection broke before the whole page arrived (truncated body: {exc})"
        except httpx.ConnectError as exc:
            problem = f"cannot connect ({exc}): offline, a wrong host, or DNS"
        except httpx.TransportError as exc:
            problem = f"transfer failed ({type(exc).__name__}: {exc})"
    raise ScheduleError(
        f"{url}: {problem}, after {config.retries + 1} attempt(s); the schedule is unchanged",
        "http" if problem.startswith("HTTP") else "transfer",
    )


def _download(
    client: httpx.Client, config: ScheduleConfig, url: str, headers: dict[str, str], now: datetime
) -> tuple[int, bytes, httpx.Headers]:
    with client.stream("GET", url, headers=headers) as response:
        status = response.status_code
        if status == 304:
            return status, b"", response.headers
        if status == 429:
            wait = retry_after(response.headers.get("retry-after"), now)
            when = f"; it asks to wait {wait:.0f} s" if wait is not None else ""
            raise ScheduleError(
                f"{url}: HTTP 429 Too Many Requests (Launch Library 2's free tier allows 15 requests an "
                f"hour{when}; a key raises it: LAUNCHCAST_SCHEDULE_API_KEY); the schedule is unchanged",
                "rate-limited",
                retry_after=wait,
            )
        if status >= 500:
            raise _Retryable(f"HTTP {status} {response.reason_phrase}")
        if status != 200:
            raise ScheduleError(
                f"{url}: HTTP {status} {response.reason_phrase} (is LAUNCHCAST_SCHEDULE_URL / --url "
                "Launch Library 2's …/launches/upcoming/?); the schedule is unchanged",
                "http",
            )
        length = response.headers.get("content-length")
        if length and length.isdigit() and int(length) > config.max_bytes:
            raise ScheduleError(
                f"{url}: {int(length):,} bytes is over the {config.max_bytes:,}-byte cap for one page; "
                "the schedule is unchanged",
                "too-large",
            )
        deadline = time.monotonic() + config.deadline_seconds
        body = bytearray()
        for chunk in response.iter_bytes():
            if time.monotonic() > deadline:
                raise ScheduleError(
                    f"{url}: the page took longer than {config.deadline_seconds:g} s ({len(body):,} bytes "
                    "received): a stalled or trickling server; the schedule is unchanged",
                    "stalled",
                )
            body += chunk
            if len(body) > config.max_bytes:
                raise ScheduleError(
                    f"{url}: the body passed the {config.max_bytes:,}-byte cap for one page; "
                    "the schedule is unchanged",
                    "too-large",
                )
        return status, bytes(body), response.headers


def retry_after(value: str | None, now: datetime) -> float | None:
    """Seconds to wait from a ``Retry-After`` header: a number of seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - now).total_seconds())
