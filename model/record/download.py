"""One download from a server we do not control: GCAT's tables and Launch Library 2's pages.

Both sources are asked by this code, so every bound holds for both (the fault round of
issue #34 found each of them missing somewhere):

- **A deadline for the whole answer**, from connecting through the headers to the body's
  last byte (``asyncio.timeout`` around httpx's async client, which cancels a read in
  progress).  A per-read timeout never stops a server that sends its headers or its body a
  byte at a time; this does.
- **A byte cap on the body as decoded**, so a gzip bomb stops at the cap; a body whose
  ``Content-Encoding`` cannot be decoded is one line, not a traceback.
- **Retries with backoff** on 5xx, timeouts and broken connections; a ``429`` is reported
  at once with its ``Retry-After`` (at most ``MAX_RETRY_AFTER``: a server asking for 10²⁰ s
  does not switch the schedule off for good).
- **One host.**  Redirects are followed only on the host asked (``MAX_REDIRECTS``), so
  credentials — a ``user:password@`` in a mirror's URL, an API key header — never go to
  another host; a ``next`` link is asked of the configured host (``on_host``), so a mirror or
  a proxy keeps working.
- **One line per failure** (``DownloadError``: the URL without credentials, ``shown``, and
  the cause; ``kind`` for counting), whatever httpx, the URL parser or the decoder raised.

The callers add what the failure means for them ("the schedule is unchanged", "data/ is
unchanged").  Time is an input: ``now`` reads an HTTP-date ``Retry-After``.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import BinaryIO
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import httpx

from launchcast.model.errors import DownloadError

#: Redirects followed on the host asked (GCAT's site moved its tables once; more is a loop).
MAX_REDIRECTS = 5
#: The longest ``Retry-After`` honoured: a day.  Launch Library 2's own limit resets hourly.
MAX_RETRY_AFTER = 24 * 3600.0
#: Query parameters whose values are secrets (shown as ``…``).
SECRET_PARAMETERS = ("key", "token", "secret", "password", "passwd", "auth", "signature", "sig")

#: ``user:password@`` in a URL inside a library's message.
CREDENTIALS = re.compile(r"//[^/\s@]*@")

#: (bytes received, bytes expected or None) — for a progress bar.
ProgressFn = Callable[[int, int | None], None]


@dataclass(frozen=True)
class Limits:
    connect_timeout: float = 10.0
    #: The longest one read may wait.
    read_timeout: float = 30.0
    #: The longest the whole answer may take, headers included.
    deadline_seconds: float = 60.0
    #: The largest body taken, as decoded.
    max_bytes: int = 8 * 1024 * 1024
    retries: int = 2
    #: The first retry's delay; it doubles each time.
    backoff_seconds: float = 1.0


@dataclass(frozen=True)
class Answer:
    """What a server answered: ``status`` 200 (the body went to the caller's sink) or 304."""

    status: int
    headers: httpx.Headers
    size: int

    def validator(self, name: str) -> str | None:
        """A validator to send back next time (``etag``, ``last-modified``): printable and short,
        else none (a hostile one is not stored)."""
        value = self.headers.get(name)
        return value if value and len(value) <= 200 and value.isprintable() else None


def shown(url: str) -> str:
    """``url`` fit to show in an answer, a log or a metric: no ``user:password@``, no secret
    query values.  Text that is not a URL is shown as ``'<not a URL>'``."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        return "<not a URL>"
    if ":" in host:
        host = f"[{host}]"
    query = urlencode(
        [
            (k, "…" if any(s in k.lower() for s in SECRET_PARAMETERS) else v)
            for k, v in parse_qsl(parts.query, keep_blank_values=True)
        ],
        safe="…",
    )
    return urlunsplit((parts.scheme, host + port, parts.path, query, ""))


def on_host(link: str, configured: str) -> str:
    """A link a server gave (LL2's ``next``) asked of the configured host: its path and query on
    ``configured``'s scheme, host, port and credentials.  ``DownloadError`` if it is no URL."""
    try:
        parts = urlsplit(link)
        base = urlsplit(configured)
        parts.port  # noqa: B018 - parsing the port raises on a malformed one
    except ValueError:
        raise DownloadError(f"the next page's link {link[:200]!r} is not a URL", "malformed") from None
    if not parts.path:
        raise DownloadError(f"the next page's link {link[:200]!r} has no path", "malformed")
    return urlunsplit((base.scheme, base.netloc, parts.path, parts.query, ""))


def retry_after(value: str | None, now: datetime) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (seconds or an HTTP date), at most a day."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return min(float(value[:12]), MAX_RETRY_AFTER)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    try:
        wait = (when - now).total_seconds()
    except OverflowError:
        return MAX_RETRY_AFTER
    return min(max(0.0, wait), MAX_RETRY_AFTER)


class _Retry(Exception):
    def __init__(self, problem: str, kind: str) -> None:
        super().__init__(problem)
        self.kind = kind


def get(
    url: str,
    limits: Limits,
    into: BinaryIO,
    now: datetime,
    headers: dict[str, str] | None = None,
    progress: ProgressFn | None = None,
) -> Answer:
    """GET ``url`` within ``limits``, writing the body to ``into``; ``DownloadError`` saying why not."""
    problem = _Retry("not asked", "transfer")
    for attempt in range(limits.retries + 1):
        if attempt:
            time.sleep(limits.backoff_seconds * 2 ** (attempt - 1))
        into.seek(0)
        into.truncate()
        try:
            return asyncio.run(_within_deadline(url, limits, into, now, headers or {}, progress))
        except _Retry as exc:
            problem = exc
    raise DownloadError(
        f"{shown(url)}: {problem}, after {limits.retries + 1} attempt(s)", problem.kind
    ) from None


async def _within_deadline(
    url: str,
    limits: Limits,
    into: BinaryIO,
    now: datetime,
    headers: dict[str, str],
    progress: ProgressFn | None,
) -> Answer:
    try:
        async with asyncio.timeout(limits.deadline_seconds):
            return await _exchange(url, limits, into, now, headers, progress)
    except TimeoutError:
        received = into.tell()
        raise DownloadError(
            f"{shown(url)}: the download took longer than {limits.deadline_seconds:g} s, headers and body "
            f"({received:,} bytes of body received): a stalled or trickling server",
            "stalled",
        ) from None


async def _exchange(
    url: str,
    limits: Limits,
    into: BinaryIO,
    now: datetime,
    headers: dict[str, str],
    progress: ProgressFn | None,
) -> Answer:
    timeout = httpx.Timeout(limits.read_timeout, connect=limits.connect_timeout)
    try:
        first = httpx.URL(url)
        async with httpx.AsyncClient(timeout=timeout, follow_redirects=False) as client:
            asked = first
            for _ in range(MAX_REDIRECTS + 1):
                async with client.stream("GET", asked, headers=headers) as response:
                    if response.has_redirect_location:
                        asked = _redirect(first, response)
                        continue
                    return await _body(response, limits, into, now, progress)
    except DownloadError:
        raise
    except httpx.TimeoutException as exc:
        kind = "connecting" if isinstance(exc, httpx.ConnectTimeout) else "waiting for data"
        raise _Retry(f"timed out {kind} ({type(exc).__name__})", "transfer") from None
    except httpx.RemoteProtocolError as exc:
        broke = f"the connection broke before the whole answer arrived (truncated body: {_cut(exc)})"
        raise _Retry(broke, "transfer") from None
    except httpx.ConnectError as exc:
        raise _Retry(f"cannot connect ({_cut(exc)}): offline, a wrong host, or DNS", "transfer") from None
    except httpx.DecodingError as exc:
        raise DownloadError(
            f"{shown(url)}: the body could not be decoded as its Content-Encoding says ({_cut(exc)})",
            "malformed",
        ) from None
    except (httpx.InvalidURL, httpx.UnsupportedProtocol, ValueError, UnicodeError) as exc:
        raise DownloadError(f"{shown(url)}: not a URL launchcast can ask ({_cut(exc)})", "input") from None
    except httpx.HTTPError as exc:
        raise _Retry(f"transfer failed ({type(exc).__name__}: {_cut(exc)})", "transfer") from None
    raise DownloadError(f"{shown(url)}: more than {MAX_REDIRECTS} redirects (a redirect loop?)", "redirect")


def _redirect(first: httpx.URL, response: httpx.Response) -> httpx.URL:
    """Where a redirect points, if on the host asked (an upgrade to https allowed)."""
    location = response.headers.get("location", "")
    try:
        target = response.url.join(location)
    except (httpx.InvalidURL, ValueError, UnicodeError):
        raise DownloadError(
            f"{shown(str(first))}: a redirect to {location[:200]!r}, which is not a URL", "redirect"
        ) from None
    upgrade = first.scheme == "http" and target.scheme == "https" and target.port is None
    if target.host != first.host or not (target.port == first.port or upgrade):
        raise DownloadError(
            f"{shown(str(first))}: redirected to another host ({shown(str(target))}); launchcast asks "
            "only the host it is given: if that host is right, give its URL",
            "redirect",
        )
    if first.userinfo:
        target = target.copy_with(username=first.username, password=first.password)
    return target


async def _body(
    response: httpx.Response, limits: Limits, into: BinaryIO, now: datetime, progress: ProgressFn | None
) -> Answer:
    status = response.status_code
    where = shown(str(response.url))
    if status == 304:
        return Answer(304, response.headers, 0)
    if status == 429:
        wait = retry_after(response.headers.get("retry-after"), now)
        when = f"; it asks to wait {wait:.0f} s" if wait is not None else ""
        raise DownloadError(f"{where}: HTTP 429 Too Many Requests{when}", "rate-limited", retry_after=wait)
    if status >= 500:
        raise _Retry(f"HTTP {status} {_phrase(response)}", "http")
    if status != 200:
        raise DownloadError(f"{where}: HTTP {status} {_phrase(response)}", "http")
    length = response.headers.get("content-length", "")
    expected = int(length) if length.isdigit() and len(length) < 19 else None
    if expected is not None and expected > limits.max_bytes:
        raise DownloadError(
            f"{where}: {expected:,} bytes is over the {limits.max_bytes:,}-byte cap", "too-large"
        )
    received = 0
    async for chunk in response.aiter_bytes():
        received += len(chunk)
        if received > limits.max_bytes:
            raise DownloadError(f"{where}: the body passed the {limits.max_bytes:,}-byte cap", "too-large")
        into.write(chunk)
        if progress is not None:
            progress(received, expected)
    return Answer(200, response.headers, received)


def _phrase(response: httpx.Response) -> str:
    return "".join(c for c in response.reason_phrase[:60] if c.isprintable())


def _cut(exc: BaseException) -> str:
    """An exception's text for one line: printable, at most 200 characters, no credentials."""
    text = CREDENTIALS.sub("//", "".join(c if c.isprintable() else " " for c in str(exc)))
    return text if len(text) <= 200 else text[:200] + "…"
