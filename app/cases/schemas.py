"""marshmallow schemas for the case and task API (dump) and its query arguments (load)."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from app.api.params import PageArgs


class SchoolSchema(Schema):
    urn = fields.String()
    name = fields.String()


class TaskSchema(Schema):
    id = fields.Integer()
    case_id = fields.Integer()
    case_reference = fields.String(attribute="case.reference")
    pupil_name = fields.String(attribute="case.pupil_name")
    school_urn = fields.String(attribute="case.school_urn")
    element_id = fields.String()
    title = fields.String()
    lane = fields.String(allow_none=True)
    role = fields.String()
    form_name = fields.String(allow_none=True)
    assignee = fields.Method("_assignee")
    status = fields.String()
    created_at = fields.DateTime()
    due_at = fields.DateTime(allow_none=True)
    completed_at = fields.DateTime(allow_none=True)
    completed_by_id = fields.Integer(allow_none=True)
    case_version = fields.Integer(attribute="case.version")

    def _assignee(self, task: object) -> dict[str, object] | None:
        user = getattr(task, "assignee", None)
        return {"id": user.id, "name": user.name, "email": user.email} if user else None


class CaseSchema(Schema):
    id = fields.Integer()
    reference = fields.String()
    school = fields.Nested(SchoolSchema)
    pupil_name = fields.String()
    pupil_upn = fields.String()
    stage = fields.String()
    status = fields.String()
    opened_at = fields.DateTime()
    closed_at = fields.DateTime(allow_none=True)
    closure_reason = fields.String(allow_none=True)
    next_timer_at = fields.DateTime(allow_none=True)
    model = fields.Function(
        lambda c: {"id": c.model_version.model_id, "version": c.model_version.version}
    )
    version = fields.Integer()
    waiting_messages = fields.List(fields.String())
    last_error = fields.String(allow_none=True)


class TimelineEventSchema(Schema):
    id = fields.Integer()
    at = fields.DateTime()
    event_type = fields.String()
    summary = fields.String()
    actor = fields.String(attribute="actor_label")
    detail = fields.Dict()


class CreatedCaseSchema(Schema):
    case_id = fields.Integer(attribute="id")
    reference = fields.String()
    stage = fields.String()


class CaseListArgs(PageArgs):
    stage = fields.String(validate=validate.Length(max=20))
    status = fields.String(validate=validate.OneOf(["open", "closed", "error"]))
    school = fields.String(validate=validate.Regexp(r"^\d{6}$"))
    q = fields.String(validate=validate.Length(max=100))


class TaskListArgs(PageArgs):
    assigned = fields.String(
        load_default="all", validate=validate.OneOf(["me", "unassigned", "all"])
    )
    role = fields.String(
        validate=validate.OneOf(["school", "adviser", "manager", "process_owner", "admin"])
    )
    case = fields.Integer(data_key="case", attribute="case_id")
    overdue = fields.Boolean()
    status = fields.String(
        load_default="open", validate=validate.OneOf(["open", "completed", "cancelled"])
    )


class CompleteTaskSchema(Schema):
    data = fields.Dict(required=True)
    expected_version = fields.Integer(allow_none=True, load_default=None)


class MessageSchema(Schema):
    name = fields.String(required=True, validate=validate.Regexp(r"^[a-z][a-z0-9_]{0,60}$"))
    payload = fields.Dict(load_default=dict)
    expected_version = fields.Integer(allow_none=True, load_default=None)


class FormSchema(Schema):
    name = fields.String(attribute="key")
    schema = fields.Dict()
    ui_schema = fields.Dict(attribute="ui")
    content_hash = fields.String()
