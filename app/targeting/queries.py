"""Which schools have had their targeting meeting this term (the dashboard and the report)."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import aliased

from app.accounts import permissions
from app.accounts.models import School, User
from app.cases import Case, Task
from app.core.uow import current_session
from app.targeting.services import KIND, meeting_reference
from app.targeting.terms import current_term, get_term

#: the element id of the meeting task in the targeting_meeting model
MEETING_TASK = "hold_meeting"


def list_meetings(actor: Any, *, term: str) -> list[dict[str, Any]]:
    """Every school with its meeting for ``term`` (None when not opened), scoped to the actor."""
    period = get_term(term)
    session = current_session()
    adviser = aliased(User)
    stmt = (
        select(School.urn, School.name, adviser.name)
        .select_from(School)
        .outerjoin(adviser, adviser.id == School.link_adviser_id)
        .order_by(School.name)
    )
    if actor.role not in permissions.CASE_READERS_ALL:
        stmt = stmt.where(School.urn == (actor.school_urn if actor.role == "school" else None))
    schools = session.execute(stmt).all()
    held = _held_on(period.code)
    meetings = {
        c.reference: c
        for c in session.scalars(
            select(Case).where(Case.kind == KIND, Case.reference.like(f"TSM-%-{period.code}"))
        )
    }
    rows = []
    for urn, name, link in schools:
        meeting = meetings.get(meeting_reference(urn, period.code))
        rows.append(
            {
                "urn": urn,
                "name": name,
                "link_adviser": link,
                "meeting_id": meeting.id if meeting else None,
                "status": meeting.status if meeting else "not_opened",
                "held_on": held.get(meeting.id) if meeting else None,
            }
        )
    return rows


def _held_on(code: str) -> dict[int, date]:
    """Meeting id -> the day its meeting task was completed, for the term's meetings."""
    stmt = (
        select(Task.case_id, Task.completed_at)
        .join(Case, Case.id == Task.case_id)
        .where(
            Case.kind == KIND,
            Case.reference.like(f"TSM-%-{code}"),
            Task.element_id == MEETING_TASK,
            Task.status == "completed",
        )
    )
    return {case_id: at.date() for case_id, at in current_session().execute(stmt) if at}


def term_coverage(term: str, *, today: date) -> dict[str, Any]:
    """How many schools had their targeting meeting in ``term``, and who is overdue.

    ``held``: meeting recorded; ``open``: opened, not held; ``not_opened``: no meeting yet;
    ``overdue``: not held and ``today`` is past mid-term.
    """
    period = get_term(term)
    rows = list_meetings(_EVERYONE, term=term)
    held = [r for r in rows if r["held_on"] is not None]
    pending = [r for r in rows if r["held_on"] is None]
    overdue = [r for r in pending if today > period.mid_term]
    return {
        "term": period.key,
        "label": period.label,
        "starts_on": period.starts_on,
        "mid_term": period.mid_term,
        "ends_on": period.ends_on,
        "schools": len(rows),
        "held": len(held),
        "open": len([r for r in pending if r["meeting_id"] is not None]),
        "not_opened": len([r for r in pending if r["meeting_id"] is None]),
        "overdue": [
            {"urn": r["urn"], "name": r["name"], "link_adviser": r["link_adviser"]} for r in overdue
        ],
    }


class _Council:
    """Counts for the whole council (the coverage figure is not per user)."""

    role = "manager"
    school_urn = None


_EVERYONE = _Council()

__all__ = ["current_term", "list_meetings", "term_coverage"]
