"""Terms for targeting meetings: a term is the council's two half-terms of a season.

"autumn-2026" is Autumn 1 2026 + Autumn 2 2026; its mid-term is the last open day of the first
half-term.  The dates come from the council's term table (``app.attendance.calendar_data``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from app.attendance.calendar_data import COUNCIL_TERMS
from app.core.errors import Invalid

SEASONS = ("autumn", "spring", "summer")
_KEY = re.compile(r"^(autumn|spring|summer)-(\d{4})$")


@dataclass(frozen=True)
class Term:
    """One term: ``key`` like ``autumn-2026``, its first day, mid-term and last day."""

    key: str
    label: str
    starts_on: date
    mid_term: date
    ends_on: date

    @property
    def code(self) -> str:
        """A short code for references: AU2026, SP2027, SU2027."""
        season, year = self.key.split("-")
        return f"{season[:2].upper()}{year}"


def _halves() -> dict[str, list[tuple[date, date]]]:
    halves: dict[str, list[tuple[date, date]]] = {}
    for name, first, last in COUNCIL_TERMS:
        season, _half, year = name.split()
        halves.setdefault(f"{season.lower()}-{year}", []).append((first, last))
    return halves


def get_term(key: str) -> Term:
    """The term ``key`` (e.g. ``autumn-2026``); ``Invalid`` when it is unknown."""
    halves = _halves().get(key) if _KEY.match(key or "") else None
    if not halves or len(halves) != 2:
        known = ", ".join(list_terms_keys())
        raise Invalid(f"Unknown term '{key}'.", {"term": [f"Choose one of: {known}"]})
    (first_start, first_end), (_second_start, second_end) = sorted(halves)
    season, year = key.split("-")
    return Term(key, f"{season.capitalize()} {year}", first_start, first_end, second_end)


def list_terms_keys() -> list[str]:
    """Every term the council's table covers, oldest first."""
    return [key for key, halves in _halves().items() if len(halves) == 2]


def current_term(today: date) -> str:
    """The term containing ``today``; in a holiday the next term (the last one after the table)."""
    terms = [get_term(k) for k in list_terms_keys()]
    for term in terms:
        if today <= term.ends_on:
            return term.key
    return terms[-1].key
