"""Who may read and edit the council's letter templates."""

from __future__ import annotations

from typing import Any

#: council staff who may read letter templates
TEMPLATE_READERS = frozenset({"adviser", "manager", "process_owner", "admin"})
#: who may change letter wording (a new version each time)
TEMPLATE_EDITORS = frozenset({"process_owner", "admin"})


def can_read_templates(actor: Any) -> bool:
    """Council staff may read letter templates and their history."""
    return actor.role in TEMPLATE_READERS


def can_edit_templates(actor: Any) -> bool:
    """Process owners and administrators edit letter wording."""
    return actor.role in TEMPLATE_EDITORS
