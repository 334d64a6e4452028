"""Read-side queries: a pupil's marks, a school's calendar, penalty notices, a case by reference."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date
from typing import Any

from sqlalchemy import and_, or_, select

from app.accounts.models import School
from app.attendance.models import AttendanceMark, PenaltyNotice, SchoolClosure, SchoolTerm
from app.cases.models import Case
from app.core.uow import current_session
from service_tasks.attendance import Mark
from service_tasks.calendar import SchoolCalendar, make_calendar

#: rows per IN (...) list, well below every backend's parameter limit
CHUNK = 500


def chunked(items: Iterable[Any], size: int = CHUNK) -> Iterator[list[Any]]:
    """``items`` in lists of at most ``size``."""
    batch: list[Any] = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def list_pupil_marks(upn: str, date_from: date, date_to: date) -> list[Mark]:
    """The pupil's marks (any school) between two dates inclusive, as (date, session, code)."""
    stmt = (
        select(AttendanceMark.date, AttendanceMark.session, AttendanceMark.code)
        .where(
            AttendanceMark.upn == upn,
            AttendanceMark.date >= date_from,
            AttendanceMark.date <= date_to,
        )
        .order_by(AttendanceMark.date, AttendanceMark.session)
    )
    return [(row.date, row.session, row.code) for row in current_session().execute(stmt)]


def list_school_pupil_marks(urn: str, upn: str, date_from: date, date_to: date) -> list[Mark]:
    """The pupil's marks recorded by one school between two dates inclusive."""
    stmt = (
        select(AttendanceMark.date, AttendanceMark.session, AttendanceMark.code)
        .where(
            AttendanceMark.upn == upn,
            AttendanceMark.urn == urn,
            AttendanceMark.date >= date_from,
            AttendanceMark.date <= date_to,
        )
        .order_by(AttendanceMark.date, AttendanceMark.session)
    )
    return [(row.date, row.session, row.code) for row in current_session().execute(stmt)]


def get_mark_states(
    keys: Iterable[tuple[str, date, str]],
) -> dict[tuple[str, date, str], tuple[int, str, str]]:
    """(id, urn, code) of the stored marks for (upn, date, session) keys, by key (Core rows)."""
    wanted = set(keys)
    if not wanted:
        return {}
    first = min(day for _u, day, _s in wanted)
    last = max(day for _u, day, _s in wanted)
    columns = (
        AttendanceMark.id,
        AttendanceMark.upn,
        AttendanceMark.date,
        AttendanceMark.session,
        AttendanceMark.urn,
        AttendanceMark.code,
    )
    found: dict[tuple[str, date, str], tuple[int, str, str]] = {}
    for upns in chunked(sorted({upn for upn, _d, _s in wanted})):
        stmt = select(*columns).where(
            AttendanceMark.upn.in_(upns), AttendanceMark.date.between(first, last)
        )
        for mark_id, upn, day, session, urn, code in current_session().execute(stmt):
            key = (upn, day, session)
            if key in wanted:
                found[key] = (mark_id, urn, code)
    return found


def list_known_schools(urns: Iterable[str]) -> set[str]:
    """Which of ``urns`` are registered schools."""
    known: set[str] = set()
    for batch in chunked(sorted(set(urns))):
        known.update(current_session().scalars(select(School.urn).where(School.urn.in_(batch))))
    return known


def get_school_calendar(urn: str | None) -> tuple[SchoolCalendar, str]:
    """The school's calendar and whose term dates it uses ("school" or "council").

    A school with term dates of its own uses only those; any other school uses the council
    default (``urn`` None).  Bank holidays apply to every school; the council's other closures
    apply to the schools on the council's term dates.
    """
    session = current_session()
    terms: list[SchoolTerm] = []
    if urn:
        terms = list(session.scalars(select(SchoolTerm).where(SchoolTerm.urn == urn)))
    source = "school" if terms else "council"
    if not terms:
        terms = list(session.scalars(select(SchoolTerm).where(SchoolTerm.urn.is_(None))))
    council_closures = SchoolClosure.urn.is_(None)
    if source == "school":
        council_closures = and_(council_closures, SchoolClosure.kind == "bank_holiday")
    closure_filter = or_(council_closures, SchoolClosure.urn == urn) if urn else council_closures
    closures = session.scalars(select(SchoolClosure).where(closure_filter))
    calendar = make_calendar(
        ((t.starts_on, t.ends_on) for t in terms), ((c.date, c.session) for c in closures)
    )
    return calendar, source


def list_council_calendar_keys() -> tuple[set[tuple[date, date]], set[date]]:
    """The council default's term ranges and whole-day closure dates already stored."""
    session = current_session()
    terms = session.execute(
        select(SchoolTerm.starts_on, SchoolTerm.ends_on).where(SchoolTerm.urn.is_(None))
    )
    closures = session.scalars(
        select(SchoolClosure.date).where(
            SchoolClosure.urn.is_(None), SchoolClosure.session.is_(None)
        )
    )
    return {(row.starts_on, row.ends_on) for row in terms}, set(closures)


def get_case_by_reference(reference: str) -> Case | None:
    """The case with this reference (unscoped: for the system's own service tasks)."""
    return current_session().scalars(select(Case).where(Case.reference == reference)).first()


def get_penalty_notice(notice_id: int) -> PenaltyNotice | None:
    """A penalty notice by id."""
    return current_session().get(PenaltyNotice, notice_id)


def find_issued_notice(
    case_id: int, upn: str, parent_key: str, issued_on: date
) -> PenaltyNotice | None:
    """A non-withdrawn notice already recorded for this case, child, parent and day."""
    stmt = select(PenaltyNotice).where(
        PenaltyNotice.case_id == case_id,
        PenaltyNotice.upn == upn,
        PenaltyNotice.parent_key == parent_key,
        PenaltyNotice.issued_on == issued_on,
        PenaltyNotice.status != "withdrawn",
    )
    return current_session().scalars(stmt).first()


def list_prior_notices(
    upn: str, parent_key: str, after: date, until: date
) -> list[tuple[PenaltyNotice, str | None]]:
    """Non-withdrawn notices for the child and parent issued in (after, until], with case refs."""
    stmt = (
        select(PenaltyNotice, Case.reference)
        .join(Case, Case.id == PenaltyNotice.case_id)
        .where(
            PenaltyNotice.upn == upn,
            PenaltyNotice.parent_key == parent_key,
            PenaltyNotice.status != "withdrawn",
            PenaltyNotice.issued_on > after,
            PenaltyNotice.issued_on <= until,
        )
        .order_by(PenaltyNotice.issued_on, PenaltyNotice.id)
    )
    return [(row[0], row[1]) for row in current_session().execute(stmt)]
