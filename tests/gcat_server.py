"""A real HTTP server on loopback in GCAT's layout, with the faults an update must survive.

``GcatServer`` serves ``launch/launch.tsv``, ``tables/lv.tsv`` and ``tables/orgs.tsv``
from memory with an ETag (and answers ``If-None-Match`` with 304).  ``faults[path]``
is a queue of misbehaviours, one used per request: ``404``, ``500``, ``stall``
(headers and half the body, then silence), ``truncate`` (a Content-Length the body
never reaches, then the connection closes), ``html`` (an error page with 200),
``trickle`` (the body a byte at a time, ``trickle_seconds`` apart: never idle long
enough for a read timeout, never done).

``newer_gcat`` builds a newer GCAT layout from ``../shared/data`` plus synthetic later
records: a launch by an operator new to the data (Isar Aerospace, placed in ``D`` by
GCAT's orgs.tsv), a new vehicle of a new family (Spectrum), a corrected outcome of
an old row, and a suborbital row that must be filtered out.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections import defaultdict, deque
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

LAUNCH, LV, ORGS = "launch/launch.tsv", "tables/lv.tsv", "tables/orgs.tsv"
NEW_STAMP = "# Updated 2026 Nov 20 0108:57\n"
#: The old row whose outcome the newer catalogue corrects (a success becomes a partial failure).
CORRECTED_TAG = "2023-001"


def gcat_launch_row(
    tag: str, jd: float, date: str, vehicle: str, agency: str, code: str, fail: str = "-", site: str = "SOHAE"
) -> str:
    """One launch in GCAT's upstream layout: 26 fields, space padding, '-' for empty."""
    fields = [
        f"{tag}  ",
        f"{jd:.2f} ",
        date,
        vehicle,
        "-",
        "-",
        "-",
        "-",
        "-",
        "-",
        site,
        "-",
        "-",
        "-",
        "   500 ",
        "    - ",
        "-",
        "   0.100 ",
        agency,
        code,
        fail,
        "-",
        "-",
        "-",
        "-",
        "-",
    ]
    return "\t".join(fields) + "\n"


def _with_stamp(text: str, stamp: str) -> str:
    """GCAT's header line, then an ``# Updated`` line (replacing one already there)."""
    lines = text.splitlines(keepends=True)
    body = [line for line in lines[1:] if not line.startswith("# Updated")]
    return lines[0] + stamp + "".join(body)


def newer_gcat(shared: Path, stamp: str = NEW_STAMP) -> dict[str, bytes]:
    """GCAT's three tables as they might look after our data's end (see module docstring)."""
    launch = _with_stamp((shared / "gcat-launch-orbital-1957-2023.tsv").read_text(), stamp)
    lines = launch.splitlines(keepends=True)
    for i, line in enumerate(lines):
        if line.startswith(CORRECTED_TAG + " "):
            fields = line.split("\t")
            fields[19], fields[20] = "OF40", "S2"
            lines[i] = "\t".join(fields)
    launch = "".join(lines) + "".join(
        [
            gcat_launch_row("2024-F01", 2460458.15, "2024 May 27 1544", "Cheonlima-1", "NATA", "OF", "S1"),
            gcat_launch_row("2024-S99", 2460460.00, "2024 May 29", "Hwasong-11", "KPA", "MS"),
            gcat_launch_row(
                "2025-F02", 2460765.00, "2025 Mar 30 1030", "Spectrum", "ISAR", "OF", "S1", site="ANDOYA"
            ),
        ]
    )
    lv = _with_stamp((shared / "gcat-lv.tsv").read_text(), stamp)
    lv += "\t".join(["Spectrum", "Spectrum", "ISAR"] + ["-"] * 16) + "\n"
    orgs = _with_stamp((shared / "gcat-orgs.tsv").read_text(), stamp)
    return {LAUNCH: launch.encode(), LV: lv.encode(), ORGS: orgs.encode()}


class QuietServer(ThreadingHTTPServer):
    """A client that hangs up mid-answer (after a 404, a stall, a truncation) is expected here:
    not worth a traceback on stderr, where a CLI test reading its output would see it."""

    def handle_error(self, request: object, client_address: object) -> None:
        import sys

        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)  # type: ignore[arg-type]


class GcatServer:
    def __init__(self, files: dict[str, bytes], prefix: str = "/space/gcat/tsv/") -> None:
        self.files = dict(files)
        self.prefix = prefix
        self.faults: dict[str, deque[str]] = defaultdict(deque)
        self.requests: list[tuple[str, str | None]] = []  # (path, If-None-Match)
        self.stall_seconds = 5.0
        self.trickle_seconds = 0.05
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *_: object) -> None:
                pass

            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                path = self.path.removeprefix(server.prefix)
                server.requests.append((path, self.headers.get("If-None-Match")))
                fault = server.faults[path].popleft() if server.faults[path] else ""
                if fault == "404" or path not in server.files:
                    return self._send(404, b"not found", "text/plain")
                if fault == "500":
                    return self._send(500, b"oops", "text/plain")
                if fault == "html":
                    return self._send(
                        200, b"<!DOCTYPE html><html><body>Maintenance</body></html>", "text/html"
                    )
                body = server.files[path]
                etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
                if self.headers.get("If-None-Match") == etag and not fault:
                    self.send_response(304)
                    self.send_header("ETag", etag)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return None
                self.send_response(200)
                self.send_header("Content-Type", "text/plain; charset=utf-8")
                self.send_header("ETag", etag)
                self.send_header("Last-Modified", "Fri, 20 Nov 2026 01:08:57 GMT")
                self.send_header("Content-Length", str(len(body) + (1000 if fault == "truncate" else 0)))
                self.end_headers()
                if fault == "trickle":
                    for byte in body[:2000]:
                        self.wfile.write(bytes([byte]))
                        self.wfile.flush()
                        time.sleep(server.trickle_seconds)
                    self.close_connection = True
                    return None
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

            def _send(self, status: int, body: bytes, kind: str) -> None:
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.httpd = QuietServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}{self.prefix}"

    @contextmanager
    def running(self) -> Iterator[GcatServer]:
        # A short poll: shutdown() waits up to one poll interval (0.5 s by default) per server.
        thread = threading.Thread(target=self.httpd.serve_forever, args=(0.02,), daemon=True)
        thread.start()
        try:
            yield self
        finally:
            self.httpd.shutdown()
            self.httpd.server_close()
