"""Attendance use cases: importing session marks, figures, thresholds and the school calendar.

Penalty notices are in :mod:`app.attendance.penalties`.  Everything here runs in the caller's
unit of work and only flushes.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite

from app.attendance import queries
from app.attendance.calendar_data import BANK_HOLIDAYS, COUNCIL_TERMS
from app.attendance.models import AttendanceMark, AttendanceMarkChange, SchoolClosure, SchoolTerm
from app.attendance.permissions import can_import_marks, can_import_marks_for
from app.audit import record_event
from app.core.db import utcnow
from app.core.errors import AppError, Forbidden
from app.core.uow import current_session
from app.forms import is_valid_upn
from service_tasks import attendance as arithmetic
from service_tasks import calendar

#: the most marks one request may carry (a large secondary school sends ~3,000 a day)
MAX_MARKS = 20_000
#: the national threshold's rolling window, in school weeks (the count itself is a DMN row)
THRESHOLD_WEEKS = 10
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_URN = re.compile(r"^\d{6}$")
ONE_DAY = timedelta(days=1)


#: a file lists each pupil's AM and PM marks together: remember the last few UPNs checked
_valid_upn = functools.lru_cache(maxsize=1024)(is_valid_upn)


class TooManyMarks(AppError):
    """The request carries more marks than one import may."""

    status = 413
    code = "too_many_marks"


@dataclass(frozen=True)
class MarkRow:
    """One valid row of an import."""

    urn: str
    upn: str
    day: date
    session: str
    code: str

    @property
    def key(self) -> tuple[str, date, str]:
        """The identity of the session: (upn, date, session)."""
        return (self.upn, self.day, self.session)


def parse_mark_row(raw: Any) -> tuple[MarkRow | None, str | None]:
    """Check one submitted row; returns (row, None) or (None, a plain-English message)."""
    if not isinstance(raw, dict):
        return None, "each mark must be an object with urn, upn, date, session and code"
    problems: list[str] = []
    urn = raw.get("urn")
    urn = str(urn).strip() if isinstance(urn, str | int) and not isinstance(urn, bool) else ""
    if not _URN.match(urn):
        problems.append("urn must be a six-digit school URN")
    upn = raw.get("upn")
    upn = upn.strip().upper() if isinstance(upn, str) else ""
    if not _valid_upn(upn):
        problems.append("upn is not a valid UPN (13 characters with a correct check letter)")
    day = _parse_iso_date(raw.get("date"))
    if day is None:
        problems.append("date must be a real date written YYYY-MM-DD")
    session = raw.get("session")
    session = session.strip().upper() if isinstance(session, str) else ""
    if session not in calendar.SESSIONS:
        problems.append("session must be AM or PM")
    code = raw.get("code")
    code = code.strip().upper() if isinstance(code, str) else ""
    if not code:
        problems.append("code is missing")
    elif problem := arithmetic.code_problem(code, day or arithmetic.NEW_CODES_FROM - ONE_DAY):
        problems.append(problem)
    if problems:
        return None, "; ".join(problems)
    assert day is not None
    return MarkRow(urn, upn, day, session, code), None


def _parse_iso_date(value: Any) -> date | None:
    if not isinstance(value, str) or not _ISO_DATE.match(value):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def import_marks(actor: Any, *, marks: list[Any]) -> dict[str, Any]:
    """Upsert session marks keyed by (upn, date, session); bad rows are reported, good rows land.

    A re-sent mark with the same code changes nothing; a changed code is updated and its old and
    new codes are kept in ``attendance_mark_changes``.  For a session already recorded by another
    school (dual registration) a ``D`` never replaces the other school's mark, a stored ``D`` is
    replaced by the other school's mark, and any other clash is reported as a row error.
    """
    if not can_import_marks(actor):
        raise Forbidden("Only schools, attendance advisers and administrators can send marks.")
    if len(marks) > MAX_MARKS:
        raise TooManyMarks(
            f"Too many marks: {len(marks):,} sent; send at most {MAX_MARKS:,} marks per request.",
            limit=MAX_MARKS,
        )
    result = import_mark_rows(actor, rows=list(enumerate(marks)))
    audit_mark_import(actor, result)
    return result.as_dict()


@dataclass
class MarkImportResult:
    """What one batch of marks did; ``errors`` carry the caller's row numbers."""

    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)
    schools: set[str] = field(default_factory=set)
    days: set[date] = field(default_factory=set)

    def as_dict(self) -> dict[str, Any]:
        """The counts and errors, as the API returns them."""
        return {
            "inserted": self.inserted,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "errors": self.errors,
        }


