"""The termly report for the scrutiny committee, from the dashboard's own queries.

Population figures come from the registers (bands by the deployed band table); flow, outcomes,
penalty notices and legal outcomes are the dashboard's and the statutory return's functions run
over the term; targeting-meeting coverage and the delivery plan's RAG summary come from their
features.  Counts only: no pupil is named.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from app.core.errors import Forbidden
from app.dashboard import outcomes, population, queries, statutory
from app.dashboard.filters import Filters
from app.delivery_plan import rag_summary
from app.targeting import get_term, term_coverage

READERS = frozenset({"manager", "admin"})


def termly_report(actor: Any, *, term: str, today: date) -> dict[str, Any]:
    """Every figure of the report for ``term`` (e.g. ``autumn-2026``), as at ``today``."""
    if getattr(actor, "role", None) not in READERS:
        raise Forbidden("Only managers can see the termly report.")
    period = get_term(term)
    end = min(period.ends_on, today) if today >= period.starts_on else period.ends_on
    filters = Filters(date_from=period.starts_on, date_to=period.ends_on)
    figures = statutory.period_figures(filters)
    return {
        "term": period,
        "as_at": today,
        "figures_to": end,
        "population": population.population(period.starts_on, end),
        "flow": {
            "notifications": sum(queries.notifications_per_bucket(filters)),
            "triage": queries.triage_time(filters),
            "accepted": figures["accepted"],
            "returned": _returned(filters),
        },
        "outcomes": {
            "closures": outcomes.closures_by_reason(filters),
            "contracts": figures["contracts"],
            "attendance": outcomes.attendance_change(filters),
        },
        "penalty_notices": {
            "by_outcome": outcomes.penalty_notices(filters),
            "by_reason": figures["notices"],
            "issued": figures["issued"],
        },
        "legal": {
            "prosecutions": figures["prosecutions"],
            "court_results": figures["court_results"],
            "parenting_orders": figures["parenting_orders"],
            "eso": figures["eso"],
        },
        "tsm": term_coverage(term, today=today),
        "plan": rag_summary(today),
    }


def _returned(filters: Filters) -> int:
    return sum(
        outcomes.decisions(element, filters).get("return_to_school", 0)
        for element in queries.TRIAGE_TASKS
    )
