"""A real HTTP server on loopback in Launch Library 2's layout, with the faults a schedule update meets.

``Ll2Server`` serves ``…/2.3.0/launches/upcoming/`` from a list of entries in LL2's JSON
layout, paginated by ``limit``/``offset`` (``count``, ``next``, ``previous``, ``results``),
with an ETag on each page (``If-None-Match`` → 304).  ``faults`` is a queue of
misbehaviours, one used per request: ``429`` (with ``Retry-After: 120``), ``500``,
``truncate`` (a Content-Length the body never reaches), ``stall`` (half the body, then
silence), ``huge`` (a body of ``huge_bytes``), ``malformed`` (not JSON), ``html`` (an error
page with 200), ``duplicate`` (the first entry twice), and the hostile ones of issue #34:
``redirect-loop`` (302 to itself), ``redirect-away`` (302 to ``away``), ``slow-headers`` (the
status line, then a header byte every ``stall_seconds / 10``), ``bad-gzip`` (``Content-Encoding:
gzip`` over bytes that are not), ``deep`` (JSON nested 7,000 deep), ``retry-forever`` (429 with
``Retry-After: 10²⁰``).  ``next_base`` makes every ``next`` link name another host; ``count``
overrides the list's length the pages report; ``page_entries`` serves that many entries on
every page whatever ``limit`` asks.

``entry`` builds one entry in LL2's layout (the fields ``../shared/data/ll2-upcoming-sample.json``
shows); ``SAMPLE`` is that file when ``../shared`` is present.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, urlparse

from tests.gcat_server import QuietServer

PATH = "/2.3.0/launches/upcoming/"


def entry(
    entry_id: str,
    rocket: str,
    net: str,
    window_end: str | None = None,
    status: str = "TBC",
    country: str = "KP",
    name: str | None = None,
) -> dict[str, Any]:
    """One upcoming launch in LL2's layout (made-up, for tests)."""
    return {
        "id": entry_id,
        "url": f"https://ll.thespacedevs.com/2.3.0/launches/{entry_id}/",
        "name": name or f"{rocket} | Test payload",
        "status": {"id": 8, "name": status, "abbrev": status},
        "last_updated": "2026-11-20T08:00:00Z",
        "net": net,
        "net_precision": {"id": 5, "name": "Day", "abbrev": "DAY"},
        "window_start": net,
        "window_end": window_end or net,
        "probability": None,
        "launch_service_provider": {
            "id": 1,
            "name": "Test agency",
            "abbrev": "TA",
            "type": {"name": "Government"},
        },
        "rocket": {"id": 1, "configuration": {"id": 1, "name": rocket, "full_name": rocket, "families": []}},
        "pad": {"id": 1, "name": "Pad", "country": {"id": 1, "name": country, "alpha_2_code": country}},
    }


class Ll2Server:
    def __init__(self, entries: list[dict[str, Any]]) -> None:
        self.entries = list(entries)
        self.faults: deque[str] = deque()
        self.requests: list[dict[str, Any]] = []
        self.stall_seconds = 5.0
        self.huge_bytes = 10_000_000
        self.away: str | None = None
        self.next_base: str | None = None
        self.count: int | None = None
        self.page_entries: list[dict[str, Any]] | None = None
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *_: object) -> None:
                pass

            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                parsed = urlparse(self.path)
                query = {k: v[0] for k, v in parse_qs(parsed.query).items()}
                server.requests.append({"path": parsed.path, "query": query, "headers": dict(self.headers)})
                if parsed.path != PATH:
                    return self._send(404, b'{"detail": "Not found."}')
                fault = server.faults.popleft() if server.faults else ""
                if fault == "429":
                    self.send_response(429)
                    self.send_header("Retry-After", "120")
                    self.send_header("Content-Length", "2")
                    self.end_headers()
                    self.wfile.write(b"{}")
                    return None
                if fault == "500":
                    return self._send(500, b"oops")
                if fault == "html":
                    return self._send(200, b"<!DOCTYPE html><html><body>Maintenance</body></html>")
                if fault == "malformed":
                    return self._send(200, b'{"count": 4, "results": [{"id": ')
                if fault == "huge":
                    return self._send(200, b" " * server.huge_bytes)
                if fault in ("redirect-loop", "redirect-away"):
                    self.send_response(302)
                    self.send_header(
                        "Location", self.path if fault == "redirect-loop" else server.away or "/"
                    )
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return None
                if fault == "slow-headers":
                    self.wfile.write(b"HTTP/1.1 200 OK\r\n")
                    for byte in b"X-Slow: " + b"a" * 100:
                        self.wfile.write(bytes([byte]))
                        self.wfile.flush()
                        time.sleep(server.stall_seconds / 10)
                    self.close_connection = True
                    return None
                if fault == "bad-gzip":
                    self.send_response(200)
                    self.send_header("Content-Encoding", "gzip")
                    self.send_header("Content-Length", "20")
                    self.end_headers()
                    self.wfile.write(b"\x1f\x8b not gzip at all")
                    return None
                if fault == "deep":
                    return self._send(200, b"[" * 7000 + b"]" * 7000)
                if fault == "retry-forever":
                    self.send_response(429)
                    self.send_header("Retry-After", "1" + "0" * 20)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return None
                limit, offset = int(query.get("limit", 10)), int(query.get("offset", 0))
                results = server.entries[offset : offset + limit]
                if server.page_entries is not None:
                    results = server.page_entries
                if fault == "duplicate" and results:
                    results = [results[0], *results]
                base = f"{server.next_base or f'http://127.0.0.1:{server.httpd.server_address[1]}'}{PATH}"
                more = offset + limit < len(server.entries)
                body = json.dumps(
                    {
                        "count": len(server.entries) if server.count is None else server.count,
                        "next": f"{base}?limit={limit}&offset={offset + limit}" if more else None,
                        "previous": None,
                        "results": results,
                    }
                ).encode()
                etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
                if self.headers.get("If-None-Match") == etag and not fault:
                    self.send_response(304)
                    self.send_header("ETag", etag)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return None
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("ETag", etag)
                self.send_header("Content-Length", str(len(body) + (1000 if fault == "truncate" else 0)))
                self.end_headers()
                if fault == "stall":
                    self.wfile.write(body[: len(body) // 2])
                    self.wfile.flush()
                    time.sleep(server.stall_seconds)
                    self.close_connection = True
                    return None
                self.wfile.write(body)
                if fault == "truncate":
                    self.close_connection = True
                return None

            def _send(self, status: int, body: bytes) -> None:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.httpd = QuietServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}{PATH}"

    @contextmanager
    def running(self) -> Iterator[Ll2Server]:
        # A short poll: shutdown() waits up to one poll interval (0.5 s by default) per server.
        thread = threading.Thread(target=self.httpd.serve_forever, args=(0.02,), daemon=True)
        thread.start()
        try:
            yield self
        finally:
            self.httpd.shutdown()
            self.httpd.server_close()
