"""``launchcast data update``: GCAT's three tables over HTTP, checked, then ingested as one change.

GCAT (© J. McDowell, CC BY 4.0) publishes its tables at
``https://planet4589.org/space/gcat/tsv/``: ``launch/launch.tsv`` (every launch,
orbital or not), ``tables/lv.tsv`` (vehicles and their families) and
``tables/orgs.tsv`` (organisations and their states).  An update:

1. asks for ``launch.tsv`` with the validators of the last update (``If-None-Match``
   / ``If-Modified-Since``, kept in ``data/upstream.json``): ``304`` means nothing new;
2. otherwise downloads all three, each streamed to a temporary file by
   ``model.record.download`` (a size cap, a deadline for the whole answer, a few retries
   with backoff on timeouts, dropped connections and 5xx answers, redirects only on the
   host asked);
3. checks each body before anything merges: it is a GCAT table (its header, not an
   HTML error page), it carries GCAT's ``# Updated`` stamp, and that stamp is not
   older than the one the data came from; the launch list is complete (it holds the
   catalogue rows the data already has: ``ingest.MAX_MISSING_SHARE``);
4. ingests them by the same path as ``data ingest-gcat`` — one locked, all-or-nothing
   change of ``data/`` that also records the new validators.

Any failure raises ``UpdateError`` with one line saying what and where (the URL without
``user:password@``, ``download.shown``; never the body's bytes, which are logged), and leaves
``data/`` byte-identical.  ``fetched_at`` is passed in (time is an input).
"""

from __future__ import annotations

import json
import logging
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from launchcast.model.defaults import GCAT_URL
from launchcast.model.errors import DownloadError, LaunchcastError, UpdateError
from launchcast.model.record import datadir, download, gcat
from launchcast.model.record.history import LAUNCHES_FILE, not_before
from launchcast.model.record.ingest import IngestReport, ingest_gcat

UPSTREAM_FILE = "upstream.json"
#: GCAT's layout under the base URL, and the header each table starts with.
TABLES = {
    "launch": ("launch/launch.tsv", "#Launch_Tag"),
    "lv": ("tables/lv.tsv", "#LV_Name"),
    "orgs": ("tables/orgs.tsv", "#Code"),
}

#: What to check, by the kind of a failed download; offline, the files can be taken in by hand.
HINTS = {
    "http": " (is LAUNCHCAST_GCAT_URL / --url GCAT's tsv/ folder?)",
    "too-large": " (LAUNCHCAST_GCAT_MAX_BYTES)",
    "stalled": " (LAUNCHCAST_GCAT_DEADLINE_SECONDS)",
}
OFFLINE = (
    " (offline, GCAT's files can be taken in by hand: 'launchcast data ingest-gcat launch.tsv "
    "--lv lv.tsv --orgs orgs.tsv')"
)

#: (table, bytes received, bytes expected or None) — for a progress bar or plain lines.
ProgressFn = Callable[[str, int, int | None], None]

logger = logging.getLogger("launchcast.update")


@dataclass(frozen=True)
class UpdateConfig(download.Limits):
    """Where GCAT's tables are; each file within ``download.Limits``, with GCAT's own defaults."""

    base_url: str = GCAT_URL
    read_timeout: float = 60.0
    retries: int = 3
    max_bytes: int = 256 * 1024 * 1024
    #: The longest one file's download may take, start to end (a server trickling a byte a
    #: second never trips the per-read timeout; this stops it).
    deadline_seconds: float = 600.0
    #: Take in a change over the plausibility bounds (``ingest.check_plausible``): an operator's
    #: explicit choice after checking the source.
    accept_large_change: bool = False

    def url(self, table: str) -> str:
        return self.base_url.rstrip("/") + "/" + TABLES[table][0]

    @property
    def shown_url(self) -> str:
        """The base URL as answers, logs and metrics show it (no credentials)."""
        return download.shown(self.base_url)


@dataclass
class UpdateResult:
    outcome: str  # "updated" (new or corrected launches), "current" (GCAT had nothing new)
    reason: str
    report: IngestReport | None = None
    stamp: str | None = None
    downloaded_bytes: int = 0
    files: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def changed(self) -> bool:
        return self.report is not None and self.report.changed


@dataclass(frozen=True)
class _Fetched:
    status: int
    path: Path
    etag: str | None = None
    last_modified: str | None = None
    size: int = 0


