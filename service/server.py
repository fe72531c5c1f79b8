"""Running the app under uvicorn with limits a public service needs.

uvicorn's defaults let anyone exhaust the process: idle sockets are never closed
(a connection that never sends a request has no timer), the number of open
connections is bounded only by the file limit — at which point accept() fails and
every other file operation with it, the hot-reload watcher included — and with
httptools the header size is unbounded.  So the service runs uvicorn's h11
protocol, which bounds header bytes (``h11_max_incomplete_event_size``), with two
additions in ``BoundedH11Protocol``:

- a connection opened while ``max_connections`` are open is closed at once
  (a flood gets refusals; connections already open keep working — which is why
  uvicorn's ``limit_concurrency``, which answers 503 on *every* connection once the
  count is reached, is not used: requests are bounded by connections anyway);
- a new connection that sends nothing is closed after the keep-alive timeout,
  as an idle keep-alive connection already is.

``max_connections`` is kept below the process's file limit (raised to its hard
limit first), so files stay available for the registry and the data.

The GIL's switch interval is shortened (``SWITCH_INTERVAL``): the event loop shares
the interpreter with the work pool's threads (``service.work``), and each request it
answers needs the GIL a few times; at Python's default of 5 ms a probe waiting on
busy worker threads took over 100 ms, at 0.5 ms it takes a few.
"""

from __future__ import annotations

import asyncio
import logging
import resource
import sys
from typing import ClassVar

import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

from launchcast.service.logs import logging_config
from launchcast.service.settings import Settings

log = logging.getLogger("launchcast")
#: Seconds a thread holds the GIL before another that waits gets it (Python's default: 0.005).
SWITCH_INTERVAL = 0.0005
#: File descriptors kept free for the registry, the data, logs and the event loop.
RESERVED_FILES = 64


class BoundedH11Protocol(H11Protocol):
    max_connections: ClassVar[int] = 1024
    refused: ClassVar[int] = 0

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]  # asyncio.BaseTransport in the base
        super().connection_made(transport)
        if len(self.connections) > self.max_connections:
            BoundedH11Protocol.refused += 1
            transport.abort()
            return
        self.timeout_keep_alive_task = self.loop.call_later(
            self.timeout_keep_alive, self.timeout_keep_alive_handler
        )


def connection_budget(wanted: int) -> int:
    """``wanted``, or fewer if the file limit (after raising the soft one to the hard) is lower."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or soft < hard:
        target = hard if hard != resource.RLIM_INFINITY else max(soft, 65536)
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
            soft = target
        except (ValueError, OSError):
            pass
    return max(1, min(wanted, soft - RESERVED_FILES))


def serve(settings: Settings, host: str, port: int, workers: int) -> None:
    BoundedH11Protocol.max_connections = connection_budget(settings.max_connections)
    sys.setswitchinterval(SWITCH_INTERVAL)
    uvicorn.run(
        "launchcast.service.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        access_log=False,  # the app logs each request with its fields (LAUNCHCAST_ACCESS_LOG)
        http=BoundedH11Protocol,
        log_config=logging_config(settings.log_format, settings.log_level),
        timeout_keep_alive=int(settings.keep_alive_seconds),
        h11_max_incomplete_event_size=settings.max_header_bytes,
        backlog=min(2048, BoundedH11Protocol.max_connections),
    )
