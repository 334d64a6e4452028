"""Who may send attendance marks, and for which schools."""

from __future__ import annotations

from typing import Any

#: roles that may send marks for any school
MARK_IMPORTERS_ALL = frozenset({"adviser", "admin"})


def can_import_marks(actor: Any) -> bool:
    """Advisers and administrators (any school) and school users (their own school)."""
    return actor.role in MARK_IMPORTERS_ALL or (actor.role == "school" and bool(actor.school_urn))


def can_import_marks_for(actor: Any, urn: str) -> bool:
    """Whether ``actor`` may send marks recorded by the school ``urn``."""
    if actor.role in MARK_IMPORTERS_ALL:
        return True
    return actor.role == "school" and actor.school_urn == urn


def can_upload_mark_files(actor: Any) -> bool:
    """Advisers and administrators import whole mark files (any school) and see the history."""
    return actor.role in MARK_IMPORTERS_ALL
