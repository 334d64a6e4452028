"""Query-string parsing shared by list endpoints (marshmallow, 422 on bad input)."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, validate

from app.core.errors import Invalid


class PageArgs(Schema):
    """``page`` and ``per_page``."""

    page = fields.Integer(load_default=1, validate=validate.Range(min=1))
    per_page = fields.Integer(load_default=25, validate=validate.Range(min=1, max=200))


def load_args(schema: Schema, args: Any) -> dict[str, Any]:
    """Load query arguments, mapping errors to Invalid (422)."""
    try:
        return dict(schema.load(args.to_dict() if hasattr(args, "to_dict") else args))
    except ValidationError as exc:
        raise Invalid("The query has errors.", _flatten(exc.messages)) from exc


def _flatten(messages: Any, prefix: str = "") -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    if isinstance(messages, dict):
        for key, value in messages.items():
            out.update(_flatten(value, f"{prefix}{key}" if not prefix else f"{prefix}.{key}"))
    elif isinstance(messages, list):
        out[prefix or "_root"] = [str(m) for m in messages]
    return out


def page_body(page: Any, schema: Schema) -> dict[str, Any]:
    """The paginated response shape."""
    return {
        "items": schema.dump(page.items, many=True),
        "page": page.page,
        "per_page": page.per_page,
        "total": page.total,
    }


def load_body(schema: Schema) -> dict[str, Any]:
    """Load the request's JSON object with ``schema``, mapping errors to Invalid (422)."""
    from flask import request

    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise Invalid(
            "Send a JSON object (Content-Type: application/json).",
            {"_root": ["Send a JSON object"]},
        )
    try:
        return dict(schema.load(body))
    except ValidationError as exc:
        raise Invalid("The request has errors.", _flatten(exc.messages)) from exc
