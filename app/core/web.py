"""Glue between Flask requests and the unit of work."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from flask import current_app
from sqlalchemy.orm import Session

from app.core.uow import read_session, unit_of_work


def session_factory() -> Any:
    """The app's sessionmaker."""
    return current_app.extensions["db_sessions"]


@contextlib.contextmanager
def transaction() -> Iterator[Session]:
    """A unit of work bound to the current app."""
    with unit_of_work(session_factory()) as session:
        yield session


@contextlib.contextmanager
def reading() -> Iterator[Session]:
    """A read-only session bound to the current app."""
    with read_session(session_factory()) as session:
        yield session
