"""Text from outside — Launch Library 2, GCAT, a user's command line or file — made fit to store.

A lone carriage return in an announced launch's name once made ``schedule.csv`` unreadable
(Python's CSV writer does not quote it, and the reader then refuses the file), and a
131,073-character field did the same (the reader's field limit): every schedule command and
every time question failed from then on (issue #34).  So text is normalised before it is
stored, by one of two rules:

- ``tidy`` + ``bounded`` for sources we do not control (LL2, GCAT): line breaks and tabs become
  a space, other control characters (C0, C1, DEL), bidirectional overrides and lone UTF-16
  surrogates are removed, the result is NFC with runs of spaces made one; a field still over
  its limit is refused with its name and length (the caller skips that entry or row and says so).
- ``checked`` for what a user types: the same characters are refused, naming the field, the
  character and its position, so nothing the user meant is silently changed.

``LIMITS`` are the longest values each kind of field takes: far above any real name (LL2's
longest mission name in the sample is under 80 characters) and far below the CSV reader's
131,072-character field limit.
"""

from __future__ import annotations

import re
import unicodedata

from launchcast.model.errors import LaunchcastError

#: Line breaks and tabs (a space stands for them when tidying).
BREAKS = re.compile(r"[\t\n\r\x0b\x0c\x1c-\x1e\x85\u2028\u2029]")
#: Everything else that is never part of a name, a code or a citation: C0 and C1 controls, DEL,
#: bidirectional overrides and isolates (they reorder what a reader sees), lone surrogates.
REMOVED = re.compile(r"[\x00-\x08\x0e-\x1b\x1f\x7f-\x84\x86-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
SPACES = re.compile(r" {2,}")

#: The longest value of each kind of field, in characters.
LIMITS = {
    "id": 100,
    "name": 200,
    "code": 100,  # a rocket, vehicle, family, agency, site, state, status or precision
    "source": 500,  # a citation or a URL
}


class TextError(LaunchcastError):
    """A field that cannot be stored as given; the message names it and says how to fix it."""


def tidy(text: str) -> str:
    """``text`` without control characters, overrides or surrogates (see the module docstring)."""
    text = REMOVED.sub("", BREAKS.sub(" ", text))
    return SPACES.sub(" ", unicodedata.normalize("NFC", text)).strip()


def bounded(text: str, field: str, limit: int, where: str = "") -> str:
    """``tidy(text)``, or ``TextError`` when it is longer than ``limit``."""
    clean = tidy(text)
    if len(clean) > limit:
        raise TextError(f"{_at(where)}{field} is {len(clean):,} characters, over the limit of {limit:,}")
    return clean


def checked(text: str, field: str, limit: int, where: str = "") -> str:
    """``text`` stripped, or ``TextError`` naming a control character or an over-long value."""
    for position, char in enumerate(text, start=1):
        if BREAKS.match(char) or REMOVED.match(char):
            raise TextError(
                f"{_at(where)}{field} holds the control character U+{ord(char):04X} at character "
                f"{position}; remove it"
            )
    text = unicodedata.normalize("NFC", text).strip()
    if len(text) > limit:
        raise TextError(
            f"{_at(where)}{field} is {len(text):,} characters, over the limit of {limit:,}; shorten it"
        )
    return text


def _at(where: str) -> str:
    return f"{where}: " if where else ""
