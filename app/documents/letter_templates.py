"""Versioned letter templates: the council's wording, edited without Python.

Templates start life as files in ``letters/`` (``D4.html``, layouts such as ``_letter.html``, or
a Word ``D4.docx``).  The first time a template is used, and whenever its file changes, the file
is recorded as a new version in ``letter_template_versions``.  A process owner saving new wording
(API ``PUT /api/v1/letter-templates/<name>`` or ``pathway letters save``) adds a version too.
Letters always render with the latest version; documents record the versions they used, so old
documents keep theirs.  A changed file wins over an earlier edit (both are the council's).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jinja2 import FunctionLoader, TemplateNotFound, TemplateSyntaxError
from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql, sqlite

from app.core.uow import current_session
from app.documents import sandbox
from app.documents.models import LetterTemplateVersion

FORMATS = ("html", "docx")


def sha256_hex(data: bytes) -> str:
    """Hex sha256 of ``data``."""
    return hashlib.sha256(data).hexdigest()


def _file_for(letters_dir: Path, name: str) -> tuple[Path, str] | None:
    for fmt in FORMATS:
        path = letters_dir / f"{name}.{fmt}"
        if path.is_file():
            return path, fmt
    return None


def _insert_ignoring_conflicts(values: dict[str, Any]) -> bool:
    """INSERT a version unless (name, version) exists already; True when this call stored it."""
    session = current_session()
    dialect = session.get_bind().dialect.name
    table = LetterTemplateVersion.__table__
    if dialect == "postgresql":
        stmt: Any = postgresql.insert(table).values(**values).on_conflict_do_nothing()
    elif dialect == "sqlite":
        stmt = sqlite.insert(table).values(**values).on_conflict_do_nothing()
    else:  # pragma: no cover - the app runs on SQLite and PostgreSQL only
        stmt = table.insert().values(**values)
    return bool(session.execute(stmt).rowcount)


def _next_version(name: str) -> int:
    stmt = select(func.max(LetterTemplateVersion.version)).where(LetterTemplateVersion.name == name)
    return int(current_session().scalar(stmt) or 0) + 1


def add_version(
    name: str,
    *,
    fmt: str,
    content: str = "",
    docx: bytes | None = None,
    source: str,
    actor: Any = None,
    note: str | None = None,
) -> LetterTemplateVersion:
    """Store a new version of ``name`` (numbered max + 1; safe against a concurrent save)."""
    from app.core.db import utcnow

    digest = sha256_hex(docx if fmt == "docx" and docx is not None else content.encode())
    for _attempt in range(5):
        version = _next_version(name)
        stored = _insert_ignoring_conflicts(
            {
                "name": name,
                "version": version,
                "format": fmt,
                "content": content if fmt == "html" else "",
                "docx": docx if fmt == "docx" else None,
                "sha256": digest,
                "source": source,
                "created_by_id": getattr(actor, "id", None),
                "created_by_label": getattr(actor, "label", None) or "system",
                "created_at": utcnow(),
                "note": note,
            }
        )
        if stored:
            break
    found = get_version(name, version)
    assert found is not None
    return found


def get_version(name: str, version: int) -> LetterTemplateVersion | None:
    """One version of a template."""
    stmt = select(LetterTemplateVersion).where(
        LetterTemplateVersion.name == name, LetterTemplateVersion.version == version
    )
    return current_session().scalars(stmt).first()


def latest_version(name: str) -> LetterTemplateVersion | None:
    """The newest stored version of ``name`` (files are not looked at)."""
    stmt = (
        select(LetterTemplateVersion)
        .where(LetterTemplateVersion.name == name)
        .order_by(LetterTemplateVersion.version.desc())
        .limit(1)
    )
    return current_session().scalars(stmt).first()


def sync_file(letters_dir: Path, name: str) -> LetterTemplateVersion | None:
    """Record ``letters/<name>.*`` as a new version if this content was never recorded from it."""
    found = _file_for(letters_dir, name)
    if found is None:
        return None
    path, fmt = found
    raw = path.read_bytes()
    digest = sha256_hex(raw)
    known = select(LetterTemplateVersion.id).where(
        LetterTemplateVersion.name == name,
        LetterTemplateVersion.sha256 == digest,
        LetterTemplateVersion.source == "file",
    )
    if current_session().scalar(known) is not None:
        return None
    if fmt == "html":
        return add_version(name, fmt=fmt, content=raw.decode("utf-8"), source="file")
    return add_version(name, fmt=fmt, docx=raw, source="file")


def current_version(letters_dir: Path, name: str) -> LetterTemplateVersion | None:
    """The version letters render with now (picking up a new or changed file first)."""
    if not sandbox.TEMPLATE_NAME.match(name or ""):
        return None
    sync_file(letters_dir, name)
    return latest_version(name)


def file_names(letters_dir: Path) -> list[str]:
    """Template names that have a file in ``letters_dir``."""
    names = {
        path.stem
        for fmt in FORMATS
        for path in letters_dir.glob(f"*.{fmt}")
        if sandbox.TEMPLATE_NAME.match(path.stem)
    }
    return sorted(names)


def sync_files(letters_dir: Path) -> list[LetterTemplateVersion]:
    """Record every new or changed file of ``letters_dir`` as a version."""
    stored = [sync_file(letters_dir, name) for name in file_names(letters_dir)]
    return [version for version in stored if version is not None]


@dataclass
class RenderedHtml:
    """An HTML letter and the template versions that produced it."""

    html: str
    #: name -> version row, for the letter and every layout it used
    used: dict[str, LetterTemplateVersion] = field(default_factory=dict)

    @property
    def fingerprint(self) -> str:
        """sha256 over the names and hashes of every template used, in name order."""
        joined = "\0".join(f"{n}\n{v.sha256}" for n, v in sorted(self.used.items()))
        return sha256_hex(joined.encode())


class TemplateMissing(LookupError):
    """No file and no stored version for a template name."""


def render_html(
    letters_dir: Path, name: str, context: dict[str, Any], *, source: str | None = None
) -> RenderedHtml:
    """Render the current version of an HTML letter in the sandbox (layouts resolved the same way).

    ``source`` renders that (unsaved) text as ``name`` instead, for a preview; it is then not in
    ``used``.  ``TemplateMissing`` when there is no such template;
    ``jinja2.exceptions.SecurityError`` when the template tries to leave the sandbox.
    """
    result = RenderedHtml("")

    def load(template_name: str) -> str:
        key = template_name.removesuffix(".html")
        if source is not None and key == name:
            return source
        version = result.used.get(key) or current_version(letters_dir, key)
        if version is None or version.format != "html":
            raise TemplateNotFound(template_name)
        result.used[key] = version
        return version.content

    env = sandbox.letter_environment(FunctionLoader(load))
    try:
        template = env.get_template(f"{name}.html")
    except TemplateNotFound as exc:
        raise TemplateMissing(name) from exc
    try:
        result.html = template.render(context)
    except TemplateNotFound as exc:
        raise TemplateMissing(exc.name or name) from exc
    return result


def html_problems(letters_dir: Path, name: str, source: str) -> list[str]:
    """Why this HTML source cannot be saved as ``name`` (empty list: it can)."""
    try:
        tree = sandbox.parse_html(source)
    except TemplateSyntaxError as exc:
        return [sandbox.syntax_message(exc)]
    contract = sandbox.load_contract(letters_dir)
    problems = sandbox.placeholder_problems(name, tree, contract)
    for ref in sandbox.referenced_templates(tree):
        if not ref or not sandbox.TEMPLATE_NAME.match(ref):
            problems.append("extends/include must name a template literally")
        elif ref == name:
            problems.append(f"'{name}' cannot extend or include itself")
        else:
            used = current_version(letters_dir, ref)
            if used is None or used.format != "html":
                problems.append(f"unknown template '{ref}' in extends/include")
    return problems
