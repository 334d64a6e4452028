"""Read a posted GOV.UK form back into JSON data, and the form's own buttons.

:func:`read_submission` turns the browser's strings into JSON types (integers, numbers, booleans,
enum answers, ``YYYY-MM-DD`` dates from the three date boxes), keeps what the user typed when it
cannot be converted (so the validator reports it and the page shows it again), takes read-only
and hidden fields from the earlier data instead of the browser, and drops revealed fields whose
answer was not chosen.  :func:`prune_empty` then drops empty optional answers before validation,
and :func:`change_items` handles the "Add another …" / "Remove" buttons of repeatable sections.

The pressed button arrives as ``_action``: ``submit`` (the default), ``save``, ``add:<path>``,
``remove:<path>.<index>`` or anything else a page defines.
"""

from __future__ import annotations

import copy
import math
import re
from dataclasses import dataclass
from typing import Any

from app.forms.fields import (
    Path,
    answers,
    dotted,
    field_label,
    is_fixed,
    option_value,
    reveal_rule,
    widget_kind,
)
from app.forms.loader import FormDefinition
from app.forms.validator import validate_submission

ACTION_FIELD = "_action"
#: the hidden field that tells how many items a repeatable section showed
COUNT_SUFFIX = "[items]"
DATE_PARTS = ("day", "month", "year")
#: upper bound on repeated items read from a post when the schema sets no maxItems
MAX_ITEMS = 100
_INTEGER = re.compile(r"[+-]?[0-9]+")
_MISSING = object()


@dataclass(frozen=True)
class Submission:
    """What was posted: the data, the button pressed and problems found while reading it."""

    data: dict[str, Any]
    action: str
    target: str
    errors: dict[str, list[str]]


def read_submission(
    form: FormDefinition,
    formdata: Any,
    *,
    base: dict[str, Any] | None = None,
    readonly: frozenset[str] | set[str] = frozenset(),
) -> Submission:
    """Read ``formdata`` (anything with ``get`` and ``getlist``, e.g. ``request.form``)."""
    reader = _Reader(formdata, base or {}, frozenset(readonly))
    data = reader.read_object(form.schema, form.ui, ())
    action, _, target = str(formdata.get(ACTION_FIELD) or "submit").partition(":")
    return Submission(data, action, target, reader.errors)


class _Reader:
    def __init__(self, formdata: Any, base: dict[str, Any], readonly: frozenset[str]) -> None:
        self.formdata, self.base, self.readonly = formdata, base, readonly
        self.errors: dict[str, list[str]] = {}

    def read_object(self, schema: dict[str, Any], ui: dict[str, Any], path: Path) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for name, sub in schema.get("properties", {}).items():
            sub_ui = ui.get(name) if isinstance(ui.get(name), dict) else {}
            if is_fixed(sub, sub_ui, (*path, name), self.readonly):
                value = _lookup(self.base, (*path, name))
            else:
                value = self.read_value(sub, sub_ui, (*path, name))
            if value is not _MISSING and value is not None:
                result[name] = value
        for name in schema.get("properties", {}):
            rule = reveal_rule(ui.get(name))
            if rule and not _same(result.get(rule["field"], _MISSING), rule["equals"]):
                result.pop(name, None)
        return result

    def read_value(self, schema: dict[str, Any], ui: dict[str, Any], path: Path) -> Any:
        kind, name = widget_kind(schema, ui), dotted(path)
        if kind == "fieldset":
            return self.read_object(schema, ui, path)
        if kind == "checkboxes":
            return [coerce(schema["items"], raw) for raw in self.formdata.getlist(name)]
        if kind == "repeat":
            return self.read_items(schema, ui, path)
        if kind == "date":
            return self.read_date(field_label(schema, ui, path[-1]), path)
        raw = self.formdata.get(name)
        return _MISSING if raw is None else coerce(schema, raw)

    def read_items(self, schema: dict[str, Any], ui: dict[str, Any], path: Path) -> Any:
        raw = str(self.formdata.get(dotted(path) + COUNT_SUFFIX) or "")
        if not raw.isdigit():
            return _MISSING
        count = min(int(raw), int(schema.get("maxItems", MAX_ITEMS)), MAX_ITEMS)
        items_ui = ui.get("items") if isinstance(ui.get("items"), dict) else {}
        values = [self.read_value(schema["items"], items_ui, (*path, i)) for i in range(count)]
        return [None if v is _MISSING else v for v in values]

    def read_date(self, title: str, path: Path) -> Any:
        name = dotted(path)
        day, month, year = (
            str(self.formdata.get(f"{name}[{part}]") or "").strip().replace("-", "")
            for part in DATE_PARTS
        )
        if not (day or month or year):
            return None
        missing = [
            part for part, text in zip(DATE_PARTS, (day, month, year), strict=True) if not text
        ]
        if missing:
            self.errors[name] = [f"{title} must include a {' and '.join(missing)}"]
        elif not (day.isdigit() and month.isdigit() and year.isdigit()):
            self.errors[name] = [f"{title} must be a real date"]
        elif len(year) != 4:
            self.errors[name] = [f"{title} must include a year with 4 numbers"]
        else:
            return f"{year}-{int(month):02d}-{int(day):02d}"
        return f"{year}-{month}-{day}"


def _same(value: Any, wanted: Any) -> bool:
    return value is not _MISSING and option_value(value) == option_value(wanted)


