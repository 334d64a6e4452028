"""Cases: intake, lifecycle, the human-task projection and timers."""

from app.cases.assignment import assign_task, unclaim_task
from app.cases.models import STATUTORY, Case, Task
from app.cases.queries import (
    INBOX_TABS,
    CaseActivity,
    InboxFilters,
    Page,
    case_activity,
    case_notification,
    case_tasks,
    case_timeline,
    count_inbox,
    get_case,
    get_task,
    inbox_choices,
    list_assignees,
    list_cases,
    list_inbox,
    list_tasks,
)
from app.cases.runner import StepFailed
from app.cases.services import (
    claim_task,
    complete_task,
    open_case,
    run_due_timers,
    send_message,
    start_process,
)

__all__ = [
    "INBOX_TABS",
    "STATUTORY",
    "Case",
    "CaseActivity",
    "InboxFilters",
    "Page",
    "StepFailed",
    "Task",
    "assign_task",
    "case_activity",
    "case_notification",
    "case_tasks",
    "case_timeline",
    "claim_task",
    "complete_task",
    "count_inbox",
    "get_case",
    "get_task",
    "inbox_choices",
    "list_assignees",
    "list_cases",
    "list_inbox",
    "list_tasks",
    "open_case",
    "run_due_timers",
    "send_message",
    "start_process",
    "unclaim_task",
]
