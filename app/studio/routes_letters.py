"""Studio pages for letter templates: the list, the editor with its history, and a preview.

Saving goes through ``documents.save_template`` (placeholders checked against
``letters/contract.json``, a new version each time).  The preview renders the typed, unsaved
text in the letters' sandbox with one case's merge data, and shows only the rendered letter, in a
sandboxed ``<iframe>``.
"""

from __future__ import annotations

from typing import Any

from flask import current_app, flash, redirect, render_template, request, url_for
from jinja2 import TemplateError

from app.attendance import queries as attendance_queries
from app.attendance.operators import letter_case_fields
from app.cases.models import Case
from app.cases.queries import case_notification
from app.core.db import utcnow
from app.core.errors import Invalid
from app.core.uow import current_session
from app.core.web import transaction
from app.documents import letter_templates
from app.documents import services as documents
from app.studio.blueprint import bp, page_user


@bp.get("/letters")
def letters() -> Any:
    with transaction():  # files new or changed in letters/ are recorded as versions first
        heads = documents.list_templates(page_user())
        return render_template(
            "studio/letters.html", templates=heads, titles=documents.template_titles()
        )


@bp.get("/letters/<name>")
def letter(name: str) -> Any:
    with transaction():
        return _letter_page(page_user(), name)


def _letter_page(user: Any, name: str, status: int = 200, **extra: Any) -> Any:
    versions = documents.template_history(user, name)
    latest = versions[0]
    extra.setdefault("content", latest.content if latest.format == "html" else None)
    page = render_template(
        "studio/letter.html",
        name=name,
        title=documents.template_titles().get(name),
        latest=latest,
        versions=versions,
        **extra,
    )
    return page, status


@bp.post("/letters/<name>")
def save_letter(name: str) -> Any:
    content = request.form.get("content", "").replace("\r\n", "\n")
    note = request.form.get("note", "").strip()[:300] or None
    try:
        with transaction():
            version, created = documents.save_template(
                page_user(), name=name, content=content, note=note, source="studio"
            )
            number = version.version
    except Invalid as exc:
        with transaction():
            problems = exc.errors.get("content") or [exc.message]
            return _letter_page(
                page_user(), name, 422, content=content, note=note, problems=problems
            )
    if created:
        flash(f"{name} saved as version {number}.", "success")
    else:
        flash(f"No change: {name} is still version {number}.", "success")
    return redirect(url_for("studio.letter", name=name))


@bp.post("/letters/<name>/preview")
def preview_letter(name: str) -> Any:
    content = request.form.get("content", "").replace("\r\n", "\n")
    wanted = request.form.get("case", "").strip()
    with transaction():
        user = page_user()
        documents.template_history(user, name)  # staff only; NotFound for an unknown name
        folder = documents.letters_dir()
        problems = letter_templates.html_problems(folder, name, content)
        case = _find_case(wanted) if wanted else None
        if not wanted:
            problems.append("Enter a case reference or id to fill the preview from")
        elif case is None:
            problems.append(f"No case '{wanted}'")
        preview = None
        if not problems and case is not None:
            try:
                preview = letter_templates.render_html(
                    folder, name, _merge_data(case), source=content
                ).html
            except letter_templates.TemplateMissing as exc:
                problems.append(f"The template uses a missing template: {exc}")
            except (TemplateError, TypeError, ValueError, ArithmeticError) as exc:
                problems.append(f"The letter could not be rendered: {exc}")
        status = 422 if problems else 200
        return _letter_page(
            user,
            name,
            status,
            content=content,
            problems=problems,
            preview=preview,
            case_wanted=wanted,
        )


def _find_case(wanted: str) -> Case | None:
    if wanted.isdigit():
        return current_session().get(Case, int(wanted))
    return attendance_queries.get_case_by_reference(wanted)


def _merge_data(case: Case) -> dict[str, Any]:
    """The merge data ``letters.generate`` would give this case, without the diagram's data."""
    parents = case_notification(case).get("parents")
    first = parents[0] if isinstance(parents, list) and parents else {}
    recipient = first.get("full_name") or first.get("name") if isinstance(first, dict) else None
    return {
        "council": {"name": str(current_app.config.get("COUNCIL_NAME") or "the council")},
        "case": letter_case_fields(case),
        "recipient": recipient or "the parent",
        "letter_date": utcnow().date().isoformat(),
        "data": {},
        "figures": None,
    }
