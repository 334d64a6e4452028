"""Comparing two replays of one case: would it have gone another way, and what would change?

The baseline is the case's history replayed through the version it ran on; the candidate is the
same history through a draft or another version.  Both are in-memory traces
(:mod:`app.engine.replay`), so the comparison is like for like: the same inputs, the same clock.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from app.engine.replay import ReplayTrace

#: operators whose calls are letters (their ``template`` parameter names the letter)
LETTER_OPERATORS = frozenset({"letters.generate"})


@dataclass(frozen=True)
class ReplayDifference:
    """How the candidate's run of a case differs from the baseline's."""

    routed_differently: bool
    #: the element where the routes part (a gateway, a decision, or the first differing step)
    element_id: str | None = None
    description: str = ""
    letters_added: tuple[str, ...] = ()
    letters_removed: tuple[str, ...] = ()
    deadlines_changed: tuple[str, ...] = ()
    outcome_before: str | None = None
    outcome_after: str | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def changed(self) -> bool:
        """Whether anything a process owner cares about differs."""
        return bool(
            self.routed_differently
            or self.letters_added
            or self.letters_removed
            or self.deadlines_changed
            or self.outcome_before != self.outcome_after
        )


def compare_traces(
    baseline: ReplayTrace,
    candidate: ReplayTrace,
    letter_operators: Iterable[str] = LETTER_OPERATORS,
) -> ReplayDifference:
    """Where and how ``candidate`` departs from ``baseline``."""
    letters = frozenset(letter_operators)
    element, description = _divergence(baseline, candidate)
    before, after = Counter(_letters(baseline, letters)), Counter(_letters(candidate, letters))
    notes = [
        f"service task '{c['element_id']}' ({c['operator']}) had no recorded result"
        for step in candidate.steps
        for c in step.service_calls
        if c.get("source") == "called"
    ]
    return ReplayDifference(
        routed_differently=element is not None or description != "",
        element_id=element,
        description=description,
        letters_added=tuple(sorted((after - before).elements())),
        letters_removed=tuple(sorted((before - after).elements())),
        deadlines_changed=tuple(_deadline_changes(baseline, candidate)),
        outcome_before=_outcome(baseline),
        outcome_after=_outcome(candidate),
        notes=tuple(dict.fromkeys(notes)),
    )


def _divergence(baseline: ReplayTrace, candidate: ReplayTrace) -> tuple[str | None, str]:
    """The first element where the two runs part, and how, in words.

    Whole routes are compared, not step by step: a timer that moves fires in another step but
    the case still goes the same way.
    """
    old_decisions = [d for step in baseline.steps for d in step.decisions]
    new_decisions = [d for step in candidate.steps for d in step.decisions]
    for d_old, d_new in zip(old_decisions, new_decisions, strict=False):
        if d_old["element_id"] != d_new["element_id"]:
            break
        if _decision_key(d_old) != _decision_key(d_new):
            return d_old["element_id"], _describe_decision(d_old, d_new)
    stopped_early = candidate.stopped and not baseline.stopped
    if stopped_early and baseline.path[: len(candidate.path)] == candidate.path:
        return candidate.stopped_at, f"the replay could not go on: {candidate.stopped}"
    if baseline.path != candidate.path:
        return _path_divergence(baseline.path, candidate.path)
    return None, ""


def _decision_key(decision: dict[str, Any]) -> Any:
    if decision.get("kind") == "dmn":
        return tuple(r.get("row") for r in decision.get("rules", []))
    return tuple(decision.get("taken", []))


def _describe_decision(old: dict[str, Any], new: dict[str, Any]) -> str:
    name = old.get("name") or old["element_id"]
    if old.get("kind") == "dmn":
        rows_old = ", ".join(str(r.get("row")) for r in old.get("rules", [])) or "none"
        rows_new = ", ".join(str(r.get("row")) for r in new.get("rules", [])) or "none"
        return f"decision '{name}' would fire row(s) {rows_new} instead of {rows_old}"
    taken_old = ", ".join(old.get("taken", [])) or "nothing"
    taken_new = ", ".join(new.get("taken", [])) or "nothing"
    return f"gateway '{name}' would go to {taken_new} instead of {taken_old}"


def _path_divergence(old: list[str], new: list[str]) -> tuple[str | None, str]:
    for index, (a, b) in enumerate(zip(old, new, strict=False)):
        if a != b:
            after = f" after '{old[index - 1]}'" if index else ""
            return b, f"would go to '{b}' instead of '{a}'{after}"
    shorter, longer = (old, new) if len(old) < len(new) else (new, old)
    extra = longer[len(shorter)]
    if longer is new:
        return extra, f"would also pass '{extra}'"
    return extra, f"would no longer pass '{extra}'"


def _letters(trace: ReplayTrace, operators: frozenset[str]) -> list[str]:
    found = []
    for step in trace.steps:
        for call in step.service_calls:
            if call["operator"] in operators:
                template = str(call.get("params", {}).get("template", "?"))
                found.append(f"{template.strip(chr(39))} ({call['element_id']})")
    return found


def _deadline_changes(baseline: ReplayTrace, candidate: ReplayTrace) -> list[str]:
    changes = []
    old_timers, new_timers = _first_seen(baseline, "timers"), _first_seen(candidate, "timers")
    for element in sorted(set(old_timers) & set(new_timers)):
        if old_timers[element] != new_timers[element]:
            changes.append(f"timer '{element}': {old_timers[element]} → {new_timers[element]}")
    for element in sorted(set(new_timers) - set(old_timers)):
        changes.append(f"new timer '{element}' due {new_timers[element]}")
    for element in sorted(set(old_timers) - set(new_timers)):
        changes.append(f"timer '{element}' (due {old_timers[element]}) would not be set")
    old_due, new_due = _first_seen(baseline, "human_tasks"), _first_seen(candidate, "human_tasks")
    for element in sorted(set(old_due) & set(new_due)):
        if old_due[element] != new_due[element]:
            changes.append(f"task '{element}' due in {old_due[element]} → {new_due[element]} days")
    return changes


def _first_seen(trace: ReplayTrace, attribute: str) -> dict[str, Any]:
    seen: dict[str, Any] = {}
    for step in trace.steps:
        for element, value in getattr(step, attribute).items():
            seen.setdefault(element, value)
    return seen


def _outcome(trace: ReplayTrace) -> str | None:
    if trace.completed:
        return f"closed ({trace.closure_reason or 'no reason'})"
    stages = [s for step in trace.steps for s in step.stage_changes]
    return f"open, stage {stages[-1]}" if stages else "open"
