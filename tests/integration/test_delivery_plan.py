"""The delivery plan: CSV import (all or nothing), RAG figures, status history, stale edits."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from factories import make_user
from sqlalchemy import select

from app.accounts import get_user
from app.audit import AuditEvent
from app.core.errors import Conflict, Forbidden
from app.core.web import reading, transaction
from app.delivery_plan import import_plan_csv, rag_summary
from app.delivery_plan.models import PlanAction, PlanStatusChange
from app.delivery_plan.services import change_status, export_plan_csv

SAMPLE = (Path(__file__).parents[2] / "app" / "demo" / "delivery-plan-sample.csv").read_text()


def _import(app: Any, user: dict[str, Any], text: str) -> Any:
    with app.app_context(), transaction():
        return import_plan_csv(get_user(user["id"]), text=text)


def _summary(app: Any, today: date = date(2026, 11, 25)) -> dict[str, Any]:
    with app.app_context(), reading():
        return rag_summary(today)


def test_the_sample_plan_imports_with_exact_figures(app):
    manager = make_user(app, "manager")
    report = _import(app, manager, SAMPLE)
    assert (report.rows, report.created, report.updated, report.errors) == (7, 7, 0, {})
    summary = _summary(app)
    assert summary["total"] == 7
    assert summary["by_status"] == {
        "not_started": 1,
        "overdue_issue": 1,
        "partial": 2,
        "on_track": 2,
        "completed": 1,
    }
    by_enabler = {row["enabler"]: row for row in summary["by_enabler"]}
    assert list(by_enabler) == [
        "Leadership and data",
        "Early help and support",
        "Schools partnership",
        "Legal intervention",
    ]
    assert by_enabler["Leadership and data"]["by_status"]["completed"] == 1
    assert by_enabler["Early help and support"]["total"] == 2
    # due before 25 Nov 2026 and not completed: only 2.1b (1.2a is completed)
    assert summary["overdue"] == 1


def test_a_bad_row_imports_nothing_and_says_which_line(app):
    manager = make_user(app, "manager")
    bad = SAMPLE.replace("On track,18 of 24", "Purple,18 of 24").replace("2027-03-26", "26/03/27")
    report = _import(app, manager, bad)
    assert sorted(report.errors) == [2, 3]
    assert "RAG status 'Purple'" in report.errors[2][0]
    assert "is not a date" in report.errors[3][0]
    assert _summary(app)["total"] == 0
    missing = _import(app, manager, "Enabler,Action\nA,B\n")
    assert "Missing column(s)" in missing.errors[1][0]


def test_status_changes_keep_history_and_audit_and_refuse_stale_edits(app):
    manager = make_user(app, "manager")
    _import(app, manager, SAMPLE)
    with app.app_context(), transaction() as session:
        action = session.scalars(select(PlanAction).where(PlanAction.reference == "2.1b")).one()
        action_id, version = action.id, action.version
    with app.app_context(), transaction():
        change_status(
            get_user(manager["id"]),
            action_id=action_id,
            status="on_track",
            commentary="Sessions rescheduled",
            expected_version=version,
        )
    with app.app_context(), pytest.raises(Conflict), transaction():
        change_status(
            get_user(manager["id"]),
            action_id=action_id,
            status="completed",
            commentary="stale",
            expected_version=version,
        )
    with app.app_context(), reading() as session:
        action = session.get(PlanAction, action_id)
        assert (action.status, action.commentary) == ("on_track", "Sessions rescheduled")
        history = session.scalars(
            select(PlanStatusChange)
            .where(PlanStatusChange.action_id == action_id)
            .order_by(PlanStatusChange.id)
        ).all()
        assert [(h.from_status, h.to_status) for h in history] == [
            (None, "overdue_issue"),
            ("overdue_issue", "on_track"),
        ]
        events = session.scalars(
            select(AuditEvent).where(AuditEvent.event_type == "plan_status_changed")
        ).all()
        assert any("2.1b" in e.summary and "On track" in e.summary for e in events)


def test_export_then_import_changes_nothing(app):
    manager = make_user(app, "manager")
    _import(app, manager, SAMPLE)
    with app.app_context(), reading():
        exported = export_plan_csv()
    before = _summary(app)
    report = _import(app, manager, exported)
    assert (report.created, report.updated, report.status_changes) == (0, 7, 0)
    assert _summary(app) == before


def test_only_managers_change_the_plan(app):
    adviser = make_user(app, "adviser")
    with app.app_context(), pytest.raises(Forbidden), transaction():
        import_plan_csv(get_user(adviser["id"]), text=SAMPLE)
