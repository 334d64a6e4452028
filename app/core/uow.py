"""The unit of work: the only code in the application that calls ``commit()``.

One unit of work per request, CLI command or background job.  Services use ``current_session()``
and only flush; the unit of work commits once at the end, or rolls everything back.  Side effects
that must not happen unless the data is stored (queueing jobs, e-mail) go through ``after_commit``.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Callable, Iterator
from typing import Any

from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from app.core.errors import Conflict

_session: contextvars.ContextVar[Session | None] = contextvars.ContextVar(
    "uow_session", default=None
)
_after: contextvars.ContextVar[list[Callable[[], Any]] | None] = contextvars.ContextVar(
    "uow_after_commit", default=None
)


def current_session() -> Session:
    """The session of the unit of work in progress."""
    session = _session.get()
    if session is None:
        raise RuntimeError("no unit of work is active")
    return session


def after_commit(callback: Callable[[], Any]) -> None:
    """Run ``callback`` once the current unit of work has committed (never on rollback)."""
    pending = _after.get()
    if pending is None:
        raise RuntimeError("no unit of work is active")
    pending.append(callback)


@contextlib.contextmanager
def unit_of_work(factory: sessionmaker[Any]) -> Iterator[Session]:
    """Open a session, commit it if the block succeeds, roll it back otherwise.

    A nested call reuses the outer unit of work, so a service may be called from a view or a job.
    """
    if _session.get() is not None:
        yield current_session()
        return
    session = factory()
    pending: list[Callable[[], Any]] = []
    token, after_token = _session.set(session), _after.set(pending)
    try:
        yield session
        session.commit()
    except StaleDataError as exc:
        session.rollback()
        raise Conflict("This case was changed by someone else. Reload and try again.") from exc
    except BaseException:
        session.rollback()
        raise
    finally:
        _session.reset(token)
        _after.reset(after_token)
        session.close()
    for callback in pending:
        callback()


@contextlib.contextmanager
def read_session(factory: sessionmaker[Any]) -> Iterator[Session]:
    """A session for read-only work (no commit); reuses an active unit of work."""
    if _session.get() is not None:
        yield current_session()
        return
    session = factory()
    token = _session.set(session)
    try:
        yield session
    finally:
        _session.reset(token)
        session.close()  # ends the transaction; loaded objects stay readable (no expiry)
