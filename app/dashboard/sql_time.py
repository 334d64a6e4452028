"""Date arithmetic and medians as SQL expressions, the same on SQLite and PostgreSQL.

SQLite has no interval type and no median; PostgreSQL has no ``julianday``.  Every dashboard
figure is computed by the database, so the few expressions whose spelling differs live here.
The dialect is read from the current unit of work's connection.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Date, Float, Integer, Select, cast, func, literal, select
from sqlalchemy.sql.elements import ColumnElement

from app.core.db import UTCDateTime
from app.core.uow import current_session

SECONDS_PER_DAY = 86_400


def dialect_name() -> str:
    """``sqlite`` or ``postgresql`` (the bind of the current session)."""
    return current_session().get_bind().dialect.name


def at(moment: datetime) -> ColumnElement[Any]:
    """A bound instant, stored the way ``UTCDateTime`` columns are (so SQLite compares text)."""
    return literal(moment, UTCDateTime)


def days_between(later: Any, earlier: Any) -> ColumnElement[float]:
    """Fractional days from ``earlier`` to ``later`` (two timestamps)."""
    if dialect_name() == "sqlite":
        return cast(func.julianday(later) - func.julianday(earlier), Float)
    seconds = func.extract("epoch", later - earlier)
    return cast(seconds, Float) / SECONDS_PER_DAY


def utc_date(moment: Any) -> ColumnElement[Any]:
    """The UTC calendar date of a timestamp column."""
    if dialect_name() == "sqlite":
        return func.date(moment)
    return cast(func.timezone("UTC", moment), Date)


def date_diff(later: Any, earlier: Any) -> ColumnElement[int]:
    """Whole days between two dates (``later - earlier``)."""
    if dialect_name() == "sqlite":
        return cast(func.julianday(later) - func.julianday(earlier), Integer)
    return cast(later - earlier, Integer)


def iso_date_plus_months(iso_text: Any, months: int) -> ColumnElement[str]:
    """An ISO date string moved on by whole calendar months, as an ISO date string."""
    if dialect_name() == "sqlite":
        return func.date(iso_text, f"+{months} months")
    moved = cast(iso_text, Date) + func.make_interval(0, months)
    return func.to_char(moved, "YYYY-MM-DD")


def bucket_index(moment: Any, start: datetime, days: int) -> ColumnElement[int]:
    """Which ``days``-long bucket after ``start`` a timestamp falls in (0 for the first).

    Only used on rows already restricted to ``moment >= start``, so truncation is a floor.
    """
    if dialect_name() == "sqlite":
        return cast((func.julianday(moment) - func.julianday(at(start))) / days, Integer)
    seconds = func.extract("epoch", moment - at(start))
    return cast(func.floor(seconds / (SECONDS_PER_DAY * days)), Integer)


def median_select(values: Select[Any], *, group: str | None = None) -> Select[Any]:
    """The median (and count) of the ``value`` column of ``values``, per ``group`` column.

    Rows are ``(median, n)``, or ``(group, median, n)``.  Uses window functions (SQLite 3.25+,
    PostgreSQL): the middle row, or the mean of the two middle rows.
    """
    inner = values.subquery()
    value = inner.c.value
    partition = [inner.c[group]] if group else None
    ranked = select(
        *([inner.c[group]] if group else []),
        value.label("value"),
        func.row_number().over(partition_by=partition, order_by=value).label("rn"),
        func.count().over(partition_by=partition).label("n"),
    ).subquery()
    middle = ranked.c.rn.in_([(ranked.c.n + 1) // 2, (ranked.c.n + 2) // 2])
    stmt = select(
        *([ranked.c[group]] if group else []),
        func.avg(ranked.c.value).label("median"),
        func.max(ranked.c.n).label("n"),
    ).where(middle)
    return stmt.group_by(ranked.c[group]) if group else stmt
