"""Timers: `pathway timers run-due --now` jumps ahead; each timer fires exactly once."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from click.testing import CliRunner
from factories import auth, deploy_default, make_user, notify
from sqlalchemy import select

from app.audit import AuditEvent
from app.cases import Case, run_due_timers
from app.cli import main


def _case_in_monitoring(app, client):
    deploy_default(app)
    adviser = make_user(app, "adviser")
    case_id = notify(client, adviser).json["case_id"]
    task = client.get("/api/v1/tasks", headers=auth(adviser)).json["items"][0]
    done = client.post(
        f"/api/v1/tasks/{task['id']}/complete",
        json={"data": {"decision": "accept_monitoring", "reasons": "Meets the threshold."}},
        headers=auth(adviser),
    )
    assert done.status_code == 200, done.json
    return case_id, adviser


def _case(app, case_id):
    with app.extensions["db_sessions"]() as session:
        return session.get(Case, case_id)


def _events(app, case_id, kind):
    with app.extensions["db_sessions"]() as session:
        stmt = select(AuditEvent).where(
            AuditEvent.case_id == case_id, AuditEvent.event_type == kind
        )
        return list(session.scalars(stmt))


def test_run_due_cli_jumps_ten_weeks_ahead(app, client):
    case_id, _ = _case_in_monitoring(app, client)
    due = _case(app, case_id).next_timer_at
    assert due is not None
    assert timedelta(weeks=5) - timedelta(minutes=5) < due - datetime.now(UTC) <= timedelta(weeks=5)

    runner = CliRunner()
    early = runner.invoke(
        main, ["timers", "run-due", "--now", (due - timedelta(minutes=1)).isoformat()], obj=app
    )
    assert early.exit_code == 0, early.output
    assert "0 case(s)" in early.output
    assert _case(app, case_id).status == "open"

    later = (datetime.now(UTC) + timedelta(weeks=10)).isoformat()
    fired = runner.invoke(main, ["timers", "run-due", "--now", later], obj=app)
    assert fired.exit_code == 0, fired.output
    assert "fired midway" in fired.output
    case = _case(app, case_id)
    assert (case.status, case.stage, case.closure_reason) == ("closed", "closed", "improved")
    assert case.next_timer_at is None
    [event] = _events(app, case_id, "timer_fired")
    assert event.detail["element_id"] == "midway" and event.detail["as_of"] == later

    again = runner.invoke(main, ["timers", "run-due", "--now", later], obj=app)
    assert "0 case(s)" in again.output
    assert len(_events(app, case_id, "timer_fired")) == 1


def test_run_due_rejects_a_bad_instant(app):
    result = CliRunner().invoke(main, ["timers", "run-due", "--now", "next tuesday"], obj=app)
    assert result.exit_code == 2
    assert "ISO-8601" in result.output


def test_two_workers_fire_a_timer_once(app, client):
    case_id, _ = _case_in_monitoring(app, client)
    later = datetime.now(UTC) + timedelta(weeks=6)
    barrier = threading.Barrier(2)
    results: list[list[dict]] = []
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            with app.app_context():
                barrier.wait(timeout=10)
                results.append(run_due_timers(later, app.extensions["db_sessions"]))
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors
    fired = [o for batch in results for o in batch if o.get("fired")]
    assert len(fired) == 1
    assert len(_events(app, case_id, "timer_fired")) == 1
    assert len(_events(app, case_id, "case_closed")) == 1


def test_a_failing_timer_step_marks_that_case_and_the_run_goes_on(app, client, monkeypatch):
    first, _ = _case_in_monitoring(app, client)
    second, _ = _case_in_monitoring_again(app, client)
    from app.cases import runner
    from app.engine import EngineError

    real = runner.fire_timers

    def flaky(case, now):
        if case.id == first:
            raise EngineError("operator 'x' failed: boom", "midway")
        return real(case, now)

    monkeypatch.setattr(runner, "fire_timers", flaky)
    with app.app_context():
        outcomes = run_due_timers(
            datetime.now(UTC) + timedelta(weeks=6), app.extensions["db_sessions"]
        )
    by_case = {o["case_id"]: o for o in outcomes}
    assert "boom" in by_case[first]["error"]
    assert by_case[second]["fired"] == ["midway"]
    broken = _case(app, first)
    assert broken.status == "error" and "boom" in broken.last_error
    [failure] = _events(app, first, "step_failed")
    assert failure.detail["element_id"] == "midway"
    assert _case(app, second).status == "closed"


def _case_in_monitoring_again(app, client):
    adviser = make_user(app, "adviser", email="second-adviser@example.test")
    case_id = notify(client, adviser).json["case_id"]
    tasks = client.get(f"/api/v1/tasks?case={case_id}", headers=auth(adviser)).json["items"]
    done = client.post(
        f"/api/v1/tasks/{tasks[0]['id']}/complete",
        json={"data": {"decision": "accept_monitoring", "reasons": "Meets the threshold."}},
        headers=auth(adviser),
    )
    assert done.status_code == 200, done.json
    return case_id, adviser
