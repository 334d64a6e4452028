"""Process models: deploy ``bpmn/`` + ``forms/`` as immutable, versioned definitions."""

from app.process_models.models import ProcessModelVersion
from app.process_models.services import (
    current_form,
    deploy_directory,
    deploy_model,
    latest_version,
    list_models,
    list_versions,
    version_form,
    version_spec,
)

__all__ = [
    "ProcessModelVersion",
    "current_form",
    "deploy_directory",
    "deploy_model",
    "latest_version",
    "list_models",
    "list_versions",
    "version_form",
    "version_spec",
]
