"""Service-task operators that read or write the application's own records.

``service_tasks/`` holds pure functions (no database).  The operators here are the thin,
database-backed wrappers diagrams call through the same registry: they read session marks, term
dates and penalty-notice history in the case's unit of work and hand plain data to the pure
functions.  CONTRACT: operator names, keyword parameters and result keys below are what the
diagrams in ``bpmn/`` rely on; change them only together with the diagrams.

| operator | parameters | result keys |
|---|---|---|
| ``attendance.figures`` | upn, urn, date_from, date_to | has_marks, possible, present, attendance_pct, authorised, unauthorised, unauthorised_by_code{G,N,O,U}, late_before_close, late_after_close, date_from, date_to |
| ``attendance.national_threshold`` | upn, urn, as_of | unauthorised_sessions, window_start, window_end, school_weeks |
| ``penalty.history`` | upn, parent_name, as_of | prior_notices (non-withdrawn, last 3 years), notices[] |
| ``penalty.issue`` | case_reference, upn, parent_name, issued_on, amount | notice_id, notice_reference |
| ``penalty.update`` | notice_id, status (paid, unpaid, withdrawn) | notice_id, status |
| ``calendar.add_school_days`` | urn, start, days | date, due_at (ISO datetime, 09:00 UTC) |
| ``calendar.add_school_weeks`` | urn, start, weeks | date, due_at |
| ``letters.generate`` | template, case_reference, recipients (list of names), data (dict) | documents[{id, template, recipient}] |

Behaviour (dates are ISO strings; a datetime string counts as its date part):

- ``attendance.*`` read the pupil's marks by UPN (any school).  Without marks, ``has_marks`` is
  False with zeros and ``attendance_pct`` None, so a diagram can fall back to the notification's
  figures.  ``attendance_pct`` is rounded *up* to 0.1 so that a DMN rule ``<= 90`` is exact.
  The threshold window is the last 10 school weeks ending at ``as_of`` (its own week counts once
  a session was held); holiday weeks are skipped, so the window stretches over half-terms.
- ``calendar.*`` use the school's own term dates when it has any, else the council default;
  bank holidays apply to all.  Outside the academic years loaded, every weekday except known
  closures is a school day.  ``add_school_days`` does not count ``start`` (0 returns it);
  ``add_school_weeks`` returns the same weekday in the N-th school week after ``start``'s week
  (the nearest school day of that week when that weekday is closed).  ``due_at`` is 09:00 UTC.
- ``penalty.history`` counts notices issued in (as_of - 3 years, as_of]; the parent's name is
  matched ignoring case and spacing.  ``penalty.issue`` is idempotent per case, child, parent and
  issue date.  ``penalty.update`` allows issued -> paid|unpaid|withdrawn and paid|unpaid ->
  withdrawn; the same status again is a no-op.
- ``letters.generate`` renders ``letters/<template>.html`` (e.g. ``'D4'``) once per recipient
  (names, or parent objects with ``full_name``); ``data["figures"]`` (or figures at the top level
  of ``data``) adds the attendance table.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any

from flask import current_app

from app.attendance import penalties, queries, services
from app.core.db import utcnow
from app.core.errors import AppError
from app.documents import generate_letters
from app.forms import is_valid_upn
from service_tasks.calendar import CalendarError
from service_tasks.registry import ServiceTaskError, service_task

#: letters live beside forms/ at the repository root unless LETTERS_DIR says otherwise
DEFAULT_LETTERS_DIR = Path(__file__).resolve().parents[2] / "letters"
#: school-time deadlines fall due at 09:00 UTC on the computed day
DUE_TIME = time(9, 0)


def _day(name: str, value: Any) -> date:
    """A date from a date, a datetime or an ISO string (a datetime's date part)."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        text = value.strip()
        try:
            return date.fromisoformat(text[:10])
        except ValueError:
            pass
    raise ServiceTaskError("bad_date", f"{name} must be an ISO date (YYYY-MM-DD), not {value!r}")


def _upn(value: Any) -> str:
    upn = value.strip().upper() if isinstance(value, str) else ""
    if not is_valid_upn(upn):
        raise ServiceTaskError("bad_upn", "upn is not a valid UPN")
    return upn


def _urn(value: Any) -> str | None:
    if value is None or isinstance(value, bool):
        return None
    text = str(value).strip()
    return text or None


def _count(name: str, value: Any) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    raise ServiceTaskError("bad_count", f"{name} must be a whole number, not {value!r}")


def _due(day: date, source: str) -> dict[str, Any]:
    return {
        "date": day.isoformat(),
        "due_at": datetime.combine(day, DUE_TIME, tzinfo=UTC).isoformat(),
        "calendar": source,
    }


def _service_error(exc: AppError) -> ServiceTaskError:
    return ServiceTaskError(exc.code, exc.message)


@service_task("attendance.figures")
def attendance_figures(*, upn: str, urn: str, date_from: str, date_to: str) -> dict[str, Any]:
    """Attendance figures for a pupil and period from the stored session marks."""
    start, end = _day("date_from", date_from), _day("date_to", date_to)
    if end < start:
        raise ServiceTaskError("bad_period", "date_to is before date_from")
    return services.pupil_figures(upn=_upn(upn), date_from=start, date_to=end)


@service_task("attendance.national_threshold")
def attendance_national_threshold(*, upn: str, urn: str, as_of: str) -> dict[str, Any]:
    """Unauthorised sessions (G/N/O/U) in the last 10 school weeks ending at ``as_of``."""
    try:
        return services.national_threshold(upn=_upn(upn), urn=_urn(urn), as_of=_day("as_of", as_of))
    except CalendarError as exc:
        raise ServiceTaskError("calendar", str(exc)) from exc


@service_task("penalty.history")
def penalty_history(*, upn: str, parent_name: str, as_of: str) -> dict[str, Any]:
    """Non-withdrawn penalty notices for this parent and child in the 3 years before ``as_of``."""
    if not isinstance(parent_name, str) or not parent_name.strip():
        raise ServiceTaskError("bad_parent", "parent_name is required")
    return penalties.notice_history(
        upn=_upn(upn), parent_name=parent_name, as_of=_day("as_of", as_of)
    )


@service_task("penalty.issue")
def penalty_issue(
    *, case_reference: str, upn: str, parent_name: str, issued_on: str, amount: int
) -> dict[str, Any]:
    """Record a penalty notice issued to a parent for a child."""
    if not isinstance(parent_name, str):
        raise ServiceTaskError("bad_parent", "parent_name is required")
    try:
        notice = penalties.issue_notice(
            None,
            case_reference=str(case_reference),
            upn=_upn(upn),
            parent_name=parent_name,
            issued_on=_day("issued_on", issued_on),
            amount=amount,
        )
    except AppError as exc:
        raise _service_error(exc) from exc
    return {"notice_id": notice.id, "notice_reference": notice.reference}


@service_task("penalty.update")
def penalty_update(*, notice_id: int, status: str) -> dict[str, Any]:
    """Record a penalty notice as paid, unpaid or withdrawn."""
    try:
        notice = penalties.update_notice(
            None, notice_id=_count("notice_id", notice_id), status=str(status)
        )
    except AppError as exc:
        raise _service_error(exc) from exc
    return {"notice_id": notice.id, "status": notice.status}


@service_task("calendar.add_school_days")
def calendar_add_school_days(*, urn: str, start: str, days: int) -> dict[str, Any]:
    """The date ``days`` school days after ``start`` on the school's calendar."""
    try:
        day, source = services.add_school_days(
            urn=_urn(urn), start=_day("start", start), days=_count("days", days)
        )
    except CalendarError as exc:
        raise ServiceTaskError("calendar", str(exc)) from exc
    return _due(day, source)


@service_task("calendar.add_school_weeks")
def calendar_add_school_weeks(*, urn: str, start: str, weeks: int) -> dict[str, Any]:
    """The date ``weeks`` school weeks after ``start`` on the school's calendar."""
    try:
        day, source = services.add_school_weeks(
            urn=_urn(urn), start=_day("start", start), weeks=_count("weeks", weeks)
        )
    except CalendarError as exc:
        raise ServiceTaskError("calendar", str(exc)) from exc
    return _due(day, source)


def _recipient_names(recipients: Any) -> list[str]:
    items = [recipients] if isinstance(recipients, str | dict) else recipients
    if not isinstance(items, list | tuple):
        raise ServiceTaskError("bad_recipients", "recipients must be a list of names")
    names = []
    for item in items:
        name = (item.get("full_name") or item.get("name")) if isinstance(item, dict) else item
        if not isinstance(name, str) or not name.strip():
            raise ServiceTaskError("bad_recipients", "every recipient needs a name")
        names.append(" ".join(name.split()))
    if not names:
        raise ServiceTaskError("bad_recipients", "a letter needs at least one recipient")
    return names


def _letter_data(data: Any) -> dict[str, Any]:
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ServiceTaskError("bad_data", "data must be an object (a dict of merge fields)")
    return data


def letter_case_fields(case: Any) -> dict[str, Any]:
    """The ``case`` merge fields of a letter (see ``letters/contract.json``)."""
    return {
        "reference": case.reference,
        "pupil_name": case.pupil_name,
        "school_name": case.school.name if case.school else None,
        "school_urn": case.school_urn,
        "officer_name": case.adviser.name if case.adviser else None,
        "officer_email": case.adviser.email if case.adviser else None,
    }


@service_task("letters.generate")
def letters_generate(
    *, template: str, case_reference: str, recipients: list[str], data: dict[str, Any]
) -> dict[str, Any]:
    """Render a letter per recipient and record each as a document of the case."""
    case = queries.get_case_by_reference(str(case_reference))
    if case is None:
        raise ServiceTaskError("unknown_case", f"no case with reference {case_reference}")
    config = current_app.config
    try:
        documents = generate_letters(
            None,
            case_id=case.id,
            case_fields=letter_case_fields(case),
            template=str(template),
            recipients=_recipient_names(recipients),
            data=_letter_data(data),
            letters_dir=Path(config.get("LETTERS_DIR") or DEFAULT_LETTERS_DIR),
            council_name=str(config.get("COUNCIL_NAME") or "the council"),
            today=utcnow().date(),
        )
    except AppError as exc:
        code = "unknown_template" if exc.code == "not_found" else exc.code
        raise ServiceTaskError(code, exc.message) from exc
    return {
        "documents": [
            {"id": d.id, "template": d.template, "recipient": d.recipient} for d in documents
        ]
    }
