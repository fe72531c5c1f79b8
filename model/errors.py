"""The one exception type a user can cause.

The CLI prints its message without a traceback and the API maps it to a 4xx, so
the message must say what was wrong and how to fix it.
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
