"""Load form definitions (JSON Schema 2020-12 + rjsf-style UI schema) and check them.

A form is a pair of files in ``forms/``: ``<key>.schema.json`` and an optional ``<key>.ui.json``.
The server-side renderer only understands an explicit subset of JSON Schema and of the rjsf UI
schema, so :func:`check_schema` refuses anything outside that subset instead of letting a form
render wrongly.  ``$ref``/``$defs`` are deliberately not supported (the renderer would need to
resolve them); they are reported like any other unsupported keyword.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator

DRAFT_2020_12 = "https://json-schema.org/draft/2020-12/schema"

SUPPORTED_KEYWORDS = frozenset({
    "$schema", "$id", "title", "description", "type", "properties", "required", "enum",
    "const", "default", "format", "minLength", "maxLength", "pattern", "minimum", "maximum",
    "exclusiveMinimum", "exclusiveMaximum", "multipleOf", "items", "minItems", "maxItems",
    "uniqueItems", "additionalProperties", "examples", "readOnly",
})  # fmt: skip
SUPPORTED_FORMATS = frozenset({"date", "email", "upn", "date-time"})
SUPPORTED_TYPES = frozenset({"object", "array", "string", "integer", "number", "boolean"})
SUPPORTED_UI_KEYS = frozenset({
    "ui:order", "ui:widget", "ui:help", "ui:title", "ui:placeholder", "ui:enumNames",
    "ui:options", "ui:readonly",
})  # fmt: skip
SUPPORTED_WIDGETS = frozenset({
    "text", "textarea", "radio", "select", "checkboxes", "hidden", "date", "email", "number",
})  # fmt: skip
SUPPORTED_UI_OPTIONS = frozenset({
    "rows", "inline", "width", "label", "addable", "removable", "reveal_if",
})  # fmt: skip
#: Widgets that show a field's answers as options (the field needs ``enum`` or type boolean).
_CHOICE_WIDGETS = frozenset({"radio", "select"})
#: Enums with more answers than this are shown as a select unless ``ui:widget`` says radio.
MAX_RADIOS = 5

#: Widgets and the schema types they can render (``None``: any type).
_WIDGET_TYPES: dict[str, frozenset[str] | None] = {
    "text": frozenset({"string"}),
    "textarea": frozenset({"string"}),
    "date": frozenset({"string"}),
    "email": frozenset({"string"}),
    "number": frozenset({"integer", "number"}),
    "radio": frozenset({"string", "integer", "number", "boolean"}),
    "select": frozenset({"string", "integer", "number", "boolean"}),
    "checkboxes": frozenset({"array"}),
    "hidden": None,
}
_KEY_RE = re.compile(r"[a-z][a-z0-9_]*")
#: Validates schemas against the 2020-12 meta-schema, as ``Draft202012Validator.check_schema``
#: does, but lets us report every error rather than the first.
_META_VALIDATOR = Draft202012Validator(
    Draft202012Validator.META_SCHEMA, format_checker=Draft202012Validator.FORMAT_CHECKER
)


@dataclass(frozen=True)
class FormDefinition:
    """A checked form: its key, JSON Schema, UI schema and a hash of both."""

    key: str
    schema: dict[str, Any]
    ui: dict[str, Any]
    content_hash: str


class FormError(Exception):
    """A form cannot be used; ``problems`` lists every reason found."""

    def __init__(self, message: str, problems: Sequence[str] = ()) -> None:
        self.problems: list[str] = list(problems) or [message]
        super().__init__(message + "".join(f"\n  - {p}" for p in self.problems))


class FormNotFound(FormError):
    """No schema file exists for the requested form key."""


def form_file_names(key: str) -> tuple[str, str]:
    """Return the (schema, ui) file names for a form key."""
    return f"{key}.schema.json", f"{key}.ui.json"


def list_form_keys(forms_dir: Path) -> list[str]:
    """Return the sorted keys of every ``*.schema.json`` file in ``forms_dir``."""
    suffix = ".schema.json"
    return sorted(p.name[: -len(suffix)] for p in Path(forms_dir).glob(f"*{suffix}") if p.is_file())


def load_form(forms_dir: Path, key: str) -> FormDefinition:
    """Read and check the form ``key`` from ``forms_dir``; raise :class:`FormError` if unusable."""
    _check_key(key)
    schema_name, ui_name = form_file_names(key)
    schema_path, ui_path = Path(forms_dir) / schema_name, Path(forms_dir) / ui_name
    if not schema_path.is_file():
        raise FormNotFound(f"form '{key}' not found", [f"{schema_name} does not exist"])
    ui_text = ui_path.read_text(encoding="utf-8") if ui_path.is_file() else None
    return form_from_texts(key, schema_path.read_text(encoding="utf-8"), ui_text)


def form_from_texts(key: str, schema_text: str, ui_text: str | None) -> FormDefinition:
    """Build a checked :class:`FormDefinition` from JSON texts (e.g. a deployed snapshot)."""
    _check_key(key)
    schema_name, ui_name = form_file_names(key)
    problems: list[str] = []
    schema = _parse_object(schema_text, schema_name, problems)
    ui = {} if ui_text is None else _parse_object(ui_text, ui_name, problems)
    if schema is not None and ui is not None:
        problems.extend(check_schema(schema, ui))
    if problems or schema is None or ui is None:
        raise FormError(f"form '{key}' is not valid", problems)
    return FormDefinition(key=key, schema=schema, ui=ui, content_hash=content_hash(schema, ui))


def content_hash(schema: dict[str, Any], ui: dict[str, Any]) -> str:
    """Return the sha256 hex digest of the canonical JSON of ``{"schema": ..., "ui": ...}``."""
    canonical = json.dumps(
        {"schema": schema, "ui": ui}, sort_keys=True, separators=(",", ":"), ensure_ascii=False
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def check_schema(schema: dict[str, Any], ui: dict[str, Any] | None = None) -> list[str]:
    """Return every problem with a form's schema (and UI schema) as readable strings."""
    problems = [
        f"{_pointer(e.absolute_path)}: not a valid JSON Schema 2020-12: {e.message}"
        for e in _META_VALIDATOR.iter_errors(schema)
    ]
    if not isinstance(schema, dict):
        return problems or ["(root): the schema must be a JSON object"]
    if schema.get("$schema", DRAFT_2020_12) != DRAFT_2020_12:
        problems.append(f"(root): $schema must be '{DRAFT_2020_12}'")
    if schema.get("type") != "object":
        problems.append("(root): the form schema must have type 'object'")
    _check_node(schema, [], problems)
    if ui is not None:
        _check_ui(ui, schema, [], problems)
    return problems


