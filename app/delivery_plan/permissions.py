"""Who may read and who may change the delivery plan (schools never see it)."""

from __future__ import annotations

from typing import Any

from app.core.errors import Forbidden

READERS = frozenset({"adviser", "manager", "process_owner", "admin"})
EDITORS = frozenset({"manager", "admin"})


def can_edit(actor: Any) -> bool:
    """Managers keep the plan."""
    return getattr(actor, "role", None) in EDITORS


def ensure_can_read(actor: Any) -> None:
    """Council staff read the plan; anyone else is refused."""
    if getattr(actor, "role", None) not in READERS:
        raise Forbidden("Only council staff can see the delivery plan.")


def ensure_can_edit(actor: Any) -> None:
    """Only managers change the plan."""
    if not can_edit(actor):
        raise Forbidden("Only managers can change the delivery plan.")
