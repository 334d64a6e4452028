"""Render a form (JSON Schema + UI schema) as GOV.UK Frontend markup, server-side.

The pages work without JavaScript.  What is shown for each schema node (the loader's
:func:`~app.forms.loader.check_schema` refuses everything else, so the two stay in step):

* ``string`` → text input; ``ui:widget textarea`` → textarea; ``format: email`` (or
  ``ui:widget email``) → email input; ``format: date`` (or ``ui:widget date``) → the GOV.UK date
  input (day, month, year), which posts back as ``YYYY-MM-DD``;
* ``integer`` / ``number`` → text input with a numeric keyboard (``inputmode``);
* ``enum`` → radios (five answers or fewer, or ``ui:widget radio``), else a select;
* ``boolean`` → Yes/No radios; ``const: true`` → one confirmation checkbox;
* ``array`` of an enum → checkboxes; any other array → repeatable sections with "Add another …"
  and "Remove" submit buttons (handled by :mod:`app.forms.submission`);
* ``object`` → a fieldset (an ``<h2>`` legend at the top level);
* ``readOnly`` / ``ui:readonly`` / ``ui:widget hidden`` (or paths the page marks read-only) →
  never taken from the browser: shown as text (hidden: not shown) and kept from the earlier data;
* ``ui:options.reveal_if: {"field": <sibling>, "equals": <answer>}`` → the field is shown inside
  the sibling's radio option for that answer (GOV.UK conditional reveal: always visible without
  JavaScript, toggled with it) and is dropped from the submission unless that answer is chosen.

Labels come from ``ui:title`` or ``title``; hints from ``description`` and ``ui:help``; optional
fields are labelled "(optional)".  Element ids are the dotted data path with ``-`` for ``.``
(``parents-0-full_name``), so the error summary links to ``#parents-0-full_name``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from app.forms.fields import (
    Path,
    answers,
    build_summary,
    date_parts,
    dotted,
    element_id,
    field_label,
    is_fixed,
    option_value,
    ordered_names,
    reveal_rule,
    summary_rows,
    widget_kind,
)
from app.forms.loader import FormDefinition

#: GOV.UK fixed-width input classes (characters)
_WIDTHS = (2, 3, 4, 5, 10, 20, 30)


@dataclass
class Option:
    """One radio, checkbox or select answer; ``reveals`` are the fields shown when it is chosen."""

    value: str
    label: str
    id: str
    checked: bool = False
    reveals: list[Field] = field(default_factory=list)


@dataclass
class Field:
    """One thing on the page: an input, a group of options, a fieldset or a repeatable section."""

    kind: str
    name: str
    id: str
    label: str
    hint: str = ""
    optional: bool = False
    value: Any = None
    errors: list[str] = field(default_factory=list)
    options: list[Option] = field(default_factory=list)
    children: list[Field] = field(default_factory=list)
    depth: int = 0
    attrs: dict[str, Any] = field(default_factory=dict)

    @property
    def anchor(self) -> str:
        """The element the error summary links to."""
        return f"{self.id}-day" if self.kind == "date" else self.id


@dataclass(frozen=True)
class RenderedForm:
    """A form's fields as HTML, and its error summary (empty when there are no errors)."""

    fields: Markup
    error_summary: Markup
    errors: list[tuple[str, str]]

    @property
    def has_errors(self) -> bool:
        """Whether the page title needs the "Error: " prefix."""
        return bool(self.errors)


@dataclass(frozen=True)
class _Context:
    errors: dict[str, list[str]]
    readonly: frozenset[str]


def build_fields(
    form: FormDefinition,
    data: Any,
    errors: dict[str, list[str]] | None = None,
    readonly: Iterable[str] = (),
) -> list[Field]:
    """The form's field tree filled with ``data`` and ``errors`` (keyed by dotted path)."""
    context = _Context(errors or {}, frozenset(readonly))
    return _object_fields(form.schema, form.ui, _as_dict(data), (), context, 0)


def _as_dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _object_fields(
    schema: dict[str, Any],
    ui: dict[str, Any],
    data: dict[str, Any],
    path: Path,
    ctx: Any,
    depth: int,
) -> list[Field]:
    properties: dict[str, Any] = schema.get("properties", {})
    required = set(schema.get("required", []))
    names = ordered_names(schema, ui)
    rules = {n: reveal_rule(ui.get(n)) for n in names}
    revealed = {n: rule for n, rule in rules.items() if rule is not None}
    fields: dict[str, Field] = {}
    for name in names:
        sub_ui = _as_dict(ui.get(name))
        fields[name] = _build(
            properties[name],
            sub_ui,
            data.get(name),
            (*path, name),
            name not in required,
            ctx,
            depth,
        )
    for name, rule in revealed.items():
        controller = fields.get(rule["field"])
        wanted = option_value(rule["equals"])
        for option in controller.options if controller else []:
            if option.value == wanted:
                option.reveals.append(fields[name])
    return [f for n, f in fields.items() if n not in revealed and f.kind != "hidden"]


def _build(
    schema: dict[str, Any],
    ui: dict[str, Any],
    value: Any,
    path: Path,
    optional: bool,
    ctx: _Context,
    depth: int,
) -> Field:
    texts = [t for t in (schema.get("description"), ui.get("ui:help")) if isinstance(t, str)]
    hint = " ".join(dict.fromkeys(texts))  # the same sentence in both is shown once
    node = Field(
        kind=widget_kind(schema, ui),
        name=dotted(path),
        id=element_id(path),
        label=field_label(schema, ui, path[-1]),
        hint=hint,
        optional=optional,
        value=value,
        errors=list(ctx.errors.get(dotted(path), [])),
        depth=depth,
        attrs=_attrs(schema, ui),
    )
    if node.kind == "hidden":
        return node
    if is_fixed(schema, ui, path, ctx.readonly):
        node.kind, node.value = "readonly", summary_rows(schema, ui, value, path[-1])
        node.attrs["group"] = schema.get("type") in ("object", "array")
        inner = [m for k, ms in ctx.errors.items() if k.startswith(f"{node.name}.") for m in ms]
        node.errors += inner
    elif node.kind == "fieldset":
        node.children = _object_fields(schema, ui, _as_dict(value), path, ctx, depth + 1)
    elif node.kind == "repeat":
        _fill_repeat(node, schema, ui, value, path, ctx)
    elif node.kind in ("radios", "select", "checkboxes", "confirm"):
        node.options = _options(schema, ui, value, node.id)
    elif node.kind == "date":
        node.value = date_parts(value)
        node.hint = " ".join(t for t in (node.hint, "For example, 27 3 2007") if t)
    return node


def _attrs(schema: dict[str, Any], ui: dict[str, Any]) -> dict[str, Any]:
    options = _as_dict(ui.get("ui:options"))
    attrs: dict[str, Any] = {
        "rows": options.get("rows", 5),
        "inline": options.get("inline") is True,
        "boolean": schema.get("type") == "boolean",
        "hide_label": options.get("label") is False,
        "placeholder": ui.get("ui:placeholder"),
        "inputmode": "numeric" if schema.get("type") == "integer" else "decimal",
    }
    width = options.get("width")
    if isinstance(width, int) and not isinstance(width, bool):
        attrs["width"] = min(_WIDTHS, key=lambda w: (abs(w - width), w))
    elif schema.get("type") in ("integer", "number"):
        attrs["width"] = 5
    return attrs


def _options(schema: dict[str, Any], ui: dict[str, Any], value: Any, base_id: str) -> list[Option]:
    if schema.get("type") == "boolean" and schema.get("const") is True:
        return [Option("true", "Yes", base_id, checked=value is True)]
    chosen = value if isinstance(value, list) else [value]
    chosen_values = {option_value(v) for v in chosen if v is not None}
    return [
        Option(
            value=option_value(v),
            label=label,
            id=base_id if i == 0 else f"{base_id}-{i + 1}",
            checked=option_value(v) in chosen_values,
        )
        for i, (v, label) in enumerate(answers(schema, ui))
    ]


def _fill_repeat(
    node: Field, schema: dict[str, Any], ui: dict[str, Any], value: Any, path: Path, ctx: _Context
) -> None:
    items_schema: dict[str, Any] = schema["items"]
    items_ui = _as_dict(ui.get("items"))
    options = _as_dict(ui.get("ui:options"))
    values = value if isinstance(value, list) else []
    minimum = int(schema.get("minItems", 0))
    count = max(len(values), minimum, 1 if value is None else 0)
    titled = bool(items_schema.get("title") or items_ui.get("ui:title"))
    noun = field_label(items_schema, items_ui, path[-1]) if titled else "Item"
    for index in range(count):
        item_value = values[index] if index < len(values) else None
        item = _build(
            items_schema, items_ui, item_value, (*path, index), False, ctx, node.depth + 1
        )
        item.label = f"{noun} {index + 1}"
        item.attrs["remove"] = options.get("removable", True) is not False and count > minimum
        item.attrs["remove_label"] = f"{noun.lower()} {index + 1}"
        node.children.append(item)
    can_add = options.get("addable", True) is not False
    node.attrs["count"] = count
    node.attrs["add"] = f"Add another {noun[:1].lower()}{noun[1:]}" if can_add else None
    if can_add and count >= int(schema.get("maxItems", 100)):
        node.attrs["add"] = None


def error_links(fields: list[Field], errors: dict[str, list[str]]) -> list[tuple[str, str]]:
    """(anchor, message) in page order; errors on no visible field link to the first field."""
    links: list[tuple[str, str]] = []
    seen: set[str] = set()
    covered: list[str] = []  # read-only blocks show the errors of everything inside them

    def walk(nodes: list[Field]) -> None:
        for node in nodes:
            links.extend((node.anchor, message) for message in node.errors)
            seen.add(node.name)
            if node.kind == "readonly":
                covered.append(f"{node.name}.")
            walk(node.children)
            for option in node.options:
                walk(option.reveals)

    walk(fields)
    first = fields[0].anchor if fields else ""
    for key, messages in errors.items():
        if key not in seen and not key.startswith(tuple(covered)):
            links.extend((first, message) for message in messages)
    return links


@cache
def _environment() -> Environment:
    return Environment(
        loader=PackageLoader("app.forms", "templates"),
        autoescape=select_autoescape(default=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render_form(
    form: FormDefinition,
    data: Any,
    errors: dict[str, list[str]] | None = None,
    *,
    readonly: Iterable[str] = (),
) -> RenderedForm:
    """The form's fields (without ``<form>``, CSRF token or buttons) and its error summary."""
    errors = errors or {}
    fields = build_fields(form, data, errors, readonly)
    links = error_links(fields, errors)
    env = _environment()
    html = env.get_template("forms/fields.html").render(fields=fields)
    summary = env.get_template("forms/error_summary.html").render(links=links) if links else ""
    return RenderedForm(Markup(html), Markup(summary), links)


def render_summary(form: FormDefinition, data: Any, *, heading_level: int = 3) -> Markup:
    """Earlier answers as GOV.UK summary lists, one per section."""
    sections = build_summary(form, data)
    template = _environment().get_template("forms/summary.html")
    return Markup(template.render(sections=sections, level=heading_level))
