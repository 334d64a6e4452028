"""Dashboard use cases: the figures, the case list behind them, and the manager's actions.

Reads only aggregate SQL over the projection tables (``queries``, ``outcomes``); the only
writes are the ``case_flags`` projection (when a case opens), the audit event of a CSV export,
and the bulk actions, which go through ``app.cases`` services (audited there).
"""

from __future__ import annotations

import csv
import io
from dataclasses import replace
from datetime import datetime
from typing import Any

from flask import current_app

from app.audit import record_event
from app.cases import Page, get_case
from app.cases.queries import EXPORT_COLUMNS, CaseSearch, export_case_rows, search_cases
from app.cases.services import case_opened, reassign_caseload, send_reminders
from app.core.db import utcnow
from app.core.errors import NotFound
from app.core.uow import current_session
from app.dashboard import maps, outcomes, queries, statutory
from app.dashboard.drill import LABELS, kpi_case_ids
from app.dashboard.filters import UNALLOCATED, Filters, case_conditions
from app.dashboard.models import CaseFlags
from app.dashboard.permissions import ensure_can_manage, ensure_can_view
from app.process_models import latest_version
from app.targeting import current_term, term_coverage

#: cells starting with these are prefixed with ' in CSV exports (spreadsheet formula injection)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def record_case_flags(case: Any, notification: dict[str, Any], **_: Any) -> None:
    """Project the notification's pupil flags onto ``case_flags`` (``case_opened`` receiver)."""
    given = notification.get("flags") or {}
    figures = notification.get("attendance") or {}
    current_session().add(
        CaseFlags(
            case_id=case.id,
            sen_support=bool(given.get("sen_support")),
            ehcp=bool(given.get("ehcp")),
            social_worker=bool(given.get("social_worker")),
            free_school_meals=bool(given.get("free_school_meals")),
            request_type=notification.get("request_type"),
            unauthorised_sessions=figures.get("unauthorised_absences"),
            late_sessions=figures.get("late_after_close"),
        )
    )


case_opened.connect(record_case_flags)


def build_dashboard(actor: Any, filters: Filters, now: datetime | None = None) -> dict[str, Any]:
    """Every figure of the dashboard for ``filters`` (snapshot figures as of ``now``)."""
    ensure_can_view(actor)
    now = now or utcnow()
    overdue = queries.overdue_tasks(filters, now)
    notified = queries.notifications_per_bucket(filters)
    closed = queries.closures_per_bucket(filters)
    return {
        "now": now,
        "stages": [s for s in current_app.config["STAGES"] if s != "closed"],
        "occupancy": queries.occupancy(filters, now),
        "caseload": queries.caseload(filters),
        "overdue": _overdue_summary(overdue),
        "limitation": queries.limitation_risk(filters, now),
        "trend": {
            "notified": notified,
            "closed": closed,
            "open": _open_per_bucket(queries.open_at_start(filters), notified, closed),
        },
        "triage": queries.triage_time(filters),
        "flow": outcomes.stage_flow(filters),
        "nti": outcomes.decisions(outcomes.NTI_REVIEW_TASK, filters),
        "penalty_notices": outcomes.penalty_notices(filters),
        "attendance": outcomes.attendance_change(filters),
        "closures": outcomes.closures_by_reason(filters),
        "tsm": term_coverage(current_term(now.date()), today=now.date()),
    }


def _overdue_summary(rows: list[dict[str, Any]]) -> dict[str, Any]:
    by_stage: dict[str, int] = {}
    by_adviser: dict[int, int] = {}
    for row in rows:
        by_stage[row["stage"]] = by_stage.get(row["stage"], 0) + row["tasks"]
        adviser = row["adviser_id"] if row["adviser_id"] is not None else UNALLOCATED
        by_adviser[adviser] = by_adviser.get(adviser, 0) + row["tasks"]
    return {
        "tasks": sum(row["tasks"] for row in rows),
        "cases": sum(row["cases"] for row in rows),
        "by_stage": by_stage,
        "by_adviser": by_adviser,
    }


def _open_per_bucket(at_start: int, opened: list[int], closed: list[int]) -> list[int]:
    """Open cases at the end of each bucket: the count at the start, plus opened, less closed."""
    levels, level = [], at_start
    for new, done in zip(opened, closed, strict=True):
        level += new - done
        levels.append(level)
    return levels


