/* The form editor: JSON Schema + UI schema side by side with a live preview from the server's
 * renderer (the one the inbox uses), so what the owner sees is what caseworkers will get. */
(function () {
  'use strict';
  var root = document.getElementById('studio-form-editor');
  if (!root) { return; }
  var cfg = root.dataset;
  var schema = document.getElementById('schema-text');
  var ui = document.getElementById('ui-text');
  var preview = document.getElementById('preview');
  var problems = document.getElementById('preview-problems');
  var status = document.getElementById('studio-status');
  var version = parseInt(cfg.version, 10);
  var timer = null;

  function post(method, url, body) {
    return fetch(url, {
      method: method, credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', 'X-CSRFToken': cfg.csrf, 'Accept': 'application/json' },
      body: JSON.stringify(body)
    }).then(function (r) {
      return r.json().then(function (data) { if (!r.ok) { throw new Error(data.message || r.status); } return data; });
    });
  }

  function refresh() {
    post('POST', cfg.previewUrl, { schema: schema.value, ui: ui.value.trim() ? ui.value : null }).then(function (result) {
      problems.textContent = '';
      (result.problems || []).forEach(function (p) {
        var item = document.createElement('li');
        item.textContent = p;
        problems.appendChild(item);
      });
      if (result.html) {
        preview.innerHTML = result.html;  /* rendered and escaped by the server's form renderer */
      } else if (result.json) {
        var pre = document.createElement('pre');
        pre.textContent = result.json;
        preview.textContent = '';
        preview.appendChild(pre);
      }
      root.setAttribute('data-preview', result.problems && result.problems.length ? 'invalid' : 'ok');
    }).catch(function (e) { status.textContent = 'Preview failed: ' + e.message; });
  }

  function later() {
    clearTimeout(timer);
    timer = setTimeout(refresh, 400);
  }

  schema.addEventListener('input', later);
  ui.addEventListener('input', later);
  document.getElementById('studio-save').addEventListener('click', function () {
    post('PUT', cfg.schemaUrl, { text: schema.value, expected_version: version }).then(function (saved) {
      version = saved.version;
      return post('PUT', cfg.uiUrl, { text: ui.value.trim() ? ui.value : '{}', expected_version: version });
    }).then(function (saved) {
      version = saved.version;
      status.textContent = 'Saved';
    }).catch(function (e) { status.textContent = 'Error: ' + e.message; });
  });
  refresh();
}());
