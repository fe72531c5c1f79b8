"""How much work one question may cost, and how a caller stops work it no longer wants.

Two bounds, for two reasons:

- **Before starting**: a Monte Carlo question's cost is about (simulated launches
  per path) × (paths), and both are known before the first random number: the
  launch rate and the gap from the data's end give the launches.  A question over
  ``MAX_LAUNCH_STEPS`` launch-steps is refused (``BudgetExceeded``, a user error)
  with the limit and the largest ``paths`` that fits, so nobody waits for an
  answer that would have been refused anyway.  The questions of one request (a batch)
  share the limit: each is counted against what the earlier ones took.  The limit was set so that the most
  expensive question allowed costs under 2 CPU-seconds on a 2-core machine
  (``benchmarks/bounded.py``).
- **While running**: the simulation loops call ``checkpoint()`` once per simulated
  launch.  A caller that runs a question under ``running(token)`` can ``cancel`` it
  from another thread (the client hung up, a deadline passed), and the loop stops
  at its next step with ``WorkCancelled``.  Outside ``running`` it is a no-op.

Cancellation is cooperative because Python threads cannot be killed; one step of the
costliest allowed question is a few milliseconds, so a cancel lands within that.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from launchcast.model.errors import BudgetExceeded, WorkCancelled

#: The most launch-steps (simulated launches × (Monte Carlo paths + the step's fixed cost))
#: one question may cost: about 1.1 CPU-seconds on the reference machine (11 ns a unit,
#: ``benchmarks/bounded.py``).
MAX_LAUNCH_STEPS = 100_000_000
#: What one simulated step costs beyond its paths, in paths per posterior draw: each step
#: evaluates the model over every draw, twice when the previous outcome counts (measured:
#: 3.5 on a 12,000-draw hierarchical fit).
STEP_COST_PER_DRAW = 4


class Token:
    """Cancels one piece of work from another thread."""

    def __init__(self) -> None:
        self._event = threading.Event()
        self.reason = ""
        #: Launch-steps the questions run under this token have been allowed (a batch's sum).
        self.spent = 0

    def cancel(self, reason: str) -> None:
        if not self._event.is_set():
            self.reason = reason
            self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()


_current: ContextVar[Token | None] = ContextVar("launchcast_work_token", default=None)


@contextmanager
def running(token: Token) -> Iterator[None]:
    """Run the block's questions under ``token`` (their ``checkpoint`` calls watch it)."""
    reset = _current.set(token)
    try:
        if token.cancelled:
            raise WorkCancelled(token.reason)
        yield
    finally:
        _current.reset(reset)


def checkpoint() -> None:
    """Stop here if the work was cancelled (called once per simulated launch)."""
    token = _current.get()
    if token is not None and token.cancelled:
        raise WorkCancelled(token.reason)


def check(steps: int, paths: int, draws: int, what: str, fewer: str) -> None:
    """Refuse a question that would simulate ``steps`` launches on ``paths`` paths from a fit of
    ``draws`` posterior draws, if over budget.

    ``what`` names the steps in words ("about 3,100 launches from the data's end to the
    date"); ``fewer`` says what else the user can change ("an earlier date").
    """
    overhead = STEP_COST_PER_DRAW * draws
    cost = steps * (paths + overhead)
    token = _current.get()
    earlier = token.spent if token is not None else 0
    if earlier + cost <= MAX_LAUNCH_STEPS:
        if token is not None:
            token.spent += cost
        return
    if earlier and cost <= MAX_LAUNCH_STEPS:
        raise BudgetExceeded(
            f"this question would simulate {what} on each of {paths:,} paths ({cost:,.0f} launch-steps); "
            f"with the {earlier:,} this request's earlier questions took, that is over the limit of "
            f"{MAX_LAUNCH_STEPS:,} per request: ask it in another request, or with fewer paths"
        )
    fits = MAX_LAUNCH_STEPS // max(1, steps) - overhead
    within = f"ask with paths={fits:,} or fewer, or with {fewer}" if fits >= 1000 else f"ask with {fewer}"
    raise BudgetExceeded(
        f"this question would simulate {what} on each of {paths:,} paths ({cost:,.0f} launch-steps), "
        f"over the limit of {MAX_LAUNCH_STEPS:,} per request: {within}"
    )
