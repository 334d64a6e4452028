"""Delivery-plan pages: the plan, an action's status and history, adding actions, the one-page
February review, and CSV import/export.  Routes: read the request -> one service call -> render."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for

from app.core.db import utcnow
from app.core.errors import Conflict, Invalid
from app.core.web import reading, transaction
from app.delivery_plan import queries, services
from app.delivery_plan.models import STATUSES
from app.delivery_plan.permissions import READERS, can_edit
from app.web.session import SignInRequired, require_role

bp = Blueprint("delivery_plan", __name__, template_folder="templates")
#: the largest plan table accepted (bytes)
MAX_CSV_BYTES = 2_000_000
ADD_FIELDS = (
    "enabler",
    "objective_ref",
    "objective",
    "action_ref",
    "action",
    "owners",
    "timeline",
    "due_on",
    "status",
    "commentary",
)


@bp.errorhandler(SignInRequired)
def _to_sign_in(_exc: SignInRequired) -> Any:
    return redirect(url_for("web.login", next=request.full_path.rstrip("?")))


def _page(template: str, user: Any, **context: Any) -> str:
    return render_template(
        template,
        user=user,
        statuses=STATUSES,
        can_edit=can_edit(user),
        today=utcnow().date(),
        overdue=queries.is_overdue,
        **context,
    )


@bp.get("/delivery-plan")
def index() -> Any:
    user = require_role(*READERS)
    status = request.args.get("status") if request.args.get("status") in STATUSES else None
    owner = (request.args.get("owner") or "").strip()
    with reading():
        return _page(
            "delivery_plan/index.html",
            user,
            tree=queries.plan_tree(),
            summary=queries.rag_summary(utcnow().date()),
            status=status,
            owner=owner,
            shown=lambda objective: [
                a
                for a in objective.actions
                if (not status or a.status == status)
                and (not owner or owner.lower() in a.owners.lower())
            ],
        )


@bp.get("/delivery-plan/review")
def review() -> Any:
    user = require_role(*READERS)
    with reading():
        return _page(
            "delivery_plan/review.html",
            user,
            tree=queries.plan_tree(),
            summary=queries.rag_summary(utcnow().date()),
        )


@bp.route("/delivery-plan/actions/<int:action_id>", methods=["GET", "POST"])
def action(action_id: int) -> Any:
    user = require_role(*READERS)
    errors: dict[str, str] = {}
    values: dict[str, Any] = {}
    status_code = 200
    if request.method == "POST":
        values = request.form.to_dict()
        try:
            with transaction():
                services.change_status(
                    user,
                    action_id=action_id,
                    status=values.get("status", ""),
                    commentary=values.get("commentary", ""),
                    expected_version=request.form.get("expected_version", type=int),
                )
            flash("The action's status has been saved.", "success")
            return redirect(url_for("delivery_plan.action", action_id=action_id))
        except (Invalid, Conflict) as exc:
            errors = {"status": exc.message}
            status_code = exc.status
    with reading():
        item = queries.get_action(action_id)
        page = _page(
            "delivery_plan/action.html",
            user,
            action=item,
            errors=errors,
            values=values,
            history=list(item.history),
        )
    return page, status_code


@bp.route("/delivery-plan/actions/new", methods=["GET", "POST"])
def add_action() -> Any:
    user = require_role("manager", "admin")
    values = {k: request.form.get(k, "").strip() for k in ADD_FIELDS}
    errors: dict[str, str] = {}
    if request.method == "POST":
        row, problems = services.row_from_form(values)
        if row is not None:
            with transaction():
                saved = services.save_action(user, row)
                saved_id = saved.id
            flash(f"Action {row.action_ref} has been saved.", "success")
            return redirect(url_for("delivery_plan.action", action_id=saved_id))
        errors = problems
    page = _page("delivery_plan/add.html", user, values=values, errors=errors)
    return page, 422 if errors else 200


@bp.route("/delivery-plan/import", methods=["GET", "POST"])
def import_plan() -> Any:
    user = require_role("manager", "admin")
    report = None
    if request.method == "POST":
        upload = request.files.get("file")
        raw = upload.stream.read(MAX_CSV_BYTES + 1) if upload else b""
        if not raw or len(raw) > MAX_CSV_BYTES:
            report = services.ImportReport(errors={1: ["Choose a CSV file (up to 2 MB)."]})
        else:
            with transaction():
                report = services.import_plan_csv(user, text=raw.decode("utf-8", "replace"))
        if not report.errors:
            flash(
                f"Plan imported: {report.created} new and {report.updated} updated "
                f"action(s), {report.status_changes} status change(s).",
                "success",
            )
            return redirect(url_for("delivery_plan.index"))
    page = _page("delivery_plan/import.html", user, report=report, columns=services.CSV_COLUMNS)
    return page, 422 if report and report.errors else 200


@bp.get("/delivery-plan/export.csv")
def export() -> Any:
    require_role(*READERS)
    with reading():
        text = services.export_plan_csv()
    name = f"delivery-plan-{utcnow().date().isoformat()}.csv"
    return Response(
        text, mimetype="text/csv", headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )
