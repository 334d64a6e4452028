"""Routes for attendance: the marks API, mark-file imports (API and the advisers' upload page).

Registering the API blueprint (``register_api``) also registers the documents API and the
attendance pages (``_register_related``), so they need no line of their own in the app factory.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, redirect, render_template, request, session, url_for
from marshmallow import ValidationError

from app.api import json_response
from app.api.auth import current_actor
from app.attendance import imports, services
from app.attendance.schemas import MarksImportResultSchema, MarksImportSchema
from app.core.errors import Invalid
from app.core.web import reading, transaction
from app.extensions import csrf

bp = Blueprint("attendance_api", __name__)
pages = Blueprint(
    "attendance",
    __name__,
    template_folder="templates",
    static_folder="static",
    static_url_path="/attendance/static",
)


@bp.record_once
def _register_related(state: Any) -> None:
    from app.documents.routes import bp as documents_bp

    if documents_bp.name not in state.app.blueprints:
        csrf.exempt(documents_bp)  # API calls are checked in app.api.auth, as for every API bp
        state.app.register_blueprint(documents_bp, url_prefix=state.url_prefix)
    if pages.name not in state.app.blueprints:
        state.app.register_blueprint(pages)


@bp.post("/attendance")
def import_marks() -> Any:
    with transaction():
        actor = current_actor()  # credentials are checked before the body
        body = request.get_json(silent=True)
        try:
            loaded = MarksImportSchema().load(body if isinstance(body, dict) else {})
        except ValidationError as exc:
            raise Invalid(
                'Send a JSON object {"marks": [...]}.',
                {
                    k: v if isinstance(v, list) else [str(v)]
                    for k, v in exc.normalized_messages().items()
                },
            ) from exc
        result = services.import_marks(actor, marks=loaded["marks"])
        return json_response(MarksImportResultSchema().dump(result))


def _uploaded_file() -> tuple[str, bytes]:
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise Invalid("Choose a CSV file to import.", {"file": ["Choose a CSV file"]})
    return upload.filename, upload.read()


@bp.post("/attendance/imports")
def create_import() -> Any:
    request.max_content_length = imports.MAX_UPLOAD_BYTES
    with transaction():
        actor = current_actor()  # credentials and the role are checked before the body
        imports.require_importer(actor)
        file_name, data = _uploaded_file()
        record = imports.start_import(actor, file_name=file_name, data=data, source="api")
        return json_response(imports.import_summary(record), 202)


@bp.get("/attendance/imports")
def list_imports() -> Any:
    with reading():
        history = imports.list_imports(current_actor())
        return json_response({"items": [imports.import_summary(r) for r in history]})


@bp.get("/attendance/imports/<int:import_id>")
def get_import(import_id: int) -> Any:
    with reading():
        return json_response(imports.import_summary(imports.get_import(current_actor(), import_id)))


# ------------------------------------------------------------------ the advisers' upload page


def _signed_in() -> Any:
    from app.accounts import get_user

    user_id = session.get("user_id")
    return get_user(int(user_id)) if user_id else None


@pages.get("/attendance/imports")
def imports_page() -> Any:
    with reading():
        user = _signed_in()
        if user is None:
            return redirect(url_for("web.login"))
        history = imports.list_imports(user)
        return render_template(
            "attendance/imports.html",
            user=user,
            history=[imports.import_summary(r) for r in history],
            errors={},
            max_mb=imports.MAX_UPLOAD_BYTES // (1024 * 1024),
        )


@pages.post("/attendance/imports")
@csrf.exempt  # checked below, once the larger upload limit is in place
def upload_page() -> Any:
    request.max_content_length = imports.MAX_UPLOAD_BYTES
    csrf.protect()
    with transaction():
        user = _signed_in()
        if user is None:
            return redirect(url_for("web.login"))
        imports.require_importer(user)
        try:
            file_name, data = _uploaded_file()
            record = imports.start_import(user, file_name=file_name, data=data)
        except Invalid as exc:
            history = [imports.import_summary(r) for r in imports.list_imports(user)]
            page = render_template(
                "attendance/imports.html",
                user=user,
                history=history,
                errors=exc.errors,
                message=exc.message,
                max_mb=imports.MAX_UPLOAD_BYTES // (1024 * 1024),
            )
            return page, 422
        import_id = record.id
    return redirect(url_for("attendance.import_page", import_id=import_id))


@pages.get("/attendance/imports/<int:import_id>")
def import_page(import_id: int) -> Any:
    with reading():
        user = _signed_in()
        if user is None:
            return redirect(url_for("web.login"))
        record = imports.import_summary(imports.get_import(user, import_id))
        return render_template("attendance/import.html", user=user, record=record)
