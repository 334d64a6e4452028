"""Attendance: session marks, school calendars, penalty notices and their service-task operators.

Importing :mod:`app.attendance.operators` registers the database-backed operators (``create_app``
does it).
"""

from app.attendance.cohort import (
    PupilFigures,
    academic_year_start,
    band_classifier,
    cohort_figures,
)
from app.attendance.models import (
    AttendanceImport,
    AttendanceMark,
    AttendanceMarkChange,
    PenaltyNotice,
    SchoolClosure,
    SchoolTerm,
)
from app.attendance.penalties import issue_notice, notice_history, update_notice
from app.attendance.services import (
    MAX_MARKS,
    import_marks,
    load_default_calendar,
    national_threshold,
    pupil_figures,
    register_prefill,
)

__all__ = [
    "MAX_MARKS",
    "AttendanceImport",
    "AttendanceMark",
    "AttendanceMarkChange",
    "PenaltyNotice",
    "PupilFigures",
    "SchoolClosure",
    "SchoolTerm",
    "academic_year_start",
    "band_classifier",
    "cohort_figures",
    "import_marks",
    "issue_notice",
    "load_default_calendar",
    "national_threshold",
    "notice_history",
    "pupil_figures",
    "register_prefill",
    "update_notice",
]