def read_upstream(data_dir: Path) -> dict[str, Any]:
    """What the last successful update recorded (validators, stamps), or {} before the first."""
    with datadir.reading(Path(data_dir)) as snapshot:
        if not snapshot.path(UPSTREAM_FILE).exists():
            return {}
        try:
            return dict(json.loads(snapshot.read_bytes(UPSTREAM_FILE)))
        except (ValueError, UnicodeDecodeError):
            return {}  # unreadable validators: fetch everything, as on the first update


def update(
    data_dir: Path, config: UpdateConfig, fetched_at: datetime, progress: ProgressFn | None = None
) -> UpdateResult:
    """Bring ``data/`` up to GCAT's published tables; raise ``UpdateError`` saying why not."""
    data_dir = Path(data_dir)
    previous = read_upstream(data_dir)
    known = previous.get("files", {})
    workdir = Path(tempfile.mkdtemp(prefix="launchcast-update-"))
    try:
        conditional = {}
        last = known.get("launch", {})
        if last.get("url") in (config.url("launch"), download.shown(config.url("launch"))):
            if last.get("etag"):
                conditional["If-None-Match"] = last["etag"]
            if last.get("last_modified"):
                conditional["If-Modified-Since"] = last["last_modified"]
        fetched = {"launch": _fetch(config, "launch", workdir, conditional, fetched_at, progress)}
        if fetched["launch"].status == 304:
            return UpdateResult(
                "current",
                f"GCAT's launch list has not changed since the last "
                f"update ({last.get('updated') or 'stamp unknown'}): nothing new",
            )
        for table in ("lv", "orgs"):
            fetched[table] = _fetch(config, table, workdir, {}, fetched_at, progress)
        stamps = {
            table: _check_table(config, table, f.path, _previous_stamp(data_dir, known, table))
            for table, f in fetched.items()
        }
        files: dict[str, dict[str, Any]] = {
            table: {
                "url": download.shown(config.url(table)),
                "etag": f.etag,
                "last_modified": f.last_modified,
                "updated": stamps[table],
                "bytes": f.size,
            }
            for table, f in fetched.items()
        }
        record = {
            "base_url": config.shown_url,
            "fetched_at": fetched_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "files": files,
        }
        try:
            report = ingest_gcat(
                data_dir,
                fetched["launch"].path,
                fetched["lv"].path,
                fetched["orgs"].path,
                require_complete=True,
                extra_files={UPSTREAM_FILE: (json.dumps(record, indent=1) + "\n").encode()},
                accept_large_change=config.accept_large_change,
            )
        except UpdateError:
            raise
        except LaunchcastError as exc:
            raise UpdateError(f"GCAT's tables from {config.shown_url} were not taken in: {exc}") from None
        outcome = "updated" if report.changed else "current"
        reason = (
            f"{len(report.added)} new and {len(report.corrected)} corrected launch(es)"
            if report.changed
            else "GCAT holds no launch the data lacks"
        )
        return UpdateResult(
            outcome, reason, report, stamps["launch"], sum(f.size for f in fetched.values()), files
        )
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def _fetch(
    config: UpdateConfig,
    table: str,
    workdir: Path,
    headers: dict[str, str],
    now: datetime,
    progress: ProgressFn | None,
) -> _Fetched:
    url = config.url(table)
    dest = workdir / Path(TABLES[table][0]).name

    def downloaded(received: int, expected: int | None) -> None:
        if progress is not None:
            progress(table, received, expected)

    try:
        with open(dest, "wb") as handle:
            answer = download.get(
                url,
                config,
                handle,
                now,
                {"User-Agent": "launchcast (GCAT update)", **headers},
                downloaded,
            )
    except DownloadError as exc:
        hint = OFFLINE if "cannot connect" in str(exc) else HINTS.get(exc.kind, "")
        raise UpdateError(f"{exc}{hint}; data/ is unchanged") from None
    if answer.status == 304:
        return _Fetched(304, dest)
    return _Fetched(200, dest, answer.validator("etag"), answer.validator("last-modified"), answer.size)


