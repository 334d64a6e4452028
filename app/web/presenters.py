"""Plain words for the pages: case status for schools, dates, ages, stages, the chronology."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

#: dates and times are stored in UTC and shown in the council's time zone
LOCAL = ZoneInfo("Europe/London")

STAGE_LABELS = {
    "triage": "Triage",
    "school_action": "Returned to school",
    "monitoring": "Monitoring",
    "contract": "Attendance contract",
    "enforcement": "Enforcement",
    "legal": "Legal",
    "closed": "Closed",
}
#: what a school sees for each stage (GOV.UK tag colour in brackets)
SCHOOL_STAGE_WORDS = {
    "monitoring": ("Monitoring", "green"),
    "contract": ("Attendance contract", "purple"),
    "enforcement": ("Enforcement", "orange"),
    "legal": ("Legal action", "red"),
}
ACTION_NEEDED = ("Returned to you \u2013 action needed", "red")


def stage_label(stage: str | None) -> str:
    """A stage's name for people."""
    if not stage:
        return ""
    return STAGE_LABELS.get(stage, stage.replace("_", " ").capitalize())


def school_status(case: Any, activity: Any) -> tuple[str, str]:
    """(words, tag colour) for a school: received, being triaged, returned to you, monitoring…"""
    if case.status == "closed" or case.stage == "closed":
        return ("Closed", "grey")
    if (activity and "school" in activity.open_roles) or case.stage == "school_action":
        return ACTION_NEEDED
    if case.stage in SCHOOL_STAGE_WORDS:
        return SCHOOL_STAGE_WORDS[case.stage]
    if case.stage == "triage" and activity and activity.claimed:
        return ("Being triaged", "blue")
    return ("Received", "light-blue")


def local(moment: datetime) -> datetime:
    """A stored UTC moment in the council's time zone."""
    return moment.astimezone(LOCAL)


def format_day(value: date | datetime | str | None) -> str:
    """``14 May 2026`` (empty for nothing)."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value[:10])
        except ValueError:
            return value
    if isinstance(value, datetime):
        value = local(value)
    return f"{value.day} {value:%B %Y}"


def format_moment(value: datetime | None) -> str:
    """``14 May 2026, 9:05am`` in the council's time zone."""
    if value is None:
        return ""
    moment = local(value)
    hour = moment.hour % 12 or 12
    return f"{moment.day} {moment:%B %Y}, {hour}:{moment:%M}{'am' if moment.hour < 12 else 'pm'}"


def age_text(created: datetime, now: datetime) -> str:
    """How long a task has waited: ``Today``, ``1 day``, ``12 days``."""
    days = (local(now).date() - local(created).date()).days
    if days <= 0:
        return "Today"
    return "1 day" if days == 1 else f"{days} days"


def is_overdue(due: datetime | None, now: datetime) -> bool:
    """Whether a due date has passed."""
    return due is not None and due < now


def file_size(size: int) -> str:
    """``840 KB``, ``2.4 MB``."""
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.1f} MB"
    return f"{max(1, round(size / 1024))} KB"


@dataclass(frozen=True)
class TimelineEntry:
    """One line of a case's chronology."""

    when: datetime
    who: str
    what: str
    kind: str
    details: list[str]
    link: tuple[str, str] | None = None


def timeline_entries(events: list[Any], links: dict[str, Any]) -> list[TimelineEntry]:
    """The audit events as a chronology, newest first, with the rule behind each decision.

    ``links`` maps ``document`` and ``attachment`` to functions that give a download URL for an id.
    """
    entries = []
    for event in reversed(events):
        detail = event.detail if isinstance(event.detail, dict) else {}
        entries.append(
            TimelineEntry(
                when=event.at,
                who=event.actor_label or "system",
                what=event.summary,
                kind=event.event_type,
                details=_details(event.event_type, detail),
                link=_link(event.event_type, detail, links),
            )
        )
    return entries


def _details(kind: str, detail: dict[str, Any]) -> list[str]:
    if kind == "decision_made" and detail.get("kind") == "dmn":
        return [
            f"Rule {rule.get('row')}"
            + (f": {rule['description']}" if rule.get("description") else "")
            for rule in detail.get("rules", [])
        ] or ["No rule matched"]
    if kind == "decision_made":
        return [f"Path taken: {', '.join(detail.get('taken', [])) or 'none'}"]
    if kind == "stage_changed":
        return [f"{stage_label(detail.get('from'))} → {stage_label(detail.get('to'))}"]
    if kind == "document_generated" and detail.get("recipient"):
        return [f"To {detail['recipient']}"]
    return []


def _rule_text(rule: dict[str, Any]) -> str:
    description = rule.get("description")
    return f"Rule {rule.get('row')}" + (f": {description}" if description else "")


def _link(kind: str, detail: dict[str, Any], links: dict[str, Any]) -> tuple[str, str] | None:
    if kind == "document_generated" and detail.get("document_id") and "document" in links:
        return (links["document"](detail["document_id"]), "Download the letter")
    if kind == "attachment_added" and detail.get("attachment_id") and "attachment" in links:
        return (links["attachment"](detail["attachment_id"]), f"Download {detail.get('filename')}")
    return None
