"""marshmallow schemas for the attendance API: the import envelope (load) and its result (dump)."""

from __future__ import annotations

from marshmallow import Schema, fields


class MarksImportSchema(Schema):
    #: rows are checked one by one by the service, so that bad rows are reported by index
    marks = fields.List(fields.Raw(), required=True)


class RowErrorSchema(Schema):
    row = fields.Integer()
    message = fields.String()


class MarksImportResultSchema(Schema):
    inserted = fields.Integer()
    updated = fields.Integer()
    unchanged = fields.Integer()
    errors = fields.List(fields.Nested(RowErrorSchema))