def _check_key(key: str) -> None:
    if not isinstance(key, str) or not _KEY_RE.fullmatch(key):
        raise FormError(
            f"invalid form key {key!r}", [f"form key {key!r} must match ^[a-z][a-z0-9_]*$"]
        )


def _parse_object(text: str, name: str, problems: list[str]) -> dict[str, Any] | None:
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        problems.append(
            f"{name}: not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})"
        )
        return None
    if not isinstance(value, dict):
        problems.append(f"{name}: must contain a JSON object")
        return None
    return value


def _is_one_of(value: object, allowed: frozenset[str]) -> bool:
    """Return whether ``value`` is a string in ``allowed`` (safe for unhashable values)."""
    return isinstance(value, str) and value in allowed


def _pointer(path: Iterable[str | int]) -> str:
    """Render a location in the schema document as a JSON pointer (``/properties/a``)."""
    return "".join(f"/{part}" for part in path) or "/"


def _where(path: Sequence[str | int]) -> str:
    """Render a schema location as ``pupil.address`` or ``parents[].email``; root is ``(root)``."""
    text = ""
    for part in path:
        text += "[]" if part == "[]" else (f".{part}" if text else str(part))
    return text or "(root)"


def _check_node(node: Any, path: list[str], problems: list[str]) -> None:
    """Check one (sub)schema against the renderer's keyword subset, then recurse."""
    where = _where(path)
    if not isinstance(node, dict):
        problems.append(f"{where}: boolean schemas are not supported")
        return
    problems.extend(
        f"{where}: unsupported keyword '{kw}'" for kw in node if kw not in SUPPORTED_KEYWORDS
    )
    kind = node.get("type")
    if not isinstance(kind, str) or kind not in SUPPORTED_TYPES:
        problems.append(f"{where}: 'type' must be one of {', '.join(sorted(SUPPORTED_TYPES))}")
    if "const" in node and not (kind == "boolean" and node["const"] is True):
        problems.append(f"{where}: 'const' is only supported as true on a boolean (a confirmation)")
    if "format" in node and not _is_one_of(node["format"], SUPPORTED_FORMATS):
        problems.append(f"{where}: unsupported format {node['format']!r}")
    if not isinstance(node.get("additionalProperties", False), bool):
        problems.append(f"{where}: additionalProperties must be true or false")
    properties = node.get("properties", {})
    if isinstance(properties, dict):
        for name, sub in properties.items():
            _check_node(sub, [*path, name], problems)
        required = node.get("required")
        for name in required if isinstance(required, list) else []:
            if isinstance(name, str) and name not in properties:
                problems.append(f"{where}: required field '{name}' is not in properties")
    if kind == "array":
        if "items" not in node:
            problems.append(f"{where}: an array needs 'items'")
        else:
            items = node["items"]
            if isinstance(items, dict) and items.get("type") == "array":
                problems.append(f"{where}: arrays of arrays are not supported")
            _check_node(items, [*path, "[]"], problems)


