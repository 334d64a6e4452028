"""The council's attendance delivery plan: objectives, actions, RAG status and its history.

Managers keep it here (edit an action's status with commentary, add actions, import the plan
table as CSV); council staff read it, including the one-page view for the annual February
review.  :func:`rag_summary` feeds the termly report.
"""

from app.delivery_plan.models import STATUSES
from app.delivery_plan.queries import plan_tree, rag_summary
from app.delivery_plan.services import import_plan_csv

__all__ = ["STATUSES", "import_plan_csv", "plan_tree", "rag_summary"]
