"""The process map: the deployed diagrams with, per element, the cases waiting there and the
median time spent there; and one case's path (completed, current, not reached).

The diagrams come from the deployed version's files (parsed once per immutable version); the
numbers from the projection tables: open tasks per ``element_id`` (waiting), completed tasks'
``completed_at - created_at`` (time spent), and the case's own tasks and audit events (path).
Waiting at a timer or a receive task is not in the projections (only the workflow knows which
timer a case waits on), so the map counts tasks only.
"""

from __future__ import annotations

import functools
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, case, func, select

from app.audit import AuditEvent
from app.cases import Case, Task
from app.core.errors import NotFound
from app.core.uow import current_session
from app.dashboard.filters import Filters, case_conditions
from app.dashboard.sql_time import at, days_between, median_select

BPMN_NS = "{http://www.omg.org/spec/BPMN/20100524/MODEL}"
FLOW_NODES = frozenset(
    {
        "task", "userTask", "serviceTask", "scriptTask", "businessRuleTask", "sendTask",
        "receiveTask", "manualTask", "callActivity", "subProcess", "startEvent", "endEvent",
        "intermediateCatchEvent", "intermediateThrowEvent", "boundaryEvent",
        "exclusiveGateway", "parallelGateway", "inclusiveGateway", "eventBasedGateway",
    }
)  # fmt: skip
#: heat levels 1..HEAT_LEVELS by median time spent, relative to the slowest element shown
HEAT_LEVELS = 4


@dataclass(frozen=True)
class DiagramFile:
    """One BPMN file of a deployed model: its processes, flow nodes and call activities."""

    name: str
    title: str
    process_ids: tuple[str, ...]
    #: flow node id -> BPMN tag (userTask, callActivity, startEvent...)
    nodes: dict[str, str]
    #: flow node id -> its name on the diagram (the id when it has none)
    names: dict[str, str]
    #: call activity id -> the process it calls
    calls: dict[str, str]
    xml: str


def _parse(name: str, xml: str) -> DiagramFile:
    root = ET.fromstring(xml)  # a deployed model: validated (and parsed) at deploy time
    processes = root.findall(f"{BPMN_NS}process")
    nodes: dict[str, str] = {}
    names: dict[str, str] = {}
    calls: dict[str, str] = {}
    for process in processes:
        for element in process.iter():
            tag, node = element.tag.removeprefix(BPMN_NS), element.get("id", "")
            if tag in FLOW_NODES and node:
                nodes[node] = tag
                names[node] = " ".join((element.get("name") or node).split())
                if tag == "callActivity" and element.get("calledElement"):
                    calls[node] = element.get("calledElement", "")
    title = next((p.get("name") for p in processes if p.get("name")), None) or name
    return DiagramFile(
        name=name,
        title=title,
        process_ids=tuple(p.get("id", "") for p in processes),
        nodes=nodes,
        names=names,
        calls=calls,
        xml=xml,
    )


@functools.lru_cache(maxsize=16)
def _diagrams_of(
    version_id: int, model_id: str, files: tuple[tuple[str, str], ...]
) -> tuple[DiagramFile, ...]:
    parsed = [_parse(name, text) for name, text in files if name.endswith(".bpmn")]
    main = next((d for d in parsed if model_id in d.process_ids), parsed[0] if parsed else None)
    if main is None:
        return ()
    by_process = {pid: d for d in parsed for pid in d.process_ids}
    ordered = [main]
    for called in main.calls.values():
        target = by_process.get(called)
        if target is not None and target not in ordered:
            ordered.append(target)
    ordered += sorted((d for d in parsed if d not in ordered), key=lambda d: d.name)
    return tuple(ordered)


def diagrams(version: Any) -> list[DiagramFile]:
    """The version's BPMN files: the main process first, then the stages in calling order."""
    files = tuple(sorted((name, text) for name, text in (version.files or {}).items()))
    return list(_diagrams_of(version.id, version.model_id, files))


def called_files(files: list[DiagramFile]) -> dict[str, str]:
    """Call activity id -> the name of the file holding the process it calls."""
    by_process = {pid: d.name for d in files for pid in d.process_ids}
    return {
        activity: by_process[process]
        for diagram in files
        for activity, process in diagram.calls.items()
        if process in by_process
    }


def called_nodes(files: list[DiagramFile]) -> dict[str, set[str]]:
    """Call activity id -> every flow node of the process it calls (for the main diagram)."""
    by_process = {pid: d for d in files for pid in d.process_ids}
    found: dict[str, set[str]] = {}
    for diagram in files:
        for activity, process in diagram.calls.items():
            target = by_process.get(process)
            if target is not None:
                found[activity] = set(target.nodes)
    return found


def element_stats(filters: Filters, now: Any) -> dict[str, dict[str, Any]]:
    """Per element: open tasks (waiting, overdue) and completed ones in the period (median)."""
    session = current_session()
    overdue = func.sum(case((Task.due_at < at(now), 1), else_=0))
    waiting = (
        select(Task.element_id, func.count(), overdue)
        .join(Case, Case.id == Task.case_id)
        .where(Task.status == "open", Case.status == "open", *case_conditions(filters))
        .group_by(Task.element_id)
    )
    stats: dict[str, dict[str, Any]] = {}
    for element, count, late in session.execute(waiting):
        stats[element] = {"waiting": int(count), "overdue": int(late or 0)}
    spent = (
        select(
            Task.element_id.label("group"),
            days_between(Task.completed_at, Task.created_at).label("value"),
        )
        .join(Case, Case.id == Task.case_id)
        .where(
            Task.status == "completed",
            Task.completed_at >= at(filters.start),
            Task.completed_at < at(filters.end),
            *case_conditions(filters),
        )
    )
    for element, median, done in session.execute(median_select(spent, group="group")):
        entry = stats.setdefault(element, {"waiting": 0, "overdue": 0})
        entry.update(median_days=round(float(median), 1), done=int(done))
    return stats


def heat_map(
    diagram: DiagramFile, stats: dict[str, dict[str, Any]], inner: dict[str, set[str]]
) -> dict[str, dict[str, Any]]:
    """What to draw on ``diagram``: per element its numbers and heat level (1..HEAT_LEVELS)."""
    shown: dict[str, dict[str, Any]] = {}
    for node in diagram.nodes:
        if node in stats:
            shown[node] = dict(stats[node])
        elif node in inner:
            parts = [stats[n] for n in inner[node] if n in stats]
            if parts:
                shown[node] = {
                    "waiting": sum(p["waiting"] for p in parts),
                    "overdue": sum(p["overdue"] for p in parts),
                    "stage": True,
                }
    slowest = max((e.get("median_days") or 0 for e in shown.values()), default=0)
    for entry in shown.values():
        median = entry.get("median_days")
        if median is not None and slowest > 0:
            entry["heat"] = min(HEAT_LEVELS, 1 + int(HEAT_LEVELS * median / slowest))
    return shown


def case_path(case: Case, files: list[DiagramFile]) -> dict[str, str]:
    """Element id -> ``done`` or ``current`` for one case (anything else was not reached)."""
    session = current_session()
    current = set(
        session.scalars(
            select(Task.element_id).where(Task.case_id == case.id, Task.status == "open")
        )
    )
    element = AuditEvent.detail["element_id"].as_string()
    done = set(
        session.scalars(
            select(element)
            .where(and_(AuditEvent.case_id == case.id, element.is_not(None)))
            .distinct()
        )
    )
    done |= set(
        session.scalars(
            select(Task.element_id).where(Task.case_id == case.id, Task.status == "completed")
        )
    )
    return _with_stages(files, done - current, current)


def latest_step(case: Case) -> set[str]:
    """The element of the case's most recent task (where it was last seen), if any."""
    stmt = select(Task.element_id).where(Task.case_id == case.id).order_by(Task.id.desc())
    latest = current_session().scalars(stmt.limit(1)).first()
    return {latest} if latest else set()


def _with_stages(files: list[DiagramFile], done: set[str], current: set[str]) -> dict[str, str]:
    """Add call activities (by what happened inside) and the start events of touched files."""
    inner = called_nodes(files)
    for activity, nodes in inner.items():
        if nodes & current:
            current.add(activity)
        elif nodes & done:
            done.add(activity)
    for diagram in files:
        if set(diagram.nodes) & (done | current):
            done |= {n for n, tag in diagram.nodes.items() if tag == "startEvent"}
    path = dict.fromkeys(done, "done")
    path.update(dict.fromkeys(current, "current"))
    return path


def pick_diagram(files: list[DiagramFile], name: str | None, focus: set[str]) -> DiagramFile:
    """The file called ``name``; else the first holding a ``focus`` element; else the main one."""
    if not files:
        raise NotFound("No diagram is deployed for this model.")
    if name:
        for diagram in files:
            if diagram.name == name:
                return diagram
        raise NotFound("No such diagram in this model.")
    for diagram in files[1:]:
        if focus & set(diagram.nodes):
            return diagram
    return files[0]
