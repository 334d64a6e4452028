"""Turning the figures into what the pages show: links to the cases, labels, charts, overlays."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import url_for
from markupsafe import Markup

from app.dashboard.charts import Series, bar_chart, line_chart
from app.dashboard.filters import Filters
from app.dashboard.maps import DiagramFile, called_files


def linker(filters: Filters) -> Callable[..., str]:
    """``link(kpi, arg=None)``: the URL of the case list behind a figure (filters kept)."""

    def link(kpi: str, arg: Any = None, **extra: Any) -> str:
        args = filters.query_args(kpi=kpi, arg=arg, **extra)
        return url_for("dashboard.cases", **args)

    return link


#: closure reasons (``close_case`` in the diagrams) as managers read them
REASONS = {
    "improved": "Improved",
    "referred_other_service": "Referred to another service",
    "legal_concluded": "Legal process concluded",
    "legal_withdrawn": "Legal process withdrawn",
    "pn_paid": "Penalty notice paid",
    "pn_withdrawn": "Penalty notice withdrawn",
    "eso_discharged": "Education supervision order ended",
    "left_roll": "Left the school roll",
    "aged_out": "Reached the end of compulsory school age",
    "returned_to_school_stage": "Returned to the school stage",
    "withdrawn_by_school": "Withdrawn by the school",
    "duplicate_error": "Duplicate or opened in error",
    "none": "No reason recorded",
}


def reason_label(reason: str) -> str:
    """A closure reason in words."""
    return REASONS.get(reason, reason.replace("_", " ").capitalize())


def percent(part: int, whole: int) -> str:
    """``part`` of ``whole`` as a whole percentage, or an en dash when there is no whole."""
    return f"{round(100 * part / whole)}%" if whole else "\u2013"


def bucket_labels(filters: Filters) -> list[str]:
    """The first day of each trend bucket, e.g. ``3 Nov``."""
    return [
        f"{first.day} {first:%b}"
        for first, _last in (filters.bucket_range(i) for i in range(filters.buckets))
    ]


def trend_charts(trend: dict[str, list[int]], filters: Filters) -> dict[str, Markup]:
    """The three weekly charts, every bar or point linking to its cases."""
    labels = bucket_labels(filters)
    link = linker(filters)
    per = "week" if filters.bucket_days == 7 else f"{filters.bucket_days // 7} weeks"
    return {
        "notified": bar_chart(
            Series(
                title=f"Notifications received per {per}",
                values=trend["notified"],
                labels=labels,
                hrefs=[link("notified", i) for i in range(len(labels))],
                unit="notifications",
            )
        ),
        "closed": bar_chart(
            Series(
                title=f"Cases closed per {per}",
                values=trend["closed"],
                labels=labels,
                hrefs=[link("closed", str(i)) for i in range(len(labels))],
                unit="closures",
            )
        ),
        "open": line_chart(
            Series(
                title=f"Open cases at the end of each {per}",
                values=trend["open"],
                labels=labels,
                hrefs=[link("open") for _ in labels],
                unit="open cases",
            )
        ),
    }


def map_payload(view: dict[str, Any], mode: str, filters: Filters | None = None) -> dict[str, Any]:
    """What ``process-map.js`` draws: per element its numbers (heat) or state (case), and
    where its badge links: the cases waiting there, or a called stage's own diagram."""
    diagram: DiagramFile = view["diagram"]
    elements = {key: dict(value) for key, value in view["elements"].items()}
    if mode == "heat" and filters is not None:
        link = linker(filters)
        stages = called_files(view["files"])
        for element, entry in elements.items():
            if element in stages:
                entry["href"] = url_for(
                    "dashboard.process_map", diagram=stages[element], **filters.query_args()
                )
            else:
                entry["href"] = link("waiting", element)
    for element, entry in elements.items():
        entry["name"] = diagram.names.get(element, element)
    return {"mode": mode, "diagram": diagram.name, "elements": elements}