def import_mark_rows(actor: Any, *, rows: list[tuple[int, Any]]) -> MarkImportResult:
    """Check and upsert numbered raw rows (one batch; no size limit, no audit event).

    The caller numbers the rows (list index for the API, the CSV row for files), checks the
    actor's right to import at all, and records the audit event for the whole import.
    """
    result = MarkImportResult()
    parsed: list[tuple[int, MarkRow]] = []
    for number, raw in rows:
        row, problem = parse_mark_row(raw)
        if row is None:
            result.errors.append({"row": number, "message": problem})
        else:
            parsed.append((number, row))
    known = queries.list_known_schools(row.urn for _i, row in parsed)
    accepted: list[tuple[int, MarkRow]] = []
    for number, row in parsed:
        if row.urn not in known:
            message = f"no school with URN {row.urn} is registered"
            result.errors.append({"row": number, "message": message})
        elif not can_import_marks_for(actor, row.urn):
            message = f"you can only send marks for your own school, not URN {row.urn}"
            result.errors.append({"row": number, "message": message})
        else:
            accepted.append((number, row))
    _store_marks(actor, accepted, result)
    result.errors.sort(key=lambda e: e["row"])
    return result


def _upsert(table: Any) -> Any:
    """``INSERT ... ON CONFLICT`` for the session's database (SQLite or PostgreSQL)."""
    dialect = current_session().get_bind().dialect.name
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)


def _store_marks(actor: Any, rows: list[tuple[int, MarkRow]], result: MarkImportResult) -> None:
    """Classify rows against the stored marks, then write in bulk (one upsert, one insert).

    The upsert on (upn, date, session) makes a re-run harmless and lets a concurrent import of
    the same session win instead of failing the batch.
    """
    states = queries.get_mark_states(row.key for _i, row in rows)
    writes: dict[tuple[str, date, str], dict[str, Any]] = {}
    changes: list[tuple[tuple[str, date, str], str, str, str]] = []
    now = utcnow()
    for number, row in rows:
        key = row.key
        result.schools.add(row.urn)
        result.days.add(row.day)
        state = states.get(key)
        if state is None:
            result.inserted += 1
        else:
            _mark_id, urn, code = state
            if (urn != row.urn and row.code == "D") or (urn == row.urn and code == row.code):
                result.unchanged += 1
                continue
            if urn != row.urn and code != "D":
                result.errors.append(
                    {
                        "row": number,
                        "message": f"this session is already recorded by the school "
                        f"with URN {urn}; that school must correct it",
                    }
                )
                continue
            changes.append((key, row.urn, code, row.code))
            result.updated += 1
        states[key] = (state[0] if state else 0, row.urn, row.code)
        writes[key] = {
            "urn": row.urn,
            "upn": row.upn,
            "date": row.day,
            "session": row.session,
            "code": row.code,
            "updated_at": now,
        }
    if writes:
        ids = _upsert_marks(list(writes.values()))
        if changes:
            _record_changes(actor, changes, ids, now)


def _upsert_marks(values: list[dict[str, Any]]) -> dict[tuple[str, date, str], int]:
    """One ``INSERT ... ON CONFLICT (upn, date, session) DO UPDATE``; the marks' ids by key.

    ``RETURNING`` lets SQLAlchemy send the rows as multi-row VALUES pages ("insertmanyvalues");
    without it PostgreSQL would get one round trip per row.  ``values`` has one entry per key,
    as PostgreSQL refuses to update the same row twice in one statement.
    """
    table = AttendanceMark.__table__
    stmt = _upsert(table)
    stmt = stmt.on_conflict_do_update(
        index_elements=["upn", "date", "session"],
        set_={name: stmt.excluded[name] for name in ("urn", "code", "updated_at")},
    ).returning(table.c.id, table.c.upn, table.c.date, table.c.session)
    rows = current_session().execute(stmt, values)
    return {(upn, day, session): mark_id for mark_id, upn, day, session in rows}


def _record_changes(
    actor: Any,
    changes: list[tuple[tuple[str, date, str], str, str, str]],
    ids: dict[tuple[str, date, str], int],
    now: Any,
) -> None:
    current_session().execute(
        AttendanceMarkChange.__table__.insert(),
        [
            {
                "mark_id": ids[key],
                "urn": urn,
                "old_code": old,
                "new_code": new,
                "changed_at": now,
                "changed_by_id": getattr(actor, "id", None),
            }
            for key, urn, old, new in changes
        ],
    )


