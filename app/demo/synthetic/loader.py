"""Bulk synthetic cases for dashboards and load tests: ``pathway demo --cases N``.

Every case walks the real pathway's stages with plausible timings and the base-case conversion
rates of the domain notes (§11.3): triage accepts 70%, monitoring improves 45%, contracts are
kept half the time, an NTI works 40% of the time, 70% of penalty notices are paid within 21
days...  A case whose simulated journey reaches *now* stays open where it got to (with its open
task), so the cases spread over every stage.  Rows are inserted directly in bulk: cases,
tasks, audit events and penalty notices.  No personal data: names are invented and UPNs are
valid-format numbers made by ``make_upn``.

Each synthetic case stores the workflow state of one real case opened through the pathway (the
first case the generator makes), so the row is valid, but its workflow is *not* its journey:
synthetic cases are for looking at, not for working (their tasks do not match the state, and
they have no live timers, so the timer worker never touches them).
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import func, insert, select, text

from app.accounts import School, User, create_school, create_user
from app.attendance import PenaltyNotice
from app.audit import AuditEvent
from app.cases import Case, Task, open_case
from app.core.db import utcnow
from app.core.errors import Conflict
from app.core.uow import current_session
from app.dashboard.models import CaseFlags
from app.demo.synthetic.journeys import Journey
from app.demo.synthetic.people import ADVISERS, SCHOOLS, notification, pupil
from app.demo.synthetic.stages import walk
from app.process_models import latest_version

#: the account that "opens" synthetic cases (no password: nobody signs in as it)
GENERATOR_EMAIL = "synthetic-cases@council.example"
#: notifications a WAS-scale council receives per school week, holiday PN requests included
CASES_PER_WEEK = 115
#: cases written per batch of INSERTs
BATCH = 1000


@dataclass
class _Ids:
    """The next free primary keys (ids are assigned here so rows can refer to each other)."""

    case: int
    task: int
    notice: int


def generate_cases(
    total: int,
    *,
    now: datetime | None = None,
    seed: int = 2026,
    per_week: float = CASES_PER_WEEK,
) -> dict[str, int]:
    """Make sure ``total`` synthetic cases exist; only the missing ones are added (idempotent).

    The first one is a real case opened through the pathway (its workflow state is the one
    every synthetic case stores); the rest are simulated and inserted in bulk, opened at
    ``per_week`` notifications a week up to ``now``.
    """
    now = now or utcnow()
    generator, advisers, schools = _cast()
    existing = _count(generator.id)
    created = 0
    if existing == 0 and total > 0:
        _template_case(generator, schools[0])
        existing = created = 1
    if existing < total:
        template = _first_case(generator)
        pace = (now, per_week, seed + existing)
        created += _insert_all(total - existing, template, advisers, schools, pace)
        _realign_sequences()
    return {"created": created, "total": max(existing, total)}


def _cast() -> tuple[User, list[int], list[School]]:
    """The generator account, the synthetic advisers' ids and the synthetic schools."""
    from app.demo.services import DEMO_PASSWORD

    session = current_session()
    for urn, name, laestab in SCHOOLS:
        create_school(urn, name, laestab)
    advisers = []
    for email, name in ADVISERS:
        user = session.scalars(select(User).where(User.email == email)).first()
        if user is None:
            user = create_user(email, role="adviser", name=name, password=DEMO_PASSWORD)
        advisers.append(user.id)
    generator = session.scalars(select(User).where(User.email == GENERATOR_EMAIL)).first()
    if generator is None:
        generator = create_user(GENERATOR_EMAIL, role="adviser", name="Synthetic data")
    urns = [urn for urn, _name, _laestab in SCHOOLS]
    schools = list(session.scalars(select(School).where(School.urn.in_(urns)).order_by(School.urn)))
    session.flush()
    return generator, advisers, schools


def _count(generator_id: int) -> int:
    stmt = select(func.count()).where(Case.opened_by_id == generator_id)
    return int(current_session().scalar(stmt) or 0)


