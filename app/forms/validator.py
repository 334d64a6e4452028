"""Server-side validation of submitted form data, with plain-English messages per field.

:func:`validate_submission` checks data against a form's JSON Schema (draft 2020-12) and returns
``{dotted_field_path: [messages]}``; an empty dict means the data is valid.  Messages use each
field's ``title`` so they read well in a GOV.UK-style error summary ("Enter Surname").

The format checker knows only the formats the form loader accepts: ``date`` (a real calendar date
written ``YYYY-MM-DD``), ``date-time``, ``email`` and ``upn`` (English Unique Pupil Number).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker, ValidationError

ROOT_KEY = "_root"

#: Check letters for UPNs: A-Z without I, O and S; a letter's value is its index here.
UPN_LETTERS = "ABCDEFGHJKLMNPQRTUVWXYZ"

_DATE_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_DATE_TIME_RE = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]+)?)?(Z|[+-][0-9]{2}:[0-9]{2})"
)
_EMAIL_RE = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s.]+")

#: Orders the messages for one field: "missing" and "wrong type" first, then the rest.
_PRIORITY = {
    "required": 0,
    "type": 0,
    "const": 1,
    "enum": 1,
    "format": 2,
    "minLength": 3,
    "maxLength": 3,
    "pattern": 4,
}


def upn_check_letter(body: str) -> str:
    """Return the check letter for the 12 characters after it (positions 2 to 13 of a UPN).

    Each character is weighted by its position in the UPN (2..13); digits count at face value
    and a trailing letter (temporary UPN) by its index in :data:`UPN_LETTERS`.  The weighted sum
    modulo 23 indexes :data:`UPN_LETTERS`.
    """
    total = 0
    for position, char in enumerate(body, start=2):
        total += position * (int(char) if char.isdigit() else UPN_LETTERS.index(char))
    return UPN_LETTERS[total % 23]


def is_valid_upn(value: str) -> bool:
    """Return whether ``value`` is a well-formed UPN with the right check letter.

    The value must already be compact and upper case: 13 characters, a check letter, 11 digits,
    then a digit (permanent UPN) or a letter from :data:`UPN_LETTERS` (temporary UPN).
    """
    if not isinstance(value, str) or len(value) != 13:
        return False
    check, body = value[0], value[1:]
    if not (body[:11].isascii() and body[:11].isdigit()):
        return False
    if not ((body[11].isascii() and body[11].isdigit()) or body[11] in UPN_LETTERS):
        return False
    return check == upn_check_letter(body)


def make_upn(la: int, estab: int, year: int, serial: int) -> str:
    """Build a valid permanent UPN from an LA number, establishment number, year and serial."""
    limits = {"la": (la, 999), "estab": (estab, 9999), "year": (year, 99), "serial": (serial, 999)}
    for name, (number, top) in limits.items():
        if not 0 <= number <= top:
            raise ValueError(f"{name} must be between 0 and {top}, not {number}")
    body = f"{la:03d}{estab:04d}{year:02d}{serial:03d}"
    return upn_check_letter(body) + body


FORMAT_CHECKER = FormatChecker(formats=())


@FORMAT_CHECKER.checks("date", raises=ValueError)
def _is_date(value: object) -> bool:
    if not isinstance(value, str):
        return True
    return bool(_DATE_RE.fullmatch(value)) and bool(date.fromisoformat(value))


@FORMAT_CHECKER.checks("date-time", raises=ValueError)
def _is_date_time(value: object) -> bool:
    if not isinstance(value, str):
        return True
    return bool(_DATE_TIME_RE.fullmatch(value)) and bool(datetime.fromisoformat(value))


@FORMAT_CHECKER.checks("email")
def _is_email(value: object) -> bool:
    return not isinstance(value, str) or bool(_EMAIL_RE.fullmatch(value))


@FORMAT_CHECKER.checks("upn")
def _is_upn(value: object) -> bool:
    return not isinstance(value, str) or is_valid_upn(value)


def validate_submission(schema: dict[str, Any], data: object) -> dict[str, list[str]]:
    """Validate ``data`` against ``schema``; return ``{field path: [messages]}`` (empty if valid).

    Paths are dotted (``pupil.upn``, ``parents.0.full_name``).  A missing required field is
    reported at its own path.  Problems with the data as a whole go under ``"_root"``.
    """
    validator = Draft202012Validator(schema, format_checker=FORMAT_CHECKER)
    found: dict[str, tuple[tuple[Any, ...], list[tuple[int, str]]]] = {}
    for error in validator.iter_errors(data):
        for parts, message in _describe(error, schema):
            key = ".".join(str(p) for p in parts) if parts else ROOT_KEY
            rank = _PRIORITY.get(str(error.validator), 5)
            entry = found.setdefault(key, (_order_key(schema, parts), []))
            if all(message != existing for _, existing in entry[1]):
                entry[1].append((rank, message))
    ordered = sorted(found.items(), key=lambda item: item[1][0])
    return {key: [m for _, m in sorted(msgs, key=lambda x: x[0])] for key, (_, msgs) in ordered}


def _describe(error: ValidationError, root: dict[str, Any]) -> list[tuple[list[str | int], str]]:
    """Turn one jsonschema error into (field path, message) pairs.

    An error on one value of an array of scalars (a checkbox list) is reported on the array,
    because that is the field the user sees.
    """
    path = list(error.absolute_path)
    schema = error.schema if isinstance(error.schema, dict) else {}
    if error.validator in ("required", "additionalProperties") and isinstance(error.instance, dict):
        properties = schema.get("properties", {})
        if error.validator == "required":
            missing = [n for n in error.validator_value if n not in error.instance]
            return [([*path, n], _missing(properties.get(n, {}), n)) for n in missing]
        extra = sorted(k for k in error.instance if k not in properties)
        return [([*path, k], "This is not a field on this form") for k in extra]
    if not path and error.validator == "type":
        return [([], "The form data must be a JSON object")]
    title_schema = schema
    if path and isinstance(path[-1], int) and schema.get("type") != "object":
        path = path[:-1]
        title_schema = _schema_at(root, path)
    return [(path, _message(error, schema, _title(title_schema, path[-1] if path else "")))]


def _message(error: ValidationError, schema: dict[str, Any], title: str) -> str:
    """Return a plain-English message for a keyword failure on one field."""
    kind, value = error.validator, error.validator_value
    if kind == "type":
        if error.instance is None:
            return _missing(schema, title)
        return {
            "integer": f"{title} must be a whole number",
            "number": f"{title} must be a number",
            "boolean": f"Select yes or no for {title}",
            "string": f"{title} must be text",
            "array": f"{title} must be a list",
        }.get(str(value), f"{title} is not in the expected format")
    if kind == "enum":
        return f"Select one of the options for {title}"
    if kind == "const":
        return f"You must confirm: {title}" if value is True else f"{title} is not allowed"
    if kind == "format":
        return {
            "date": f"{title} must be a real date",
            "date-time": f"{title} must be a real date and time",
            "email": f"Enter {title} in the correct format, like name@example.com",
            "upn": f"{title} is not a valid unique pupil number",
        }.get(str(value), f"{title} is not in the correct format")
    if kind == "minLength":
        return f"Enter {title}" if value == 1 else f"{title} must be {value} characters or more"
    simple = {
        "maxLength": "{t} must be {v} characters or fewer",
        "pattern": "{t} is not in the correct format",
        "minimum": "{t} must be {v} or more",
        "maximum": "{t} must be {v} or less",
        "exclusiveMinimum": "{t} must be more than {v}",
        "exclusiveMaximum": "{t} must be less than {v}",
        "multipleOf": "{t} must be a multiple of {v}",
        "minItems": "{t} must have at least {v} {e}",
        "maxItems": "{t} must have no more than {v} {e}",
        "uniqueItems": "{t} must not contain the same answer twice",
    }
    if kind in simple:
        entries = "entry" if value == 1 else "entries"
        return simple[kind].format(t=title, v=_number(value), e=entries)
    return f"{title}: {error.message}"


def _missing(schema: dict[str, Any], title_or_name: str) -> str:
    """Return the message for a required field that has no value."""
    title = _title(schema, title_or_name)
    kind = schema.get("type")
    if kind == "boolean" and schema.get("const") is True:
        return f"You must confirm: {title}"
    if kind == "boolean":
        return f"Select yes or no for {title}"
    if "enum" in schema:
        return f"Select {title}"
    if kind == "array":
        return f"Add at least one entry to {title}"
    if kind == "object":
        return f"Complete the {title} section"
    return f"Enter {title}"


def _title(schema: dict[str, Any], name: str | int) -> str:
    """Return the field's ``title``, or a readable version of its property name."""
    title = schema.get("title") if isinstance(schema, dict) else None
    if isinstance(title, str) and title:
        return title
    text = str(name).replace("_", " ").strip()
    return text[:1].upper() + text[1:] if text else "This answer"


def _number(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _schema_at(root: dict[str, Any], parts: Sequence[str | int]) -> dict[str, Any]:
    """Return the subschema that describes the value at ``parts`` ({} if unknown)."""
    node: Any = root
    for part in parts:
        node = node if isinstance(node, dict) else {}
        if isinstance(part, int):
            node = node.get("items", {})
        else:
            properties = node.get("properties")
            node = properties.get(part, {}) if isinstance(properties, dict) else {}
    return node if isinstance(node, dict) else {}


def _order_key(schema: dict[str, Any], parts: Sequence[str | int]) -> tuple[Any, ...]:
    """Sort key that lists fields in the order the schema declares them (array items by index)."""
    key: list[tuple[int, str]] = []
    node: Any = schema
    for part in parts:
        node = node if isinstance(node, dict) else {}
        if isinstance(part, int):
            key.append((part, ""))
            node = node.get("items", {})
            continue
        properties = node.get("properties", {}) if isinstance(node.get("properties"), dict) else {}
        names = list(properties)
        key.append((names.index(part) if part in names else len(names), part))
        node = properties.get(part, {})
    return (len(parts) > 0, *key)