def _check_ui(ui: Any, node: Any, path: list[str], problems: list[str]) -> None:
    """Check a (nested) UI schema against the schema node it decorates."""
    where = _where(path)
    if not isinstance(ui, dict):
        problems.append(f"{where}: the UI schema must be a JSON object")
        return
    node = node if isinstance(node, dict) else {}
    properties = node.get("properties") if isinstance(node.get("properties"), dict) else {}
    for key, value in ui.items():
        if key.startswith("ui:"):
            if key in SUPPORTED_UI_KEYS:
                _check_ui_value(key, value, node, properties, where, problems)
            else:
                problems.append(f"{where}: unknown UI schema key '{key}'")
        elif key == "items" and node.get("type") == "array":
            _check_ui(value, node.get("items"), [*path, "[]"], problems)
        elif key in properties:
            _check_ui(value, properties[key], [*path, key], problems)
        else:
            problems.append(f"{where}: UI schema names '{key}', which is not a field of the form")
    if properties:
        _check_reveals(ui, node, path, problems)


def _check_ui_value(
    key: str,
    value: Any,
    node: dict[str, Any],
    properties: dict[str, Any],
    where: str,
    problems: list[str],
) -> None:
    """Check the value of one supported ``ui:*`` key."""

    def bad(reason: str) -> None:
        problems.append(f"{where}: {key} {reason}")

    if key == "ui:order":
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            return bad("must be a list of field names")
        for name in value:
            if name != "*" and name not in properties:
                bad(f"names '{name}', which is not a field of the form")
        if "*" not in value:
            for name in properties:
                if name not in value:
                    bad(f"does not list '{name}'")
    elif key == "ui:widget":
        problem = _widget_problem(value, node)
        if problem:
            bad(problem)
    elif key in ("ui:help", "ui:title", "ui:placeholder"):
        if not isinstance(value, str):
            bad("must be a string")
    elif key == "ui:enumNames":
        items = node.get("items") if isinstance(node.get("items"), dict) else {}
        enum = node.get("enum", items.get("enum"))
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            bad("must be a list of strings")
        elif not isinstance(enum, list) or len(enum) != len(value):
            bad("must have one label per enum value")
    elif key == "ui:options":
        if not isinstance(value, dict):
            return bad("must be an object")
        for option in value:
            if not _is_one_of(option, SUPPORTED_UI_OPTIONS):
                bad(f"option '{option}' is not supported")
    elif key == "ui:readonly" and not isinstance(value, bool):
        bad("must be true or false")
    return None


