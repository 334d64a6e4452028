"""Version history: every deployed version of a model and what changed between two of them."""

from __future__ import annotations

from sqlalchemy import select

from app.core.errors import NotFound
from app.core.uow import current_session
from app.engine import VersionDiff, diff_versions
from app.process_models.models import ProcessModelDraft, ProcessModelVersion


def get_version(model_id: str, number: int) -> ProcessModelVersion:
    """Version ``number`` of ``model_id``; NotFound when there is none."""
    stmt = select(ProcessModelVersion).where(
        ProcessModelVersion.model_id == model_id, ProcessModelVersion.version == number
    )
    version = current_session().scalars(stmt).first()
    if version is None:
        raise NotFound(f"'{model_id}' has no version {number}.")
    return version


def get_version_by_id(version_id: int) -> ProcessModelVersion:
    """A deployed version by its row id; NotFound when there is none."""
    version = current_session().get(ProcessModelVersion, version_id)
    if version is None:
        raise NotFound(f"No process model version {version_id}.")
    return version


def diff_between(model_id: str, old: int, new: int) -> VersionDiff:
    """What version ``new`` of a model changes compared with version ``old``."""
    return diff_versions(get_version(model_id, old).files, get_version(model_id, new).files)


def diff_of_draft(draft: ProcessModelDraft) -> VersionDiff:
    """What the draft changes compared with the version it was started from."""
    base = (
        current_session().get(ProcessModelVersion, draft.based_on_version_id)
        if draft.based_on_version_id
        else None
    )
    return diff_versions(base.files if base is not None else {}, draft.files)
