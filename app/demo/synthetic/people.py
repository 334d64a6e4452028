"""Invented schools, caseworkers, pupils and parents, and the notification a school would send.

Nothing here is real: names are drawn from short lists of common words, addresses use the
``ZZ99`` postcode area reserved for fictitious use, and UPNs are valid-format numbers built by
``make_upn`` from an invented serial.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from app.accounts import School
from app.forms import make_upn

#: the LA number of the demo council (domain notes: 937)
LA_NUMBER = 937

_PLACES = (
    "Ashford", "Brookside", "Castle Hill", "Dunmore", "Eastfield", "Fairway", "Greenacre",
    "Harbour", "Ivydale", "Juniper", "Kingsmead", "Longmoor", "Millbrook", "Northgate",
    "Oakridge", "Parkside", "Queensway", "Riverbank", "Stonebridge", "Thornfield",
)  # fmt: skip
_KINDS = ("Primary School", "Academy", "Junior School", "High School", "Community College")
#: (urn, name, laestab): thirty invented schools, URNs 300001...
SCHOOLS = [
    (
        f"{300001 + n:06d}",
        f"{_PLACES[n % len(_PLACES)]} {_KINDS[(n + n // len(_PLACES)) % len(_KINDS)]}",
        f"{LA_NUMBER}{(2000 if (n + n // len(_PLACES)) % len(_KINDS) in (0, 2) else 4000) + n:04d}",
    )
    for n in range(30)
]
_FIRST = (
    "Alex", "Bailey", "Casey", "Devon", "Ellis", "Frankie", "Gray", "Harper", "Indy", "Jordan",
    "Kai", "Logan", "Morgan", "Nico", "Oakley", "Parker", "Quinn", "Riley", "Sasha", "Taylor",
    "Umar", "Vic", "Wren", "Yusuf", "Zara", "Amani", "Bea", "Cal", "Dara", "Eden",
)  # fmt: skip
_LAST = (
    "Archer", "Brook", "Carter", "Dale", "Ember", "Fields", "Garner", "Hollis", "Ingram",
    "Jarvis", "Keane", "Lowe", "Marsh", "Noble", "Oakes", "Pike", "Quarry", "Reeve", "Stone",
    "Tanner", "Upton", "Vance", "Wade", "Yates", "Abbot", "Birch", "Coles", "Drake", "Ellery",
    "Fenn",
)  # fmt: skip
#: (email, name): ten invented caseworkers (they sign in with the demo password)
ADVISERS = [
    (f"caseworker{n:02d}@council.example", f"{_FIRST[(n * 7) % 30]} {_LAST[(n * 11) % 30]}")
    for n in range(1, 11)
]
_YEARS = ("Year 1", "Year 3", "Year 5", "Year 7", "Year 8", "Year 9", "Year 10", "Year 11")


@dataclass(frozen=True)
class Pupil:
    """An invented pupil, one parent or two, the school's figures and the pupil's flags."""

    forenames: str
    surname: str
    upn: str
    year_group: str
    parents: tuple[str, ...]
    possible: int
    attended: int
    #: unauthorised sessions that were late after the register closed (code U)
    late: int
    flags: dict[str, bool]
    request_type: str

    @property
    def name(self) -> str:
        """As the case list shows it."""
        return f"{self.forenames} {self.surname}"

    @property
    def attendance_pct(self) -> float:
        """Attendance over the referral period (the baseline)."""
        return round(100 * self.attended / self.possible, 1)


def pupil(rng: random.Random, serial: int, school: School) -> Pupil:
    """An invented pupil at ``school``; ``serial`` makes the UPN unique (up to 100,000)."""
    surname = rng.choice(_LAST)
    estab = int((school.laestab or f"{LA_NUMBER}2000")[3:])
    possible = rng.randint(110, 170)
    holiday = rng.random() < 0.35
    rate = rng.uniform(0.86, 0.95) if holiday else rng.uniform(0.55, 0.9)
    second_parent = rng.random() < 0.6
    attended = round(possible * rate)
    late = round((possible - attended) * 0.6) if not holiday and rng.random() < 0.05 else 0
    return Pupil(
        forenames=rng.choice(_FIRST),
        surname=surname,
        upn=make_upn(LA_NUMBER, estab, (serial // 1000) % 100, serial % 1000),
        year_group=rng.choice(_YEARS),
        parents=(f"{rng.choice(_FIRST)} {surname}",)
        + ((f"{rng.choice(_FIRST)} {surname}",) if second_parent else ()),
        possible=possible,
        attended=attended,
        late=late,
        flags={
            "sen_support": rng.random() < 0.14,
            "ehcp": rng.random() < 0.04,
            "social_worker": rng.random() < 0.08,
            "free_school_meals": rng.random() < 0.3,
        },
        request_type="penalty_notice_holiday" if holiday else "monitoring",
    )


def notification(person: Pupil, school: School, today: date | None = None) -> dict[str, Any]:
    """A complete, valid F1 notification for ``person`` (the ``notification`` form)."""
    today = today or date(2026, 11, 20)
    unauthorised = person.possible - person.attended
    return {
        "school": {"urn": school.urn, "name": school.name},
        "referrer": {
            "name": "Attendance Lead",
            "role": "Attendance lead",
            "email": "attendance@school.example",
            "phone": "01632 960000",
            "attendance_champion": "Senior Leader",
            "headteacher_authorisation": {"name": "Head Teacher", "date": today.isoformat()},
        },
        "pupil": {
            "forenames": person.forenames,
            "surname": person.surname,
            "date_of_birth": "2014-05-14",
            "upn": person.upn,
            "year_group": person.year_group,
            "address": "1 Example Road, Rivertown",
            "postcode": "ZZ99 1AA",
        },
        "flags": dict(person.flags),
        "parents": [
            {
                "full_name": name,
                "relationship": "Mother" if n == 0 else "Father",
                "parental_responsibility": True,
            }
            for n, name in enumerate(person.parents)
        ],
        "attendance": {
            "period_from": (today - timedelta(weeks=12)).isoformat(),
            "period_to": today.isoformat(),
            "possible_sessions": person.possible,
            "attended_sessions": person.attended,
            "unauthorised_absences": unauthorised,
            "late_after_close": person.late,
        },
        "school_actions": [{"date": today.isoformat(), "action": "Concern letter 1"}],
        "parent_informed": {"date": today.isoformat(), "method": "Letter"},
        "request_type": person.request_type,
        "declarations": {"unauthorised_considered": True, "no_known_barrier_to_action": True},
    }
