"""Penalty-notice use cases: record an issued notice, its outcome, and a parent's history.

Amounts and eligibility are decided by the DMN gate (T7); these functions only keep the records
a local authority must keep (each notice, payment or non-payment, withdrawals).
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from app.attendance import queries
from app.attendance.models import PenaltyNotice
from app.audit import record_event
from app.core.db import utcnow
from app.core.errors import Conflict, Invalid, NotFound
from app.core.uow import current_session

STATUSES = ("issued", "paid", "unpaid", "withdrawn")
#: status -> the statuses it may move to (a withdrawn notice is final; a paid one is refunded
#: if withdrawn)
TRANSITIONS = {
    "issued": frozenset({"paid", "unpaid", "withdrawn"}),
    "unpaid": frozenset({"withdrawn"}),
    "paid": frozenset({"withdrawn"}),
    "withdrawn": frozenset(),
}
#: the rolling look-back of the two-notices limit
HISTORY_YEARS = 3


def parent_key(name: str) -> str:
    """The parent's name folded for matching: case and spacing do not matter."""
    return " ".join(name.split()).casefold()


def amount_to_pence(amount: Any) -> int:
    """Pounds (160, 80.0, "160.00") as whole pence; Invalid when not a positive amount."""
    if isinstance(amount, bool):
        raise Invalid("The amount must be a number of pounds.")
    try:
        pence = Decimal(str(amount)) * 100
    except InvalidOperation as exc:
        raise Invalid("The amount must be a number of pounds.") from exc
    if pence <= 0 or pence != pence.to_integral_value() or pence > 10_000_000:
        raise Invalid("The amount must be a positive number of pounds and pence.")
    return int(pence)


def pounds(pence: int) -> int | float:
    """Pence as pounds (whole pounds as an int)."""
    return pence // 100 if pence % 100 == 0 else pence / 100


def years_before(day: date, years: int) -> date:
    """The same day ``years`` earlier (29 February becomes 28 February)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def issue_notice(
    actor: Any,
    *,
    case_reference: str,
    upn: str,
    parent_name: str,
    issued_on: date,
    amount: Any,
) -> PenaltyNotice:
    """Record a notice issued to one parent for one child (idempotent per case, parent and day)."""
    case = queries.get_case_by_reference(case_reference)
    if case is None:
        raise NotFound(f"No case with reference {case_reference}.")
    if not parent_name or not parent_name.strip():
        raise Invalid("The parent's name is required.")
    pence = amount_to_pence(amount)
    key = parent_key(parent_name)
    existing = queries.find_issued_notice(case.id, upn, key, issued_on)
    if existing is not None:
        return existing
    now = utcnow()
    notice = PenaltyNotice(
        case_id=case.id,
        upn=upn,
        parent_name=" ".join(parent_name.split()),
        parent_key=key,
        issued_on=issued_on,
        amount_pence=pence,
        status="issued",
        created_at=now,
        updated_at=now,
    )
    session = current_session()
    session.add(notice)
    session.flush()
    notice.reference = f"PN-{issued_on.year}-{notice.id:06d}"
    record_event(
        "penalty_notice_issued",
        f"Penalty notice {notice.reference} issued (£{pounds(pence)})",
        case_id=case.id,
        actor=actor,
        detail={
            "notice_id": notice.id,
            "reference": notice.reference,
            "parent_name": notice.parent_name,
            "issued_on": issued_on.isoformat(),
            "amount": pounds(pence),
        },
    )
    return notice


def update_notice(actor: Any, *, notice_id: int, status: str) -> PenaltyNotice:
    """Record a notice as paid, unpaid or withdrawn (the same status again changes nothing)."""
    if status not in ("paid", "unpaid", "withdrawn"):
        raise Invalid("The status must be paid, unpaid or withdrawn.")
    notice = queries.get_penalty_notice(notice_id)
    if notice is None:
        raise NotFound(f"No penalty notice with id {notice_id}.")
    if notice.status == status:
        return notice
    if status not in TRANSITIONS[notice.status]:
        raise Conflict(f"A {notice.status} penalty notice cannot become {status}.")
    previous, notice.status, notice.updated_at = notice.status, status, utcnow()
    record_event(
        "penalty_notice_updated",
        f"Penalty notice {notice.reference} {status} (was {previous})",
        case_id=notice.case_id,
        actor=actor,
        detail={
            "notice_id": notice.id,
            "reference": notice.reference,
            "from": previous,
            "to": status,
        },
    )
    return notice


def notice_history(*, upn: str, parent_name: str, as_of: date) -> dict[str, Any]:
    """Non-withdrawn notices for this parent and child issued in the 3 years up to ``as_of``.

    The window is (``as_of`` - 3 years, ``as_of``]: a notice issued exactly three years before
    ``as_of`` has dropped out of the rolling period.
    """
    after = years_before(as_of, HISTORY_YEARS)
    rows = queries.list_prior_notices(upn, parent_key(parent_name), after, as_of)
    return {
        "prior_notices": len(rows),
        "notices": [
            {
                "id": notice.id,
                "reference": notice.reference,
                "case_reference": reference,
                "issued_on": notice.issued_on.isoformat(),
                "amount": pounds(notice.amount_pence),
                "status": notice.status,
            }
            for notice, reference in rows
        ],
        "window_start": (after + timedelta(days=1)).isoformat(),
        "as_of": as_of.isoformat(),
    }
