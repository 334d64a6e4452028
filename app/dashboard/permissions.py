"""Who may see the dashboard and act on caseloads.

Managers (and admins) see and act; advisers may look (read-only); a school is told the pages
do not exist (404, as for another school's case); a process owner is refused (403).
"""

from __future__ import annotations

from typing import Any

from app.core.errors import Forbidden, NotFound

VIEWERS = frozenset({"manager", "admin", "adviser"})
MANAGERS = frozenset({"manager", "admin"})


def can_view(actor: Any) -> bool:
    """Managers, admins and advisers."""
    return actor is not None and actor.role in VIEWERS


def can_manage(actor: Any) -> bool:
    """Managers and admins: CSV export and bulk actions."""
    return actor is not None and actor.role in MANAGERS


def ensure_can_view(actor: Any) -> None:
    """NotFound for a school, Forbidden for anyone else who may not look."""
    if can_view(actor):
        return
    if actor is not None and actor.role == "school":
        raise NotFound("Page not found.")
    raise Forbidden("Only council managers and advisers can see the dashboard.")


def ensure_can_manage(actor: Any) -> None:
    """As ``ensure_can_view``, and advisers may only look."""
    ensure_can_view(actor)
    if not can_manage(actor):
        raise Forbidden("Only managers can export or change caseloads.")
