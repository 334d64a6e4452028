"""Writing audit events (always inside the caller's transaction)."""

from __future__ import annotations

from typing import Any

from app.audit.models import AuditEvent
from app.core.db import utcnow
from app.core.uow import current_session


def record_event(
    event_type: str,
    summary: str,
    *,
    case_id: int | None = None,
    actor: Any = None,
    detail: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append an audit event to the current unit of work."""
    event = AuditEvent(
        case_id=case_id,
        actor_id=getattr(actor, "id", None),
        actor_label=getattr(actor, "label", None) or "system",
        at=utcnow(),
        event_type=event_type,
        summary=summary[:500],
        detail=detail or {},
    )
    current_session().add(event)
    return event
