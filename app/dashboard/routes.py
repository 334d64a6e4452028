"""The manager's pages: dashboard, case list (CSV, bulk actions), process map, case map, return.

Thin views: read the query string or form, call one service, render.  Signed-out visitors go to
the sign-in page; schools get 404 and process owners 403 (``app.dashboard.permissions``).
"""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    Response,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)

from app.core.db import utcnow
from app.core.errors import Invalid
from app.core.web import reading, transaction
from app.dashboard import presenters, services
from app.dashboard.filters import PUPIL_GROUPS
from app.dashboard.permissions import can_manage, ensure_can_view
from app.dashboard.schemas import parse_filters, parse_ids, parse_page, parse_search
from app.dashboard.statutory import BUCKET_LABELS, REASON_LABELS, current_academic_year

bp = Blueprint("dashboard", __name__, template_folder="templates")


class SignInNeeded(Exception):
    """The page needs a signed-in user."""


@bp.errorhandler(SignInNeeded)
def _to_sign_in(_exc: SignInNeeded) -> Any:
    return redirect(url_for("web.login", next=request.full_path.rstrip("?")))


def _viewer() -> Any:
    user = g.get("user")
    if user is None:
        raise SignInNeeded
    ensure_can_view(user)
    return user


def _drill_args() -> dict[str, Any]:
    return {"kpi": request.args.get("kpi") or None, "arg": request.args.get("arg") or None}


def _page(template: str, user: Any, **context: Any) -> str:
    return render_template(
        template,
        user=user,
        can_manage=can_manage(user),
        groups=PUPIL_GROUPS,
        reason_label=presenters.reason_label,
        **context,
    )


@bp.get("/dashboard")
def index() -> Any:
    user = _viewer()
    filters = parse_filters(request.args, utcnow().date())
    with reading():
        data = services.build_dashboard(user, filters)
        options = services.list_options(user)
    charts = presenters.trend_charts(data["trend"], filters)
    link = presenters.linker(filters)
    return _page(
        "dashboard/index.html", user, data=data, filters=filters, options=options,
        charts=charts, link=link, percent=presenters.percent,
        labels=presenters.bucket_labels(filters),
    )  # fmt: skip


@bp.get("/dashboard/cases")
def cases() -> Any:
    user = _viewer()
    filters = parse_filters(request.args, utcnow().date())
    search, drill = parse_search(request.args), _drill_args()
    with reading():
        page = services.case_list(user, search, filters, page=parse_page(request.args), **drill)
        options = services.list_options(user)
    return _page(
        "dashboard/cases.html", user, page=page, search=search, filters=filters,
        options=options, drill=drill, heading=services.drill_label(drill["kpi"]),
    )  # fmt: skip


@bp.get("/dashboard/cases.csv")
def export() -> Any:
    user = _viewer()
    filters = parse_filters(request.args, utcnow().date())
    with transaction():
        text, _rows = services.export_csv(
            user, parse_search(request.args), filters, **_drill_args()
        )
    stamp = utcnow().strftime("%Y%m%d-%H%M")
    headers = {"Content-Disposition": f'attachment; filename="cases-{stamp}.csv"'}
    return Response(text, mimetype="text/csv", headers=headers)


def _number(text: str | None) -> int:
    return int(text) if text and text.isdigit() else 0


def _back() -> Any:
    target = request.form.get("next") or ""
    if not target.startswith("/dashboard/") or target.startswith("//"):
        target = url_for("dashboard.cases")
    return redirect(target)


@bp.post("/dashboard/cases/reassign")
def reassign() -> Any:
    user = _viewer()
    form, from_adviser = request.form, request.form.get("from_adviser", "")
    try:
        with transaction():
            moved = services.reassign(
                user,
                to_adviser_id=_number(form.get("to_adviser")),
                from_adviser_id=_number(from_adviser) or None,
                case_ids=parse_ids(form.getlist("case_id")) or None,
            )
    except Invalid as exc:
        flash(exc.message, "error")
        return _back()
    flash(f"{moved} case{'s' if moved != 1 else ''} reassigned.", "success")
    return _back()


@bp.post("/dashboard/cases/remind")
def remind() -> Any:
    user = _viewer()
    ids = parse_ids(request.form.getlist("case_id"))
    try:
        with transaction():
            sent = services.remind(user, case_ids=ids, message=request.form.get("message", ""))
    except Invalid as exc:
        flash(exc.message, "error")
        return _back()
    flash(f"Reminder recorded on {sent} case{'s' if sent != 1 else ''}.", "success")
    return _back()


@bp.get("/dashboard/map")
def process_map() -> Any:
    user = _viewer()
    filters = parse_filters(request.args, utcnow().date())
    with reading():
        view = services.process_map_view(user, filters, request.args.get("diagram"))
        options = services.list_options(user)
    payload = presenters.map_payload(view, "heat", filters)
    return _page(
        "dashboard/map.html", user, view=view, payload=payload, filters=filters,
        options=options, link=presenters.linker(filters), case=None,
    )  # fmt: skip


@bp.get("/cases/<int:case_id>/map")
def case_map(case_id: int) -> Any:
    user = _viewer()
    with reading():
        view = services.case_map_view(user, case_id, request.args.get("diagram"))
    payload = presenters.map_payload(view, "case")
    return _page("dashboard/map.html", user, view=view, payload=payload, case=view["case"])


def _year() -> int:
    text = request.args.get("year", "")
    today = utcnow().date()
    year = int(text) if text.isdigit() else current_academic_year(today)
    return min(max(year, 2000), current_academic_year(today))


@bp.get("/dashboard/return")
def annual_return() -> Any:
    user = _viewer()
    year = _year()
    with reading():
        figures = services.annual_return(user, year)
    return _page(
        "dashboard/return.html", user, figures=figures, reasons=REASON_LABELS,
        buckets=BUCKET_LABELS, latest=current_academic_year(utcnow().date()),
    )  # fmt: skip


@bp.get("/dashboard/return.csv")
def annual_return_csv() -> Any:
    user = _viewer()
    year = _year()
    with reading():
        text = services.annual_return_csv(user, year)
    headers = {"Content-Disposition": f'attachment; filename="prm-return-{year}-{year + 1}.csv"'}
    return Response(text, mimetype="text/csv", headers=headers)
