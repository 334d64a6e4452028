/* The diagram editor page: load a draft file into bpmn-js, edit, save, validate with markers. */
(function () {
  'use strict';
  var root = document.getElementById('studio-modeler');
  if (!root) { return; }
  var cfg = root.dataset;
  var status = document.getElementById('studio-status');
  var problemsBox = document.getElementById('studio-problems');
  var state = { version: null, dirty: false, markers: [] };

  function say(text) { status.textContent = text; }

  function api(method, url, body) {
    return fetch(url, {
      method: method,
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', 'X-CSRFToken': cfg.csrf, 'Accept': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body)
    }).then(function (response) {
      return response.json().then(function (data) {
        if (!response.ok) { throw new Error(data.message || ('HTTP ' + response.status)); }
        return data;
      });
    });
  }

  function start(moddle, file, operators) {
    var modeler = new window.BpmnJS({ container: '#studio-canvas', moddleExtensions: { spiffworkflow: moddle } });
    window.studioModeler = modeler;
    state.version = file.version;
    return modeler.importXML(file.text).then(function (result) {
      modeler.get('canvas').zoom('fit-viewport');
      new window.SpiffPanel(modeler, document.getElementById('studio-panel'), {
        operators: operators.items, forms: file.forms, processes: file.processes,
        decisions: file.decisions, laneRoles: JSON.parse(cfg.laneRoles || '{}')
      });
      modeler.on('commandStack.changed', function () { state.dirty = true; say('Unsaved changes'); });
      root.setAttribute('data-ready', 'true');
      say(result.warnings.length ? result.warnings.length + ' import warning(s)' : 'Loaded');
      return modeler;
    });
  }

  function save(modeler) {
    return modeler.saveXML({ format: true }).then(function (out) {
      return api('PUT', cfg.fileUrl, { text: out.xml, expected_version: state.version });
    }).then(function (saved) {
      state.version = saved.version;
      state.dirty = false;
      say('Saved');
      return saved;
    });
  }

  function clearMarkers(modeler) {
    var canvas = modeler.get('canvas');
    var overlays = modeler.get('overlays');
    state.markers.forEach(function (id) {
      canvas.removeMarker(id, 'app-studio-error');
      canvas.removeMarker(id, 'app-studio-warning');
    });
    overlays.remove({ type: 'studio-problem' });
    state.markers = [];
  }

  function mark(modeler, problem, kind) {
    var registry = modeler.get('elementRegistry');
    if (!problem.element_id || problem.file !== cfg.file || !registry.get(problem.element_id)) { return false; }
    modeler.get('canvas').addMarker(problem.element_id, 'app-studio-' + kind);
    var badge = document.createElement('div');
    badge.className = 'app-studio-badge app-studio-badge--' + kind;
    badge.textContent = kind === 'error' ? '!' : '?';
    badge.title = problem.message;
    modeler.get('overlays').add(problem.element_id, 'studio-problem', { position: { top: -12, right: 12 }, html: badge });
    state.markers.push(problem.element_id);
    return true;
  }

  function showProblems(modeler, result) {
    clearMarkers(modeler);
    problemsBox.textContent = '';
    var heading = document.createElement('h2');
    heading.className = 'govuk-heading-s';
    heading.id = 'studio-verdict';
    heading.textContent = result.valid ? 'Valid: no problems' + (result.warnings.length ? ' (' + result.warnings.length + ' warning(s))' : '') : result.errors.length + ' problem(s) to fix before deploying';
    problemsBox.appendChild(heading);
    var list = document.createElement('ul');
    list.className = 'govuk-list app-studio-problems';
    [['error', result.errors], ['warning', result.warnings]].forEach(function (pair) {
      pair[1].forEach(function (p) {
        var here = mark(modeler, p, pair[0]);
        var item = document.createElement('li');
        item.className = 'app-studio-problem app-studio-problem--' + pair[0];
        item.setAttribute('data-element', p.element_id || '');
        var where = (p.file || 'model') + (p.element_id ? ' · ' + p.element_id : '');
        item.textContent = (pair[0] === 'error' ? 'Error' : 'Warning') + ' — ' + where + ': ' + p.message;
        if (here) {
          item.tabIndex = 0;
          item.addEventListener('click', function () {
            var element = modeler.get('elementRegistry').get(p.element_id);
            modeler.get('selection').select(element);
            modeler.get('canvas').scrollToElement(element);
          });
        }
        list.appendChild(item);
      });
    });
    problemsBox.appendChild(list);
  }

  function validate(modeler) {
    var ready = state.dirty ? save(modeler) : Promise.resolve();
    return ready.then(function () { return api('POST', cfg.validateUrl); }).then(function (result) {
      showProblems(modeler, result);
      say(result.valid ? 'Valid' : 'Has problems');
      return result;
    });
  }

  function fail(error) { say('Error: ' + error.message); }

  Promise.all([
    fetch(cfg.moddleUrl).then(function (r) { return r.json(); }),
    api('GET', cfg.fileUrl),
    api('GET', cfg.operatorsUrl)
  ]).then(function (parts) { return start(parts[0], parts[1], parts[2]); }).then(function (modeler) {
    document.getElementById('studio-save').addEventListener('click', function () { save(modeler).catch(fail); });
    document.getElementById('studio-validate').addEventListener('click', function () { validate(modeler).catch(fail); });
    document.getElementById('studio-download').addEventListener('click', function () {
      modeler.saveXML({ format: true }).then(function (out) {
        var link = document.createElement('a');
        link.href = URL.createObjectURL(new Blob([out.xml], { type: 'application/xml' }));
        link.download = cfg.file.split('/').pop();
        link.click();
      });
    });
    window.addEventListener('beforeunload', function (e) { if (state.dirty) { e.preventDefault(); e.returnValue = ''; } });
  }).catch(fail);
}());
