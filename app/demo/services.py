"""Loading the demo data set (idempotent)."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

from flask import current_app
from sqlalchemy import func, select

from app.accounts import create_school, create_user
from app.attendance import academic_year_start, import_marks, load_default_calendar
from app.cases import STATUTORY, Case, open_case
from app.core.db import utcnow
from app.core.uow import current_session
from app.delivery_plan import import_plan_csv, rag_summary
from app.forms import make_upn
from app.process_models import latest_version
from app.targeting import current_term, open_term_meetings, set_link_adviser

DEMO_PASSWORD = "demo-pass-2026"

SCHOOLS = [
    ("100001", "Riverside Primary School", "9372001"),
    ("100002", "Hillcrest Academy", "9374002"),
]
USERS = [
    ("school@riverside.example", "Priya Shah", "school", "100001"),
    ("school@hillcrest.example", "Tom Baker", "school", "100002"),
    ("adviser@council.example", "Alex Morgan", "adviser", None),
    ("link.adviser@council.example", "Robin Hale", "adviser", None),
    ("manager@council.example", "Jordan Lee", "manager", None),
    ("owner@council.example", "Sam Patel", "process_owner", None),
    ("admin@council.example", "Chris Admin", "admin", None),
]
PUPILS = [
    ("100001", "Ella", "Marsh", 1, 140, 118),
    ("100001", "Noah", "Fenwick", 2, 150, 70),
    ("100002", "Maya", "Okafor", 3, 160, 141),
]


def _notification(
    urn: str, school: str, forenames: str, surname: str, serial: int, possible: int, attended: int
) -> dict[str, Any]:
    la, estab = 937, int(school_laestab(urn)[3:])
    return {
        "school": {"urn": urn, "name": school},
        "referrer": {
            "name": "Priya Shah",
            "role": "Attendance lead",
            "email": "attendance@school.example",
            "phone": "01632 960000",
            "attendance_champion": "Dana Fox",
            "headteacher_authorisation": {"name": "Robin Hale", "date": "2026-11-02"},
        },
        "pupil": {
            "forenames": forenames,
            "surname": surname,
            "date_of_birth": "2015-05-14",
            "upn": make_upn(la, estab, 15, serial),
            "year_group": "Year 6",
            "address": "1 Example Road, Rivertown",
            "postcode": "ZZ99 1AA",
        },
        "parents": [
            {
                "full_name": f"Jamie {surname}",
                "relationship": "Mother",
                "parental_responsibility": True,
            }
        ],
        "attendance": {
            "period_from": "2026-09-03",
            "period_to": "2026-11-20",
            "possible_sessions": possible,
            "attended_sessions": attended,
            "unauthorised_absences": possible - attended,
        },
        "school_actions": [{"date": "2026-10-01", "action": "Concern letter 1"}],
        "parent_informed": {"date": "2026-11-10", "method": "Letter"},
        "request_type": "monitoring",
        "declarations": {"unauthorised_considered": True, "no_known_barrier_to_action": True},
    }


def school_laestab(urn: str) -> str:
    """The demo LAESTAB of a demo school."""
    return next(code for u, _n, code in SCHOOLS if u == urn)


def load_demo(*, with_cases: bool = True) -> dict[str, int]:
    """Create demo schools, users and council term dates, and (once deployed) a few cases."""
    for urn, name, laestab in SCHOOLS:
        create_school(urn, name, laestab)
    users = {}
    for email, name, role, urn in USERS:
        users[email] = create_user(
            email, role=role, name=name, school_urn=urn, password=DEMO_PASSWORD
        )
    calendar = load_default_calendar()
    created = 0
    deployed = latest_version(current_app.config["CASE_PROCESS_MODEL"]) is not None
    if (
        with_cases
        and deployed
        and not current_session().scalar(
            select(func.count()).select_from(Case).where(Case.kind == STATUTORY)
        )
    ):
        for urn, forenames, surname, serial, possible, attended in PUPILS:
            school = next(n for u, n, _l in SCHOOLS if u == urn)
            data = _notification(urn, school, forenames, surname, serial, possible, attended)
            open_case(users["adviser@council.example"], data=data)
            created += 1
    meetings = _school_stage_and_meetings(users)
    _delivery_plan(users["manager@council.example"])
    return {
        "schools": len(SCHOOLS),
        "users": len(USERS),
        "cases": created,
        "term_dates": calendar["terms"],
        "bank_holidays": calendar["closures"],
        "meetings": meetings,
    }


#: demo pupils with register marks only (no case yet): (UPN serial, sessions present, absent)
REGISTER_PUPILS = [(11, 80, 10), (12, 40, 50), (13, 95, 3)]


def _school_stage_and_meetings(users: dict[str, Any]) -> int:
    """Link advisers, this year's marks for a few Riverside pupils (so the school's home page
    suggests them for the school stage) and this term's targeting meetings; returns how many
    meetings were opened now."""
    adviser = users["adviser@council.example"]
    for urn, _name, _laestab in SCHOOLS:  # the link adviser holds the targeting meetings
        set_link_adviser(None, urn=urn, adviser_id=users["link.adviser@council.example"].id)
    today = utcnow().date()
    days = [d for d in _weekdays(academic_year_start(today), today) if d < today][-60:]
    marks = []
    for serial, present, absent in REGISTER_PUPILS:
        upn = make_upn(937, 2001, 20, serial)
        codes = (["/"] * present + ["O"] * absent)[: 2 * len(days)]
        marks += [
            {
                "urn": "100001",
                "upn": upn,
                "date": days[i // 2].isoformat(),
                "session": ("AM", "PM")[i % 2],
                "code": code,
            }
            for i, code in enumerate(codes)
        ]
    if marks:
        import_marks(adviser, marks=marks)
    if latest_version(current_app.config["TSM_MODEL"]) is None:
        return 0
    return len(open_term_meetings(None, term=current_term(today)))


#: the demo delivery plan (synthetic objectives and actions, in the plan-table CSV format)
PLAN_CSV = Path(__file__).with_name("delivery-plan-sample.csv")


def _delivery_plan(manager: Any) -> None:
    """Load the sample delivery plan once (a plan already kept in the tool is left alone)."""
    if rag_summary()["total"] == 0:
        import_plan_csv(manager, text=PLAN_CSV.read_text(encoding="utf-8"))


def _weekdays(start: date, end: date) -> list[date]:
    return [
        start + timedelta(days=n)
        for n in range((end - start).days + 1)
        if (start + timedelta(days=n)).weekday() < 5
    ]
