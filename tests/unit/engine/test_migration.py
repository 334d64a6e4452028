"""Moving running cases onto a new version: the verdict (as is / mapped / blocked) and the move."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app.engine import (
    AS_IS,
    BLOCKED,
    MAPPED,
    MigrationRefused,
    migrate_case,
    plan_migration,
    snapshot,
)

from .diagrams import (
    T0,
    call_activity,
    chain,
    compile_spec,
    definitions,
    end,
    flow,
    gateway,
    process,
    script_task,
    start,
    timer,
    user_task,
)


def _model(*, extra: bool = False, rename: str | None = None, form: str = "triage") -> bytes:
    """start -> triage -> accepted? -> [extra check] -> wait 5 weeks -> review -> end."""
    nodes = [
        start("start"),
        user_task("triage", rename or "Triage the notification", form=form),
        gateway("accepted", "Accepted?", default="flow_no"),
        timer("wait", duration='"P5W"', name="Wait five weeks"),
        user_task("review", "Review", form="school_response"),
        end("end"),
        end("end_no"),
    ]
    accepted_target = "wait"
    if extra:
        nodes.append(script_task("extra_check", "checked = True"))
        accepted_target = "extra_check"
    flows = [
        flow("start", "triage"),
        flow("triage", "accepted"),
        flow("accepted", accepted_target, "accept == True", flow_id="flow_yes"),
        flow("accepted", "end_no", flow_id="flow_no"),
        *([flow("extra_check", "wait")] if extra else []),
        flow("wait", "review"),
        flow("review", "end"),
    ]
    return definitions(process("main", *nodes, *flows))


def _spec(**kw):
    return compile_spec({"main.bpmn": _model(**kw)})


V1 = _spec()


def _at_triage(engine):
    return engine.start(V1, {}, now=T0)


def _at_timer(engine):
    started = _at_triage(engine)
    task = started.human_tasks[0]
    return engine.complete_task(
        V1, started.state, started.serializer_version, task.task_id, {"accept": True}, now=T0
    )


def test_a_case_before_the_change_moves_as_is_and_then_takes_the_new_path(engine):
    case = _at_triage(engine)
    v2 = _spec(extra=True)
    plan = plan_migration(V1, v2, case.state, case.serializer_version)
    assert (plan.verdict, plan.reasons, plan.current) == (AS_IS, (), ("triage",))

    plan, moved = migrate_case(engine, V1, v2, case.state, case.serializer_version, now=T0)
    assert [t.task_id for t in moved.human_tasks] == [t.task_id for t in case.human_tasks]
    task = moved.human_tasks[0]
    after = engine.complete_task(
        v2, moved.state, moved.serializer_version, task.task_id, {"accept": True}
    )
    assert after.data["checked"] is True  # the step the new version inserted ran


def test_a_case_past_a_changed_step_is_blocked_with_a_reason_in_words(engine):
    case = _at_timer(engine)
    plan = plan_migration(V1, _spec(extra=True), case.state, case.serializer_version)
    assert plan.verdict == BLOCKED and not plan.can_move
    assert plan.reasons == (
        "it has passed 'Accepted?', which changed in the new version "
        "(what comes after it, conditions)",
    )
    with pytest.raises(MigrationRefused) as refused:
        migrate_case(engine, V1, _spec(extra=True), case.state, case.serializer_version)
    assert refused.value.reasons == plan.reasons


def test_a_renamed_current_task_is_mapped(engine):
    case = _at_triage(engine)
    plan = plan_migration(V1, _spec(rename="Triage it"), case.state, case.serializer_version)
    assert plan.verdict == MAPPED
    [mapping] = plan.mappings
    assert (mapping.element_id, mapping.name, mapping.new_name) == (
        "triage",
        "Triage the notification",
        "Triage it",
    )
    assert mapping.changes == ("name",)
    _plan, moved = migrate_case(engine, V1, _spec(rename="Triage it"), case.state, "1.5")
    assert moved.human_tasks[0].title == "Triage it"


def test_a_current_task_with_another_form_is_mapped_and_shows_the_new_form(engine):
    case = _at_triage(engine)
    v2 = _spec(form="school_response")
    plan = plan_migration(V1, v2, case.state, case.serializer_version)
    assert plan.verdict == MAPPED
    assert plan.mappings[0].changes == ("settings (form, operator, due days...)",)
    _plan, moved = migrate_case(engine, V1, v2, case.state, case.serializer_version)
    assert moved.human_tasks[0].form_key == "school_response"


def test_a_rename_of_a_passed_step_does_not_block(engine):
    case = _at_timer(engine)
    plan = plan_migration(V1, _spec(rename="Triage it"), case.state, case.serializer_version)
    assert plan.verdict == AS_IS


def test_a_removed_current_task_blocks():
    engine_free = chain("main", user_task("other"), user_task("review", form="school_response"))
    v2 = compile_spec({"main.bpmn": definitions(engine_free)})
    from app.engine import WorkflowEngine

    case = WorkflowEngine(lambda n, p: {}).start(V1, {}, now=T0)
    plan = plan_migration(V1, v2, case.state, case.serializer_version)
    assert plan.verdict == BLOCKED
    assert "it is waiting at 'Triage the notification', which the new version removes" in (
        plan.reasons
    )


def test_a_waiting_duration_timer_keeps_its_due_time(engine):
    case = _at_timer(engine)
    assert case.next_timer_at == T0 + timedelta(weeks=5)
    v2 = _spec(rename="Triage it")
    _plan, moved = migrate_case(
        engine, V1, v2, case.state, case.serializer_version, now=T0 + timedelta(days=10)
    )
    assert moved.next_timer_at == T0 + timedelta(weeks=5)  # not restarted ten days later
    fired = engine.fire_due_timers(
        v2, moved.state, moved.serializer_version, T0 + timedelta(weeks=5, hours=1)
    )
    assert [t.element_id for t in fired.human_tasks] == ["review"]


def test_snapshot_reports_a_stored_state_without_running_it(engine):
    case = _at_timer(engine)
    view = snapshot(V1, case.state, case.serializer_version)
    assert view.state == case.state
    assert view.next_timer_at == case.next_timer_at
    assert view.human_tasks == () and not view.completed


def _with_sub(sub_nodes, *, after_call=None):
    main_nodes = [call_activity("stage", "stage_process")]
    if after_call:
        main_nodes.append(after_call)
    main_nodes.append(user_task("wrap_up", form="school_response"))
    return compile_spec(
        {
            "main.bpmn": definitions(chain("main", *main_nodes)),
            "stage.bpmn": definitions(chain("stage_process", *sub_nodes)),
        }
    )


def test_a_case_inside_a_call_activity_moves_and_runs_the_changed_sub_process(engine):
    v1 = _with_sub([user_task("inner", form="triage")])
    v2 = _with_sub([user_task("inner", form="triage"), script_task("inner_extra", "x = 1")])
    case = engine.start(v1, {}, now=T0)
    assert [t.element_id for t in case.human_tasks] == ["inner"]
    plan = plan_migration(v1, v2, case.state, case.serializer_version)
    assert plan.verdict == AS_IS
    _plan, moved = migrate_case(engine, v1, v2, case.state, case.serializer_version)
    task = moved.human_tasks[0]
    done = engine.complete_task(v2, moved.state, moved.serializer_version, task.task_id, {})
    assert [t.element_id for t in done.human_tasks] == ["wrap_up"]
    assert done.data.get("x") == 1


def test_a_case_inside_a_call_activity_whose_caller_changed_after_it_is_blocked(engine):
    v1 = _with_sub([user_task("inner", form="triage")])
    v2 = _with_sub([user_task("inner", form="triage")], after_call=script_task("between", "y = 2"))
    case = engine.start(v1, {}, now=T0)
    plan = plan_migration(v1, v2, case.state, case.serializer_version)
    assert plan.verdict == BLOCKED
    assert any("'stage'" in reason and "what comes after it" in reason for reason in plan.reasons)


def test_a_case_inside_a_sub_process_the_new_version_drops_is_blocked(engine):
    v1 = _with_sub([user_task("inner", form="triage")])
    v2 = compile_spec(
        {
            "main.bpmn": definitions(
                chain("main", call_activity("stage", "other_stage"), user_task("wrap_up"))
            ),
            "other.bpmn": definitions(chain("other_stage", user_task("inner", form="triage"))),
        }
    )
    case = engine.start(v1, {}, now=T0)
    plan = plan_migration(v1, v2, case.state, case.serializer_version)
    assert plan.verdict == BLOCKED
    assert "it has entered 'stage', whose process the new version does not have" in plan.reasons


def test_a_step_inserted_after_the_next_one_is_taken_by_a_case_inside_a_call_activity(engine):
    def model(extra):
        main = [call_activity("stage", "stage_process"), user_task("next_step", form="triage")]
        if extra:
            main.append(script_task("inserted", "inserted_ran = True"))
        main.append(user_task("wrap_up", form="school_response"))
        return compile_spec(
            {
                "main.bpmn": definitions(chain("main", *main)),
                "stage.bpmn": definitions(chain("stage_process", user_task("inner"))),
            }
        )

    v1, v2 = model(False), model(True)
    case = engine.start(v1, {}, now=T0)
    plan = plan_migration(v1, v2, case.state, case.serializer_version)
    assert plan.verdict == AS_IS  # the call activity and the inner task did not change
    _plan, moved = migrate_case(engine, v1, v2, case.state, case.serializer_version)
    assert [t.task_id for t in moved.human_tasks] == [t.task_id for t in case.human_tasks]
    state = moved
    for expected in ("inner", "next_step"):
        [task] = state.human_tasks
        assert task.element_id == expected
        state = engine.complete_task(v2, state.state, state.serializer_version, task.task_id, {})
    assert [t.element_id for t in state.human_tasks] == ["wrap_up"]
    assert state.data.get("inserted_ran") is True  # the re-predicted path, not the old one
