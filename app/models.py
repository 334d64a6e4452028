"""Every model, imported once so the metadata is complete (Alembic, tests)."""

from app.accounts.models import ApiToken, School, User
from app.audit.models import AuditEvent
from app.cases.models import Case, Task
from app.core.db import Base
from app.process_models.models import ProcessModelVersion

metadata = Base.metadata

__all__ = [
    "ApiToken",
    "AuditEvent",
    "Case",
    "ProcessModelVersion",
    "School",
    "Task",
    "User",
    "metadata",
]
