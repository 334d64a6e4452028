/* Panel sections for timers, sequence-flow conditions and gateway default flows.
 * Loaded after spiff-panel.js; adds methods to SpiffPanel.
 */
(function () {
  'use strict';
  var P = window.SpiffPanelParts;
  var el = P.el, field = P.field, input = P.input, select = P.select, is = P.is;
  var SpiffPanel = window.SpiffPanel;

  var UNITS = [['D', 'calendar days'], ['W', 'calendar weeks'], ['M', 'months'], ['H', 'hours']];

  function timerDefinition(element) {
    return (element.businessObject.eventDefinitions || []).filter(function (d) {
      return d.$type === 'bpmn:TimerEventDefinition';
    })[0];
  }

  /* What a timer says, as the panel shows it: calendar time, school time or an expression. */
  function readTimer(def) {
    var kind = def.timeDate ? 'date' : def.timeCycle ? 'cycle' : 'duration';
    var expression = ((def.timeDate || def.timeCycle || def.timeDuration) || {}).body || '';
    var text = expression.trim();
    var calendar = /^"P(\d+)([DWM])"$/.exec(text) || /^"PT(\d+)(H)"$/.exec(text);
    if (kind === 'duration' && calendar) { return { mode: 'calendar', amount: calendar[1], unit: calendar[2], kind: kind, expression: text }; }
    var school = /^([A-Za-z_][A-Za-z0-9_]*)\[['"]due_at['"]\]$/.exec(text);
    if (kind === 'date' && school) { return { mode: 'school', variable: school[1], kind: kind, expression: text }; }
    return { mode: text ? 'expression' : 'calendar', kind: kind, expression: text, amount: '', unit: 'D' };
  }

  SpiffPanel.prototype.setTimer = function (element, kind, expression) {
    var def = timerDefinition(element);
    var moddle = this.service('moddle');
    var props = { timeDate: undefined, timeCycle: undefined, timeDuration: undefined };
    var key = 'time' + kind.charAt(0).toUpperCase() + kind.slice(1);
    var formal = moddle.create('bpmn:FormalExpression', { body: expression });
    formal.$parent = def;
    props[key] = formal;
    this.service('modeling').updateModdleProperties(element, def, props);
  };

  SpiffPanel.prototype.schoolTimeVariables = function () {
    var names = [];
    this.service('elementRegistry').filter(function (e) { return e.type === 'bpmn:ServiceTask'; }).forEach(function (e) {
      var ext = e.businessObject.extensionElements;
      (ext && ext.values || []).forEach(function (v) {
        if (v.$type === 'spiffworkflow:ServiceTaskOperator' && /^calendar\.add_school_/.test(v.id || '') && v.resultVariable) {
          names.push(v.resultVariable);
        }
      });
    });
    return names;
  };

  SpiffPanel.prototype.timer = function (element) {
    var def = timerDefinition(element);
    if (!def) { return []; }
    var self = this;
    var state = readTimer(def);
    var out = [
      el('h3', { 'class': 'govuk-heading-s', text: 'Timer' }),
      field('Counts', select([['calendar', 'calendar time'], ['school', 'school days or weeks'], ['expression', 'an expression (advanced)']], state.mode, function (mode) {
        state.mode = mode;
        self.renderTimerBody(element, state, body);
      }), null)
    ];
    var body = el('div', { 'class': 'app-panel__timer' });
    this.renderTimerBody(element, state, body);
    out.push(body);
    return out;
  };

  SpiffPanel.prototype.renderTimerBody = function (element, state, body) {
    var self = this;
    body.textContent = '';
    if (state.mode === 'calendar') {
      var write = function () {
        if (!/^\d+$/.test(state.amount || '')) { return; }
        var literal = state.unit === 'H' ? '"PT' + state.amount + 'H"' : '"P' + state.amount + state.unit + '"';
        self.setTimer(element, 'duration', literal);
      };
      body.appendChild(field('How many', input(state.amount, function (v) { state.amount = v.trim(); write(); }, { inputmode: 'numeric', 'class': 'govuk-input govuk-input--width-4', 'data-field': 'timerAmount' })));
      body.appendChild(field('Unit', select(UNITS, state.unit || 'D', function (v) { state.unit = v; write(); })));
      body.appendChild(el('p', { 'class': 'govuk-hint', text: 'Counted from when the case reaches the timer. For statutory deadlines use school days or weeks.' }));
    } else if (state.mode === 'school') {
      var names = this.schoolTimeVariables();
      var listId = 'spiff-school-vars-' + element.id;
      body.appendChild(el('datalist', { id: listId }, names.map(function (n) { return el('option', { value: n }); })));
      body.appendChild(field('Due date from', input(state.variable, function (v) {
        if (v.trim()) { self.setTimer(element, 'date', v.trim() + "['due_at']"); }
      }, { list: listId, 'data-field': 'timerVariable' }), 'The result variable of a service task before this timer that calls calendar.add_school_days or calendar.add_school_weeks (it works out the date on the school\'s calendar).'));
    } else {
      body.appendChild(field('Kind', select([['duration', 'duration'], ['date', 'date'], ['cycle', 'cycle']], state.kind, function (v) {
        state.kind = v;
        if (state.expression) { self.setTimer(element, v, state.expression); }
      })));
      body.appendChild(field('Expression (Python)', input(state.expression, function (v) {
        state.expression = v.trim();
        self.setTimer(element, state.kind, state.expression);
      }, { 'data-field': 'timerExpression' }), 'Literal durations and dates are quoted: "P5D", "2027-02-01T09:00:00+00:00".'));
    }
  };

  SpiffPanel.prototype.flow = function (element) {
    var bo = element.businessObject;
    var source = bo.sourceRef;
    if (!source || !(source.$instanceOf('bpmn:ExclusiveGateway') || source.$instanceOf('bpmn:InclusiveGateway'))) { return []; }
    if (source.default === bo) {
      return [el('p', { 'class': 'govuk-body-s', text: 'This is the gateway\'s default flow: it is taken when no other condition holds.' })];
    }
    var self = this;
    var text = bo.conditionExpression ? bo.conditionExpression.body : '';
    return [field('Condition (Python)', P.textarea(text, function (v) {
      var formal = v.trim() ? self.service('moddle').create('bpmn:FormalExpression', { body: v.trim() }) : undefined;
      self.service('modeling').updateProperties(element, { conditionExpression: formal });
    }), 'Over the case data, e.g. band in ("persistent", "severe").')];
  };

  SpiffPanel.prototype.gateway = function (element) {
    var bo = element.businessObject;
    var self = this;
    var flows = (bo.outgoing || []);
    if (flows.length < 2) { return []; }
    var registry = this.service('elementRegistry');
    var choices = [['', 'No default (a case that matches no condition fails)']].concat(flows.map(function (f) {
      return [f.id, (f.name || f.id) + ' → ' + ((f.targetRef && (f.targetRef.name || f.targetRef.id)) || '?')];
    }));
    return [field('Default flow', select(choices, bo.default ? bo.default.id : '', function (v) {
      var flow = v ? registry.get(v) : null;
      self.service('modeling').updateProperties(element, { 'default': flow ? flow.businessObject : undefined });
    }), 'Taken when no condition holds.')];
  };

  window.SpiffPanelTimer = { read: readTimer, is: is };
}());
