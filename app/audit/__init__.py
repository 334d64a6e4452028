"""Audit log: ``record_event`` appends in the caller's unit of work."""

from app.audit.models import AuditEvent
from app.audit.services import record_event

__all__ = ["AuditEvent", "record_event"]
