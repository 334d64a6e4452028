"""A simple layout for diagrams written without one, so the modeler can show them.

bpmn-js draws only what the file's diagram interchange (``bpmndi``) places.  Diagrams written by
hand or generated (the pathway's main diagram was) have none, so the modeler would show an empty
canvas.  ``ensure_layout`` adds a left-to-right layout: columns by distance from the start
event, one band per lane, orthogonal connections.  A file that has any layout is returned as it
is, byte for byte, so diagrams drawn in Camunda Modeler or bpmn.io keep theirs.
"""

from __future__ import annotations

from collections import deque
from typing import Any

from lxml import etree

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
BPMNDI = "http://www.omg.org/spec/BPMN/20100524/DI"
DC = "http://www.omg.org/spec/DD/20100524/DC"
DI = "http://www.omg.org/spec/DD/20100524/DI"
_COL, _ROW, _LEFT, _TOP, _LABEL_BAND = 170, 120, 80, 60, 30
_EVENTS = frozenset({"startEvent", "endEvent", "intermediateCatchEvent", "intermediateThrowEvent"})
_GATEWAYS = frozenset(
    {
        "exclusiveGateway",
        "parallelGateway",
        "inclusiveGateway",
        "eventBasedGateway",
        "complexGateway",
    }
)
_SKIP = frozenset({"sequenceFlow", "laneSet", "boundaryEvent", "textAnnotation", "association"})


def ensure_layout(xml: str) -> str:
    """``xml`` unchanged if it has a layout, else with a generated one."""
    try:
        root = etree.fromstring(xml.encode(), etree.XMLParser(resolve_entities=False))
    except etree.XMLSyntaxError:
        return xml
    if root.find(f".//{{{BPMNDI}}}BPMNShape") is not None:
        return xml
    processes = {p.get("id"): p for p in root.findall(f"{{{BPMN}}}process")}
    if not processes:
        return xml
    collaboration = root.find(f"{{{BPMN}}}collaboration")
    diagram = etree.SubElement(root, f"{{{BPMNDI}}}BPMNDiagram", id="BPMNDiagram_generated")
    plane_target = collaboration.get("id") if collaboration is not None else next(iter(processes))
    plane = etree.SubElement(
        diagram, f"{{{BPMNDI}}}BPMNPlane", id="BPMNPlane_generated", bpmnElement=plane_target
    )
    top = _TOP
    participants = (
        collaboration.findall(f"{{{BPMN}}}participant") if collaboration is not None else []
    )
    if participants:
        for participant in participants:
            process = processes.get(participant.get("processRef"))
            if process is not None:
                top = _layout_pool(plane, participant, process, top) + 40
    else:
        _layout_process(plane, next(iter(processes.values())), _LEFT, top)
    etree.cleanup_namespaces(root, top_nsmap={"bpmndi": BPMNDI, "dc": DC, "di": DI})
    return str(etree.tostring(root, xml_declaration=True, encoding="UTF-8").decode())


def _layout_pool(plane: Any, participant: Any, process: Any, top: int) -> int:
    """Lay out a participant's process inside a pool; returns the pool's bottom."""
    width, height = _layout_process(plane, process, _LEFT + _LABEL_BAND, top)
    _shape(plane, participant.get("id"), _LEFT, top, width + _LABEL_BAND, height, horizontal=True)
    return top + height


def _layout_process(plane: Any, process: Any, left: int, top: int) -> tuple[int, int]:
    """Place every flow node and flow of ``process``; returns the (width, height) used."""
    nodes = {c.get("id"): c for c in process if _local(c) not in _SKIP and c.get("id")}
    flows = list(process.iterchildren(f"{{{BPMN}}}sequenceFlow"))
    columns = _columns(nodes, flows)
    lanes = _lanes(process)
    lane_of = {node: i for i, (_lane, refs) in enumerate(lanes) for node in refs}
    rows: dict[tuple[int, int], int] = {}
    slots: dict[str, tuple[int, int]] = {}
    for node_id in sorted(nodes, key=lambda n: (columns[n], n)):
        key = (lane_of.get(node_id, 0), columns[node_id])
        slots[node_id] = (columns[node_id], rows.get(key, 0))
        rows[key] = rows.get(key, 0) + 1
    lane_rows = [
        max([r for (lane, _c), r in rows.items() if lane == i] or [1])
        for i in range(max(len(lanes), 1))
    ]
    lane_tops = [top + sum(lane_rows[:i]) * _ROW for i in range(len(lane_rows))]
    width = (max(columns.values(), default=0) + 1) * _COL + _LEFT
    bounds = {}
    for node_id, (column, row) in slots.items():
        w, h = _size(nodes[node_id])
        x = left + 40 + column * _COL + (100 - w) // 2
        y = lane_tops[lane_of.get(node_id, 0)] + row * _ROW + (_ROW - h) // 2
        bounds[node_id] = (x, y, w, h)
        _shape(plane, node_id, x, y, w, h, collapsed=_local(nodes[node_id]) == "subProcess")
    for i, (lane, _refs) in enumerate(lanes):
        _shape(
            plane, lane.get("id"), left, lane_tops[i], width, lane_rows[i] * _ROW, horizontal=True
        )
    _boundary_events(plane, process, bounds)
    for flow in flows:
        _edge(plane, flow, bounds)
    return width, sum(lane_rows) * _ROW


