/* The decision-table editor page: a draft .dmn file in the vendored dmn-js modeler. */
(function () {
  'use strict';
  var root = document.getElementById('studio-dmn');
  if (!root) { return; }
  var cfg = root.dataset;
  var status = document.getElementById('studio-status');
  var state = { version: null, dirty: false };

  function say(text) { status.textContent = text; }

  function api(method, url, body) {
    return fetch(url, {
      method: method, credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', 'X-CSRFToken': cfg.csrf, 'Accept': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body)
    }).then(function (r) {
      return r.json().then(function (data) { if (!r.ok) { throw new Error(data.message || r.status); } return data; });
    });
  }

  function showViews(modeler) {
    var box = document.getElementById('studio-views');
    box.textContent = '';
    modeler.getViews().forEach(function (view) {
      var button = document.createElement('button');
      button.type = 'button';
      button.className = 'govuk-button govuk-button--secondary govuk-!-margin-bottom-2';
      button.textContent = (view.type === 'drd' ? 'Diagram' : 'Table') + ': ' + (view.element.name || view.element.id);
      button.addEventListener('click', function () { modeler.open(view); });
      box.appendChild(button);
    });
  }

  function save(modeler) {
    return modeler.saveXML({ format: true }).then(function (out) {
      return api('PUT', cfg.fileUrl, { text: out.xml, expected_version: state.version });
    }).then(function (saved) { state.version = saved.version; state.dirty = false; say('Saved'); });
  }

  function validate(modeler) {
    var ready = state.dirty ? save(modeler) : Promise.resolve();
    return ready.then(function () { return api('POST', cfg.validateUrl); }).then(function (result) {
      var box = document.getElementById('studio-problems');
      box.textContent = '';
      var heading = document.createElement('h2');
      heading.className = 'govuk-heading-s';
      heading.id = 'studio-verdict';
      heading.textContent = result.valid ? 'Valid: no problems' : result.errors.length + ' problem(s) to fix before deploying';
      box.appendChild(heading);
      var list = document.createElement('ul');
      list.className = 'govuk-list app-studio-problems';
      result.errors.concat(result.warnings).forEach(function (p) {
        var item = document.createElement('li');
        item.textContent = (p.file || 'model') + (p.element_id ? ' · ' + p.element_id : '') + ': ' + p.message;
        list.appendChild(item);
      });
      box.appendChild(list);
      say(result.valid ? 'Valid' : 'Has problems');
    });
  }

  api('GET', cfg.fileUrl).then(function (file) {
    state.version = file.version;
    var modeler = new window.DmnJS({ container: '#studio-dmn-canvas' });
    window.studioDmn = modeler;
    return modeler.importXML(file.text).then(function () {
      var table = modeler.getViews().filter(function (v) { return v.type === 'decisionTable'; })[0];
      if (table) { modeler.open(table); }
      showViews(modeler);
      modeler.on('views.changed', function () { showViews(modeler); });
      modeler.getActiveViewer().on('commandStack.changed', function () { state.dirty = true; say('Unsaved changes'); });
      modeler.on('import.done', function () {
        var viewer = modeler.getActiveViewer();
        if (viewer) { viewer.on('commandStack.changed', function () { state.dirty = true; say('Unsaved changes'); }); }
      });
      document.getElementById('studio-save').addEventListener('click', function () { save(modeler).catch(function (e) { say('Error: ' + e.message); }); });
      document.getElementById('studio-validate').addEventListener('click', function () { validate(modeler).catch(function (e) { say('Error: ' + e.message); }); });
      root.setAttribute('data-ready', 'true');
      say('Loaded');
    });
  }).catch(function (e) { say('Error: ' + e.message); });
}());
