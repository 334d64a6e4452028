"""Starting a school's graduated approach for one pupil (the ``school_stage`` process)."""

from __future__ import annotations

from typing import Any

from flask import current_app
from sqlalchemy import select

from app.accounts.models import School
from app.cases import Case, start_process
from app.core.errors import Conflict, Forbidden, Invalid
from app.core.uow import current_session

KIND = "school_stage"
#: who may start a school stage: the school itself, or the council for any school
STARTERS = frozenset({"school", "adviser", "admin"})


def start_school_stage(
    actor: Any,
    *,
    pupil: dict[str, Any],
    parents: list[dict[str, Any]],
    school_urn: str | None = None,
) -> Case:
    """Start the school stage for a pupil (``pupil``/``parents`` as ``SchoolStageStartSchema``).

    Schools start it for their own pupils; council staff name the school.  A pupil has at most
    one open school stage at a school: a second one is a ``Conflict``.
    """
    if actor.role not in STARTERS:
        raise Forbidden("Only schools and attendance advisers can start a school stage.")
    urn = actor.school_urn if actor.role == "school" else school_urn
    if not urn:
        raise Invalid("Say which school.", {"school_urn": ["Enter the school's URN"]})
    session = current_session()
    school = session.get(School, urn)
    if school is None:
        raise Invalid(
            "Say which school.", {"school_urn": [f"No school with URN {urn} is registered"]}
        )
    upn = str(pupil["upn"]).strip().upper()
    if _open_stage(urn, upn) is not None:
        raise Conflict("This pupil already has a school stage in progress at this school.")
    name = f"{pupil['forenames']} {pupil['surname']}"
    seed = {
        "pupil": {
            "upn": upn,
            "forenames": pupil["forenames"],
            "surname": pupil["surname"],
            "name": name,
            "date_of_birth": str(pupil["date_of_birth"]),
            "year_group": pupil.get("year_group"),
            "address": pupil.get("address"),
            "postcode": pupil.get("postcode"),
        },
        "parents": [{k: v for k, v in parent.items() if v is not None} for parent in parents],
        "school": {"urn": school.urn, "name": school.name, "laestab": school.laestab},
    }
    return start_process(
        actor,
        kind=KIND,
        model_id=current_app.config["SCHOOL_STAGE_MODEL"],
        school_urn=urn,
        reference="SSP-{id:06d}",
        seed=seed,
        subject_upn=upn,
        subject_name=name,
        started="School stage started",
    )


def _open_stage(urn: str, upn: str) -> Case | None:
    stmt = select(Case).where(
        Case.kind == KIND, Case.school_urn == urn, Case.pupil_upn == upn, Case.status == "open"
    )
    return current_session().scalars(stmt.limit(1)).first()
