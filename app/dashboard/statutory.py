"""The annual parental-responsibility-measures return, for one academic year (1 Sep - 31 Aug).

What the DfE census asks (domain notes §8) and where each number comes from:

* **Penalty notices issued**, by reason and outcome — ``penalty_notices`` issued in the year,
  joined to the case's notification (``case_flags``).  Reason: *unauthorised holiday* when the
  school asked for a holiday penalty notice (request type ``penalty_notice_holiday``);
  *lateness* when late-after-close sessions (code U) are at least half the notification's
  unauthorised sessions; *other* otherwise.  Outcomes as on the dashboard (paid within 21 days,
  within 28 days, later, unpaid, withdrawn, still in the payment window).
* **Prosecutions** — cases entering the legal stage in the year; *following non-payment* when
  the case holds an unpaid notice.  Court results and parenting orders from the court-outcome
  task (``legal_court_outcome``: ``court_result``, ``parenting_order``).
* **Attendance contracts** — cases entering the contract stage, and meetings recording an agreed
  contract (``contract_record_meeting_1``/``_2``: ``contract_agreed``).
* **Education supervision orders** — ESO considerations deciding to apply (``apply_eso`` or
  ``both``), and orders made (``enforcement_record_eso``: ``eso_order_made``).
* **Cases entering attendance case management** — triage decisions accepting the case.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import and_, case, func, select

from app.attendance import PenaltyNotice
from app.core.uow import current_session
from app.dashboard import outcomes
from app.dashboard.filters import Filters
from app.dashboard.models import CaseFlags
from app.dashboard.queries import TRIAGE_TASKS

REASONS = ("holiday", "late", "other")
REASON_LABELS = {"holiday": "Unauthorised holiday", "late": "Lateness", "other": "Other"}
BUCKET_LABELS = {
    "paid_21": "Paid within 21 days",
    "paid_28": "Paid within 28 days",
    "paid_late": "Paid after 28 days",
    "unpaid": "Unpaid",
    "withdrawn": "Withdrawn",
    "outstanding": "In the payment window",
}


def academic_year(year: int) -> Filters:
    """1 September ``year`` to 31 August the next year (the whole council, no other filter)."""
    return Filters(date_from=date(year, 9, 1), date_to=date(year + 1, 8, 31))


def current_academic_year(today: date) -> int:
    """The academic year ``today`` falls in (by its starting calendar year)."""
    return today.year if today.month >= 9 else today.year - 1


def _reason() -> Any:
    late = and_(
        CaseFlags.late_sessions > 0,
        CaseFlags.late_sessions * 2 >= func.coalesce(CaseFlags.unauthorised_sessions, 0),
    )
    return case(
        (CaseFlags.request_type == "penalty_notice_holiday", "holiday"),
        (late, "late"),
        else_="other",
    )


def penalty_notices_by_reason(period: Filters) -> dict[str, dict[str, int]]:
    """reason -> outcome bucket -> notices issued in the period (every cell present)."""
    reason, bucket = _reason().label("reason"), outcomes.pn_bucket().label("bucket")
    stmt = (
        select(reason, bucket, func.count())
        .select_from(PenaltyNotice)
        .outerjoin(CaseFlags, CaseFlags.case_id == PenaltyNotice.case_id)
        .where(
            PenaltyNotice.issued_on >= period.date_from,
            PenaltyNotice.issued_on <= period.date_to,
        )
        .group_by(reason, bucket)
    )
    table = {r: dict.fromkeys(outcomes.PN_BUCKETS, 0) for r in REASONS}
    for row_reason, row_bucket, count in current_session().execute(stmt):
        table[row_reason][row_bucket] = int(count)
    return table


def prosecutions(period: Filters) -> dict[str, int]:
    """Cases entering the legal stage in the period, and those following an unpaid notice."""
    sub = outcomes.stage_exit_subquery(period)
    unpaid = (
        select(PenaltyNotice.id)
        .where(PenaltyNotice.case_id == sub.c.case_id, PenaltyNotice.status == "unpaid")
        .exists()
    )
    stmt = select(
        func.count(func.distinct(sub.c.case_id)),
        func.count(func.distinct(case((unpaid, sub.c.case_id), else_=None))),
    ).where(sub.c.to_stage == "legal")
    started, after_non_payment = current_session().execute(stmt).one()
    return {"started": int(started or 0), "after_non_payment": int(after_non_payment or 0)}


def statutory_return(year: int) -> dict[str, Any]:
    """Every figure of the return for academic year ``year``/``year + 1``."""
    return {"year": year, **period_figures(academic_year(year))}


def period_figures(period: Filters) -> dict[str, Any]:
    """The return's figures for any period (the termly report uses a term)."""
    notices = penalty_notices_by_reason(period)
    flow = outcomes.stage_flow(period)
    triage: dict[str, int] = {}
    for element in TRIAGE_TASKS:
        for outcome, count in outcomes.decisions(element, period).items():
            triage[outcome] = triage.get(outcome, 0) + count
    agreed = [
        outcomes.decisions(element, period, "contract_agreed").get("true", 0)
        for element in ("contract_record_meeting_1", "contract_record_meeting_2")
    ]
    eso = outcomes.decisions("enforcement_consider_eso", period)
    court = outcomes.decisions("legal_court_outcome", period, "court_result")
    return {
        "period": period,
        "notices": notices,
        "notice_totals": {
            bucket: sum(row[bucket] for row in notices.values()) for bucket in outcomes.PN_BUCKETS
        },
        "issued": sum(sum(row.values()) for row in notices.values()),
        "prosecutions": prosecutions(period),
        "court_results": court,
        "parenting_orders": outcomes.decisions(
            "legal_court_outcome", period, "parenting_order"
        ).get("true", 0),
        "contracts": {
            "entered": flow.get("contract", {}).get("entered", 0),
            "agreed": sum(agreed),
        },
        "eso": {
            "applied": eso.get("apply_eso", 0) + eso.get("both", 0),
            "made": outcomes.decisions("enforcement_record_eso", period, "eso_order_made").get(
                "true", 0
            ),
        },
        "accepted": triage.get("accept_monitoring", 0) + triage.get("accept_direct_to_contract", 0),
    }


