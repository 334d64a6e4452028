"""Reading school stages: lists scoped to the actor, and the notification a referral pre-fills."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select

from app.accounts import permissions
from app.attendance import register_prefill
from app.cases import Case
from app.core.errors import Conflict, NotFound
from app.core.uow import current_session
from app.school_stage.services import KIND


def list_school_stages(actor: Any, *, status: str | None = None) -> list[Case]:
    """The school stages ``actor`` may see (schools: their own), newest first."""
    stmt = permissions.scope_cases(select(Case), actor, Case).where(Case.kind == KIND)
    if status:
        stmt = stmt.where(Case.status == status)
    stmt = stmt.order_by(Case.opened_at.desc(), Case.id.desc())
    return list(current_session().scalars(stmt))


def get_school_stage(actor: Any, stage_id: int) -> Case:
    """One school stage ``actor`` may see; ``NotFound`` otherwise (never says it exists)."""
    stmt = permissions.scope_cases(select(Case), actor, Case).where(
        Case.kind == KIND, Case.id == stage_id
    )
    stage = current_session().scalars(stmt).first()
    if stage is None:
        raise NotFound("No such school stage.")
    return stage


def notification_prefill(actor: Any, stage_id: int, *, today: date) -> dict[str, Any]:
    """The *Notification of Attendance Intervention* a referring school stage fills in.

    Pupil, parents, school, the figures from the school's own register this year, the dated
    evidence of every step, the plan's barriers and the pupil's views, and when the parent was
    told.  ``Conflict`` until the stage's review has decided to refer.
    """
    stage = get_school_stage(actor, stage_id)
    result = stage.result or {}
    if result.get("outcome") != "refer":
        raise Conflict("This school stage has not referred the pupil to the attendance service.")
    pupil = dict(result["pupil"])
    school = {k: v for k, v in result["school"].items() if v}
    body: dict[str, Any] = {
        "school": school,
        "pupil": {
            k: v
            for k, v in {
                "upn": pupil["upn"],
                "forenames": pupil["forenames"],
                "surname": pupil["surname"],
                "date_of_birth": pupil["date_of_birth"],
                "year_group": pupil.get("year_group"),
                "address": pupil.get("address"),
                "postcode": pupil.get("postcode"),
            }.items()
            if v
        },
        "parents": [
            {
                "full_name": p["full_name"],
                "relationship": p["relationship"],
                "parental_responsibility": bool(p.get("parental_responsibility", True)),
                **({"address": p["address"]} if p.get("address") else {}),
            }
            for p in result["parents"]
        ],
        "school_actions": [
            {
                "date": e["date"],
                "action": e["action"],
                **({"details": e["details"]} if e.get("details") else {}),
            }
            for e in result["evidence"]
        ],
        "parent_informed": dict(result["parent_informed"]),
        "barriers": result.get("barriers") or "",
        "pupil_views": result.get("child_voice") or "",
        "request_type": "monitoring",
    }
    figures = register_prefill(urn=stage.school_urn, upn=pupil["upn"], today=today)
    if figures:
        body["attendance"] = figures
    return body