def _widget_problem(widget: Any, node: dict[str, Any]) -> str | None:
    """Why ``ui:widget`` cannot show ``node`` (None when it can)."""
    if not _is_one_of(widget, SUPPORTED_WIDGETS):
        return f"{widget!r} is not supported"
    allowed = _WIDGET_TYPES[widget]
    if allowed is not None and not _is_one_of(node.get("type"), allowed):
        return f"{widget!r} cannot show a field of type {node.get('type')!r}"
    if widget in _CHOICE_WIDGETS and node.get("type") != "boolean" and "enum" not in node:
        return f"{widget!r} needs a list of answers ('enum')"
    items = node.get("items")
    if widget == "checkboxes" and not (isinstance(items, dict) and "enum" in items):
        return "'checkboxes' needs items with a list of answers ('enum')"
    return None


def _check_reveals(
    ui: dict[str, Any], node: dict[str, Any], path: list[str], problems: list[str]
) -> None:
    """Check every ``ui:options.reveal_if`` among the fields of one object.

    ``{"reveal_if": {"field": "<sibling>", "equals": <answer>}}`` shows the field inside the
    sibling's radio option for ``<answer>`` (GOV.UK conditional reveal); the renderer drops the
    field from the submission unless that answer is chosen, so the field may not be required.
    """
    properties: dict[str, Any] = node["properties"]
    required = node.get("required") if isinstance(node.get("required"), list) else []
    for name, field_ui in ui.items():
        options = field_ui.get("ui:options") if isinstance(field_ui, dict) else None
        if name not in properties or not isinstance(options, dict) or "reveal_if" not in options:
            continue
        problem = _reveal_problem(name, options["reveal_if"], properties, ui, required)
        if problem:
            problems.append(f"{_where([*path, name])}: ui:options reveal_if {problem}")


def reveal_rule(field_ui: Any) -> dict[str, Any] | None:
    """The field's ``reveal_if`` rule (``{"field", "equals"}``), or None."""
    options = field_ui.get("ui:options") if isinstance(field_ui, dict) else None
    rule = options.get("reveal_if") if isinstance(options, dict) else None
    return rule if isinstance(rule, dict) else None


def shows_as_radios(schema: dict[str, Any], field_ui: Any) -> bool:
    """Whether the renderer shows a boolean or enum field as radios."""
    widget = field_ui.get("ui:widget") if isinstance(field_ui, dict) else None
    if schema.get("type") == "boolean":
        return schema.get("const") is not True and widget not in ("select", "hidden")
    enum = schema.get("enum")
    if not isinstance(enum, list) or widget in ("select", "hidden"):
        return False
    return widget == "radio" or len(enum) <= MAX_RADIOS


def _reveal_problem(
    name: str, rule: Any, properties: dict[str, Any], ui: dict[str, Any], required: list[Any]
) -> str | None:
    if not isinstance(rule, dict) or set(rule) != {"field", "equals"}:
        return 'must be {"field": "<a field next to it>", "equals": <an answer of that field>}'
    other = rule["field"]
    if not isinstance(other, str) or other == name or other not in properties:
        return f"names {other!r}, which is not another field next to it"
    controller = properties[other] if isinstance(properties[other], dict) else {}
    if reveal_rule(ui.get(other)) is not None:
        return f"cannot depend on '{other}', which is itself revealed"
    if not shows_as_radios(controller, ui.get(other)):
        return f"needs '{other}' to be shown as radios (a boolean, or an enum with ui:widget radio)"
    answers = [True, False] if controller.get("type") == "boolean" else controller.get("enum")
    if not any(rule["equals"] == a and type(rule["equals"]) is type(a) for a in answers):
        return f"{rule['equals']!r} is not an answer of '{other}'"
    if name in required:
        return f"cannot be used on a required field ('{name}' is only asked when revealed)"
    return None
