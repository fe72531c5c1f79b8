"""The bounded pool every expensive answer runs in, so the event loop only routes.

Forecasts that simulate, charts and pages are CPU work: on the event loop they
would stall every other request, ``/healthz`` included.  ``Work.run`` puts them on
a few threads of their own (``LAUNCHCAST_WORK_THREADS``, default the number of
cores) behind a short queue (``LAUNCHCAST_WORK_QUEUE``):

- **Full queue → 503 now**, with ``Retry-After``: a burst of costly requests gets a
  fast refusal instead of a slow pile-up (and a server that runs out of memory).
- **A deadline per request** (``LAUNCHCAST_WORK_DEADLINE_SECONDS``), counted from
  arrival: waiting in the queue counts.  Past it the work is cancelled and the
  answer is 503 with ``Retry-After``.
- **A client that hangs up** cancels its work: before it starts (it never runs) or
  while it runs (the simulation stops at its next step; ``model.questions.budget``).

The pool never holds a request's cost unbounded on its own: ``model.questions.budget`` refuses
a question over its budget before it is queued (422), so a running piece of work
costs at most about a CPU-second or two.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from starlette.requests import Request

from launchcast.model.errors import WorkCancelled
from launchcast.model.questions import budget
from launchcast.service.errors import Busy

T = TypeVar("T")
log = logging.getLogger("launchcast.work")

#: How often a waiting request looks whether its client is still there.
POLL_SECONDS = 0.1


class Work:
    """A fixed pool of worker threads, a bounded queue, a deadline and cancellation per request."""

    def __init__(self, threads: int, queue: int, deadline_seconds: float) -> None:
        self.threads = threads
        self.capacity = threads + queue
        self.deadline_seconds = deadline_seconds
        self.in_flight = 0  # queued or running (touched on the event loop only)
        self.refused = 0
        self.cancelled = 0
        self.timed_out = 0
        self._executor: ThreadPoolExecutor | None = None  # made on first use, again after a shutdown

    async def run(self, request: Request | None, work: Callable[[], T]) -> T:
        """Run ``work`` in the pool and return its result; raise ``Busy`` when the pool is full
        or the deadline passes, ``WorkCancelled`` when the client left."""
        if self.in_flight >= self.capacity:
            self.refused += 1
            raise Busy(
                f"the service is busy ({self.in_flight} expensive requests queued or running, "
                f"the most it takes at once); try again shortly",
                self._retry_after(),
            )
        token = budget.Token()
        context = contextvars.copy_context()

        def call() -> T:
            with budget.running(token):
                return work()

        loop = asyncio.get_running_loop()
        if self._executor is None:
            self._executor = ThreadPoolExecutor(self.threads, thread_name_prefix="launchcast-work")
        self.in_flight += 1
        future = loop.run_in_executor(self._executor, context.run, call)
        future.add_done_callback(self._done)
        deadline = time.monotonic() + self.deadline_seconds
        while True:
            done, _ = await asyncio.wait({future}, timeout=POLL_SECONDS)
            if done:
                return future.result()
            if time.monotonic() > deadline:
                token.cancel("deadline")
                self.timed_out += 1
                raise Busy(
                    f"the answer took longer than {self.deadline_seconds:g} s "
                    "(LAUNCHCAST_WORK_DEADLINE_SECONDS) and was stopped; the service is busy: "
                    "try again shortly, or ask with fewer paths",
                    self._retry_after(),
                )
            if request is not None and await request.is_disconnected():
                token.cancel("the client disconnected")
                self.cancelled += 1
                log.info("work cancelled: the client disconnected (%s)", request.url.path)
                raise WorkCancelled("the client disconnected")

    def _done(self, _: object) -> None:
        self.in_flight -= 1

    def _retry_after(self) -> int:
        """Seconds until a slot is likely free: the work ahead, about a second each, over the threads."""
        return max(1, min(30, round(self.in_flight / self.threads)))

    def shutdown(self) -> None:
        """Stop the threads (the app's lifespan ends); a later ``run`` starts new ones."""
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)
            self._executor = None
