"""Helpers for the editors: what a draft's diagrams can refer to, and the live form preview."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from lxml import etree

from app.forms import FormError, form_from_texts

_BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"


def draft_references(files: Mapping[str, str]) -> dict[str, list[str]]:
    """The process ids (call-activity targets) and decision ids the draft's files define."""
    processes: set[str] = set()
    decisions: set[str] = set()
    for name, text in files.items():
        if not name.endswith((".bpmn", ".dmn")):
            continue
        try:
            root = etree.fromstring(text.encode(), etree.XMLParser(resolve_entities=False))
        except etree.XMLSyntaxError:
            continue
        if name.endswith(".bpmn"):
            processes |= {p.get("id") for p in root.iter(f"{{{_BPMN}}}process") if p.get("id")}
        else:
            decisions |= {
                d.get("id")
                for d in root.iter()
                if isinstance(d.tag, str) and etree.QName(d).localname == "decision" and d.get("id")
            }
    return {"processes": sorted(processes), "decisions": sorted(decisions)}


def preview_form(schema_text: str, ui_text: Any) -> dict[str, Any]:
    """A form being edited, rendered as the inbox renders it, or why it cannot be."""
    try:
        form = form_from_texts(
            "preview", schema_text, ui_text if isinstance(ui_text, str) else None
        )
    except FormError as exc:
        return {"html": "", "problems": exc.problems}
    try:
        from app.forms.renderer import render_form
    except ImportError:  # the renderer is optional: show the checked schema instead
        shown = json.dumps({"schema": form.schema, "ui": form.ui}, indent=2)
        return {"html": "", "json": shown, "problems": []}
    return {"html": str(render_form(form, {}).fields), "problems": []}
