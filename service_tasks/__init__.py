"""Python functions that BPMN service tasks call by operator name (see ``registry``)."""

from service_tasks import attendance, calendar
from service_tasks.registry import (
    ServiceTaskError,
    ServiceTaskSpec,
    call,
    lookup,
    operators,
    service_task,
)

__all__ = [
    "ServiceTaskError",
    "ServiceTaskSpec",
    "attendance",
    "calendar",
    "call",
    "lookup",
    "operators",
    "service_task",
]
