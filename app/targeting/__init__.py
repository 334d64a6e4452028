"""Termly targeting support meetings: one process per school per term.

The council holds a targeting support meeting with every school each term: the school's link
adviser gets the meeting task with the watch list (``targeting.watch_list``), records it, and
each agreed action becomes a task for its owner.  :func:`term_coverage` says which schools had
theirs (the dashboard and the termly report use it).
"""

from app.targeting.queries import list_meetings, term_coverage
from app.targeting.services import KIND, open_term_meetings, set_link_adviser
from app.targeting.terms import Term, current_term, get_term, list_terms_keys

__all__ = [
    "KIND",
    "Term",
    "current_term",
    "get_term",
    "list_meetings",
    "list_terms_keys",
    "open_term_meetings",
    "set_link_adviser",
    "term_coverage",
]
