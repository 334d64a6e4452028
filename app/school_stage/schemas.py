"""What starting a school stage takes, and how a school stage is shown (marshmallow)."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates

from app.forms import is_valid_upn

YEAR_GROUPS = ("Reception", *(f"Year {n}" for n in range(1, 12)))
RELATIONSHIPS = ("Mother", "Father", "Step-parent", "Carer", "Grandparent", "Other")


class PupilSchema(Schema):
    """The pupil the school is worried about."""

    upn = fields.String(required=True)
    forenames = fields.String(required=True, validate=validate.Length(min=1, max=100))
    surname = fields.String(required=True, validate=validate.Length(min=1, max=100))
    date_of_birth = fields.Date(required=True)
    year_group = fields.String(load_default=None, validate=validate.OneOf(YEAR_GROUPS))
    address = fields.String(load_default=None, validate=validate.Length(max=500))
    postcode = fields.String(load_default=None, validate=validate.Length(max=10))

    @validates("upn")
    def _upn(self, value: str, **_kw: Any) -> None:
        if not is_valid_upn(value.strip().upper()):
            raise ValidationError(
                "Enter a valid UPN: a letter then 12 characters, e.g. A123456789012"
            )


class ParentSchema(Schema):
    """Someone with parental responsibility or day-to-day care: each gets every letter."""

    full_name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    relationship = fields.String(required=True, validate=validate.OneOf(RELATIONSHIPS))
    parental_responsibility = fields.Boolean(load_default=True)
    address = fields.String(load_default=None, validate=validate.Length(max=500))


class SchoolStageStartSchema(Schema):
    """``POST /school-stages``: the pupil, their parents and (for council staff) the school."""

    pupil = fields.Nested(PupilSchema, required=True)
    parents = fields.List(
        fields.Nested(ParentSchema), required=True, validate=validate.Length(min=1, max=6)
    )
    school_urn = fields.String(load_default=None, validate=validate.Regexp(r"^\d{6}$"))


class SchoolStageSchema(Schema):
    """A school stage as the API shows it."""

    id = fields.Integer()
    reference = fields.String()
    school_urn = fields.String()
    pupil_upn = fields.String()
    pupil_name = fields.String()
    step = fields.String(attribute="stage")
    status = fields.String()
    outcome = fields.Method("_outcome")
    closure_reason = fields.String()
    opened_at = fields.DateTime()
    closed_at = fields.DateTime()
    version = fields.Integer()

    def _outcome(self, stage: Any) -> str | None:
        return (stage.result or {}).get("outcome")


class StageListArgs(Schema):
    """Filters of the school-stage list."""

    status = fields.String(load_default=None, validate=validate.OneOf(("open", "closed")))