def _check_table(config: UpdateConfig, table: str, path: Path, previous: str | None) -> str:
    """The body is GCAT's table with an ``# Updated`` stamp no older than ``previous``; its stamp."""
    url = config.url(table)
    with open(path, "rb") as handle:
        head = handle.read(4096)
    text = head.decode("utf-8", errors="replace").lstrip("\ufeff")
    if not text.startswith(TABLES[table][1]):
        # What it does start with goes to the log only: a mirror's internal reply is not for answers.
        logger.warning("%s starts with %r", download.shown(url), text[:80])
        looks = "an HTML page" if text.lstrip()[:1] == "<" else "something else"
        raise UpdateError(
            f"{download.shown(url)}: not GCAT's {TABLES[table][0]} (it starts with {looks}, expected a "
            f"'{TABLES[table][1]}' header; the log shows its first bytes); data/ is unchanged"
        )
    stamp = gcat.updated_time(path)
    if stamp is None:
        raise UpdateError(
            f"{download.shown(url)}: no '# Updated' line under the header, which GCAT's tables carry; "
            "data/ is unchanged"
        )
    if previous and not not_before(previous, stamp):
        raise UpdateError(
            f"{download.shown(url)}: GCAT stamp {stamp} is older than the {previous} the data came from "
            "(a stale mirror?); data/ is unchanged"
        )
    return stamp


def _previous_stamp(data_dir: Path, known: dict[str, Any], table: str) -> str | None:
    """The stamp the data came from: the last update's, else (launch list) the rows' source label."""
    if known.get(table, {}).get("updated"):
        return str(known[table]["updated"])
    if table != "launch":
        return None
    with datadir.reading(data_dir) as snapshot:
        lines = snapshot.read_bytes(LAUNCHES_FILE).decode("utf-8").splitlines()[1:]
    labels = {line.rsplit(",", 1)[-1] for line in lines}
    stamps = sorted(label.removeprefix("GCAT ") for label in labels if label.startswith("GCAT 2"))
    return stamps[-1] if stamps else None


# --- the attempt log: what /v1/model, /metrics and the refit log report -------------------


@dataclass(frozen=True)
class UpdateAttempt:
    at: str
    outcome: str  # updated | current | failed
    reason: str
    url: str
    stamp: str | None = None
    added: int = 0
    corrected: int = 0

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> UpdateAttempt:
        return cls(**{k: raw.get(k) for k in cls.__dataclass_fields__ if k in raw})  # type: ignore[arg-type]  # the log's fields, as written by to_dict


def attempt_update(
    data_dir: Path, config: UpdateConfig, log: Path, now: datetime, progress: ProgressFn | None = None
) -> tuple[UpdateResult | None, UpdateAttempt]:
    """Run one update and record it in ``log`` whatever happens; the result is None on failure."""
    at = now.strftime("%Y-%m-%dT%H:%M:%SZ")
    result: UpdateResult | None = None
    try:
        result = update(data_dir, config, now, progress)
        report = result.report
        attempt = UpdateAttempt(
            at,
            result.outcome,
            result.reason,
            config.shown_url,
            result.stamp,
            len(report.added) if report else 0,
            len(report.corrected) if report else 0,
        )
    except LaunchcastError as exc:
        attempt = UpdateAttempt(at, "failed", _cut(str(exc)), config.shown_url)
    except Exception as exc:  # noqa: BLE001 - an update must never take a refit down with it
        logger.warning("update failed unexpectedly", exc_info=True)
        reason = _cut(download.CREDENTIALS.sub("//", f"unexpected {type(exc).__name__}: {exc}"))
        attempt = UpdateAttempt(at, "failed", reason, config.shown_url)
    logger.log(
        logging.WARNING if attempt.outcome == "failed" else logging.INFO,
        "update %s: %s (%s)",
        attempt.outcome,
        attempt.reason,
        config.shown_url,
    )
    try:
        log.parent.mkdir(parents=True, exist_ok=True)
        with open(log, "a", encoding="utf-8") as handle:
            handle.write(json.dumps(vars(attempt), sort_keys=True) + "\n")
    except OSError:
        pass  # a read-only or full state directory must not turn an update into a crash
    return result, attempt


#: The longest reason one attempt records (the log is read by /metrics and /v1/model).
MAX_REASON = 1000


def _cut(text: str) -> str:
    return text if len(text) <= MAX_REASON else text[: MAX_REASON - 30] + f" … ({len(text):,} characters)"


def update_attempts(log: Path) -> list[UpdateAttempt]:
    """Every recorded attempt, oldest first (lines cut by a crash are skipped)."""
    try:
        lines = log.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return []
    attempts = []
    for line in lines:
        try:
            attempts.append(UpdateAttempt.from_dict(json.loads(line)))
        except (ValueError, TypeError):
            continue
    return attempts
