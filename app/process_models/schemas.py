"""marshmallow schemas for the process-model API."""

from __future__ import annotations

from marshmallow import Schema, fields


class ProcessModelSchema(Schema):
    id = fields.String()
    latest_version = fields.Integer()
    last_deployed_at = fields.DateTime()
    version_count = fields.Integer()


class ProcessModelVersionSchema(Schema):
    id = fields.Integer()
    model_id = fields.String()
    version = fields.Integer()
    content_hash = fields.String()
    files = fields.Function(lambda v: sorted(v.files))
    note = fields.String(allow_none=True)
    deployed_by = fields.String()
    deployed_at = fields.DateTime()
