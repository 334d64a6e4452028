"""The engine adapter: the only package that imports SpiffWorkflow.

It is pure (no Flask, SQLAlchemy or Celery).  Callers compile a model's files into a spec dict
(stored once per deployed version), start workflows from it and advance stored states; every call
returns plain dataclasses.
"""

from app.engine.checks import timer_expression_problem
from app.engine.clock import engine_clock
from app.engine.decisions import DecisionFailed, DecisionNotFound, evaluate_decision
from app.engine.diffing import Change, VersionDiff, diff_versions
from app.engine.migration import (
    AS_IS,
    BLOCKED,
    MAPPED,
    MigrationPlan,
    MigrationRefused,
    TaskMapping,
    migrate_case,
    plan_migration,
    snapshot,
)
from app.engine.replay import (
    RecordedInput,
    RecordedService,
    ReplayStep,
    ReplayTrace,
    replay_case,
)
from app.engine.replay_compare import LETTER_OPERATORS, ReplayDifference, compare_traces
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
    validate_model,
)

__all__ = [
    "AS_IS",
    "BLOCKED",
    "LETTER_OPERATORS",
    "MAPPED",
    "SERIALIZER_VERSION",
    "Change",
    "DecisionFailed",
    "DecisionNotFound",
    "EngineError",
    "EngineResult",
    "HumanTaskView",
    "MigrationPlan",
    "MigrationRefused",
    "ModelCatalog",
    "ModelInvalid",
    "NotWaiting",
    "OperatorInfo",
    "ParsedModel",
    "Problem",
    "RecordedInput",
    "RecordedService",
    "ReplayDifference",
    "ReplayStep",
    "ReplayTrace",
    "TaskMapping",
    "TaskNotReady",
    "VersionDiff",
    "WorkflowEngine",
    "compare_traces",
    "compile_model",
    "content_hash",
    "diff_versions",
    "engine_clock",
    "evaluate_decision",
    "migrate_case",
    "plan_migration",
    "replay_case",
    "snapshot",
    "spec_to_dict",
    "timer_expression_problem",
    "validate_model",
]
