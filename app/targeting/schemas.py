"""Targeting-meeting API shapes (marshmallow)."""

from __future__ import annotations

from marshmallow import Schema, fields


class MeetingRowSchema(Schema):
    """One school's meeting for a term."""

    urn = fields.String()
    name = fields.String()
    link_adviser = fields.String(allow_none=True)
    meeting_id = fields.Integer(allow_none=True)
    status = fields.String()
    held_on = fields.Date(allow_none=True)


class LinkAdviserSchema(Schema):
    """``PUT /schools/{urn}/link-adviser``."""

    adviser_id = fields.Integer(required=True, allow_none=True)


class MeetingListArgs(Schema):
    """``GET /tsm?term=autumn-2026`` (default: the current term)."""

    term = fields.String(load_default=None)
