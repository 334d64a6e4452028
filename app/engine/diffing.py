"""A readable diff between two versions of a process model's files.

Process owners need to see what a new version changes in their words, not a text diff of XML:
which diagram elements were added, removed or changed (and how: name, form, operator, a
parameter, a condition, a timer...), which decision-table rows changed, and which form fields
changed.  Layout (diagram interchange) is ignored: moving a shape is not a change of the process.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from lxml import etree

_BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
_SPIFF = "http://spiffworkflow.org/bpmn/schema/1.0/core"
#: BPMN children that repeat what sequence flows already say, or are layout
_SKIP_CHILDREN = frozenset({"incoming", "outgoing", "flowNodeRef", "extensionElements"})
#: element kinds shown as their own rows (children of these are facts, not rows)
_CONTAINERS = frozenset({"process", "subProcess", "transaction", "adHocSubProcess", "laneSet"})
_LABELS = {
    "formKey": "form",
    "formJsonSchemaFilename": "form",
    "dueDays": "due days",
    "calledElement": "called process",
    "sourceRef": "from",
    "targetRef": "to",
    "conditionExpression": "condition",
    "timeDuration": "timer duration",
    "timeDate": "timer date",
    "timeCycle": "timer cycle",
    "attachedToRef": "attached to",
    "cancelActivity": "interrupting",
    "calledDecisionId": "decision",
    "preScript": "pre-script",
    "postScript": "post-script",
    "messageVariable": "message variable",
    "resultVariable": "result variable",
}


@dataclass(frozen=True)
class Change:
    """One thing that differs between the two versions."""

    file: str
    #: element id, ``decision id / row id`` or form field path
    item: str
    #: added, removed or changed
    change: str
    #: e.g. "user task 'Triage the notification'", "row 2", "field pupil.upn"
    label: str
    details: tuple[str, ...] = ()


@dataclass
class VersionDiff:
    """Everything that differs between two versions, grouped the way owners read it."""

    files_added: list[str] = field(default_factory=list)
    files_removed: list[str] = field(default_factory=list)
    elements: list[Change] = field(default_factory=list)
    dmn_rows: list[Change] = field(default_factory=list)
    form_fields: list[Change] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        """Whether the versions have the same content (layout aside)."""
        parts = (self.files_added, self.files_removed, self.elements, self.dmn_rows)
        return not any(parts) and not self.form_fields


def diff_versions(old: Mapping[str, str], new: Mapping[str, str]) -> VersionDiff:
    """Compare two versions' files (name -> text)."""
    result = VersionDiff(
        files_added=sorted(set(new) - set(old)), files_removed=sorted(set(old) - set(new))
    )
    for name in sorted(set(old) | set(new)):
        before, after = old.get(name), new.get(name)
        if before == after:
            continue
        if name.endswith(".bpmn"):
            result.elements.extend(_diff_facts(name, _bpmn_facts(before), _bpmn_facts(after)))
        elif name.endswith(".dmn"):
            result.dmn_rows.extend(_diff_facts(name, _dmn_facts(before), _dmn_facts(after)))
        elif name.endswith(".json"):
            result.form_fields.extend(_diff_facts(name, _form_facts(before), _form_facts(after)))
    return result


# --- comparing fact tables ----------------------------------------------------------------

#: item id -> (label, {fact: value})
Facts = dict[str, tuple[str, dict[str, str]]]


def _diff_facts(file: str, old: Facts, new: Facts) -> Iterator[Change]:
    for item in sorted(set(old) | set(new), key=lambda i: (i not in old, i)):
        if item not in new:
            yield Change(file, item, "removed", old[item][0])
        elif item not in old:
            yield Change(file, item, "added", new[item][0], _describe(new[item][1]))
        elif old[item][1] != new[item][1]:
            yield Change(file, item, "changed", new[item][0], _compare(old[item][1], new[item][1]))


def _describe(facts: Mapping[str, str]) -> tuple[str, ...]:
    return tuple(f"{k}: {_short(v)}" for k, v in facts.items() if k not in ("type", "name"))


