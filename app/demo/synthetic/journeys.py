"""One synthetic case's journey through the stages, as the rows the pathway would have written.

``walk`` moves a ``Journey`` through triage, monitoring, the contract, enforcement (a notice to
improve or penalty notices), the legal process and closure, drawing each decision with the
base-case rates of the domain notes and each wait and piece of work from plausible ranges.  The
journey stops where the simulated clock passes ``now``: the case stays open in that stage, with
the task it is waiting on still open.  Element ids, forms and due days are the real pathway's
(``bpmn/attendance_case``), so the process map shows synthetic cases where real ones would be.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from app.accounts import School
from app.demo.synthetic.people import Pupil

#: element id -> (title, role, form, due days): the real pathway's user tasks
TASKS: dict[str, tuple[str, str, str, int]] = {
    "triage_review": ("Triage the notification", "adviser", "triage", 14),
    "school_response": ("Respond to the returned notification", "school", "school_response", 28),
    "midway_review": ("Midway review (school week 5)", "adviser", "monitoring_review", 10),
    "final_review": ("Final review (school week 10)", "adviser", "monitoring_review", 10),
    "contract_record_meeting_1": (
        "Record the attendance contract meeting", "adviser", "contract_meeting", 3),
    "contract_review": (
        "Review the attendance contract or action plan", "adviser", "contract_review", 5),
    "enforcement_decide_nti": (
        "Decide whether to issue a notice to improve", "adviser", "enforcement_decision", 5),
    "enforcement_review_nti": ("Review the notice to improve", "adviser", "nti_review", 5),
    "enforcement_decide_unpaid": (
        "Decide on the unpaid penalty notice", "adviser", "pn_unpaid_review", 14),
    "enforcement_consider_eso": (
        "Consider an education supervision order with children's social care", "adviser",
        "eso_consideration", 20),
    "legal_select_offence": (
        "Select the offence: s444(1) or s444(1A)", "adviser", "offence_selection", 5),
    "legal_record_interview": (
        "Record the interview under caution", "adviser", "pace_interview", 21),
    "legal_prepare_bundle": ("Prepare the legal bundle", "adviser", "legal_bundle", 10),
    "legal_qa_bundle": ("Quality-check the legal bundle", "manager", "bundle_qa", 5),
    "legal_code_test": (
        "Full Code Test: evidential and public-interest review", "adviser", "code_test", 10),
    "legal_court_outcome": ("Record the court outcome", "adviser", "court_outcome", 90),
    "closure_summary": ("Close the case", "adviser", "closure", 10),
}  # fmt: skip


#: the share of tasks finished after their due date
LATE_SHARE = 0.1


class Stop(Exception):
    """The simulated clock reached *now*: the case stays open where it is."""


@dataclass
class Journey:
    """A case being simulated, and the rows it has produced so far."""

    rng: random.Random
    case_id: int
    first_task_id: int
    first_notice_id: int
    opened_at: datetime
    now: datetime
    adviser_id: int
    generator_id: int
    pupil: Pupil
    school: School
    notification: dict[str, Any]
    case: dict[str, Any] = field(default_factory=dict)
    tasks: list[dict[str, Any]] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)
    notices: list[dict[str, Any]] = field(default_factory=list)
    clock: datetime = field(init=False)

    def __post_init__(self) -> None:
        self.clock = self.opened_at
        self.case = {
            "id": self.case_id,
            "reference": f"ATT-{self.opened_at.year}-{self.case_id:06d}",
            "school_urn": self.school.urn,
            "pupil_upn": self.pupil.upn,
            "pupil_name": self.pupil.name,
            "stage": "triage",
            "status": "open",
            "opened_at": self.opened_at,
            "closed_at": None,
            "closure_reason": None,
            "opened_by_id": self.generator_id,
            "adviser_id": None,
            "next_timer_at": None,
            "waiting_messages": [],
            "last_error": None,
            "version": 1,
        }
        self.event("case_started", f"Notification received; case {self.case['reference']}",
                   {"notification": self.notification, "synthetic": True})  # fmt: skip

    def days(self, low: float, high: float) -> timedelta:
        """A random duration between ``low`` and ``high`` days."""
        return timedelta(days=self.rng.uniform(low, high))

    def wait(self, duration: timedelta) -> None:
        """Let time pass; Stop when it reaches now (the case waits on a timer or a message)."""
        self.clock += duration
        if self.clock >= self.now:
            raise Stop

    def event(self, event_type: str, summary: str, detail: dict[str, Any]) -> None:
        """Append an audit event at the simulated clock."""
        self.events.append(
            {
                "case_id": self.case_id,
                "actor_id": None,
                "actor_label": "system",
                "at": self.clock,
                "event_type": event_type,
                "summary": summary,
                "detail": detail,
            }
        )

    def task(self, element_id: str, work: timedelta, outcome: str | None = None, **data: Any):
        """The task becomes ready now and is done after ``work`` (Stop while still open)."""
        title, role, form, due_days = TASKS[element_id]
        if self.chance(LATE_SHARE):  # some work overruns the task's due date
            work = timedelta(days=due_days * self.rng.uniform(1.05, 2.0))
        task_id = self.first_task_id + len(self.tasks)
        row = {
            "id": task_id,
            "case_id": self.case_id,
            "bpmn_task_id": str(uuid.UUID(int=self.rng.getrandbits(128), version=4)),
            "element_id": element_id,
            "title": title,
            "lane": role.title(),
            "role": role,
            "form_name": form,
            "assignee_id": None,
            "status": "open",
            "created_at": self.clock,
            "due_at": self.clock + timedelta(days=due_days),
            "completed_at": None,
            "completed_by_id": None,
            "data": data,
            "version": 1,
        }
        self.tasks.append(row)
        self.event("task_created", f"Task '{title}' is waiting for the {role}",
                   {"task_id": task_id, "element_id": element_id, "role": role})  # fmt: skip
        self.wait(work)
        worker = self.adviser_id if role != "school" else None
        row.update(status="completed", completed_at=self.clock, completed_by_id=worker)
        row["assignee_id"] = worker
        submitted = {"outcome": outcome} if outcome else {}
        self.event("task_completed", f"Task '{title}' completed",
                   {"task_id": task_id, "element_id": element_id, "form": form,
                    "data": submitted})  # fmt: skip

    def stage(self, stage: str) -> None:
        """Move the case to ``stage``."""
        if stage != self.case["stage"]:
            self.event("stage_changed", f"Stage changed from {self.case['stage']} to {stage}",
                       {"from": self.case["stage"], "to": stage})  # fmt: skip
            self.case["stage"] = stage

    def close(self, reason: str, improved: bool) -> None:
        """The closure stage: the closure task (with attendance figures), then closed."""
        baseline = self.pupil.attendance_pct
        change = self.rng.uniform(3, 14) if improved else self.rng.uniform(-9, 4)
        closing = round(min(99.5, max(20.0, baseline + change)), 1)
        self.wait(self.days(0.5, 3))
        self.task(
            "closure_summary",
            self.days(0.5, 8),
            closure_reason=reason,
            baseline_attendance_pct=baseline,
            closing_attendance_pct=closing,
        )
        self.stage("closed")
        self.case.update(status="closed", closed_at=self.clock, closure_reason=reason)
        self.event("case_closed", f"Case closed ({reason})", {"closure_reason": reason})

    def chance(self, probability: float) -> bool:
        """True with ``probability``."""
        return self.rng.random() < probability
