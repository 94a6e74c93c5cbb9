// SPDX-License-Identifier: MIT
// The inline CSS and browser script of the offline HTML report (docs/tools.md
// "HTML report"): an SVG flame graph with click-to-zoom, a sample timeline with LWPINS
// markers, and per-event tables. Plain ES2017, no network, no libraries.

export const HTML_CSS = `
body{font:13px/1.4 system-ui,sans-serif;margin:16px;color:#222;background:#fff}
h1{font-size:18px;margin:0 0 4px}h2{font-size:15px;margin:18px 0 6px}
.meta{color:#555;margin-bottom:8px}.warn{color:#a40}
select{font:inherit}
svg text{font:11px monospace;pointer-events:none}
#flame rect{stroke:#fff;stroke-width:.5;cursor:pointer}
#flame rect:hover{stroke:#000}
table{border-collapse:collapse;margin-bottom:10px}
td,th{padding:2px 8px;text-align:right;border-bottom:1px solid #eee}
td.s,th.s{text-align:left;font-family:monospace}
#details{font-family:monospace;min-height:1.4em;color:#333}
`;

/** Reads the embedded JSON (element #lwp-data) and draws everything. */
export const HTML_JS = `
(function () {
  "use strict";
  var D = JSON.parse(document.getElementById("lwp-data").textContent);
  var NS = "http://www.w3.org/2000/svg";
  function el(tag, attrs, parent) {
    var e = document.createElementNS(NS, tag);
    for (var k in attrs) e.setAttribute(k, attrs[k]);
    if (parent) parent.appendChild(e);
    return e;
  }
  function h(tag, text, parent, cls) {
    var e = document.createElement(tag);
    if (text !== undefined) e.textContent = text;
    if (cls) e.className = cls;
    if (parent) parent.appendChild(e);
    return e;
  }
  function pct(n, t) { return t === 0 ? "0.00%" : (100 * n / t).toFixed(2) + "%"; }
  function hue(name) {
    var x = 0;
    for (var i = 0; i < name.length; i++) x = (x * 31 + name.charCodeAt(i)) >>> 0;
    return "hsl(" + (10 + x % 45) + ",85%," + (55 + x % 15) + "%)";
  }
  var sel = document.getElementById("event");
  D.events.forEach(function (e, i) {
    var o = h("option", e.name + " (" + e.samples + " samples)", sel);
    o.value = String(i);
  });
  var current = 0, zoomPath = [];
  var details = document.getElementById("details");

  function drawFlame() {
    var svg = document.getElementById("flame");
    while (svg.firstChild) svg.removeChild(svg.firstChild);
    var root = D.events[current].flame;
    var path = [root];
    zoomPath.forEach(function (name) {
      var last = path[path.length - 1];
      var next = (last.c || []).filter(function (c) { return c.n === name; })[0];
      if (next) path.push(next);
    });
    var focus = path[path.length - 1];
    var W = svg.clientWidth || 1000, H = 18, depthMax = 0;
    function depth(n, d) { depthMax = Math.max(depthMax, d); (n.c || []).forEach(function (c) { depth(c, d + 1); }); }
    depth(focus, path.length);
    svg.setAttribute("height", String((depthMax + 1) * H + 4));
    function box(n, x, w, d, onPath) {
      var y = (depthMax - d) * H;
      var r = el("rect", { x: x, y: y, width: Math.max(w - 0.5, 0.5), height: H - 1, fill: onPath ? "#ddd" : hue(n.n), "data-name": n.n }, svg);
      el("title", {}, r).textContent = n.n + " — " + n.v + " samples (" + pct(n.v, root.v) + ")";
      r.addEventListener("click", function () {
        zoomPath = pathTo(n);
        drawFlame();
      });
      r.addEventListener("mouseover", function () { details.textContent = n.n + " — " + n.v + " samples, " + pct(n.v, root.v) + " of all, self " + n.s; });
      if (w > 40) {
        var t = el("text", { x: x + 3, y: y + 12 }, svg);
        var chars = Math.floor((w - 6) / 6.6);
        t.textContent = n.n.length > chars ? n.n.slice(0, Math.max(chars - 2, 0)) + ".." : n.n;
      }
    }
    var parents = new Map();
    function index(n) { (n.c || []).forEach(function (c) { parents.set(c, n); index(c); }); }
    index(root);
    function pathTo(n) {
      var names = [];
      for (var x = n; x && x !== root; x = parents.get(x)) names.unshift(x.n);
      return names;
    }
    path.forEach(function (n, d) { box(n, 0, W, d, d < path.length - 1); });
    function children(n, x, w, d) {
      var off = x;
      (n.c || []).forEach(function (c) {
        var cw = n.v === 0 ? 0 : w * c.v / n.v;
        if (cw >= 0.5) { box(c, off, cw, d, false); children(c, off, cw, d + 1); }
        off += cw;
      });
    }
    children(focus, 0, W, path.length);
  }

  function drawTimeline() {
    var svg = document.getElementById("timeline");
    while (svg.firstChild) svg.removeChild(svg.firstChild);
    var T = D.timeline, W = svg.clientWidth || 1000, rowH = 22, left = 120;
    var span = Math.max(T.end - T.start, 1);
    svg.setAttribute("height", String(T.threads.length * rowH + 30));
    function X(t) { return left + (W - left - 10) * (t - T.start) / span; }
    T.threads.forEach(function (th, i) {
      el("text", { x: 2, y: i * rowH + 15 }, svg).textContent = th.label;
    });
    T.samples.forEach(function (s) {
      var r = el("rect", { x: X(s[0]), y: s[1] * rowH + 4, width: 2, height: rowH - 8, fill: D.colors[s[2]] }, svg);
      el("title", {}, r).textContent = D.events[s[2]] ? D.events[s[2]].name + ": " + D.symbols[s[3]] : D.symbols[s[3]];
    });
    T.markers.forEach(function (m) {
      var x = X(m.t);
      var line = el("line", { x1: x, x2: x, y1: 0, y2: T.threads.length * rowH + 10, stroke: "#c00", "stroke-width": 1.5, "class": "lwpins" }, svg);
      el("title", {}, line).textContent = "LWPINS " + m.label;
      el("text", { x: x + 2, y: T.threads.length * rowH + 24, fill: "#c00" }, svg).textContent = m.label;
    });
  }

  function drawTables() {
    var box = document.getElementById("tables");
    box.textContent = "";
    D.events.forEach(function (e) {
      h("h3", e.name + ": " + e.samples + " samples, interval " + e.interval, box);
      var t = h("table", undefined, box);
      var hr = h("tr", undefined, t);
      ["Self", "Children", "Samples"].forEach(function (c) { h("th", c, hr); });
      h("th", "Symbol", hr, "s"); h("th", "Shared Object", hr, "s");
      e.rows.forEach(function (r) {
        var tr = h("tr", undefined, t);
        h("td", pct(r.self, e.samples), tr); h("td", pct(r.children, e.samples), tr); h("td", String(r.self), tr);
        h("td", r.symbol, tr, "s"); h("td", r.dso, tr, "s");
      });
    });
  }

  sel.addEventListener("change", function () { current = Number(sel.value); zoomPath = []; drawFlame(); });
  document.getElementById("reset").addEventListener("click", function () { zoomPath = []; drawFlame(); });
  if (D.events.length > 0) drawFlame();
  drawTimeline();
  drawTables();
  window.addEventListener("resize", function () { if (D.events.length > 0) drawFlame(); drawTimeline(); });
})();
`;
