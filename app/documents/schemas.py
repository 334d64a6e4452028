"""marshmallow schemas for documents (dump)."""

from __future__ import annotations

from marshmallow import Schema, fields


class DocumentSchema(Schema):
    id = fields.Integer()
    template = fields.String()
    recipient = fields.String()
    created_at = fields.DateTime()