def _compare(before: Mapping[str, str], after: Mapping[str, str]) -> tuple[str, ...]:
    lines = []
    for key in list(dict.fromkeys([*before, *after])):
        old, new = before.get(key), after.get(key)
        if old == new:
            continue
        if old is None:
            lines.append(f"{key} added: {_short(new)}")
        elif new is None:
            lines.append(f"{key} removed (was {_short(old)})")
        else:
            lines.append(f"{key}: {_short(old)} → {_short(new)}")
    return tuple(lines)


def _short(value: str | None, limit: int = 120) -> str:
    text = " ".join((value or "").split())
    return repr(text if len(text) <= limit else text[: limit - 1] + "…")


def _parse(text: str | None) -> Any:
    if not text:
        return None
    try:
        return etree.fromstring(text.encode(), parser=etree.XMLParser(resolve_entities=False))
    except etree.XMLSyntaxError:
        return None


# --- BPMN ---------------------------------------------------------------------------------


def _bpmn_facts(text: str | None) -> Facts:
    root = _parse(text)
    facts: Facts = {}
    if root is None:
        return facts
    for element in root.iter(f"{{{_BPMN}}}*"):
        element_id = element.get("id")
        kind = etree.QName(element).localname
        if not element_id or not _is_row(element):
            continue
        table: dict[str, str] = {"type": _words(kind)}
        if element.get("name"):
            table["name"] = element.get("name")
        for attr, value in sorted(element.attrib.items()):
            local = etree.QName(attr).localname
            if local not in ("id", "name"):
                table[_label(local)] = value
        _child_facts(element, table)
        name = f" '{element.get('name')}'" if element.get("name") else ""
        facts[element_id] = (f"{_words(kind)}{name}", table)
    return facts


def _is_row(element: Any) -> bool:
    """Flow elements, lanes, participants... but not definitions-level plumbing or facts."""
    parent = element.getparent()
    if parent is None or etree.QName(element).localname in ("definitions", "laneSet"):
        return False
    parent_kind = etree.QName(parent).localname
    if parent_kind == "definitions":
        return etree.QName(element).localname in ("process", "message", "collaboration")
    return parent_kind in _CONTAINERS or parent_kind in ("collaboration", "laneSet")


def _child_facts(element: Any, table: dict[str, str]) -> None:
    for child in element:
        if not isinstance(child.tag, str) or _is_row(child):
            continue
        local = etree.QName(child).localname
        if local == "extensionElements":
            _extension_facts(child, table)
        elif local not in _SKIP_CHILDREN and local != "laneSet":
            label = _label(local) + (f" {child.get('id')}" if child.get("id") else "")
            text = " ".join(t.strip() for t in child.xpath("text()") if t.strip())
            if text:
                table[label] = text
            for key, value in child.attrib.items():
                if etree.QName(key).localname not in ("id", "type"):
                    table[f"{label} {_label(etree.QName(key).localname)}"] = value
            _child_facts(child, table)
    if etree.QName(element).localname == "lane":
        refs = sorted(r.text or "" for r in element.iter(f"{{{_BPMN}}}flowNodeRef"))
        table["elements"] = ", ".join(refs)


def _extension_facts(extensions: Any, table: dict[str, str]) -> None:
    for node in extensions.iter(f"{{{_SPIFF}}}*"):
        local = etree.QName(node).localname
        if local == "property":
            table[_label(node.get("name", ""))] = node.get("value", "")
        elif local == "serviceTaskOperator":
            table["operator"] = node.get("id", "")
            if node.get("resultVariable"):
                table["result variable"] = node.get("resultVariable")
        elif local == "parameter":
            table[f"parameter {node.get('id')}"] = node.get("value", "")
        elif node.text and node.text.strip() and not len(node):
            table[_label(local)] = node.text.strip()


def _label(name: str) -> str:
    return _LABELS.get(name, _words(name))


