/* Bulk migration with progress: with JavaScript the chosen cases are moved one request at a
 * time (each in its own transaction on the server) and each row shows its outcome; without it
 * the form posts and the server moves them all. */
(function () {
  'use strict';
  var form = document.getElementById('migrate-form');
  if (!form || !window.fetch) { return; }
  var progress = document.getElementById('migrate-progress');
  var csrf = form.querySelector('input[name=csrf_token]').value;
  var versionId = parseInt(form.dataset.versionId, 10);

  function moveOne(caseId) {
    var expected = form.querySelector('input[name="version-' + caseId + '"]');
    return fetch(form.dataset.api.replace('/0/', '/' + caseId + '/'), {
      method: 'POST', credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', 'X-CSRFToken': csrf, 'Accept': 'application/json' },
      body: JSON.stringify({ to_version_id: versionId, expected_version: expected ? parseInt(expected.value, 10) : null })
    }).then(function (r) { return r.json().then(function (data) { return { ok: r.ok, data: data }; }); });
  }

  form.addEventListener('submit', function (event) {
    event.preventDefault();
    var chosen = Array.prototype.slice.call(form.querySelectorAll('input[name=case]:checked')).map(function (c) { return c.value; });
    if (!chosen.length) { return; }
    document.getElementById('migrate-button').disabled = true;
    progress.hidden = false;
    var done = 0, moved = 0;
    chosen.reduce(function (chain, caseId) {
      return chain.then(function () { return moveOne(caseId); }).then(function (result) {
        done += 1;
        if (result.ok) { moved += 1; }
        var row = form.querySelector('tr[data-case="' + caseId + '"] .app-studio-outcome');
        var note = document.createElement('p');
        note.className = 'govuk-body-s app-studio-moved';
        note.textContent = result.ok ? 'Moved.' : 'Not moved: ' + result.data.message;
        row.appendChild(note);
        progress.textContent = done + ' of ' + chosen.length + ' done, ' + moved + ' moved.';
      });
    }, Promise.resolve()).then(function () {
      progress.textContent = 'Finished: ' + moved + ' of ' + chosen.length + ' case(s) moved. Reload to see the moves you can undo.';
    });
  });
}());
