"""Timers run on the engine clock: due times, firing "as of" an instant, call activities."""

from __future__ import annotations

import contextvars
import threading
from datetime import UTC, datetime, timedelta

import pytest

from app.engine import clock, engine_clock

from .diagrams import (
    T0,
    bpmn,
    call_activity,
    chain,
    compile_spec,
    definitions,
    end,
    flow,
    parallel,
    process,
    start,
    timer,
    user_task,
)

MINUTE = timedelta(minutes=1)
FIVE_WEEKS = timedelta(weeks=5)


def _midway_spec():
    return compile_spec(
        bpmn("main", timer("wait", duration='"P5W"', name="Week 5"), user_task("review"))
    )


def _near_real_now(instant):
    return abs(instant - datetime.now(UTC)) < timedelta(seconds=30)


def test_duration_timer_is_due_five_weeks_after_the_engine_clock(engine):
    with engine_clock(T0):
        result = engine.start(_midway_spec(), {})
    assert result.next_timer_at == T0 + FIVE_WEEKS
    assert result.human_tasks == () and result.fired_timers == ()


def test_start_now_argument_sets_the_clock_too(engine):
    assert engine.start(_midway_spec(), {}, now=T0).next_timer_at == T0 + FIVE_WEEKS


def test_without_a_clock_timers_count_from_real_now(engine):
    due = engine.start(_midway_spec(), {}).next_timer_at
    assert _near_real_now(due - FIVE_WEEKS)


def test_timer_fires_only_once_its_due_time_has_passed(engine):
    spec = _midway_spec()
    started = engine.start(spec, {}, now=T0)
    early = engine.fire_due_timers(
        spec, started.state, started.serializer_version, T0 + FIVE_WEEKS - MINUTE
    )
    assert early.fired_timers == () and early.human_tasks == ()
    assert early.next_timer_at == T0 + FIVE_WEEKS

    late = engine.fire_due_timers(
        spec, started.state, started.serializer_version, T0 + FIVE_WEEKS + MINUTE
    )
    assert late.fired_timers == ({"element_id": "wait", "name": "Week 5"},)
    assert [t.element_id for t in late.human_tasks] == ["review"]
    assert late.next_timer_at is None


def test_next_timer_at_is_the_earliest_timer_including_inside_a_call_activity(engine):
    main = process(
        "main",
        start("s"),
        parallel("fork"),
        timer("week_three", duration='"P3W"'),
        call_activity("monitoring", "monitoring"),
        parallel("join"),
        user_task("final_review"),
        end("e"),
        flow("s", "fork"),
        flow("fork", "week_three"),
        flow("fork", "monitoring"),
        flow("week_three", "join"),
        flow("monitoring", "join"),
        flow("join", "final_review"),
        flow("final_review", "e"),
    )
    called = chain("monitoring", timer("week_two", duration='"P2W"'), user_task("midway_review"))
    spec = compile_spec({"main.bpmn": definitions(main), "monitoring.bpmn": definitions(called)})

    started = engine.start(spec, {}, now=T0)
    assert started.next_timer_at == T0 + timedelta(weeks=2)

    inner = engine.fire_due_timers(
        spec, started.state, started.serializer_version, T0 + timedelta(weeks=2) + MINUTE
    )
    assert inner.fired_timers == ({"element_id": "week_two", "name": None},)
    assert [t.element_id for t in inner.human_tasks] == ["midway_review"]
    assert inner.next_timer_at == T0 + timedelta(weeks=3)


@pytest.mark.parametrize(
    ("expression", "data"),
    [('"2026-03-01T09:00:00+00:00"', {}), ("deadline", {"deadline": "2026-03-01T09:00:00+00:00"})],
)
def test_time_date_timer_waits_for_its_absolute_instant(engine, expression, data):
    spec = compile_spec(
        bpmn("main", timer("deadline_reached", date=expression), user_task("escalate"))
    )
    due = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
    started = engine.start(spec, data, now=T0)
    assert started.next_timer_at == due
    before = engine.fire_due_timers(spec, started.state, started.serializer_version, due - MINUTE)
    assert before.fired_timers == ()
    after = engine.fire_due_timers(spec, started.state, started.serializer_version, due + MINUTE)
    assert [t["element_id"] for t in after.fired_timers] == ["deadline_reached"]
    assert [t.element_id for t in after.human_tasks] == ["escalate"]


def test_the_clock_override_does_not_leak_after_the_block(engine):
    spec = _midway_spec()
    with engine_clock(T0) as now:
        assert now == T0 == clock.now()
        assert engine.start(spec, {}).next_timer_at == T0 + FIVE_WEEKS
    assert _near_real_now(clock.now())
    assert _near_real_now(engine.start(spec, {}).next_timer_at - FIVE_WEEKS)

    with pytest.raises(RuntimeError), engine_clock(T0):
        raise RuntimeError("step failed")
    assert _near_real_now(clock.now())


def test_an_inner_none_clock_keeps_the_enclosing_instant():
    with engine_clock(T0), engine_clock(None) as now:
        assert now == T0 == clock.now()


def test_the_clock_is_per_thread_and_per_context():
    seen: dict[str, datetime] = {}
    inside = threading.Event()
    release = threading.Event()

    def other_thread() -> None:
        with engine_clock(T0 + FIVE_WEEKS):
            seen["other"] = clock.now()
            inside.set()
            release.wait(5)

    with engine_clock(T0):
        worker = threading.Thread(target=other_thread)
        worker.start()
        assert inside.wait(5)
        seen["main"] = clock.now()
        seen["fresh context"] = contextvars.Context().run(clock.now)
        release.set()
        worker.join(5)
    assert seen["main"] == T0
    assert seen["other"] == T0 + FIVE_WEEKS
    assert _near_real_now(seen["fresh context"])


def test_a_naive_instant_is_refused():
    with pytest.raises(ValueError, match="timezone-aware"), engine_clock(datetime(2026, 1, 5)):
        pass


def test_a_timer_due_exactly_now_fires(engine):
    spec = _midway_spec()
    started = engine.start(spec, {}, now=T0)
    fired = engine.fire_due_timers(
        spec, started.state, started.serializer_version, started.next_timer_at
    )
    assert [t["element_id"] for t in fired.fired_timers] == ["wait"]
    assert [t.element_id for t in fired.human_tasks] == ["review"]


def test_an_overdue_deadline_reached_mid_run_fires_in_that_run(engine):
    # a statutory date already in the past when the flow reaches it (e.g. a late review)
    spec = compile_spec(
        bpmn(
            "main",
            user_task("record"),
            timer("deadline", date="deadline_at"),
            user_task("after_deadline"),
        )
    )
    started = engine.start(spec, {"deadline_at": (T0 + MINUTE).isoformat()}, now=T0)
    [record] = started.human_tasks
    later = engine.complete_task(
        spec, started.state, started.serializer_version, record.task_id, {}, now=T0 + FIVE_WEEKS
    )
    assert [t.element_id for t in later.human_tasks] == ["after_deadline"]
    assert later.next_timer_at is None
