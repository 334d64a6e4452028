"""Read-side queries for the web pages' own data (form drafts)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from app.core.errors import NotFound
from app.core.uow import current_session
from app.web.models import FormDraft


def list_drafts(actor: Any, form_key: str | None = None) -> list[FormDraft]:
    """The actor's own drafts, most recently saved first."""
    stmt = select(FormDraft).where(FormDraft.user_id == actor.id)
    if form_key:
        stmt = stmt.where(FormDraft.form_key == form_key)
    return list(current_session().scalars(stmt.order_by(FormDraft.updated_at.desc())))


def get_draft(actor: Any, draft_id: int, form_key: str | None = None) -> FormDraft:
    """One of the actor's drafts; NotFound for anyone else's (drafts are never shared)."""
    draft = current_session().get(FormDraft, draft_id)
    if draft is None or draft.user_id != actor.id or (form_key and draft.form_key != form_key):
        raise NotFound("No such draft.")
    return draft
