"""Every exception the model side raises on purpose, in one tree.

::

    Exception
    ├── LaunchcastError            user input, data files or saved fits: the message says
    │   │                          what was wrong and how to fix it (CLI: one red line;
    │   │                          API: 422 unless a subclass says otherwise)
    │   ├── NotFoundError          a name that does not exist, with suggestions (404)
    │   ├── DataValidationError    a data file failed validation; every problem listed
    │   ├── ImplausibleChange      an update past the plausibility bounds (--accept-large-change)
    │   ├── UpdateError            GCAT could not be taken in; ``data/`` unchanged
    │   ├── DownloadError          GCAT or Launch Library 2 did not answer as asked (one line, no credentials)
    │   ├── ScheduleError          a launch schedule could not be taken in or read; the schedule unchanged
    │   ├── DataBusy               another writer held the data directory too long
    │   ├── BudgetExceeded         a question costlier than one request may be
    │   ├── RefitRunning           another refit holds the lock
    │   └── LedgerError            the ledger's database failed (answers never depend on it)
    └── WorkCancelled              the caller stopped the work: not the user's fault, so
                                   not a LaunchcastError (API: 503 with Retry-After)

The service adds its own three (``service/errors.py``: ``Busy``, ``NoFitLoaded``,
``LedgerUnavailable``, all 503) and maps each class above to its HTTP answer there.
"""

from __future__ import annotations


class LaunchcastError(Exception):
    """A problem with user input, data files or saved fits, explained in the message."""


class NotFoundError(LaunchcastError):
    """A name (vehicle, family, state, fit version) that does not exist; the API answers 404.

    ``suggestions`` are the closest known names, for machines (the API's problem
    details carry them as a field); the message names them for people.
    """

    def __init__(self, message: str, suggestions: list[str] | None = None) -> None:
        super().__init__(message)
        self.suggestions = list(suggestions or [])


class DataValidationError(LaunchcastError):
    """A data file failed validation; ``problems`` lists every problem, not just the first."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        shown = "\n".join(f"  - {p}" for p in problems[:50])
        more = f"\n  … and {len(problems) - 50} more" if len(problems) > 50 else ""
        super().__init__(
            f"{len(problems)} problem(s) in the launch data; nothing was changed:\n{shown}{more}"
        )


class ImplausibleChange(LaunchcastError):
    """An update that would change the record more than it plausibly changes; an operator who
    has checked it accepts it with ``--accept-large-change``."""


class UpdateError(LaunchcastError):
    """An update that could not complete; ``data/`` is unchanged."""


class DownloadError(LaunchcastError):
    """A download that failed (``model.record.download``): the message names the URL without
    credentials and the cause; ``kind`` names the fault for counting (``http``, ``transfer``,
    ``rate-limited``, ``too-large``, ``stalled``, ``redirect``, ``malformed``, ``input``);
    ``retry_after``: seconds the server asked us to wait (HTTP 429)."""

    def __init__(self, message: str, kind: str = "transfer", retry_after: float | None = None) -> None:
        super().__init__(message)
        self.kind = kind
        self.retry_after = retry_after


class ScheduleError(LaunchcastError):
    """A launch schedule (Launch Library 2, or an entry a user adds) that could not be taken in;
    the schedule is unchanged.  ``kind`` names the fault for counting (``rate-limited``, ``http``,
    ``transfer``, ``malformed``, ``too-large``, ``stalled``, ``redirect``, ``duplicate``, ``input``,
    ``unreadable``: a schedule file on disk that cannot be read);
    ``retry_after``: seconds the upstream asked us to wait (HTTP 429)."""

    def __init__(self, message: str, kind: str = "input", retry_after: float | None = None) -> None:
        super().__init__(message)
        self.kind = kind
        self.retry_after = retry_after


class DataBusy(LaunchcastError):
    """Another writer held the data directory for longer than we wait."""


class BudgetExceeded(LaunchcastError):
    """A question that would cost more than one request may; the message says how to ask within it."""


class RefitRunning(LaunchcastError):
    """Another refit holds the lock."""


class LedgerError(LaunchcastError):
    """The ledger database could not be reached, migrated, read or written."""


class WorkCancelled(Exception):
    """The caller stopped the work (``reason``): not the user's input, so not a ``LaunchcastError``."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason
