"""The vocabulary shared by the form renderer and the submission reader.

Paths, element ids, labels, answer values, which control shows which schema node, and the
plain-words display of stored answers (read-only fields and summaries of earlier data).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from app.forms.loader import FormDefinition, reveal_rule, shows_as_radios

Path = tuple[str | int, ...]
#: the en dash GOV.UK content uses between a label's parts
DASH = "\u2013"

__all__ = ["reveal_rule"]


def dotted(path: Iterable[str | int]) -> str:
    """``("parents", 0, "full_name")`` → ``parents.0.full_name`` (the validator's keys)."""
    return ".".join(str(p) for p in path)


def element_id(path: Iterable[str | int]) -> str:
    """The HTML id of the field at ``path``."""
    return "-".join(str(p) for p in path)


def ordered_names(schema: dict[str, Any], ui: dict[str, Any]) -> list[str]:
    """The object's property names in ``ui:order`` order (``*`` stands for the rest)."""
    names = list(schema.get("properties", {}))
    order = ui.get("ui:order")
    if not isinstance(order, list):
        return names
    rest = [n for n in names if n not in order]
    result: list[str] = []
    for name in order:
        result.extend(rest if name == "*" else [name] if name in names else [])
    return result + ([] if "*" in order else rest)


def field_label(schema: dict[str, Any], ui: dict[str, Any], name: str | int) -> str:
    """``ui:title``, else ``title``, else the property name made readable."""
    title = ui.get("ui:title") or schema.get("title")
    if isinstance(title, str) and title:
        return title
    text = str(name).replace("_", " ").strip()
    return text[:1].upper() + text[1:]


def option_value(value: Any) -> str:
    """How an answer travels in the HTML form (``true``/``false`` for booleans)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def widget_kind(schema: dict[str, Any], ui: dict[str, Any]) -> str:
    """Which control shows the node (see the module docstring)."""
    widget, kind = ui.get("ui:widget"), schema.get("type")
    if widget == "hidden":
        return "hidden"
    if kind == "object":
        return "fieldset"
    if kind == "array":
        items = schema.get("items")
        return "checkboxes" if isinstance(items, dict) and "enum" in items else "repeat"
    if kind == "boolean" and schema.get("const") is True:
        return "confirm"
    if kind == "boolean" or "enum" in schema:
        return "radios" if shows_as_radios(schema, ui) else "select"
    if widget == "textarea":
        return "textarea"
    if widget == "date" or schema.get("format") == "date":
        return "date"
    if kind in ("integer", "number") or widget == "number":
        return "number"
    return "email" if widget == "email" or schema.get("format") == "email" else "text"


def is_fixed(
    schema: dict[str, Any], ui: dict[str, Any], path: Path, readonly: frozenset[str]
) -> bool:
    """Whether the value comes from the earlier data only (read-only, hidden or locked)."""
    return bool(
        schema.get("readOnly") is True
        or ui.get("ui:readonly") is True
        or ui.get("ui:widget") == "hidden"
        or dotted(path) in readonly
    )


def answers(schema: dict[str, Any], ui: dict[str, Any]) -> list[tuple[Any, str]]:
    """(value, label) of each answer of an enum, boolean or array-of-enum field."""
    source = schema.get("items") if schema.get("type") == "array" else schema
    if source.get("type") == "boolean" and "enum" not in source:
        return [(True, "Yes"), (False, "No")]
    values = list(source.get("enum", []))
    names = ui.get("ui:enumNames")
    labels = names if isinstance(names, list) and len(names) == len(values) else values
    return [(v, str(label)) for v, label in zip(values, labels, strict=True)]


def _as_dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def date_parts(value: Any) -> tuple[str, str, str]:
    """(day, month, year) to show for a ``YYYY-MM-DD`` string, even a half-typed one."""
    if not isinstance(value, str) or value.count("-") != 2:
        return ("", "", "")
    year, month, day = value.split("-")
    return (_no_zero(day), _no_zero(month), year)


def _no_zero(text: str) -> str:
    return str(int(text)) if text.isdigit() else text


def display_value(schema: dict[str, Any], ui: dict[str, Any], value: Any) -> str:
    """A stored answer in plain words (labels for answers, dates written out, Yes/No)."""
    if value is None or value in ("", []):
        return ""
    labels = {option_value(v): label for v, label in answers(schema, ui)}
    if isinstance(value, list):
        return ", ".join(labels.get(option_value(v), str(v)) for v in value)
    if option_value(value) in labels:
        return labels[option_value(value)]
    if schema.get("format") == "date" and isinstance(value, str):
        try:
            day = date.fromisoformat(value)
        except ValueError:
            return value
        return f"{day.day} {day:%B %Y}"
    return str(value)


def summary_rows(
    schema: dict[str, Any], ui: dict[str, Any], value: Any, name: str | int, prefix: str = ""
) -> list[tuple[str, str]]:
    """(label, text) rows describing ``value``; nested answers are labelled "Item 1 - Field"."""
    label = field_label(schema, ui, name)
    kind = schema.get("type")
    if kind == "object" and isinstance(value, dict):
        rows: list[tuple[str, str]] = []
        for child in ordered_names(schema, ui):
            child_schema = schema["properties"][child]
            child_ui = _as_dict(ui.get(child))
            rows += summary_rows(child_schema, child_ui, value.get(child), child, prefix)
        return rows
    items = schema.get("items")
    repeated = isinstance(items, dict) and "enum" not in items
    if kind == "array" and isinstance(value, list) and repeated:
        items_ui = _as_dict(ui.get("items"))
        noun = field_label(items, items_ui, name)
        rows = []
        for index, item in enumerate(value):
            item_prefix = f"{prefix}{noun} {index + 1} {DASH} "
            rows += summary_rows(items, items_ui, item, noun, item_prefix)
        return rows
    text = display_value(schema, ui, value)
    return [(f"{prefix}{label}", text)] if text else []


@dataclass(frozen=True)
class SummarySection:
    """A heading and its rows in a read-only display of earlier answers."""

    title: str
    rows: list[tuple[str, str]]


def build_summary(form: FormDefinition, data: Any) -> list[SummarySection]:
    """Read-only sections: one per top-level group (and per repeated item); loose answers first."""
    loose: list[tuple[str, str]] = []
    sections: list[SummarySection] = []
    values = _as_dict(data)
    for name in ordered_names(form.schema, form.ui):
        schema = form.schema["properties"][name]
        ui = _as_dict(form.ui.get(name))
        value = values.get(name)
        title = field_label(schema, ui, name)
        if schema.get("type") == "object":
            sections.append(SummarySection(title, summary_rows(schema, ui, value, name)))
        elif widget_kind(schema, ui) == "repeat" and isinstance(value, list):
            items, items_ui = schema["items"], _as_dict(ui.get("items"))
            for index, item in enumerate(value):
                rows = summary_rows(items, items_ui, item, name)
                sections.append(SummarySection(f"{title} {DASH} {index + 1}", rows))
        else:
            loose += summary_rows(schema, ui, value, name)
    head = [SummarySection("", loose)] if loose else []
    return [s for s in head + sections if s.rows]