def _template_case(generator: User, school: School) -> Case:
    """Open one real case through the pathway; its state is what synthetic cases store."""
    if latest_version(current_app.config["CASE_PROCESS_MODEL"]) is None:
        raise Conflict("Deploy the pathway first: pathway models deploy")
    data = notification(pupil(random.Random(0), 0, school), school)
    return open_case(generator, data=data)


def _first_case(generator: User) -> Case:
    stmt = select(Case).where(Case.opened_by_id == generator.id).order_by(Case.id).limit(1)
    return current_session().scalars(stmt).one()


def _next_ids() -> _Ids:
    session = current_session()

    def top(column: Any) -> int:
        return int(session.scalar(select(func.max(column))) or 0) + 1

    return _Ids(case=top(Case.id), task=top(Task.id), notice=top(PenaltyNotice.id))


def _insert_all(
    count: int,
    template: Case,
    advisers: list[int],
    schools: list[School],
    pace: tuple[datetime, float, int],
) -> int:
    """Simulate and insert ``count`` cases, opened at ``per_week`` a week up to ``now``."""
    now, per_week, seed = pace
    if count <= 0:
        return 0
    rng = random.Random(seed)
    ids = _next_ids()
    first_opened = now - timedelta(weeks=count / per_week)
    spacing = (now - first_opened) / count
    for start in range(0, count, BATCH):
        journeys = []
        for offset in range(start, min(count, start + BATCH)):
            opened_at = first_opened + spacing * offset + timedelta(minutes=rng.randint(0, 90))
            journeys.append(_journey(rng, ids, template, (advisers, schools), opened_at, now))
        _write(journeys)
    return count


def _journey(
    rng: random.Random,
    ids: _Ids,
    template: Case,
    cast: tuple[list[int], list[School]],
    opened_at: datetime,
    now: datetime,
) -> Journey:
    """Simulate one case; its UPN serial is its id, so UPNs are unique."""
    advisers, schools = cast
    school = schools[ids.case % len(schools)]
    person = pupil(rng, ids.case, school)
    journey = Journey(
        rng=rng,
        case_id=ids.case,
        first_task_id=ids.task,
        first_notice_id=ids.notice,
        opened_at=opened_at,
        now=now,
        adviser_id=rng.choice(advisers),
        generator_id=int(template.opened_by_id or 0),
        pupil=person,
        school=school,
        notification=notification(person, school, opened_at.date()),
    )
    walk(journey)
    ids.case += 1
    ids.task += len(journey.tasks)
    ids.notice += len(journey.notices)
    journey.case.update(
        model_version_id=template.model_version_id,
        state=template.state,
        serializer_version=template.serializer_version,
    )
    return journey


def _write(journeys: list[Journey]) -> None:
    """Core executemany INSERTs (the ORM's bulk path would run one statement per row)."""
    session = current_session()
    tables: list[tuple[Any, list[dict[str, Any]]]] = [
        (Case.__table__, [j.case for j in journeys]),
        (CaseFlags.__table__, [_flags(j) for j in journeys]),
        (Task.__table__, [task for j in journeys for task in j.tasks]),
        (PenaltyNotice.__table__, [notice for j in journeys for notice in j.notices]),
        (AuditEvent.__table__, [event for j in journeys for event in j.events]),
    ]
    for table, rows in tables:
        for chunk in _chunks(rows, 5000):
            session.execute(insert(table), chunk)


def _flags(journey: Journey) -> dict[str, Any]:
    person = journey.pupil
    return {
        "case_id": journey.case_id,
        **person.flags,
        "request_type": person.request_type,
        "unauthorised_sessions": person.possible - person.attended,
        "late_sessions": person.late,
    }


def _chunks(rows: list[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


def _realign_sequences() -> None:
    """PostgreSQL: move the id sequences past the ids assigned here."""
    session = current_session()
    if session.get_bind().dialect.name != "postgresql":
        return
    for table in ("cases", "tasks", "penalty_notices"):
        session.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT COALESCE(MAX(id), 1) FROM {table}))"
            )
        )