def return_rows(figures: dict[str, Any]) -> list[tuple[str, str, int]]:
    """The return as (section, measure, number) rows, for the CSV."""
    rows: list[tuple[str, str, int]] = []
    for reason in REASONS:
        for bucket, label in BUCKET_LABELS.items():
            rows.append(
                (
                    "Penalty notices",
                    f"{REASON_LABELS[reason]}: {label}",
                    figures["notices"][reason][bucket],
                )
            )
        rows.append(
            (
                "Penalty notices",
                f"{REASON_LABELS[reason]}: issued",
                sum(figures["notices"][reason].values()),
            )
        )
    rows.append(("Penalty notices", "Issued (all reasons)", figures["issued"]))
    prosecuted, eso, contracts = figures["prosecutions"], figures["eso"], figures["contracts"]
    rows += [
        ("Prosecutions", "Started (cases entering the legal stage)", prosecuted["started"]),
        ("Prosecutions", "Following non-payment of a penalty notice",
         prosecuted["after_non_payment"]),
        *(("Prosecutions", f"Court result: {k}", v)
          for k, v in sorted(figures["court_results"].items())),
        ("Parenting orders", "Made by the court", figures["parenting_orders"]),
        ("Attendance contracts", "Cases entering the contract stage", contracts["entered"]),
        ("Attendance contracts", "Contracts agreed", contracts["agreed"]),
        ("Education supervision orders", "Applied for", eso["applied"]),
        ("Education supervision orders", "Made", eso["made"]),
        ("Case management", "Cases accepted at triage", figures["accepted"]),
    ]  # fmt: skip
    return rows
