"""A small, frozen ``attendance_case`` model for tests that must not follow bpmn/ as it grows.

start -> [extra first step] -> calculate attendance -> triage -> accepted? -> [school plan] ->
monitoring (5-week timer) -> closed; not accepted -> returned to school.
Import with ``from case_diagrams import case_model`` (``tests/`` is on ``sys.path``).
"""

from __future__ import annotations

from unit.engine.diagrams import (
    Node,
    definitions,
    end,
    flow,
    gateway,
    process,
    script_task,
    service_task,
    start,
    timer,
    user_task,
)

MODEL = "attendance_case"


def case_model(*, first_step: Node | None = None, school_plan: bool = False) -> dict[str, bytes]:
    """The model's files; ``school_plan`` adds a school task after an accepted triage."""
    calculate = service_task(
        "calculate_attendance",
        "attendance.calculate",
        {
            "possible_sessions": "notification['attendance']['possible_sessions']",
            "attended_sessions": "notification['attendance']['attended_sessions']",
        },
        result_variable="figures",
    )
    nodes = [
        start("start"),
        calculate,
        user_task("triage", "Triage the notification", due_days=14),
        gateway("triage_outcome", "Accepted?", default="flow_returned"),
        script_task("start_monitoring", 'set_stage("monitoring")\nmidway_due = "P5W"'),
        timer("midway", duration="midway_due", name="Midway review due"),
        script_task("close_improved", 'close_case("improved")'),
        end("end"),
        script_task("return_to_school", 'close_case("returned_to_school_stage")'),
        end("end_returned"),
    ]
    accepted_target = "start_monitoring"
    if school_plan:
        nodes.append(user_task("school_plan", "Agree a support plan", form="school_response"))
        accepted_target = "school_plan"
    head = "calculate_attendance"
    if first_step is not None:
        nodes.append(first_step)
        head = first_step.id
    flows = [
        flow("start", head),
        *([flow(first_step.id, "calculate_attendance")] if first_step else []),
        flow("calculate_attendance", "triage"),
        flow("triage", "triage_outcome"),
        flow(
            "triage_outcome",
            accepted_target,
            'decision in ("accept_monitoring", "accept_direct_to_contract")',
            flow_id="flow_accepted",
        ),
        flow("triage_outcome", "return_to_school", flow_id="flow_returned"),
        *([flow("school_plan", "start_monitoring")] if school_plan else []),
        flow("start_monitoring", "midway"),
        flow("midway", "close_improved"),
        flow("close_improved", "end"),
        flow("return_to_school", "end_returned"),
    ]
    lanes = {"Adviser": [n.id for n in nodes]}
    return {f"{MODEL}.bpmn": definitions(process(MODEL, *nodes, *flows, lanes=lanes))}


def evil_step(code: str = "__import__('os')") -> Node:
    """A script task that tries to escape the sandbox (deploy-time validation refuses it)."""
    return script_task("escape_attempt", code)
