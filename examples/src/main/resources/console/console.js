// Switchboard operator console. Plain JavaScript, no dependency, nothing loaded from elsewhere.
// Every value that comes from the API is untrusted and set with textContent (never innerHTML).
'use strict';
(function () {
  var EVENTS = '/api/v1/events';
  var DECODERS = '/api/v1/decoders/';
  var TOKEN_KEY = 'switchboard.console.token';
  var CHART_POINTS = 300; // five minutes of once-a-second summaries

  var $ = function (id) { return document.getElementById(id); };
  var nodesBody = document.querySelector('#nodes tbody');
  var testsBody = document.querySelector('#abtests tbody');
  var plansBody = document.querySelector('#plans tbody');
  var connection = $('connection');
  var result = $('result');
  var tokenInput = $('token');
  var rows = new Map(); // node id -> { tr, node }
  var series = []; // {allowed, denied, shadow_denied}
  var source = null;
  var retryTimer = null;

  // ------------------------------------------------------------------------------------ the token
  try { tokenInput.value = sessionStorage.getItem(TOKEN_KEY) || ''; } catch (e) { /* storage off */ }
  tokenInput.addEventListener('input', function () {
    try { sessionStorage.setItem(TOKEN_KEY, tokenInput.value); } catch (e) { /* storage off */ }
  });
  $('forget').addEventListener('click', function () {
    tokenInput.value = '';
    try { sessionStorage.removeItem(TOKEN_KEY); } catch (e) { /* storage off */ }
    say('ok', 'token forgotten');
  });

  function say(kind, text) {
    result.dataset.kind = kind;
    result.textContent = text;
  }

  // ------------------------------------------------------------------------------------ helpers
  function el(tag, text, field) {
    var e = document.createElement(tag);
    if (text !== undefined && text !== null) { e.textContent = String(text); }
    if (field) { e.dataset.field = field; }
    return e;
  }
  function list(v) { return Array.isArray(v) ? v.join(', ') : ''; }
  function age(iso) {
    if (!iso) { return 'never'; }
    var t = Date.parse(iso);
    if (isNaN(t)) { return String(iso); }
    var s = Math.max(0, Math.round((Date.now() - t) / 1000));
    return s < 120 ? s + ' s ago' : Math.round(s / 60) + ' min ago';
  }
  function setCell(td, text, value) {
    if (td.textContent !== text) { td.textContent = text; }
    if (value !== undefined) { td.dataset.value = String(value); }
  }

  // ------------------------------------------------------------------------------------ nodes
  function button(label, action, id) {
    var b = el('button', label);
    b.type = 'button';
    b.dataset.action = action;
    b.setAttribute('aria-label', label + ' ' + id);
    b.addEventListener('click', function () { act(action, id, b); });
    return b;
  }

  function newRow(id) {
    var tr = document.createElement('tr');
    tr.dataset.nodeId = id;
    ['id', 'status', 'health', 'load', 'region', 'languages', 'heartbeat', 'selectable', 'tags']
      .forEach(function (f) { tr.appendChild(el('td', '', f)); });
    var actions = el('td', null, 'actions');
    actions.className = 'actions';
    actions.appendChild(button('Drain', 'drain', id));
    actions.appendChild(button('Activate', 'activate', id));
    actions.appendChild(button('Remove', 'remove', id));
    tr.appendChild(actions);
    // keep the rows sorted by id
    var before = null;
    rows.forEach(function (r, other) { if (other > id && (before === null || other < before)) { before = other; } });
    nodesBody.insertBefore(tr, before === null ? null : rows.get(before).tr);
    return tr;
  }

  function cell(tr, field) { return tr.querySelector('td[data-field="' + field + '"]'); }

  function putNode(node) {
    if (!node || typeof node.node_id !== 'string') { return; }
    var id = node.node_id;
    var r = rows.get(id);
    if (!r) {
      r = { tr: null, node: node };
      r.tr = newRow(id);
      rows.set(id, r);
    }
    r.node = node;
    var tr = r.tr;
    setCell(cell(tr, 'id'), id);
    setCell(cell(tr, 'status'), String(node.status || 'active'), node.status || 'active');
    setCell(cell(tr, 'health'), String(node.health || ''), node.health);
    setCell(cell(tr, 'load'), node.load === undefined ? '' : String(node.load));
    setCell(cell(tr, 'region'), node.region === undefined ? '' : String(node.region));
    setCell(cell(tr, 'languages'), list(node.languages));
    setCell(cell(tr, 'heartbeat'), age(node.last_heartbeat));
    setCell(cell(tr, 'selectable'), node.selectable ? 'yes' : 'no', !!node.selectable);
    setCell(cell(tr, 'tags'), list(node.tags));
    counts();
  }

  function removeNode(id) {
    var r = rows.get(id);
    if (r) {
      r.tr.remove();
      rows.delete(id);
      counts();
    }
  }

  function counts() {
    $('node-count').textContent = '(' + rows.size + ')';
    $('no-nodes').hidden = rows.size > 0;
  }

  setInterval(function () {
    rows.forEach(function (r) { setCell(cell(r.tr, 'heartbeat'), age(r.node.last_heartbeat)); });
  }, 1000);

  // ------------------------------------------------------------------------------------ actions
  function act(action, id, b) {
    var token = tokenInput.value.trim();
    if (!token) {
      say('error', 'type the bearer token first');
      tokenInput.focus();
      return;
    }
    if (action === 'remove' && b.dataset.armed !== 'yes') {
      b.dataset.armed = 'yes';
      b.textContent = 'Confirm remove';
      setTimeout(function () { b.dataset.armed = ''; b.textContent = 'Remove'; }, 5000);
      return;
    }
    var init = { method: 'PUT', headers: { 'Authorization': 'Bearer ' + token }, credentials: 'omit',
      cache: 'no-store', redirect: 'error' };
    var url = DECODERS + encodeURIComponent(id);
    if (action === 'remove') {
      init.method = 'DELETE';
    } else {
      url += '/status';
      init.headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify({ status: action === 'drain' ? 'draining' : 'active' });
    }
    say('', action + ' ' + id + '…');
    fetch(url, init).then(function (res) {
      if (res.ok) {
        say('ok', id + ': ' + (action === 'remove' ? 'removed' : action === 'drain' ? 'draining' : 'active'));
        return null;
      }
      return res.text().then(function (text) {
        var detail = '';
        try { detail = JSON.parse(text).detail; } catch (e) { detail = ''; }
        say('error', res.status + ': ' + (typeof detail === 'string' && detail ? detail : res.statusText));
      });
    }).catch(function (e) {
      say('error', 'the coordinator cannot be reached: ' + e.message);
    });
  }

  // ------------------------------------------------------------------------------------ A/B tests, plans
  function fill(body, items, columns, key) {
    body.textContent = '';
    items.forEach(function (item) {
      var tr = document.createElement('tr');
      tr.dataset[key] = String(item.name);
      columns.forEach(function (c) { tr.appendChild(el('td', c(item))); });
      body.appendChild(tr);
    });
  }
  var tests = new Map();
  var plans = new Map();
  function sorted(map) {
    return Array.from(map.keys()).sort().map(function (k) { return map.get(k); });
  }
  function drawTests() {
    fill(testsBody, sorted(tests), [
      function (t) { return t.name; }, function (t) { return t.is_active ? 'yes' : 'no'; },
      function (t) { return t.language_pair; }, function (t) { return t.traffic_percentage; },
      function (t) { return list(t.control_group_tags); }, function (t) { return list(t.experiment_group_tags); }
    ], 'test');
  }
  function drawPlans() {
    fill(plansBody, sorted(plans), [
      function (p) { return p.name; }, function (p) { return p.algorithm; },
      function (p) { return list(p.limits); }, function (p) { return p.shadow ? 'yes' : 'no'; }
    ], 'plan');
  }
  function putNamed(map, item, draw) {
    if (!item || typeof item.name !== 'string') { return; }
    if (item.removed) { map.delete(item.name); } else { map.set(item.name, item); }
    draw();
  }

  // ------------------------------------------------------------------------------------ the chart
  var canvas = $('chart');
  var colours = { allowed: '#2da44e', denied: '#cf222e', shadow_denied: '#bf8700' };
  function draw() {
    var ratio = window.devicePixelRatio || 1;
    var w = canvas.clientWidth || 600;
    var h = canvas.clientHeight || 140;
    if (canvas.width !== Math.round(w * ratio)) { canvas.width = Math.round(w * ratio); }
    if (canvas.height !== Math.round(h * ratio)) { canvas.height = Math.round(h * ratio); }
    var g = canvas.getContext('2d');
    g.setTransform(ratio, 0, 0, ratio, 0, 0);
    g.clearRect(0, 0, w, h);
    var max = 1;
    series.forEach(function (p) { max = Math.max(max, p.allowed, p.denied, p.shadow_denied); });
    // the last minute at first, up to the last five as they fill
    var span = Math.min(CHART_POINTS, Math.max(60, series.length));
    g.fillStyle = '#59636e';
    g.font = '11px system-ui, sans-serif';
    g.fillText(max + '/s', 4, 12);
    Object.keys(colours).forEach(function (k) {
      g.strokeStyle = colours[k];
      g.lineWidth = 1.5;
      g.beginPath();
      series.forEach(function (p, i) {
        var x = w - (series.length - 1 - i) * (w / (span - 1));
        var y = h - 2 - (p[k] / max) * (h - 18);
        if (i === 0) { g.moveTo(x, y); } else { g.lineTo(x, y); }
      });
      g.stroke();
    });
  }
  function number(v) { return typeof v === 'number' && isFinite(v) ? v : 0; }
  function limiter(d) {
    var p = { allowed: number(d.allowed), denied: number(d.denied), shadow_denied: number(d.shadow_denied) };
    series.push(p);
    if (series.length > CHART_POINTS) { series.shift(); }
    $('now-allowed').textContent = String(p.allowed);
    $('now-denied').textContent = String(p.denied);
    $('now-shadow').textContent = String(p.shadow_denied);
    draw();
  }
  window.addEventListener('resize', draw);

  // ------------------------------------------------------------------------------------ the stream
  function state(s, text) {
    connection.dataset.state = s;
    connection.textContent = text;
  }
  function on(es, name, f) {
    es.addEventListener(name, function (e) {
      var data;
      try { data = JSON.parse(e.data); } catch (x) { return; }
      f(data);
    });
  }
  function snapshot(s) {
    var seen = new Set();
    (Array.isArray(s.nodes) ? s.nodes : []).forEach(function (n) { putNode(n); seen.add(n.node_id); });
    Array.from(rows.keys()).forEach(function (id) { if (!seen.has(id)) { removeNode(id); } });
    tests.clear();
    (Array.isArray(s.ab_tests) ? s.ab_tests : []).forEach(function (t) { tests.set(String(t.name), t); });
    plans.clear();
    (Array.isArray(s.plans) ? s.plans : []).forEach(function (p) { plans.set(String(p.name), p); });
    drawTests();
    drawPlans();
    counts();
  }
  function connect() {
    retryTimer = null;
    var es = new EventSource(EVENTS);
    source = es;
    es.onopen = function () { state('live', 'live'); };
    es.onerror = function () {
      state('retrying', 'disconnected, retrying');
      if (es.readyState === EventSource.CLOSED && retryTimer === null) {
        // a refused stream (503) is not retried by the browser itself
        retryTimer = setTimeout(connect, 3000);
      }
    };
    on(es, 'snapshot', function (s) { state('live', 'live'); snapshot(s); });
    on(es, 'node', putNode);
    on(es, 'removed', function (d) { if (typeof d.node_id === 'string') { removeNode(d.node_id); } });
    on(es, 'abtest', function (t) { putNamed(tests, t, drawTests); });
    on(es, 'plan', function (p) { putNamed(plans, p, drawPlans); });
    on(es, 'limiter', limiter);
  }
  counts();
  draw();
  connect();
  window.addEventListener('beforeunload', function () { if (source) { source.close(); } });
}());
