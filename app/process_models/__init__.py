"""Process models: deploy ``bpmn/`` + ``forms/`` as immutable, versioned definitions; drafts."""

from app.process_models.drafts import (
    delete_draft_file,
    deploy_draft,
    discard_draft,
    draft_spec,
    get_draft,
    list_drafts,
    save_draft_file,
    start_draft,
    validate_draft,
)
from app.process_models.history import (
    diff_between,
    diff_of_draft,
    get_version,
    get_version_by_id,
)
from app.process_models.models import ProcessModelDraft, ProcessModelVersion
from app.process_models.services import (
    build_catalog,
    current_form,
    deploy_directory,
    deploy_model,
    highest_version,
    latest_version,
    list_models,
    list_versions,
    read_model_dir,
    version_form,
    version_spec,
)

__all__ = [
    "ProcessModelDraft",
    "ProcessModelVersion",
    "build_catalog",
    "current_form",
    "delete_draft_file",
    "deploy_directory",
    "deploy_draft",
    "deploy_model",
    "diff_between",
    "diff_of_draft",
    "discard_draft",
    "draft_spec",
    "get_draft",
    "get_version",
    "get_version_by_id",
    "highest_version",
    "latest_version",
    "list_drafts",
    "list_models",
    "list_versions",
    "read_model_dir",
    "save_draft_file",
    "start_draft",
    "validate_draft",
    "version_form",
    "version_spec",
]
