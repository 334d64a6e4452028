"""Every model, imported once so the metadata is complete (Alembic, tests)."""

from app.accounts.models import ApiToken, School, User
from app.attendance.models import (
    AttendanceMark,
    AttendanceMarkChange,
    PenaltyNotice,
    SchoolClosure,
    SchoolTerm,
)
from app.audit.models import AuditEvent
from app.cases.models import Case, Task
from app.core.db import Base
from app.documents.models import Document
from app.process_models.models import ProcessModelVersion

metadata = Base.metadata

__all__ = [
    "ApiToken",
    "AttendanceMark",
    "AttendanceMarkChange",
    "AuditEvent",
    "Case",
    "Document",
    "PenaltyNotice",
    "ProcessModelVersion",
    "School",
    "SchoolClosure",
    "SchoolTerm",
    "Task",
    "User",
    "metadata",
]
