"""``pathway tsm open`` and ``pathway schools link-adviser`` (registered by app.cli)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import click
from sqlalchemy import select

from app.accounts.models import User
from app.core.errors import Invalid
from app.core.uow import current_session
from app.targeting.services import open_term_meetings, set_link_adviser
from app.targeting.terms import current_term


def open_command(run: Callable[[Callable[[Any], Any]], Any]) -> click.Command:
    """``pathway tsm open [--term autumn-2026]``: open the term's meeting for every school."""

    @click.command("open")
    @click.option("--term", default=None, help="e.g. autumn-2026 (default: the current term)")
    def tsm_open(term: str | None) -> None:
        """Open the term's targeting support meeting for every school that has none yet."""
        key = term or current_term(datetime.now(UTC).date())
        opened = run(lambda _app: [c.reference for c in open_term_meetings(None, term=key)])
        click.echo(f"{key}: {len(opened or [])} meeting(s) opened")
        for reference in opened or []:
            click.echo(f"  {reference}")

    return tsm_open


def link_adviser_command(run: Callable[[Callable[[Any], Any]], Any]) -> click.Command:
    """``pathway schools link-adviser URN EMAIL``."""

    @click.command("link-adviser")
    @click.argument("urn")
    @click.argument("email")
    def link_adviser(urn: str, email: str) -> None:
        """Name the school's link adviser (the adviser who holds its targeting meetings)."""

        def assign(_app: Any) -> str:
            stmt = select(User).where(User.email == email.strip().lower())
            adviser = current_session().scalars(stmt).first()
            if adviser is None:
                raise Invalid(f"No user {email}.", {"email": ["No such user"]})
            set_link_adviser(None, urn=urn, adviser_id=adviser.id)
            return adviser.name

        name = run(assign)
        click.echo(f"School {urn}: link adviser {name}")

    return link_adviser
