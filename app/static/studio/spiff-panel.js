/* The studio's properties panel: the Spiff settings the engine needs, as plain form controls.
 *
 * It sits beside the bpmn-js canvas (never over it: the bpmn.io watermark must stay visible)
 * and writes through bpmn-js's modeling commands, so every change can be undone with Ctrl+Z
 * and ends up in the saved XML as SpiffWorkflow's extension elements:
 *   user task      formKey + dueDays properties; its lane (shown: lanes are changed by dragging)
 *   service task   serviceTaskOperator (picked from the registered operators) + parameters
 *   timer event    duration / date / cycle (calendar time, school days/weeks, or an expression)
 *   call activity  calledElement;  business-rule task  calledDecisionId
 *   script task    script;  any task  pre-/post-script;  flow  condition;  gateway  default flow
 */
(function () {
  'use strict';

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (key) {
      if (key === 'text') { node.textContent = attrs[key]; }
      else if (key.indexOf('on') === 0) { node.addEventListener(key.slice(2), attrs[key]); }
      else if (attrs[key] !== undefined && attrs[key] !== null && attrs[key] !== false) {
        node.setAttribute(key, attrs[key] === true ? '' : attrs[key]);
      }
    });
    (children || []).forEach(function (child) { if (child) { node.appendChild(child); } });
    return node;
  }

  var uid = 0;
  function field(label, control, hint) {
    var id = 'spiff-field-' + (++uid);
    control.id = id;
    var parts = [el('label', { 'class': 'govuk-label govuk-label--s', 'for': id, text: label })];
    if (hint) { parts.push(el('div', { 'class': 'govuk-hint', text: hint })); }
    parts.push(control);
    return el('div', { 'class': 'govuk-form-group app-panel__group' }, parts);
  }

  function input(value, onChange, extra) {
    var attrs = Object.assign({ 'class': 'govuk-input', type: 'text', value: value || '', spellcheck: 'false', onchange: function (e) { onChange(e.target.value); } }, extra || {});
    return el('input', attrs);
  }

  function textarea(value, onChange, rows) {
    var node = el('textarea', { 'class': 'govuk-textarea app-panel__code', rows: rows || 3, spellcheck: 'false', onchange: function (e) { onChange(e.target.value); } });
    node.value = value || '';
    return node;
  }

  function select(options, value, onChange) {
    var node = el('select', { 'class': 'govuk-select', onchange: function (e) { onChange(e.target.value); } },
      options.map(function (o) { return el('option', { value: o[0], text: o[1], selected: o[0] === value }); }));
    return node;
  }

  function datalist(values) {
    var id = 'spiff-list-' + (++uid);
    return { id: id, node: el('datalist', { id: id }, values.map(function (v) { return el('option', { value: v }); })) };
  }

  function is(element, type) {
    var bo = element && element.businessObject;
    return !!bo && typeof bo.$instanceOf === 'function' && bo.$instanceOf(type);
  }

  function SpiffPanel(modeler, container, options) {
    this.modeler = modeler;
    this.container = container;
    this.options = options || {};
    this.element = null;
    var self = this;
    var bus = modeler.get('eventBus');
    bus.on('selection.changed', function (e) { self.show(e.newSelection[0] || null); });
    bus.on('elements.changed', function (e) {
      var mine = self.element && e.elements.some(function (x) { return x.id === self.element.id; });
      if (mine && !self.container.contains(document.activeElement)) { self.render(); }
    });
    this.render();
  }

  SpiffPanel.prototype.service = function (name) { return this.modeler.get(name); };

  SpiffPanel.prototype.show = function (element) {
    this.element = element;
    this.render();
  };

  SpiffPanel.prototype.render = function () {
    var element = this.element;
    this.container.textContent = '';
    if (!element || element.type === 'label') {
      this.container.appendChild(el('p', { 'class': 'govuk-body-s', text: 'Select an element on the diagram to see and change its settings.' }));
      return;
    }
    var bo = element.businessObject;
    var sections = [
      el('h2', { 'class': 'govuk-heading-s', text: (bo.name || bo.id) }),
      el('p', { 'class': 'govuk-body-s app-panel__type', text: element.type.replace('bpmn:', '') + ' · ' + bo.id }),
      field('Name', input(bo.name, this.update.bind(this, { key: 'name' }), { 'data-field': 'name' }))
    ];
    var builders = [
      ['bpmn:UserTask', this.userTask], ['bpmn:ServiceTask', this.serviceTask],
      ['bpmn:CallActivity', this.callActivity], ['bpmn:BusinessRuleTask', this.businessRule],
      ['bpmn:ScriptTask', this.script], ['bpmn:Event', this.timer],
      ['bpmn:SequenceFlow', this.flow], ['bpmn:ExclusiveGateway', this.gateway],
      ['bpmn:InclusiveGateway', this.gateway], ['bpmn:Lane', this.lane]
    ];
    var self = this;
    builders.forEach(function (b) { if (is(element, b[0])) { sections = sections.concat(b[1].call(self, element) || []); } });
    if (is(element, 'bpmn:Task')) { sections = sections.concat(this.scripts(element)); }
    sections.forEach(function (s) { self.container.appendChild(s); });
  };

  SpiffPanel.prototype.update = function (what, value) {
    if (what.key === 'name') {
      this.service('modeling').updateProperties(this.element, { name: value || undefined });
    }
  };

  /* ---- extension elements ------------------------------------------------------------ */

  SpiffPanel.prototype.ext = function (element, type) {
    var ext = element.businessObject.extensionElements;
    return ext && (ext.values || []).filter(function (v) { return v.$type === type; })[0];
  };

  SpiffPanel.prototype.ensureExtensions = function (element) {
    var bo = element.businessObject;
    if (!bo.extensionElements) {
      var ext = this.service('moddle').create('bpmn:ExtensionElements', { values: [] });
      this.service('modeling').updateModdleProperties(element, bo, { extensionElements: ext });
    }
    return bo.extensionElements;
  };

  SpiffPanel.prototype.setExt = function (element, type, attrs) {
    var found = this.ext(element, type);
    var modeling = this.service('modeling');
    if (found) { modeling.updateModdleProperties(element, found, attrs); return found; }
    var ext = this.ensureExtensions(element);
    var created = this.service('moddle').create(type, attrs);
    created.$parent = ext;
    modeling.updateModdleProperties(element, ext, { values: (ext.values || []).concat([created]) });
    return created;
  };

  SpiffPanel.prototype.removeExt = function (element, type) {
    var found = this.ext(element, type);
    if (!found) { return; }
    var ext = element.businessObject.extensionElements;
    this.service('modeling').updateModdleProperties(element, ext, { values: ext.values.filter(function (v) { return v !== found; }) });
  };

  SpiffPanel.prototype.setBody = function (element, type, value) {
    if (value && value.trim()) { this.setExt(element, type, { value: value }); }
    else { this.removeExt(element, type); }
  };

  SpiffPanel.prototype.property = function (element, name) {
    var props = this.ext(element, 'spiffworkflow:Properties');
    var found = props && (props.properties || []).filter(function (p) { return p.name === name; })[0];
    return found ? found.value : '';
  };

  SpiffPanel.prototype.setProperty = function (element, name, value) {
    var props = this.setExt(element, 'spiffworkflow:Properties', {});
    var modeling = this.service('modeling');
    var list = props.properties || [];
    var found = list.filter(function (p) { return p.name === name; })[0];
    if (found && value) { modeling.updateModdleProperties(element, found, { value: value }); return; }
    var kept = list.filter(function (p) { return p !== found; });
    if (value) {
      var created = this.service('moddle').create('spiffworkflow:Property', { name: name, value: value });
      created.$parent = props;
      kept.push(created);
    }
    modeling.updateModdleProperties(element, props, { properties: kept });
  };

  /* ---- sections ---------------------------------------------------------------------- */

  SpiffPanel.prototype.userTask = function (element) {
    var self = this;
    var forms = datalist(this.options.forms || []);
    var form = input(this.property(element, 'formKey'), function (v) { self.setProperty(element, 'formKey', v.trim()); },
      { list: forms.id, 'data-field': 'formKey' });
    var due = input(this.property(element, 'dueDays'), function (v) { self.setProperty(element, 'dueDays', v.trim()); },
      { inputmode: 'numeric', 'class': 'govuk-input govuk-input--width-4', 'data-field': 'dueDays' });
    var lane = this.laneOf(element);
    var roles = this.options.laneRoles || {};
    var laneText = lane ? (lane.name || lane.id) + ' → worked by ' + (roles[(lane.name || '').toLowerCase()] || 'no role: rename the lane') : 'No lane (worked by advisers)';
    return [
      el('h3', { 'class': 'govuk-heading-s', text: 'Form and lane' }), forms.node,
      field('Form', form, 'The key of a form in this draft or in forms/ (e.g. triage).'),
      field('Due in (calendar days)', due),
      el('p', { 'class': 'govuk-body-s', 'data-field': 'lane', text: 'Lane: ' + laneText + '. Drag the task into another lane to change who works it.' })
    ];
  };

  SpiffPanel.prototype.laneOf = function (element) {
    var lanes = this.service('elementRegistry').filter(function (e) { return e.type === 'bpmn:Lane'; });
    var bo = element.businessObject;
    var hit = lanes.filter(function (l) { return (l.businessObject.flowNodeRef || []).indexOf(bo) >= 0; })[0];
    return hit ? hit.businessObject : null;
  };

  SpiffPanel.prototype.lane = function (element) {
    var roles = this.options.laneRoles || {};
    var role = roles[(element.businessObject.name || '').toLowerCase()];
    return [el('p', { 'class': 'govuk-body-s', text: role ? 'Tasks in this lane are worked by: ' + role + '.' : 'This lane name is not mapped to a role (' + Object.keys(roles).join(', ') + ').' })];
  };

  SpiffPanel.prototype.serviceTask = function (element) {
    var self = this;
    var operator = this.ext(element, 'spiffworkflow:ServiceTaskOperator');
    var current = operator ? operator.id : '';
    var known = (this.options.operators || []);
    var spec = known.filter(function (o) { return o.name === current; })[0];
    var choices = [['', 'Choose an operator']].concat(known.map(function (o) { return [o.name, o.name]; }));
    if (current && !spec) { choices.push([current, current + ' (not registered)']); }
    var out = [
      el('h3', { 'class': 'govuk-heading-s', text: 'Service operator' }),
      field('Operator', select(choices, current, function (v) { self.setOperator(element, v); }), spec ? spec.description : null),
      field('Result variable', input(operator && operator.resultVariable, function (v) {
        self.setExt(element, 'spiffworkflow:ServiceTaskOperator', { resultVariable: v.trim() || undefined });
      }, { 'data-field': 'resultVariable' }), 'Where the result lands in the case data (default spiff__<id>_result).')
    ];
    var params = (operator && operator.parameterList && operator.parameterList.parameters) || [];
    var names = spec ? spec.required.concat(spec.optional) : params.map(function (p) { return p.id; });
    names.forEach(function (name) {
      var param = params.filter(function (p) { return p.id === name; })[0];
      var required = spec && spec.required.indexOf(name) >= 0;
      out.push(field(name + (required ? '' : ' (optional)'), input(param && param.value, function (v) { self.setParam(element, name, v); },
        { 'data-param': name }), required && !param ? 'Required: a Python expression, e.g. notification["pupil"]["upn"] or \'D4\'.' : null));
    });
    return out;
  };

  SpiffPanel.prototype.setOperator = function (element, name) {
    var spec = (this.options.operators || []).filter(function (o) { return o.name === name; })[0];
    var operator = this.setExt(element, 'spiffworkflow:ServiceTaskOperator', { id: name });
    var moddle = this.service('moddle');
    var old = (operator.parameterList && operator.parameterList.parameters) || [];
    var wanted = spec ? spec.required.concat(spec.optional) : old.map(function (p) { return p.id; });
    var list = moddle.create('spiffworkflow:Parameters', { parameters: [] });
    list.$parent = operator;
    wanted.forEach(function (id) {
      var before = old.filter(function (p) { return p.id === id; })[0];
      if (before || (spec && spec.required.indexOf(id) >= 0)) {
        var p = moddle.create('spiffworkflow:Parameter', { id: id, type: 'any', value: before ? before.value : '' });
        p.$parent = list;
        list.parameters.push(p);
      }
    });
    this.service('modeling').updateModdleProperties(element, operator, { parameterList: list });
    this.render();
  };

  SpiffPanel.prototype.setParam = function (element, id, value) {
    var operator = this.setExt(element, 'spiffworkflow:ServiceTaskOperator', {});
    var moddle = this.service('moddle');
    var modeling = this.service('modeling');
    var list = operator.parameterList;
    if (!list) {
      list = moddle.create('spiffworkflow:Parameters', { parameters: [] });
      modeling.updateModdleProperties(element, operator, { parameterList: list });
    }
    var found = (list.parameters || []).filter(function (p) { return p.id === id; })[0];
    if (found) { modeling.updateModdleProperties(element, found, { value: value }); return; }
    var created = moddle.create('spiffworkflow:Parameter', { id: id, type: 'any', value: value });
    created.$parent = list;
    modeling.updateModdleProperties(element, list, { parameters: (list.parameters || []).concat([created]) });
  };

  SpiffPanel.prototype.callActivity = function (element) {
    var self = this;
    var processes = datalist(this.options.processes || []);
    return [processes.node, field('Calls process', input(element.businessObject.calledElement, function (v) {
      self.service('modeling').updateProperties(element, { calledElement: v.trim() || undefined });
    }, { list: processes.id, 'data-field': 'calledElement' }), 'The id of a process in one of this model\'s .bpmn files.')];
  };

  SpiffPanel.prototype.businessRule = function (element) {
    var self = this;
    var decisions = datalist(this.options.decisions || []);
    var current = this.ext(element, 'spiffworkflow:CalledDecisionId');
    return [decisions.node, field('Decision table', input(current && current.value, function (v) {
      self.setBody(element, 'spiffworkflow:CalledDecisionId', v.trim());
    }, { list: decisions.id, 'data-field': 'calledDecisionId' }), 'The id of a decision in one of this model\'s .dmn files.')];
  };

  SpiffPanel.prototype.script = function (element) {
    var self = this;
    return [field('Script (Python)', textarea(element.businessObject.script, function (v) {
      self.service('modeling').updateProperties(element, { scriptFormat: 'python', script: v });
    }, 6))];
  };

  SpiffPanel.prototype.scripts = function (element) {
    var self = this;
    var pre = this.ext(element, 'spiffworkflow:PreScript');
    var post = this.ext(element, 'spiffworkflow:PostScript');
    return [
      field('Pre-script (optional)', textarea(pre && pre.value, function (v) { self.setBody(element, 'spiffworkflow:PreScript', v); })),
      field('Post-script (optional)', textarea(post && post.value, function (v) { self.setBody(element, 'spiffworkflow:PostScript', v); }))
    ];
  };

  window.SpiffPanel = SpiffPanel;
  window.SpiffPanelParts = { el: el, field: field, input: input, textarea: textarea, select: select, is: is };
}());