def audit_mark_import(actor: Any, result: MarkImportResult, **extra: Any) -> None:
    """One audit event for an import: counts, schools and dates only (no pupil identifiers)."""
    record_event(
        "attendance_imported",
        f"Attendance marks imported: {result.inserted} new, {result.updated} changed, "
        f"{result.unchanged} unchanged, {len(result.errors)} rejected",
        actor=actor,
        detail={
            "inserted": result.inserted,
            "updated": result.updated,
            "unchanged": result.unchanged,
            "rejected": len(result.errors),
            "schools": sorted(result.schools),
            "date_from": min(result.days).isoformat() if result.days else None,
            "date_to": max(result.days).isoformat() if result.days else None,
            **extra,
        },
    )


def pupil_figures(*, upn: str, date_from: date, date_to: date) -> dict[str, Any]:
    """Attendance figures from the pupil's stored marks; ``has_marks`` False when there are none."""
    marks = queries.list_pupil_marks(upn, date_from, date_to)
    figures = arithmetic.calculate_figures(marks)
    return {
        "has_marks": bool(marks),
        **figures,
        "date_from": date_from.isoformat(),
        "date_to": date_to.isoformat(),
    }


def register_prefill(*, urn: str, upn: str, today: date) -> dict[str, Any] | None:
    """The intake form's attendance section from the school's own register, this academic year.

    Only marks recorded by this school count (a school never sees another school's register);
    None when the school holds no marks for the pupil.
    """
    year_start = date(today.year if today.month >= 9 else today.year - 1, 9, 1)
    marks = queries.list_school_pupil_marks(urn, upn, year_start, today)
    if not marks:
        return None
    figures = arithmetic.calculate_figures(marks)
    return {
        "period_from": min(d for d, _s, _c in marks).isoformat(),
        "period_to": max(d for d, _s, _c in marks).isoformat(),
        "possible_sessions": figures["possible"],
        "attended_sessions": figures["present"],
        "authorised_absences": figures["authorised"],
        "unauthorised_absences": figures["unauthorised"],
        "late_before_close": figures["late_before_close"],
        "late_after_close": figures["late_after_close"],
    }


def national_threshold(*, upn: str, urn: str | None, as_of: date) -> dict[str, Any]:
    """Unauthorised sessions (G, N, O, U) in the last 10 school weeks of the school's calendar."""
    school_calendar, source = queries.get_school_calendar(urn)
    mondays = calendar.last_school_weeks(school_calendar, as_of, THRESHOLD_WEEKS)
    start = mondays[0] if mondays else as_of
    marks = queries.list_pupil_marks(upn, start, as_of)
    by_code = {
        code: sum(1 for _d, _s, c in marks if c == code) for code in arithmetic.UNAUTHORISED_CODES
    }
    return {
        "has_marks": bool(marks),
        "unauthorised_sessions": sum(by_code.values()),
        "unauthorised_by_code": by_code,
        "window_start": start.isoformat(),
        "window_end": as_of.isoformat(),
        "school_weeks": len(mondays),
        "calendar": source,
    }


def add_school_days(*, urn: str | None, start: date, days: int) -> tuple[date, str]:
    """``days`` school days after ``start`` on the school's calendar (and whose calendar)."""
    school_calendar, source = queries.get_school_calendar(urn)
    return calendar.add_school_days(school_calendar, start, days), source


def add_school_weeks(*, urn: str | None, start: date, weeks: int) -> tuple[date, str]:
    """``weeks`` school weeks after ``start`` on the school's calendar (and whose calendar)."""
    school_calendar, source = queries.get_school_calendar(urn)
    return calendar.add_school_weeks(school_calendar, start, weeks), source


def load_default_calendar() -> dict[str, int]:
    """Store the council's default term dates and the bank holidays (idempotent)."""
    session = current_session()
    terms, closures = queries.list_council_calendar_keys()
    added_terms = added_closures = 0
    for name, starts_on, ends_on in COUNCIL_TERMS:
        if (starts_on, ends_on) not in terms:
            session.add(SchoolTerm(urn=None, name=name, starts_on=starts_on, ends_on=ends_on))
            added_terms += 1
    for name, day in BANK_HOLIDAYS:
        if day not in closures:
            session.add(
                SchoolClosure(urn=None, date=day, session=None, kind="bank_holiday", name=name)
            )
            added_closures += 1
    if added_terms or added_closures:
        session.flush()
        record_event(
            "calendar_loaded",
            f"Council term dates loaded: {added_terms} terms, {added_closures} bank holidays",
            detail={"terms": added_terms, "closures": added_closures},
        )
    return {"terms": added_terms, "closures": added_closures}
