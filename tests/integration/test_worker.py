"""Real Celery workers (subprocesses) fire timers exactly once, and survive being killed.

Run twice: on the embedded default (kombu's SQLAlchemy transport on a SQLite file, app on
SQLite) and on Redis (``servers.redis_url()``, app on PostgreSQL).  Every test uses its own
queue, so a Redis shared with other test runs cannot take its messages.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import servers
from celery_workers import STALL_MARKER, Worker, forget_queue, producer, wait_for, worker_env
from factories import auth, deploy_default, make_user, notify
from sqlalchemy import func, select

from app.audit import AuditEvent
from app.cases import Case

pytestmark = pytest.mark.slow

BROKERS = [
    pytest.param("sqlite", "embedded", id="embedded-broker-sqlite"),
    pytest.param("postgresql", "redis", id="redis-postgresql"),
]


def _broker_url(kind: str, tmp_path: Path) -> str:
    if kind == "embedded":
        return f"sqla+sqlite:///{tmp_path / 'broker.sqlite'}"
    url = servers.redis_url()
    if url is None:
        pytest.skip(servers.redis_skip_reason())
    return url


def _cases_in_monitoring(app, client, count: int) -> list[int]:
    deploy_default(app)
    adviser = make_user(app, "adviser")
    ids = []
    for _ in range(count):
        case_id = notify(client, adviser).json["case_id"]
        tasks = client.get(f"/api/v1/tasks?case={case_id}", headers=auth(adviser)).json["items"]
        done = client.post(
            f"/api/v1/tasks/{tasks[0]['id']}/complete",
            json={"data": {"decision": "accept_monitoring", "reasons": "Meets the threshold."}},
            headers=auth(adviser),
        )
        assert done.status_code == 200, done.json
        ids.append(case_id)
    return ids


def _count_events(app, kind: str, case_id: int | None = None) -> int:
    with app.extensions["db_sessions"]() as session:
        stmt = select(func.count()).select_from(AuditEvent).where(AuditEvent.event_type == kind)
        if case_id is not None:
            stmt = stmt.where(AuditEvent.case_id == case_id)
        return session.scalar(stmt)


def _case(app, case_id: int) -> Case:
    with app.extensions["db_sessions"]() as session:
        return session.get(Case, case_id)


def _sweep(sender, queue: str, now: datetime, copies: int = 1) -> None:
    for _ in range(copies):
        sender.send_task("cases.fire_due_timers", args=[now.isoformat()], queue=queue)


@pytest.mark.parametrize(("backend", "broker"), BROKERS)
def test_two_workers_racing_fire_each_timer_once(app, client, tmp_path, backend, broker):
    cases = _cases_in_monitoring(app, client, 6)
    url, queue = _broker_url(broker, tmp_path), f"pathway-test-{uuid.uuid4().hex}"
    env = worker_env(app, url)
    workers = [Worker(env, tmp_path / f"worker{i}.log", queue) for i in range(2)]
    sender = producer(url)
    try:
        for worker in workers:
            worker.wait_ready()
        _sweep(sender, queue, datetime.now(UTC) + timedelta(weeks=6), copies=8)

        def all_swept() -> bool:
            return sum(w.succeeded("cases.fire_due_timers") for w in workers) == 8

        wait_for(all_swept, timeout=120, what="8 timer sweeps")
    finally:
        for worker in workers:
            worker.stop()
        sender.close()
        forget_queue(url, queue)
    assert all(w.succeeded("cases.fire_due_timers") >= 1 for w in workers), "both workers swept"
    for case_id in cases:
        assert _count_events(app, "timer_fired", case_id) == 1
        assert _count_events(app, "case_closed", case_id) == 1
        assert _case(app, case_id).status == "closed"
    assert "Traceback" not in "".join(w.output() for w in workers)


@pytest.mark.parametrize(("backend", "broker"), BROKERS)
def test_a_worker_killed_mid_step_leaves_the_case_consistent(
    app, client, tmp_path, backend, broker
):
    [case_id] = _cases_in_monitoring(app, client, 1)
    before = _case(app, case_id)
    url, queue = _broker_url(broker, tmp_path), f"pathway-test-{uuid.uuid4().hex}"
    marker = tmp_path / "in-the-middle-of-a-step"
    sender = producer(url)
    later = datetime.now(UTC) + timedelta(weeks=6)
    stalling = Worker(
        worker_env(app, url, **{STALL_MARKER: str(marker)}),
        tmp_path / "stalling.log",
        queue,
        app_module="celery_workers:celery_app",
    )
    try:
        stalling.wait_ready()
        _sweep(sender, queue, later)
        wait_for(marker.exists, timeout=60, what="the step to reach its stall point")
        stalling.kill()
    finally:
        stalling.stop()

    after_kill = _case(app, case_id)
    assert (after_kill.status, after_kill.version, after_kill.state) == (
        "open",
        before.version,
        before.state,
    )
    assert after_kill.next_timer_at == before.next_timer_at
    assert _count_events(app, "timer_fired", case_id) == 0  # the flushed audit rows rolled back

    recovered = Worker(worker_env(app, url), tmp_path / "recovered.log", queue)
    try:
        recovered.wait_ready()
        _sweep(sender, queue, later)  # the next beat tick
        wait_for(lambda: _case(app, case_id).status == "closed", timeout=60, what="the timer")
    finally:
        recovered.stop()
        sender.close()
        forget_queue(url, queue)
    assert _count_events(app, "timer_fired", case_id) == 1
    assert _case(app, case_id).version > before.version