def _words(name: str) -> str:
    out = "".join(f" {c.lower()}" if c.isupper() else c for c in name)
    return out.strip().replace("_", " ")


# --- DMN ----------------------------------------------------------------------------------


def _dmn_facts(text: str | None) -> Facts:
    root = _parse(text)
    facts: Facts = {}
    if root is None:
        return facts
    ns = etree.QName(root).namespace
    for decision in root.iter(f"{{{ns}}}decision"):
        decision_id = decision.get("id", "")
        for table in decision.iter(f"{{{ns}}}decisionTable"):
            inputs = [
                i.get("label") or "".join(i.itertext()).strip() or i.get("id", "")
                for i in table.iter(f"{{{ns}}}input")
            ]
            outputs = [o.get("name") or o.get("label") or "" for o in table.iter(f"{{{ns}}}output")]
            facts[decision_id] = (
                f"decision '{decision.get('name') or decision_id}'",
                {
                    "hit policy": table.get("hitPolicy", "UNIQUE"),
                    "inputs": " | ".join(inputs),
                    "outputs": " | ".join(outputs),
                },
            )
            for number, rule in enumerate(table.iter(f"{{{ns}}}rule"), start=1):
                facts[f"{decision_id}/{rule.get('id') or number}"] = (
                    f"{decision.get('name') or decision_id}: row {number}",
                    _rule_facts(rule, ns, inputs, outputs),
                )
    return facts


def _rule_facts(rule: Any, ns: str, inputs: list[str], outputs: list[str]) -> dict[str, str]:
    table: dict[str, str] = {}
    for label, entry in zip(inputs, rule.iter(f"{{{ns}}}inputEntry"), strict=False):
        table[f"when {label}"] = "".join(entry.itertext()).strip() or "-"
    for label, entry in zip(outputs, rule.iter(f"{{{ns}}}outputEntry"), strict=False):
        table[f"then {label}"] = "".join(entry.itertext()).strip()
    description = rule.find(f"{{{ns}}}description")
    if description is not None and (description.text or "").strip():
        table["description"] = description.text.strip()
    return table


# --- forms --------------------------------------------------------------------------------


def _form_facts(text: str | None) -> Facts:
    try:
        document = json.loads(text or "null")
    except json.JSONDecodeError:
        return {}
    facts: Facts = {}
    if isinstance(document, dict) and "properties" in document:
        own = {
            k: v if isinstance(v, str) else json.dumps(v, sort_keys=True)
            for k, v in document.items()
            if k not in ("properties", "required", "$schema", "$id", "type")
        }
        if own:
            facts["(form)"] = ("the form itself", own)
        _schema_facts(document, "", facts)
    elif isinstance(document, dict):
        _ui_facts(document, "", facts)
    return facts


def _schema_facts(node: Mapping[str, Any], path: str, facts: Facts) -> None:
    required = set(node.get("required") or [])
    for name, sub in (node.get("properties") or {}).items():
        if not isinstance(sub, dict):
            continue
        where = f"{path}.{name}" if path else name
        table = {
            key: json.dumps(value, sort_keys=True) if not isinstance(value, str) else value
            for key, value in sub.items()
            if key not in ("properties", "items")
        }
        table["required"] = "yes" if name in required else "no"
        facts[where] = (f"field {where}", table)
        if sub.get("type") == "object":
            _schema_facts(sub, where, facts)
        elif isinstance(sub.get("items"), dict) and sub["items"].get("type") == "object":
            _schema_facts(sub["items"], f"{where}[]", facts)


def _ui_facts(node: Mapping[str, Any], path: str, facts: Facts) -> None:
    own = {k: json.dumps(v, sort_keys=True) for k, v in node.items() if k.startswith("ui:")}
    if own:
        facts[f"{path or '(form)'} (display)"] = (f"display of {path or 'the form'}", own)
    for key, value in node.items():
        if not key.startswith("ui:") and isinstance(value, dict):
            _ui_facts(value, f"{path}.{key}" if path else key, facts)