def _lookup(data: Any, path: Path) -> Any:
    for part in path:
        if (isinstance(part, int) and isinstance(data, list) and part < len(data)) or (
            isinstance(part, str) and isinstance(data, dict) and part in data
        ):
            data = data[part]
        else:
            return _MISSING
    return copy.deepcopy(data)


def coerce(schema: dict[str, Any], raw: str) -> Any:
    """One posted string as the JSON type the schema wants (the text itself if impossible)."""
    text = str(raw).replace("\r\n", "\n").strip()
    if text == "":
        return None
    if "enum" in schema or schema.get("type") == "boolean":
        for value, _label in answers(schema, {}):
            if option_value(value) == text:
                return value
        return text
    kind = schema.get("type")
    if kind == "integer" and _INTEGER.fullmatch(text.replace(",", "")):
        return int(text.replace(",", ""))
    if kind == "number":
        return _number(text.replace(",", ""))
    if schema.get("format") == "upn":
        return text.replace(" ", "").upper()
    return text


def _number(text: str) -> Any:
    if _INTEGER.fullmatch(text):
        return int(text)
    try:
        value = float(text)
    except ValueError:
        return text
    return value if math.isfinite(value) else text


def prune_empty(schema: dict[str, Any], data: Any) -> Any:
    """Drop empty answers: optional ones entirely; a required group stays (as ``{}``) so that
    each of its missing fields gets its own message; wholly empty repeated items go, except the
    blank groups a list needs to reach its ``minItems``."""
    if not isinstance(data, dict):
        return data
    required = set(schema.get("required", []))
    properties = schema.get("properties", {})
    result: dict[str, Any] = {}
    for name, value in data.items():
        sub = properties.get(name, {})
        kept = _prune_value(sub, value)
        if _is_empty(kept) and not (name in required and isinstance(kept, dict)):
            continue
        result[name] = kept
    return result


def _prune_value(schema: dict[str, Any], value: Any) -> Any:
    if isinstance(value, dict):
        return prune_empty(schema, value)
    if isinstance(value, list):
        items = schema.get("items") if isinstance(schema.get("items"), dict) else {}
        pruned = [_prune_value(items, v) for v in value]
        # Empty items go, except blank groups still needed to reach minItems: their own
        # required fields are then reported ("Enter Full name") rather than the list as a whole.
        spare = max(0, int(schema.get("minItems", 0)) - sum(not _is_empty(v) for v in pruned))
        kept = []
        for item in pruned:
            if not _is_empty(item):
                kept.append(item)
            elif spare and isinstance(item, dict):
                kept.append(item)
                spare -= 1
        return kept
    return value


def _is_empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def check_submission(form: FormDefinition, submission: Submission) -> tuple[dict[str, Any], dict]:
    """The pruned data and every problem with it (reading problems win over the validator's)."""
    data = prune_empty(form.schema, submission.data)
    errors = validate_submission(form.schema, data)
    errors.update(submission.errors)
    return data, errors


def change_items(form: FormDefinition, data: dict[str, Any], action: str, target: str) -> dict:
    """Apply an "Add another …" (``add``) or "Remove" (``remove``) button to a copy of ``data``."""
    data = copy.deepcopy(data)
    parts: list[str | int] = [int(p) if p.isdigit() else p for p in target.split(".") if p]
    if action == "remove" and parts and isinstance(parts[-1], int):
        index, parts = parts[-1], parts[:-1]
    elif action != "add":
        return data
    schema, holder = _array_at(form.schema, data, parts)
    if schema is None or holder is None:
        return data
    key = parts[-1]
    items = holder.get(key) if isinstance(holder, dict) else holder[key]
    items = list(items) if isinstance(items, list) else []
    if action == "add" and len(items) < int(schema.get("maxItems", MAX_ITEMS)):
        items.append({} if schema["items"].get("type") == "object" else None)
    elif action == "remove" and 0 <= index < len(items):
        items.pop(index)
    holder[key] = items
    return data


def _array_at(schema: dict[str, Any], data: Any, parts: list[str | int]) -> tuple[Any, Any]:
    """The array schema at ``parts`` and the dict or list holding it in ``data`` (or Nones)."""
    node: Any = schema
    holder: Any = data
    for position, part in enumerate(parts):
        if isinstance(part, int):
            node = node.get("items") if isinstance(node, dict) else None
        else:
            properties = node.get("properties") if isinstance(node, dict) else None
            node = properties.get(part) if isinstance(properties, dict) else None
        if not isinstance(node, dict):
            return None, None
        if position < len(parts) - 1:
            holder = _child(holder, part, node)
            if holder is None:
                return None, None
    last = parts[-1] if parts else None
    if node.get("type") != "array" or widget_kind(node, {}) != "repeat" or last is None:
        return None, None
    if isinstance(last, int) and not (isinstance(holder, list) and last < len(holder)):
        return None, None
    return node, holder


def _child(holder: Any, part: str | int, node: dict[str, Any]) -> Any:
    """Step into ``holder[part]``, creating an empty object/list on the way when it is absent."""
    if isinstance(holder, dict) and isinstance(part, str):
        empty: Any = [] if node.get("type") == "array" else {}
        return holder.setdefault(part, empty)
    if isinstance(holder, list) and isinstance(part, int) and part < len(holder):
        return holder[part]
    return None
