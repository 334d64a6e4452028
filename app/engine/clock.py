"""The engine's clock seam.

SpiffWorkflow 3.2 reads ``datetime.now(timezone.utc)`` inside its timer module when it computes
a duration timer's due time and when it checks whether a timer has fired.  That makes "fire every
timer due ten weeks from now" impossible to test or to run from the CLI.  We give the timer module
a ``datetime`` subclass whose ``now()`` honours a context-local override, so the adapter can run
one engine step "as of" any instant without touching the real clock or other threads.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator
from datetime import UTC, datetime, tzinfo

from SpiffWorkflow.bpmn.specs.event_definitions import timer as _spiff_timer

_override: contextvars.ContextVar[datetime | None] = contextvars.ContextVar(
    "engine_clock_override", default=None
)


class _ClockedDatetime(datetime):
    """A ``datetime`` whose ``now()`` returns the engine clock while one is set."""

    @classmethod
    def now(cls, tz: tzinfo | None = None) -> datetime:  # type: ignore[override]
        fixed = _override.get()
        if fixed is None:
            return super().now(tz)
        return fixed.astimezone(tz) if tz is not None else fixed.astimezone().replace(tzinfo=None)


def now() -> datetime:
    """The engine's current instant (timezone-aware, UTC)."""
    fixed = _override.get()
    return fixed if fixed is not None else datetime.now(UTC)


@contextlib.contextmanager
def engine_clock(instant: datetime | None) -> Iterator[datetime]:
    """Run the enclosed engine calls as if the wall clock read ``instant``.

    ``None`` leaves the clock as it is: an enclosing ``engine_clock`` still applies (so the
    adapter's ``now=None`` default does not undo a caller's override), otherwise real time.
    """
    if instant is None:
        yield now()
        return
    if instant.tzinfo is None:
        raise ValueError("the engine clock needs a timezone-aware datetime")
    token = _override.set(instant.astimezone(UTC))
    try:
        yield now()
    finally:
        _override.reset(token)


def install() -> None:
    """Point SpiffWorkflow's timer module at the clocked ``datetime`` (idempotent)."""
    _spiff_timer.datetime = _ClockedDatetime  # type: ignore[misc]


install()
