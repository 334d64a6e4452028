/* Process map: draws the diagram with the bpmn-js navigated viewer, then the numbers.
 *
 * Reads two JSON blocks written by the page: #diagram-xml (the BPMN text) and #diagram-data
 * ({mode: "heat" | "case", elements: {id: {...}}}).  Heat mode puts a badge on each element
 * ("N waiting · median D d", linking to those cases) and a heat marker by median time; case
 * mode marks the case's path (done, current) and dims what it has not reached.  Badges are built
 * with textContent, never from HTML strings.  When done, the container gets data-ready="true"
 * (or "error"), which the browser tests wait for.
 */
(function () {
  "use strict";
  var root = document.getElementById("process-map");
  if (!root || typeof BpmnJS === "undefined") { return; }
  var xml = JSON.parse(document.getElementById("diagram-xml").textContent);
  var data = JSON.parse(document.getElementById("diagram-data").textContent);
  var status = root.querySelector(".app-map__status");
  var viewer = new BpmnJS({ container: root.querySelector(".app-map__canvas") });
  var MIN_ZOOM = 0.6;

  function badge(entry) {
    var tag = entry.href ? "a" : "span";
    var node = document.createElement(tag);
    node.className = "app-badge" + (entry.overdue ? " app-badge--late" : "");
    if (entry.href) { node.href = entry.href; }
    var parts = [];
    if (entry.waiting) { parts.push(entry.waiting + " waiting"); }
    if (entry.overdue) { parts.push(entry.overdue + " overdue"); }
    if (entry.median_days !== undefined && entry.median_days !== null) {
      parts.push("median " + entry.median_days + " d");
    }
    node.textContent = parts.join(" \u00b7 ");
    node.setAttribute("data-element", entry.id);
    node.title = entry.name + ": " + node.textContent;
    return node;
  }

  function drawHeat(canvas, overlays, registry) {
    Object.keys(data.elements).forEach(function (id) {
      var entry = data.elements[id];
      if (!registry.get(id)) { return; }
      entry.id = id;
      if (entry.heat) { canvas.addMarker(id, "heat-" + entry.heat); }
      if (entry.waiting || entry.overdue || entry.median_days !== undefined) {
        overlays.add(id, "app-count", { position: { top: -14, left: 0 }, html: badge(entry) });
      }
    });
  }

  function drawPath(canvas, registry) {
    registry.filter(function (element) {
      return element.type !== "label" && element.businessObject && !element.waypoints &&
        !/Process|Participant|Lane|Collaboration/.test(element.type);
    }).forEach(function (element) {
      var entry = data.elements[element.id];
      canvas.addMarker(element.id, entry ? "path-" + entry.state : "path-unreached");
    });
  }

  // A wide diagram fitted to the box is too small to read: zoom in on its busiest step (or
  // the case's current step) instead; the viewer pans by dragging and zooms with the wheel.
  function focus(canvas, registry) {
    var best = null;
    var score = -1;
    Object.keys(data.elements).forEach(function (id) {
      var entry = data.elements[id];
      var value = data.mode === "case" ? (entry.state === "current" ? 1 : 0) : (entry.waiting || 0);
      if (registry.get(id) && value > score) { best = registry.get(id); score = value; }
    });
    if (canvas.zoom() < MIN_ZOOM && best) {
      canvas.zoom(MIN_ZOOM);
      var box = canvas.viewbox();
      canvas.viewbox({
        x: best.x + best.width / 2 - box.width / 2,
        y: best.y + best.height / 2 - box.height / 2,
        width: box.width,
        height: box.height
      });
    }
  }

  viewer.importXML(xml).then(function () {
    var canvas = viewer.get("canvas");
    canvas.zoom("fit-viewport");
    focus(canvas, viewer.get("elementRegistry"));
    if (data.mode === "case") {
      drawPath(canvas, viewer.get("elementRegistry"));
    } else {
      drawHeat(canvas, viewer.get("overlays"), viewer.get("elementRegistry"));
    }
    if (status) { status.hidden = true; }
    root.setAttribute("data-ready", "true");
  }).catch(function (error) {
    if (status) { status.textContent = "The diagram could not be drawn: " + error.message; }
    root.setAttribute("data-ready", "error");
  });
}());
