"""Opening each school's termly targeting support meeting, and naming schools' link advisers."""

from __future__ import annotations

from typing import Any

from flask import current_app
from sqlalchemy import select

from app.accounts.models import School, User
from app.audit import record_event
from app.cases import Case, start_process
from app.core.errors import Forbidden, Invalid, NotFound
from app.core.uow import current_session
from app.targeting.terms import get_term

KIND = "tsm"
#: who may open a term's meetings and name link advisers
ORGANISERS = frozenset({"manager", "admin"})


def meeting_reference(urn: str, term_code: str) -> str:
    """A meeting's reference: unique per school and term (e.g. TSM-100001-AU2026)."""
    return f"TSM-{urn}-{term_code}"


def open_term_meetings(actor: Any, *, term: str) -> list[Case]:
    """Open the term's meeting for every school that has none yet (running it again is safe).

    Each meeting's tasks go to the school's link adviser (the advisers' queue when it has none).
    Returns the meetings opened now.
    """
    if actor is not None and actor.role not in ORGANISERS:
        raise Forbidden("Only managers can open the term's targeting meetings.")
    period = get_term(term)
    session = current_session()
    existing = set(session.scalars(select(Case.reference).where(Case.kind == KIND)))
    opened = []
    for school in session.scalars(select(School).order_by(School.urn)):
        reference = meeting_reference(school.urn, period.code)
        if reference in existing:
            continue
        seed = {
            "school": {"urn": school.urn, "name": school.name},
            "term": {
                "key": period.key,
                "label": period.label,
                "starts_on": period.starts_on.isoformat(),
                "mid_term": period.mid_term.isoformat(),
                "ends_on": period.ends_on.isoformat(),
            },
        }
        opened.append(
            start_process(
                actor,
                kind=KIND,
                model_id=current_app.config["TSM_MODEL"],
                school_urn=school.urn,
                reference=reference,
                seed=seed,
                subject_name=f"Targeting meeting, {period.label}",
                adviser_id=school.link_adviser_id,
                started=f"Targeting support meeting for {period.label} opened",
            )
        )
    return opened


def set_link_adviser(actor: Any, *, urn: str, adviser_id: int | None) -> School:
    """Name the school's link adviser (None: no link adviser); audited."""
    if actor is not None and actor.role not in ORGANISERS:
        raise Forbidden("Only managers can name a school's link adviser.")
    session = current_session()
    school = session.get(School, urn)
    if school is None:
        raise NotFound(f"No school with URN {urn}.")
    if adviser_id is not None:
        adviser = session.get(User, adviser_id)
        if adviser is None or adviser.role != "adviser" or not adviser.active:
            raise Invalid(
                "Choose an attendance adviser.", {"adviser_id": ["Not an active adviser"]}
            )
    previous, school.link_adviser_id = school.link_adviser_id, adviser_id
    record_event(
        "link_adviser_set",
        f"Link adviser of school {urn} changed",
        actor=actor,
        detail={"urn": urn, "adviser_id": adviser_id, "previous": previous},
    )
    session.flush()
    return school