def drill_label(kpi: str | None) -> str | None:
    """A heading for the cases behind figure ``kpi``."""
    return LABELS.get(kpi or "")


def case_list(
    actor: Any,
    search: CaseSearch,
    filters: Filters,
    *,
    kpi: str | None = None,
    arg: str | None = None,
    page: int = 1,
    now: datetime | None = None,
) -> Page:
    """The manager's case list: the cases behind figure ``kpi`` (all cases matching the
    filters when there is none), narrowed by the search box."""
    ensure_can_view(actor)
    return search_cases(actor, _narrowed(search, filters, kpi, arg, now), page=page)


def _narrowed(
    search: CaseSearch, filters: Filters, kpi: str | None, arg: str | None, now: datetime | None
) -> CaseSearch:
    """The search within a figure's cases, or (no figure) within the filters."""
    if not kpi:
        return replace(search, where=tuple(case_conditions(filters)))
    return replace(search, within=kpi_case_ids(kpi, filters, now or utcnow(), arg))


def export_csv(
    actor: Any,
    search: CaseSearch,
    filters: Filters,
    *,
    kpi: str | None = None,
    arg: str | None = None,
    now: datetime | None = None,
) -> tuple[str, int]:
    """The case list as CSV text (and its row count); the export is recorded in the audit log."""
    ensure_can_manage(actor)
    rows = export_case_rows(actor, _narrowed(search, filters, kpi, arg, now))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(EXPORT_COLUMNS)
    for row in rows:
        writer.writerow([_cell(value) for value in row])
    record_event(
        "cases_exported",
        f"Case list exported as CSV ({len(rows)} cases)",
        actor=actor,
        detail={
            "rows": len(rows),
            "q": search.q,
            "kpi": kpi,
            "arg": arg,
            "filters": filters.query_args(),
        },
    )
    return out.getvalue(), len(rows)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def reassign(actor: Any, **kwargs: Any) -> int:
    """Bulk reassign (see ``app.cases.services.reassign_caseload``); how many cases moved."""
    ensure_can_manage(actor)
    return len(reassign_caseload(actor, **kwargs))


def remind(actor: Any, *, case_ids: list[int], message: str) -> int:
    """Send a reminder about the chosen cases (audited; no e-mail); how many cases."""
    ensure_can_manage(actor)
    return send_reminders(actor, case_ids=case_ids, message=message)


def list_options(actor: Any) -> dict[str, list[tuple[Any, str]]]:
    """Schools and advisers for the filter and bulk-action drop-downs."""
    ensure_can_view(actor)
    return queries.filter_options()


def process_map_view(
    actor: Any, filters: Filters, diagram_name: str | None, now: datetime | None = None
) -> dict[str, Any]:
    """The latest deployed case model with, per element, waiting cases and median time spent."""
    ensure_can_view(actor)
    version = latest_version(current_app.config["CASE_PROCESS_MODEL"])
    if version is None:
        raise NotFound("The attendance pathway has not been deployed yet.")
    files = maps.diagrams(version)
    diagram = maps.pick_diagram(files, diagram_name, set())
    stats = maps.element_stats(filters, now or utcnow())
    elements = maps.heat_map(diagram, stats, maps.called_nodes(files))
    return {"version": version, "files": files, "diagram": diagram, "elements": elements}


def case_map_view(actor: Any, case_id: int, diagram_name: str | None) -> dict[str, Any]:
    """One case's path on the diagrams of the version it runs on."""
    ensure_can_view(actor)
    case = get_case(actor, case_id)
    files = maps.diagrams(case.model_version)
    path = maps.case_path(case, files)
    current = {element for element, state in path.items() if state == "current"}
    diagram = maps.pick_diagram(files, diagram_name, current or maps.latest_step(case))
    shown = {e: {"state": s} for e, s in path.items() if e in diagram.nodes}
    return {"case": case, "files": files, "diagram": diagram, "elements": shown}


def annual_return(actor: Any, year: int) -> dict[str, Any]:
    """The parental-responsibility-measures return for academic year ``year``/``year + 1``."""
    ensure_can_view(actor)
    return statutory.statutory_return(year)


def annual_return_csv(actor: Any, year: int) -> str:
    """The return as CSV: section, measure, number."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(("section", "measure", "number"))
    writer.writerows(statutory.return_rows(annual_return(actor, year)))
    return out.getvalue()
