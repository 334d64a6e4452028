"""The letter sandbox: a locked-down Jinja2 environment and the placeholder check on save.

Letter templates are text that council staff (and so, potentially, an attacker) can change.
They are rendered by Jinja2's ``ImmutableSandboxedEnvironment`` with autoescaping, so template
code cannot reach Python internals (``{{ x.__class__.__mro__ }}`` raises ``SecurityError``) and
merge data cannot inject markup.  Jinja's normal behaviour of printing an unsafe attribute as a
blank is turned into an error too (``LetterUndefined``).

When a template is saved, its placeholders are checked against the merge-data contract
(``letters/contract.json``): an unknown name or key is refused with the list of offenders, and
so is any attribute starting with ``_``.
"""

from __future__ import annotations

import functools
import io
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2 import TemplateSyntaxError, Undefined, meta, nodes
from jinja2.exceptions import SecurityError
from jinja2.sandbox import ImmutableSandboxedEnvironment, SandboxedEnvironment

#: template keys: file names without extension; names starting "_" are layouts, not letters
TEMPLATE_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_-]{0,39}$")
#: Jinja's own names, always available
BUILTIN_NAMES = frozenset({"self", "loop", "super", "varargs", "kwargs", "caller"})


class LetterUndefined(Undefined):
    """Blank for a missing optional field, but an error for an attribute the sandbox refused."""

    __slots__ = ()

    def _guard(self) -> None:
        if self._undefined_exception is SecurityError:
            self._fail_with_undefined_error()

    def __str__(self) -> str:
        self._guard()
        return ""

    def __iter__(self) -> Iterator[Any]:
        self._guard()
        return iter(())

    def __bool__(self) -> bool:
        self._guard()
        return False


def letter_environment(loader: Any = None) -> ImmutableSandboxedEnvironment:
    """The sandboxed, autoescaping environment every HTML letter renders in."""
    return ImmutableSandboxedEnvironment(
        loader=loader, autoescape=True, undefined=LetterUndefined, auto_reload=False
    )


def docx_environment() -> SandboxedEnvironment:
    """The sandboxed environment Word templates render in (docxtpl needs a mutable one)."""
    return SandboxedEnvironment(autoescape=True, undefined=LetterUndefined)


@dataclass(frozen=True)
class Contract:
    """The merge data a template may use (``letters/contract.json``)."""

    #: top-level name -> allowed keys below it (None: a plain value)
    names: dict[str, frozenset[str] | None]
    #: letter name -> extra ``data`` keys
    letters: dict[str, frozenset[str]]
    titles: dict[str, str]

    def keys_for(self, template: str, root: str) -> frozenset[str] | None:
        """The keys allowed below ``root`` in ``template`` (data: common + the letter's)."""
        allowed = self.names.get(root)
        if root == "data" and allowed is not None:
            # layouts and letters missing from the contract get the common keys only
            return allowed | self.letters.get(template, frozenset())
        return allowed


@functools.cache
def _load_contract(path: str, _mtime: float) -> Contract:
    raw = json.loads(Path(path).read_text(encoding="utf-8"))
    names = {
        name: (frozenset(keys) if keys is not None else None)
        for name, keys in raw.get("names", {}).items()
    }
    letters = {
        name: frozenset(spec.get("data", [])) for name, spec in raw.get("letters", {}).items()
    }
    titles = {name: spec.get("title", name) for name, spec in raw.get("letters", {}).items()}
    return Contract(names, letters, titles)


def load_contract(letters_dir: Path) -> Contract:
    """The contract in ``letters_dir/contract.json`` (re-read when the file changes)."""
    path = letters_dir / "contract.json"
    if not path.exists():
        return Contract({}, {}, {})
    return _load_contract(str(path), path.stat().st_mtime)


