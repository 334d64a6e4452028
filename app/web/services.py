"""Saving and discarding form drafts (audited without their contents)."""

from __future__ import annotations

from typing import Any

from app.audit import record_event
from app.core.db import utcnow
from app.core.uow import current_session
from app.web.models import FormDraft
from app.web.queries import get_draft


def save_draft(
    actor: Any, *, form_key: str, data: dict[str, Any], draft_id: int | None = None
) -> FormDraft:
    """Create or update the actor's draft of ``form_key`` (the data is not validated)."""
    now = utcnow()
    if draft_id is None:
        draft = FormDraft(user_id=actor.id, form_key=form_key, created_at=now)
        current_session().add(draft)
    else:
        draft = get_draft(actor, draft_id, form_key)
    draft.data, draft.updated_at = data, now
    current_session().flush()
    record_event(
        "draft_saved",
        f"Draft of the {form_key} form saved",
        actor=actor,
        detail={"draft_id": draft.id, "form_key": form_key},
    )
    return draft


def delete_draft(actor: Any, *, draft_id: int) -> None:
    """Discard one of the actor's drafts (also done when the form is sent)."""
    draft = get_draft(actor, draft_id)
    record_event(
        "draft_deleted",
        f"Draft of the {draft.form_key} form discarded",
        actor=actor,
        detail={"draft_id": draft.id, "form_key": draft.form_key},
    )
    current_session().delete(draft)
    current_session().flush()
