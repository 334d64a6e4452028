"""The engine adapter: the only package that imports SpiffWorkflow.

It is pure (no Flask, SQLAlchemy or Celery).  Callers compile a model's files into a spec dict
(stored once per deployed version), start workflows from it and advance stored states; every call
returns plain dataclasses.
"""

from app.engine.clock import engine_clock
from app.engine.runtime import (
    EngineError,
    EngineResult,
    HumanTaskView,
    NotWaiting,
    TaskNotReady,
    WorkflowEngine,
)
from app.engine.serializer import SERIALIZER_VERSION, spec_to_dict
from app.engine.specs import (
    ModelCatalog,
    ModelInvalid,
    OperatorInfo,
    ParsedModel,
    Problem,
    compile_model,
    content_hash,
)

__all__ = [
    "SERIALIZER_VERSION",
    "EngineError",
    "EngineResult",
    "HumanTaskView",
    "ModelCatalog",
    "ModelInvalid",
    "NotWaiting",
    "OperatorInfo",
    "ParsedModel",
    "Problem",
    "TaskNotReady",
    "WorkflowEngine",
    "compile_model",
    "content_hash",
    "engine_clock",
    "spec_to_dict",
]
