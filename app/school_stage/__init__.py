"""The school stage: a school's graduated approach for one pupil, before it notifies the service.

It runs the ``school_stage`` process model (first-day contact, concern letters, the attendance
meeting, the attendance action plan and its review) as a workflow of kind ``school_stage``; when
the review refers the pupil, :func:`notification_prefill` gives the notification to send.
"""

from app.school_stage.queries import get_school_stage, list_school_stages, notification_prefill
from app.school_stage.services import KIND, start_school_stage
from app.school_stage.suggestions import Suggestion, suggested_pupils

__all__ = [
    "KIND",
    "Suggestion",
    "get_school_stage",
    "list_school_stages",
    "notification_prefill",
    "start_school_stage",
    "suggested_pupils",
]
