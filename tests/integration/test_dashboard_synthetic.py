"""``pathway demo --cases N``: bulk synthetic cases over every stage, idempotent, valid rows."""

from __future__ import annotations

from datetime import UTC, datetime

from click.testing import CliRunner
from factories import deploy_default
from factories_forms import valid_notification
from sqlalchemy import func, select

from app.accounts import User, create_school, create_user
from app.attendance import PenaltyNotice
from app.audit import AuditEvent
from app.cases import Case, Task, open_case
from app.cli import main
from app.core.web import reading, transaction
from app.dashboard.models import CaseFlags
from app.demo.synthetic import GENERATOR_EMAIL, generate_cases
from app.forms import is_valid_upn

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def _synthetic(session):
    generator = session.scalar(select(User.id).where(User.email == GENERATOR_EMAIL))
    return list(session.scalars(select(Case).where(Case.opened_by_id == generator)))


def test_cases_spread_over_every_stage_with_tasks_events_and_notices(app):
    deploy_default(app)
    with app.app_context(), transaction():
        made = generate_cases(400, now=NOW, per_week=5)
    assert made == {"created": 400, "total": 400}
    with app.app_context(), reading() as session:
        cases = _synthetic(session)
        assert len(cases) == 400
        stages = {c.stage for c in cases}
        assert set(app.config["STAGES"]) <= stages
        assert {c.status for c in cases} == {"open", "closed"}
        assert all(is_valid_upn(c.pupil_upn) for c in cases)
        assert len({c.pupil_upn for c in cases}) == 400
        template = cases[0]
        assert all(c.state == template.state and c.state != "{}" for c in cases)
        assert all(c.next_timer_at is None for c in cases[1:])  # no live timers
        ids = [c.id for c in cases]
        flags = session.scalar(select(func.count()).where(CaseFlags.case_id.in_(ids)))
        assert flags == 400
        open_tasks = session.scalar(
            select(func.count()).where(Task.case_id.in_(ids), Task.status == "open")
        )
        assert open_tasks > 5
        notices = set(session.scalars(select(PenaltyNotice.status).distinct()))
        assert {"paid", "unpaid", "withdrawn"} <= notices
        closed = [c for c in cases if c.status == "closed"]
        assert all(c.closed_at and c.closure_reason for c in closed)
        events = session.scalar(
            select(func.count()).where(
                AuditEvent.case_id.in_(ids), AuditEvent.event_type == "stage_changed"
            )
        )
        assert events > 400


def test_generation_is_idempotent_and_real_cases_still_open_afterwards(app):
    deploy_default(app)
    with app.app_context(), transaction():
        generate_cases(30, now=NOW)
    with app.app_context(), transaction():
        assert generate_cases(30, now=NOW) == {"created": 0, "total": 30}
        assert generate_cases(35, now=NOW) == {"created": 5, "total": 35}
    with app.app_context(), transaction():  # ids and sequences stay consistent (PostgreSQL)
        create_school("100001", "Riverside Primary School")
        adviser = create_user("real-adviser@example.test", role="adviser", name="Real")
        case = open_case(adviser, data=valid_notification())
        assert case.id > 35
    with app.app_context(), reading() as session:
        assert len(_synthetic(session)) == 35
        flags = session.get(CaseFlags, case.id)
        assert flags is not None and flags.free_school_meals is True


def test_demo_command_takes_a_number_of_cases(app):
    runner = CliRunner()
    assert runner.invoke(main, ["models", "deploy"], obj=app).exit_code == 0
    result = runner.invoke(main, ["demo", "--cases", "25"], obj=app, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "Synthetic cases: 25 new, 25 in all." in result.output
    again = runner.invoke(main, ["demo", "--cases", "25"], obj=app, catch_exceptions=False)
    assert "Synthetic cases: 0 new, 25 in all." in again.output
    bad = runner.invoke(main, ["demo", "--cases", "-1"], obj=app)
    assert bad.exit_code == 2
