"""Cases: intake, lifecycle, the human-task projection and timers."""

from app.cases.models import Case, Task
from app.cases.queries import (
    Page,
    case_tasks,
    case_timeline,
    get_case,
    get_task,
    list_cases,
    list_tasks,
)
from app.cases.runner import StepFailed
from app.cases.services import (
    claim_task,
    complete_task,
    open_case,
    run_due_timers,
    send_message,
)

__all__ = [
    "Case",
    "Page",
    "StepFailed",
    "Task",
    "case_tasks",
    "case_timeline",
    "claim_task",
    "complete_task",
    "get_case",
    "get_task",
    "list_cases",
    "list_tasks",
    "open_case",
    "run_due_timers",
    "send_message",
]
