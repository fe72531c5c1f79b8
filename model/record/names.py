"""Other names people use for states and vehicles: codes, English names, Korean names.

GCAT names a state by code (``KP``) and a vehicle by its GCAT name
(``Cheonlima-1``); people type "North Korea", "Korea, North", 천리마-1 or 누리호.
``data/names.csv`` (kind, name, alias, source; each alias cited) adds those, and
``states.csv``/GCAT's organisation table give every state's English name.  A fit
carries the table in its manifest, so the service resolves names as the data did.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from rapidfuzz import fuzz, process, utils

from launchcast.model.errors import NotFoundError

NAMES_FILE = "names.csv"


#: How alike (rapidfuzz's WRatio, 0–100) a known name must be to be suggested.
SUGGEST_ABOVE = 75


def closest(name: str, known: list[str], n: int = 5) -> list[str]:
    """Suggestions for a misspelt name: close matches, else names containing it.

    rapidfuzz's weighted ratio, case and punctuation folded: 'Chollma' suggests Chollima-1
    alone, where difflib added Volna and Thor Delta; 'Electon' Electron alone (difflib: four
    more); a quarter of difflib's time (``benchmarks/libraries.py``).
    """
    found = process.extract(
        name, known, scorer=fuzz.WRatio, processor=utils.default_process, limit=n, score_cutoff=SUGGEST_ABOVE
    )
    matches = [match for match, _, _ in found]
    if not matches:
        lowered = name.lower()
        matches = [k for k in known if lowered in k.lower()][:n]
    return matches


def unknown_of(kind: str, name: str, known: dict[str, str]) -> NotFoundError:
    """As ``unknown``, where several names mean one thing (``known``: each name → the one
    to show): matched against every name, each thing suggested once, by the name shown."""
    shown: list[str] = []
    for match in closest(name, sorted(known), n=10):
        if known[match] not in shown:
            shown.append(known[match])
    return NotFoundError(
        f"unknown {kind} {name!r}; closest known: {', '.join(shown[:5]) or 'none close'}", shown[:5]
    )


def unknown(kind: str, name: str, known: list[str]) -> NotFoundError:
    """'unknown vehicle 'Chollma'; closest known: Chollima-1', with the suggestions as data."""
    matches = closest(name, known)
    return NotFoundError(
        f"unknown {kind} {name!r}; closest known: {', '.join(matches) or 'none close'}", matches
    )


def _key(text: str) -> str:
    return " ".join(text.strip().casefold().split())


def read_names(raw: bytes) -> dict[str, dict[str, str]]:
    """``names.csv`` as {kind: {alias: name}}; unknown kinds are refused by validation."""
    out: dict[str, dict[str, str]] = {"state": {}, "vehicle": {}}
    for row in csv.DictReader(io.StringIO(raw.decode("utf-8"))):
        out.setdefault(row["kind"], {})[row["alias"]] = row["name"]
    return out


@dataclass(frozen=True)
class Names:
    """Resolves what a person typed to a state code or a GCAT vehicle name."""

    state_names: dict[str, str]  # code → English name
    aliases: dict[str, dict[str, str]] = field(default_factory=dict)

    def state_code(self, text: str, known: list[str] | set[str]) -> str | None:
        """The code of a known state named by code, English name or alias; None if none matches."""
        wanted = _key(text)
        for code in known:
            if _key(code) == wanted or _key(self.state_names.get(code, "")) == wanted:
                return code
        for alias, code in self.aliases.get("state", {}).items():
            if _key(alias) == wanted and code in known:
                return code
        return None

    def state_choices(self, known: list[str] | set[str]) -> list[str]:
        """What to suggest for a misspelt state: codes, names and aliases of known states."""
        names = [self.state_names.get(code, "") for code in known]
        aliases = [a for a, code in self.aliases.get("state", {}).items() if code in known]
        return sorted({*known, *filter(None, names), *aliases})

    def vehicle(self, text: str) -> str | None:
        """The GCAT name of a vehicle known by an alias (천리마-1 → Cheonlima-1), if any."""
        wanted = _key(text)
        for alias, name in self.aliases.get("vehicle", {}).items():
            if _key(alias) == wanted:
                return name
        return None
