"""The dashboard's filters (school, adviser, stage, pupil group, period) and what they select.

Every dashboard query and every drill-down list applies the same ``case_conditions``, so a
figure and the list it links to always agree.  The period is a range of whole UTC days,
``date_from`` to ``date_to`` inclusive; snapshot figures ("open now", "overdue now") ignore it.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.sql.elements import ColumnElement

from app.cases import STATUTORY, Case
from app.dashboard.models import CaseFlags

#: pupil group -> (label, the notification flags (F1 ``flags``) that put a pupil in it)
PUPIL_GROUPS: dict[str, tuple[str, tuple[str, ...]]] = {
    "send": ("SEND (SEN support or EHCP)", ("sen_support", "ehcp")),
    "ehcp": ("EHCP", ("ehcp",)),
    "social_worker": ("Has a social worker", ("social_worker",)),
    "fsm": ("Free school meals", ("free_school_meals",)),
}
#: the default period: the last 26 weeks (a half year of weekly trend bars)
DEFAULT_WEEKS = 26
#: a period longer than this many days is charted in multi-week buckets
MAX_BUCKETS = 60
#: "unallocated" in the adviser filter
UNALLOCATED = 0


@dataclass(frozen=True)
class Filters:
    """What the manager chose; ``errors`` lists the parameters that were ignored."""

    date_from: date
    date_to: date
    school: str | None = None
    adviser: int | None = None
    stage: str | None = None
    group: str | None = None
    errors: tuple[str, ...] = field(default=(), compare=False)

    @property
    def start(self) -> datetime:
        """The first instant of the period (UTC)."""
        return datetime.combine(self.date_from, time.min, tzinfo=UTC)

    @property
    def end(self) -> datetime:
        """The instant just after the period (UTC midnight after ``date_to``)."""
        return datetime.combine(self.date_to + timedelta(days=1), time.min, tzinfo=UTC)

    @property
    def bucket_days(self) -> int:
        """Days per trend bucket: one week, or whole weeks enough for at most MAX_BUCKETS."""
        days = (self.date_to - self.date_from).days + 1
        weeks = -(-days // 7)
        return 7 * max(1, -(-weeks // MAX_BUCKETS))

    @property
    def buckets(self) -> int:
        """How many trend buckets cover the period."""
        days = (self.date_to - self.date_from).days + 1
        return -(-days // self.bucket_days)

    def bucket_range(self, index: int) -> tuple[date, date]:
        """The first and last day of trend bucket ``index``."""
        first = self.date_from + timedelta(days=index * self.bucket_days)
        return first, min(self.date_to, first + timedelta(days=self.bucket_days - 1))

    def query_args(self, **overrides: Any) -> dict[str, Any]:
        """The filters as URL parameters (for links), with ``overrides``; None drops a key."""
        args: dict[str, Any] = {
            "date_from": self.date_from.isoformat(),
            "date_to": self.date_to.isoformat(),
            "school": self.school,
            "adviser": self.adviser,
            "stage": self.stage,
            "group": self.group,
        }
        args.update(overrides)
        return {key: value for key, value in args.items() if value not in (None, "")}

    def with_period(self, first: date, last: date) -> Filters:
        """The same filters over another period."""
        return replace(self, date_from=first, date_to=last)


def default_period(today: date) -> tuple[date, date]:
    """The last DEFAULT_WEEKS weeks: from a Monday to ``today``."""
    monday = today - timedelta(days=today.weekday())
    return monday - timedelta(weeks=DEFAULT_WEEKS - 1), today


def group_case_ids(group: str) -> Any:
    """Ids of cases whose notification put the pupil in ``group`` (``case_flags``)."""
    flags = [getattr(CaseFlags, flag).is_(True) for flag in PUPIL_GROUPS[group][1]]
    return select(CaseFlags.case_id).where(or_(*flags))


def case_conditions(filters: Filters) -> list[ColumnElement[bool]]:
    """WHERE conditions on ``Case`` for school, adviser, stage and pupil group.

    Only statutory cases count: a school's own graduated-approach process and the termly
    targeting meetings run on the same table but are not cases of the service.
    """
    conditions: list[ColumnElement[bool]] = [Case.kind == STATUTORY]
    if filters.school:
        conditions.append(Case.school_urn == filters.school)
    if filters.adviser == UNALLOCATED:
        conditions.append(Case.adviser_id.is_(None))
    elif filters.adviser is not None:
        conditions.append(Case.adviser_id == filters.adviser)
    if filters.stage:
        conditions.append(Case.stage == filters.stage)
    if filters.group:
        conditions.append(Case.id.in_(group_case_ids(filters.group)))
    return conditions