def _root_and_key(node: nodes.Node) -> tuple[str, str | None] | None:
    """For ``a.b`` / ``a["b"]`` rooted at a plain name: (a, b); for ``a`` alone: (a, None)."""
    if isinstance(node, nodes.Name):
        return node.name, None
    if isinstance(node, nodes.Getattr) and isinstance(node.node, nodes.Name):
        return node.node.name, node.attr
    if (
        isinstance(node, nodes.Getitem)
        and isinstance(node.node, nodes.Name)
        and isinstance(node.arg, nodes.Const)
        and isinstance(node.arg.value, str)
    ):
        return node.node.name, node.arg.value
    return None


def _private_access(tree: nodes.Template) -> list[str]:
    found = []
    for node in tree.find_all((nodes.Getattr, nodes.Getitem)):
        name = node.attr if isinstance(node, nodes.Getattr) else None
        if isinstance(node, nodes.Getitem) and isinstance(node.arg, nodes.Const):
            name = node.arg.value if isinstance(node.arg.value, str) else None
        if name and name.startswith("_"):
            found.append(f"'{name}' is not allowed in a letter (names starting with _ are private)")
    return found


def _unknown_keys(tree: nodes.Template, template: str, contract: Contract) -> set[str]:
    unknown: set[str] = set()
    assigned = {n.name for n in tree.find_all(nodes.Name) if n.ctx in ("store", "param")}
    for node in tree.find_all((nodes.Getattr, nodes.Getitem)):
        found = _root_and_key(node)
        if found is None or found[1] is None:
            continue
        root, key = found
        if root in assigned or root not in contract.names:
            continue
        allowed = contract.keys_for(template, root)
        if allowed is None or key not in allowed:  # a plain value (None) has no keys
            unknown.add(f"{root}.{key}")
    return unknown


def placeholder_problems(template: str, tree: nodes.Template, contract: Contract) -> list[str]:
    """What is wrong with a parsed template's placeholders (empty when it may be saved)."""
    problems = _private_access(tree)
    undeclared = meta.find_undeclared_variables(tree) - BUILTIN_NAMES
    unknown = {n for n in undeclared if n not in contract.names}
    unknown |= _unknown_keys(tree, template, contract)
    problems.extend(f"unknown placeholder '{name}'" for name in sorted(unknown))
    return problems


def parse_html(source: str) -> nodes.Template:
    """Parse an HTML template; ``TemplateSyntaxError`` propagates."""
    return letter_environment().parse(source)


def referenced_templates(tree: nodes.Template) -> list[str]:
    """The names (without .html) a template extends, includes or imports."""
    names = []
    for ref in meta.find_referenced_templates(tree):
        if ref is None:
            names.append("")  # a computed name: refused by the caller
        else:
            names.append(ref.removesuffix(".html"))
    return names


def docx_sources(docx: bytes) -> tuple[str, set[str]]:
    """The Jinja source of a Word template (body, headers, footers) and its top-level names."""
    from docx import Document as WordDocument
    from docx.oxml import parse_xml
    from docxtpl import DocxTemplate

    template = DocxTemplate(io.BytesIO(docx))
    names = template.get_undeclared_template_variables(jinja_env=docx_environment())
    word = WordDocument(io.BytesIO(docx))
    parts = [template.patch_xml(template.xml_to_string(word._element.body))]
    for rel in word.part.rels.values():
        if rel.reltype in (template.HEADER_URI, template.FOOTER_URI) and rel.target_part.blob:
            xml = template.xml_to_string(parse_xml(rel.target_part.blob))
            parts.append(template.patch_xml(xml))
    return "".join(parts), set(names)


def syntax_message(exc: TemplateSyntaxError) -> str:
    """A one-line description of a template syntax error."""
    where = f" on line {exc.lineno}" if exc.lineno else ""
    return f"template syntax error{where}: {exc.message}"


def check_docx(template: str, docx: bytes, contract: Contract) -> list[str]:
    """Placeholder problems of a Word template (or why it cannot be read)."""
    try:
        source, _names = docx_sources(docx)
        tree = docx_environment().parse(source)
    except TemplateSyntaxError as exc:
        return [syntax_message(exc)]
    except Exception as exc:  # not a .docx (zip/XML errors from python-docx)
        return [f"not a readable Word (.docx) file: {type(exc).__name__}"]
    return placeholder_problems(template, tree, contract)