def _columns(nodes: dict[str, Any], flows: list[Any]) -> dict[str, int]:
    """Column of each node: its distance from a start (unreached nodes go after the rest)."""
    targets: dict[str, list[str]] = {}
    for flow in flows:
        targets.setdefault(flow.get("sourceRef"), []).append(flow.get("targetRef"))
    columns: dict[str, int] = {}
    pending = deque((n, 0) for n, el in nodes.items() if _local(el) == "startEvent")
    while pending:
        node_id, column = pending.popleft()
        if node_id in columns or node_id not in nodes:
            continue
        columns[node_id] = column
        pending.extend((t, column + 1) for t in targets.get(node_id, []))
    last = max(columns.values(), default=-1) + 1
    return {n: columns.get(n, last) for n in nodes}


def _lanes(process: Any) -> list[tuple[Any, list[str]]]:
    return [
        (lane, [ref.text or "" for ref in lane.iter(f"{{{BPMN}}}flowNodeRef")])
        for lane in process.iter(f"{{{BPMN}}}lane")
        if lane.find(f"{{{BPMN}}}childLaneSet") is None
    ]


def _boundary_events(
    plane: Any, process: Any, bounds: dict[str, tuple[int, int, int, int]]
) -> None:
    placed: dict[str, int] = {}
    for event in process.iterchildren(f"{{{BPMN}}}boundaryEvent"):
        host = bounds.get(event.get("attachedToRef"))
        if host is None:
            continue
        x, y, w, h = host
        offset = placed.get(event.get("attachedToRef"), 0)
        placed[event.get("attachedToRef")] = offset + 1
        bounds[event.get("id")] = (x + w - 36 - offset * 40, y + h - 18, 36, 36)
        _shape(plane, event.get("id"), *bounds[event.get("id")])


def _size(node: Any) -> tuple[int, int]:
    kind = _local(node)
    if kind in _EVENTS:
        return 36, 36
    if kind in _GATEWAYS:
        return 50, 50
    return 100, 80


def _shape(plane: Any, element_id: str, x: int, y: int, w: int, h: int, **flags: bool) -> None:
    shape = etree.SubElement(
        plane, f"{{{BPMNDI}}}BPMNShape", id=f"{element_id}_di", bpmnElement=element_id
    )
    if flags.get("horizontal"):
        shape.set("isHorizontal", "true")
    if flags.get("collapsed"):
        shape.set("isExpanded", "false")  # an embedded sub-process is drawn collapsed
    etree.SubElement(shape, f"{{{DC}}}Bounds", x=str(x), y=str(y), width=str(w), height=str(h))


def _edge(plane: Any, flow: Any, bounds: dict[str, tuple[int, int, int, int]]) -> None:
    source, target = bounds.get(flow.get("sourceRef")), bounds.get(flow.get("targetRef"))
    if source is None or target is None:
        return
    edge = etree.SubElement(
        plane, f"{{{BPMNDI}}}BPMNEdge", id=f"{flow.get('id')}_di", bpmnElement=flow.get("id")
    )
    sx, sy = source[0] + source[2], source[1] + source[3] // 2
    tx, ty = target[0], target[1] + target[3] // 2
    if tx <= sx:  # a flow going back: leave from the bottom and come in from below
        sx, sy = source[0] + source[2] // 2, source[1] + source[3]
        tx, ty = target[0] + target[2] // 2, target[1] + target[3]
        low = max(sy, ty) + 30
        points = [(sx, sy), (sx, low), (tx, low), (tx, ty)]
    else:
        middle = (sx + tx) // 2
        points = [(sx, sy), (middle, sy), (middle, ty), (tx, ty)]
    for x, y in points:
        etree.SubElement(edge, f"{{{DI}}}waypoint", x=str(x), y=str(y))


def _local(element: Any) -> str:
    return etree.QName(element).localname if isinstance(element.tag, str) else ""
