"""Reading the dashboard's query strings and forms; anything invalid is ignored and reported.

The pages are GET forms, so a bad value must not break the page: it is dropped, and the page
says which one (``Filters.errors``).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from flask import current_app

from app.cases.queries import CaseSearch
from app.dashboard.filters import PUPIL_GROUPS, Filters, default_period

#: the longest period the dashboard charts (five years)
MAX_DAYS = 5 * 366


def _date(args: Any, name: str, errors: list[str]) -> date | None:
    text = (args.get(name) or "").strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        errors.append(f"{name}: enter a real date as YYYY-MM-DD")
        return None


def _int(args: Any, name: str, errors: list[str]) -> int | None:
    text = (args.get(name) or "").strip()
    if not text:
        return None
    if not text.isdigit():
        errors.append(f"{name}: choose from the list")
        return None
    return int(text)


def _choice(args: Any, name: str, options: Any, errors: list[str]) -> str | None:
    text = (args.get(name) or "").strip()
    if text and text not in options:
        errors.append(f"{name}: choose from the list")
        return None
    return text or None


def parse_filters(args: Any, today: date) -> Filters:
    """Filters from a query string; invalid or contradictory values fall back to defaults."""
    errors: list[str] = []
    first, last = default_period(today)
    date_from = _date(args, "date_from", errors) or first
    date_to = _date(args, "date_to", errors) or last
    if date_to < date_from:
        errors.append("date_to: the end of the period must not be before its start")
        date_from, date_to = first, last
    if (date_to - date_from).days > MAX_DAYS:
        errors.append("date_from: choose a period of five years or less")
        date_from = date_to - timedelta(days=MAX_DAYS)
    school = (args.get("school") or "").strip() or None
    if school is not None and not (school.isdigit() and len(school) == 6):
        errors.append("school: choose from the list")
        school = None
    return Filters(
        date_from=date_from,
        date_to=date_to,
        school=school,
        adviser=_int(args, "adviser", errors),
        stage=_choice(args, "stage", current_app.config["STAGES"], errors),
        group=_choice(args, "group", PUPIL_GROUPS, errors),
        errors=tuple(errors),
    )


def parse_search(args: Any) -> CaseSearch:
    """The case list's search box and status; school, adviser, stage and group are filters."""
    return CaseSearch(
        q=(args.get("q") or "").strip()[:100] or None,
        status=_choice(args, "status", ("open", "closed", "error"), []),
    )


def parse_ids(values: list[str]) -> list[int]:
    """Case ids ticked in a form (non-numbers are ignored)."""
    return sorted({int(v) for v in values if v.isdigit()})


def parse_page(args: Any) -> int:
    """A page number (1 when missing or invalid)."""
    text = (args.get("page") or "").strip()
    return max(1, min(int(text), 10_000)) if text.isdigit() else 1
