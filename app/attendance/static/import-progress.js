// Polls the import's status JSON while it runs and updates the progress bar; reloads once it
// has finished so the rejected rows are listed.  Without JavaScript the page has a Refresh link.
(function () {
  "use strict";
  var box = document.getElementById("import-status");
  if (!box || ["queued", "running"].indexOf(box.dataset.status) < 0) { return; }
  var number = function (n) { return Number(n).toLocaleString("en-GB"); };
  var set = function (id, text) { var el = document.getElementById(id); if (el) { el.textContent = text; } };
  function poll() {
    fetch(box.dataset.statusUrl, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) { return response.ok ? response.json() : Promise.reject(response.status); })
      .then(function (r) {
        document.getElementById("import-progress").value = r.percent;
        set("import-state", r.status);
        set("import-rows", number(r.processed_rows) + " of " + number(r.total_rows) + " rows processed (" + r.percent + "%)");
        ["inserted", "updated", "unchanged", "rejected"].forEach(function (k) { set("count-" + k, number(r[k])); });
        if (r.status === "done" || r.status === "failed") { window.location.reload(); }
        else { window.setTimeout(poll, 1000); }
      })
      .catch(function () { window.setTimeout(poll, 5000); });
  }
  window.setTimeout(poll, 1000);
})();
