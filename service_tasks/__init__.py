"""Python functions that BPMN service tasks call by operator name (see ``registry``)."""

from service_tasks import attendance
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
    "call",
    "lookup",
    "operators",
    "service_task",
]
