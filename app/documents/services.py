"""Letter generation: render a council template per recipient and record each as a document.

Templates are ``letters/<template>.html`` (Jinja2, rendered in a sandbox with autoescaping), so a
diagram's data can never run code or inject markup.  Each document records the sha256 of the
template sources that produced it and of the merge data, because letters are legal evidence.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
from datetime import date
from pathlib import Path
from typing import Any

from jinja2 import FileSystemLoader, TemplateNotFound, meta
from jinja2.sandbox import ImmutableSandboxedEnvironment

from app.audit import record_event
from app.core.db import utcnow
from app.core.errors import Invalid, NotFound
from app.core.uow import current_session
from app.documents.models import Document

#: template keys are file names without ".html"; names starting "_" are layouts, not letters
TEMPLATE_KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,39}$")


@functools.cache
def _environment(letters_dir: str) -> ImmutableSandboxedEnvironment:
    return ImmutableSandboxedEnvironment(
        loader=FileSystemLoader(letters_dir), autoescape=True, auto_reload=True
    )


def _sources(env: ImmutableSandboxedEnvironment, name: str, seen: set[str]) -> list[str]:
    """The source of ``name`` and of every template it extends or includes, in a stable order."""
    if name in seen:
        return []
    seen.add(name)
    source, _filename, _uptodate = env.loader.get_source(env, name)  # type: ignore[union-attr]
    found = [f"{name}\n{source}"]
    for child in sorted(n for n in meta.find_referenced_templates(env.parse(source)) if n):
        found.extend(_sources(env, child, seen))
    return found


def template_version(letters_dir: Path, template: str) -> str:
    """sha256 over the template's source and the sources of the templates it uses."""
    env = _environment(str(letters_dir))
    joined = "\0".join(_sources(env, f"{template}.html", set()))
    return hashlib.sha256(joined.encode()).hexdigest()


def render_letter(letters_dir: Path, template: str, context: dict[str, Any]) -> str:
    """Render ``letters/<template>.html``; NotFound when there is no such letter template."""
    if not TEMPLATE_KEY.match(template or ""):
        raise NotFound(f"No letter template '{template}'.")
    try:
        return _environment(str(letters_dir)).get_template(f"{template}.html").render(context)
    except TemplateNotFound as exc:
        raise NotFound(f"No letter template '{template}'.") from exc


def data_hash(context: dict[str, Any]) -> str:
    """sha256 of the canonical JSON of the merge data."""
    canonical = json.dumps(context, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _figures(data: dict[str, Any]) -> dict[str, Any] | None:
    figures = data.get("figures")
    if isinstance(figures, dict):
        return figures
    return data if "possible" in data or "possible_sessions" in data else None


def generate_letters(
    actor: Any,
    *,
    case_id: int,
    case_fields: dict[str, Any],
    template: str,
    recipients: list[str],
    data: dict[str, Any],
    letters_dir: Path,
    council_name: str,
    today: date,
) -> list[Document]:
    """Render ``template`` once per recipient and record one ``Document`` each."""
    if not recipients:
        raise Invalid("A letter needs at least one recipient.")
    if not isinstance(data, dict):
        raise Invalid("The letter data must be an object.")
    session = current_session()
    documents: list[Document] = []
    for recipient in recipients:
        context = {
            "council": {"name": council_name},
            "case": case_fields,
            "recipient": recipient,
            "letter_date": str(data.get("letter_date") or today.isoformat()),
            "data": data,
            "figures": _figures(data),
        }
        html = render_letter(letters_dir, template, context)
        document = Document(
            case_id=case_id,
            template=template,
            template_version=template_version(letters_dir, template),
            recipient=recipient,
            data_hash=data_hash({"template": template, **context}),
            html=html,
            created_at=utcnow(),
        )
        session.add(document)
        session.flush()
        record_event(
            "document_generated",
            f"Letter {template} generated (document {document.id})",
            case_id=case_id,
            actor=actor,
            detail={
                "document_id": document.id,
                "template": template,
                "template_version": document.template_version,
                "recipient": recipient,
                "data_hash": document.data_hash,
            },
        )
        documents.append(document)
    return documents
