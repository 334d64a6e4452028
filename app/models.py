"""Every model, imported once so the metadata is complete (Alembic, tests)."""

from app.accounts.models import ApiToken, School, User
from app.attachments.models import Attachment
from app.attendance.models import (
    AttendanceImport,
    AttendanceMark,
    AttendanceMarkChange,
    PenaltyNotice,
    SchoolClosure,
    SchoolTerm,
)
from app.audit.models import AuditEvent
from app.cases.models import Case, Task
from app.core.db import Base
from app.dashboard.models import CaseFlags
from app.delivery_plan.models import PlanAction, PlanEnabler, PlanObjective, PlanStatusChange
from app.documents.models import Document, LetterTemplateVersion
from app.process_models.models import ProcessModelDraft, ProcessModelVersion
from app.studio.models import CaseMigration
from app.web.models import FormDraft

metadata = Base.metadata

__all__ = [
    "ApiToken",
    "Attachment",
    "AttendanceImport",
    "AttendanceMark",
    "AttendanceMarkChange",
    "AuditEvent",
    "Case",
    "CaseFlags",
    "CaseMigration",
    "Document",
    "FormDraft",
    "LetterTemplateVersion",
    "PenaltyNotice",
    "PlanAction",
    "PlanEnabler",
    "PlanObjective",
    "PlanStatusChange",
    "ProcessModelDraft",
    "ProcessModelVersion",
    "School",
    "SchoolClosure",
    "SchoolTerm",
    "Task",
    "User",
    "metadata",
]
