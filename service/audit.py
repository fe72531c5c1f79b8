"""The audit log of served forecasts (``LAUNCHCAST_AUDIT_LOG=true``): written off the request path.

A request only appends a small tuple to a deque (atomic, no lock, no I/O); a
background thread writes what has gathered to the ledger's ``audit`` table once a
second, in one batched insert.  A database that is down, locked or full never
touches a request: the batch is kept and retried (up to ``max_pending`` rows, then
the oldest are dropped and counted), and failures are logged and counted for
``/metrics``.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from datetime import datetime
from typing import Any

from launchcast.model.errors import LedgerError
from launchcast.model.operations.ledger import Ledger

log = logging.getLogger("launchcast.audit")


class AuditWriter:
    def __init__(
        self, url: str, interval: float = 1.0, batch: int = 2000, max_pending: int = 200_000
    ) -> None:
        self.url = url
        self.interval = interval
        self.batch = batch
        self.max_pending = max_pending
        self.pending: deque[dict[str, Any]] = deque()
        self.written = 0
        self.dropped = 0
        self.failures = 0
        self._ledger: Ledger | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="audit-writer", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def add(
        self,
        at: datetime,
        route: str,
        query: dict[str, Any],
        version_id: str | None,
        probability: float | None,
        request_id: str | None,
    ) -> None:
        """Called on the request path: append only."""
        row = {
            "at": at,
            "route": route,
            "query": query,
            "version_id": version_id,
            "probability": probability,
            "request_id": request_id,
        }
        self.pending.append(row)

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=10)
        self.flush()
        if self._ledger is not None:
            self._ledger.dispose()

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.flush()

    def flush(self) -> None:
        while len(self.pending) > self.max_pending:
            self.pending.popleft()
            self.dropped += 1
        while self.pending:
            rows = [self.pending.popleft() for _ in range(min(self.batch, len(self.pending)))]
            try:
                if self._ledger is None:
                    self._ledger = Ledger.open(self.url)
                self._ledger.append_audit(rows)
                self.written += len(rows)
            except (LedgerError, Exception) as exc:  # noqa: BLE001 - the writer must outlive any error
                self.failures += 1
                self.pending.extendleft(reversed(rows))  # keep them, oldest first, for the next round
                if self._ledger is not None:
                    self._ledger.dispose()
                    self._ledger = None
                log.warning("audit log: %d row(s) waiting: %s", len(self.pending), exc)
                return
