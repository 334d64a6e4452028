"""The termly report: a page and the same report as a PDF."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, redirect, render_template, request, url_for

from app.core.db import utcnow
from app.core.web import reading
from app.dashboard.presenters import reason_label
from app.dashboard.statutory import BUCKET_LABELS, REASON_LABELS
from app.delivery_plan import STATUSES
from app.documents import html_to_pdf
from app.reports.services import READERS, termly_report
from app.targeting import current_term, list_terms_keys
from app.web.session import SignInRequired, require_role

bp = Blueprint("reports", __name__, template_folder="templates")


@bp.errorhandler(SignInRequired)
def _to_sign_in(_exc: SignInRequired) -> Any:
    return redirect(url_for("web.login", next=request.full_path.rstrip("?")))


def _report(printable: bool) -> tuple[str, str]:
    user = require_role(*READERS)
    today = utcnow().date()
    term = request.args.get("term") or current_term(today)
    with reading():
        report = termly_report(user, term=term, today=today)
    html = render_template(
        "reports/termly_pdf.html" if printable else "reports/termly.html",
        report=report,
        terms=list_terms_keys(),
        statuses=STATUSES,
        pn_labels=BUCKET_LABELS,
        pn_reasons=REASON_LABELS,
        reason_label=reason_label,
    )
    return term, html


@bp.get("/reports/termly")
def termly() -> Any:
    return _report(printable=False)[1]


@bp.get("/reports/termly.pdf")
def termly_pdf() -> Any:
    term, html = _report(printable=True)
    return Response(
        html_to_pdf(html),
        mimetype="application/pdf",
        headers={"Content-Disposition": f'inline; filename="termly-report-{term}.pdf"'},
    )
