/* remediator graph page: a layered layout of the import graph in plain JS and SVG.
 * Part of remediator (MIT licence). No network, no library.
 *
 * Layout: import cycles (strongly connected components, Tarjan) are collapsed, each
 * component gets the layer of its longest import path from a module nobody imports,
 * so edges run left (importer) to right (imported); cycle members share a column.
 * Tall layers wrap into several columns; a few barycentre sweeps order each column.
 * Modules without any import edge go to a last column.
 */
(function () {
  "use strict";
  var started = performance.now();
  var data = JSON.parse(document.getElementById("graph-data").textContent);
  var nodes = data.nodes, edges = data.edges, N = nodes.length, E = edges.length;
  var TC = 1, FN = 2, GUARDED = 4, CYCLE = 8;
  var ROW = 22, BOX = 16, CHAR = 6.7, PAD = 10, GAP = 70, LABEL = 38;
  // long names are cut in the middle (first package ... last segments); the tooltip and the panel show them whole
  function label(id) {
    if (id.length <= LABEL) return id;
    var head = id.split(".")[0].slice(0, 14);
    return head + "\u2026" + id.slice(id.length - (LABEL - head.length - 1));
  }
  var labels = nodes.map(function (n) { return label(n.id); });

  var outEdges = [], inEdges = [], byId = new Map();
  for (var i = 0; i < N; i++) { outEdges.push([]); inEdges.push([]); byId.set(nodes[i].id, i); }
  edges.forEach(function (e, k) { outEdges[e[0]].push(k); inEdges[e[1]].push(k); });

  // ---- strongly connected components (iterative Tarjan): ids come out sinks first
  function components() {
    var index = new Int32Array(N).fill(-1), low = new Int32Array(N), onStack = new Uint8Array(N);
    var comp = new Int32Array(N).fill(-1), stack = [], frames = [], counter = 0, count = 0;
    for (var s = 0; s < N; s++) {
      if (index[s] !== -1) continue;
      index[s] = low[s] = counter++; stack.push(s); onStack[s] = 1; frames.push([s, 0]);
      while (frames.length) {
        var frame = frames[frames.length - 1], v = frame[0];
        if (frame[1] < outEdges[v].length) {
          var w = edges[outEdges[v][frame[1]++]][1];
          if (index[w] === -1) { index[w] = low[w] = counter++; stack.push(w); onStack[w] = 1; frames.push([w, 0]); }
          else if (onStack[w] && index[w] < low[v]) low[v] = index[w];
        } else {
          frames.pop();
          if (frames.length) { var u = frames[frames.length - 1][0]; if (low[v] < low[u]) low[u] = low[v]; }
          if (low[v] === index[v]) {
            var x;
            do { x = stack.pop(); onStack[x] = 0; comp[x] = count; } while (x !== v);
            count++;
          }
        }
      }
    }
    return { comp: comp, count: count };
  }

  // ---- layers: longest path from a source in the component DAG
  function layering(scc) {
    var members = [], layerOf = new Int32Array(scc.count);
    for (var c = 0; c < scc.count; c++) members.push([]);
    for (var v = 0; v < N; v++) members[scc.comp[v]].push(v);
    for (c = scc.count - 1; c >= 0; c--) {  // Tarjan numbers sinks first: descending is topological
      members[c].forEach(function (v) {
        outEdges[v].forEach(function (k) {
          var d = scc.comp[edges[k][1]];
          if (d !== c && layerOf[d] < layerOf[c] + 1) layerOf[d] = layerOf[c] + 1;
        });
      });
    }
    var layer = new Int32Array(N), top = 0, isolated = [];
    for (v = 0; v < N; v++) {
      if (!outEdges[v].length && !inEdges[v].length) { isolated.push(v); continue; }
      layer[v] = layerOf[scc.comp[v]];
      if (layer[v] > top) top = layer[v];
    }
    var count = isolated.length && isolated.length < N ? top + 2 : top + 1;
    isolated.forEach(function (v) { layer[v] = count - 1; });
    return { layer: layer, count: count };
  }

  // ---- order within layers, then split tall layers into columns
  function ordering(layers, scc) {
    var rows = [];
    for (var l = 0; l < layers.count; l++) rows.push([]);
    for (var v = 0; v < N; v++) rows[layers.layer[v]].push(v);
    rows.forEach(function (row) {
      row.sort(function (a, b) { return scc.comp[a] - scc.comp[b] || (nodes[a].id < nodes[b].id ? -1 : 1); });
    });
    var pos = new Float64Array(N);
    function number() { rows.forEach(function (row) { row.forEach(function (v, k) { pos[v] = row.length > 1 ? k / (row.length - 1) : 0.5; }); }); }
    function sweep(forward) {
      var order = forward ? rows.map(function (_r, k) { return k; }) : rows.map(function (_r, k) { return rows.length - 1 - k; });
      order.forEach(function (l) {
        var row = rows[l], key = new Float64Array(N);
        row.forEach(function (v) {
          var list = forward ? inEdges[v] : outEdges[v], sum = 0, n = 0;
          list.forEach(function (k) {
            var w = edges[k][forward ? 0 : 1];
            if (layers.layer[w] !== l) { sum += pos[w]; n++; }
          });
          key[v] = n ? sum / n : pos[v];
        });
        row.sort(function (a, b) { return key[a] - key[b] || pos[a] - pos[b]; });
        row.forEach(function (v, k) { pos[v] = row.length > 1 ? k / (row.length - 1) : 0.5; });
      });
    }
    number();
    for (var it = 0; it < 4; it++) { sweep(true); sweep(false); }
    var tallest = Math.max(40, Math.ceil(Math.sqrt(N) * 2.5)), columns = [];
    rows.forEach(function (row) {
      for (var k = 0; k < row.length; k += tallest) columns.push(row.slice(k, k + tallest));
    });
    return columns;
  }

  // ---- coordinates
  function place(columns) {
    var x = new Float64Array(N), y = new Float64Array(N), w = new Float64Array(N), col = new Int32Array(N), left = 20, height = 0;
    columns.forEach(function (column, c) {
      var widest = 0;
      column.forEach(function (v) { w[v] = labels[v].length * CHAR + 2 * PAD; if (w[v] > widest) widest = w[v]; });
      column.forEach(function (v, k) { x[v] = left; y[v] = 40 + k * ROW; col[v] = c; });
      height = Math.max(height, 40 + column.length * ROW);
      left += widest + GAP;
    });
    return { x: x, y: y, w: w, col: col, width: left, height: height + 20 };
  }

  var scc = components();
  var columns = ordering(layering(scc), scc);
  var at = place(columns);
  var layoutMs = performance.now() - started;

  // ---- SVG
  var svg = document.getElementById("graph");
  function esc(text) { return String(text).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;"); }
  function edgePath(k) {
    var a = edges[k][0], b = edges[k][1], x1 = at.x[a] + at.w[a], y1 = at.y[a] + BOX / 2, y2 = at.y[b] + BOX / 2;
    if (at.x[b] > x1) {
      var x2 = at.x[b], dx = Math.max(30, (x2 - x1) / 2), skipped = at.col[b] - at.col[a] - 1;
      // an edge that skips columns arches over the boxes between its ends
      var lift = skipped > 0 ? Math.min(160, 30 + 12 * skipped) : 0;
      return "M" + x1 + " " + y1 + "C" + (x1 + dx) + " " + (y1 - lift) + " " + (x2 - dx) + " " + (y2 - lift) + " " + x2 + " " + y2;
    }
    var x3 = at.x[b] + at.w[b], bulge = 30 + Math.min(120, Math.abs(y2 - y1) / 4);
    var out = Math.max(x1, x3) + bulge;
    return "M" + x1 + " " + y1 + "C" + out + " " + y1 + " " + out + " " + y2 + " " + x3 + " " + y2;
  }
  var parts = [
    '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto"><path d="M0 0L10 5L0 10z" fill="#9aa3ad"/></marker>',
    '<marker id="arrow-cycle" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto"><path d="M0 0L10 5L0 10z" fill="#c62828"/></marker></defs>',
    '<g id="viewport"><g id="edges">'
  ];
  for (var k = 0; k < E; k++) {
    var f = edges[k][3], cls = "edge" + (f & TC ? " tc" : "") + (f & FN ? " fn" : "") + (f & CYCLE ? " cycle" : "");
    parts.push('<path class="' + cls + '" d="' + edgePath(k) + '"/>');
  }
  parts.push('</g><g id="nodes">');
  for (var v = 0; v < N; v++) {
    var n = nodes[v], classes = "node";
    if (n.broken) classes += " broken"; else if (n.violation) classes += " violation"; else if (n.failing) classes += " failing";
    if (n.test) classes += " test";
    if (n.cycle) classes += " cycle";
    if (n.focus) classes += " focus";
    if (n.package) classes += " package";
    parts.push('<g class="' + classes + '" data-i="' + v + '" transform="translate(' + at.x[v] + "," + at.y[v] + ')">' +
      '<rect width="' + at.w[v] + '" height="' + BOX + '" rx="4"/><text x="' + PAD + '" y="12">' + esc(labels[v]) + "</text>" +
      "<title>" + esc(n.id + (n.path ? "\n" + n.path : "")) + "</title></g>");
  }
  parts.push("</g></g>");
  svg.innerHTML = parts.join("");
  var viewport = document.getElementById("viewport");
  var nodeEls = Array.prototype.slice.call(svg.querySelectorAll("g.node"));
  var edgeEls = Array.prototype.slice.call(svg.querySelectorAll("path.edge"));

  // ---- pan and zoom
  var view = { x: 0, y: 0, k: 1 };
  function apply() {
    viewport.setAttribute("transform", "translate(" + view.x + "," + view.y + ") scale(" + view.k + ")");
    svg.classList.toggle("far", view.k < 0.3);
  }
  function zoomAt(px, py, factor) {
    var k = Math.min(4, Math.max(0.01, view.k * factor));
    view.x = px - (px - view.x) * (k / view.k); view.y = py - (py - view.y) * (k / view.k); view.k = k; apply();
  }
  function fit() {
    var box = svg.getBoundingClientRect(), k = Math.min(box.width / at.width, box.height / at.height, 1.2);
    view.k = Math.max(0.01, k * 0.97); view.x = (box.width - at.width * view.k) / 2; view.y = Math.max(0, (box.height - at.height * view.k) / 2); apply();
  }
  function centre(v) {
    var box = svg.getBoundingClientRect();
    view.k = Math.max(view.k, 0.9);
    view.x = box.width / 2 - (at.x[v] + at.w[v] / 2) * view.k; view.y = box.height / 2 - (at.y[v] + BOX / 2) * view.k; apply();
  }
  svg.addEventListener("wheel", function (e) {
    e.preventDefault();
    var box = svg.getBoundingClientRect();
    zoomAt(e.clientX - box.left, e.clientY - box.top, Math.exp(-e.deltaY * 0.0015));
  }, { passive: false });
  var drag = null;
  svg.addEventListener("pointerdown", function (e) {
    if (e.button !== 0) return;
    drag = { x: e.clientX, y: e.clientY, vx: view.x, vy: view.y, moved: false };
    svg.setPointerCapture(e.pointerId);
  });
  svg.addEventListener("pointermove", function (e) {
    if (!drag) return;
    var dx = e.clientX - drag.x, dy = e.clientY - drag.y;
    if (!drag.moved && Math.abs(dx) + Math.abs(dy) < 4) return;
    drag.moved = true; svg.classList.add("panning");
    view.x = drag.vx + dx; view.y = drag.vy + dy; apply();
  });
  svg.addEventListener("pointerup", function (e) {
    var moved = drag && drag.moved;
    drag = null; svg.classList.remove("panning");
    if (moved) return;
    var hit = document.elementFromPoint(e.clientX, e.clientY), el = hit && hit.closest ? hit.closest("g.node") : null;
    if (el) { select(+el.getAttribute("data-i"), true); search.value = nodes[+el.getAttribute("data-i")].id; }
  });
  document.getElementById("zoom-in").onclick = function () { var b = svg.getBoundingClientRect(); zoomAt(b.width / 2, b.height / 2, 1.3); };
  document.getElementById("zoom-out").onclick = function () { var b = svg.getBoundingClientRect(); zoomAt(b.width / 2, b.height / 2, 1 / 1.3); };
  document.getElementById("fit").onclick = fit;

  // ---- selection and search
  var search = document.getElementById("search"), selected = -1, marked = [];
  function lines(k) {
    var e = edges[k], path = e[4] || nodes[e[0]].path, notes = [];
    if (e[3] & TC) notes.push("TYPE_CHECKING");
    if (e[3] & FN) notes.push("in a function");
    if (e[3] & GUARDED) notes.push("guarded");
    return (path ? path + ":" : "line ") + e[2] + (notes.length ? " (" + notes.join(", ") + ")" : "");
  }
  function fillList(id, countId, items) {
    var list = document.getElementById(id);
    items.sort(function (a, b) { return nodes[a.v].id < nodes[b.v].id ? -1 : 1; });
    list.innerHTML = items.map(function (item) {
      return '<li data-module="' + esc(nodes[item.v].id) + '">' + esc(nodes[item.v].id) + '<span class="where">' + esc(item.where) + "</span></li>";
    }).join("");
    document.getElementById(countId).textContent = "(" + items.length + ")";
  }
  function clearMarks() {
    marked.forEach(function (m) { m.el.classList.remove.apply(m.el.classList, m.classes); });
    marked = [];
  }
  function mark(el, classes) { el.classList.add.apply(el.classList, classes); marked.push({ el: el, classes: classes }); }
  function select(v, keepView) {
    clearMarks();
    selected = v;
    if (v < 0) { svg.classList.remove("dimmed"); document.getElementById("details").hidden = true; return; }
    svg.classList.add("dimmed");
    mark(nodeEls[v], ["selected", "hl"]);
    var importers = [], imports = [];
    inEdges[v].forEach(function (k) { var w = edges[k][0]; mark(nodeEls[w], ["importer", "hl"]); mark(edgeEls[k], ["hl", "in"]); importers.push({ v: w, where: lines(k) }); });
    outEdges[v].forEach(function (k) { var w = edges[k][1]; mark(nodeEls[w], ["imported", "hl"]); mark(edgeEls[k], ["hl", "out"]); imports.push({ v: w, where: lines(k) }); });
    var n = nodes[v], facts = [n.path || n.kind];
    if (n.package) facts.push("package");
    if (n.test) facts.push("test module");
    if (n.broken) facts.push("broken imports");
    if (n.violation) facts.push("ssot violation");
    if (n.failing) facts.push("fails at import time");
    if (n.cycle) facts.push("in import cycle " + n.cycle);
    if (n.errors) facts.push(n.errors + " error finding" + (n.errors > 1 ? "s" : ""));
    document.getElementById("selected").textContent = n.id;
    document.getElementById("selected-info").textContent = facts.join(" · ");
    fillList("importers", "importers-count", importers);
    fillList("imports", "imports-count", imports);
    document.getElementById("details").hidden = false;
    if (!keepView) centre(v);
  }
  function showMatches(query) {
    var box = document.getElementById("matches-box"), q = query.trim().toLowerCase();
    nodeEls.forEach(function (el) { el.classList.remove("match"); });
    if (!q) { box.hidden = true; select(-1); return; }
    var found = [];
    for (var v = 0; v < N; v++) if (nodes[v].id.toLowerCase().indexOf(q) !== -1) found.push(v);
    found.sort(function (a, b) {
      var ea = nodes[a].id.toLowerCase() === q, eb = nodes[b].id.toLowerCase() === q;
      return (eb - ea) || nodes[a].id.length - nodes[b].id.length || (nodes[a].id < nodes[b].id ? -1 : 1);
    });
    found.slice(0, 200).forEach(function (v) { nodeEls[v].classList.add("match"); });
    document.getElementById("matches-title").textContent = found.length ? found.length + " match" + (found.length > 1 ? "es" : "") : "no module matches";
    document.getElementById("matches").innerHTML = found.slice(0, 50).map(function (v) {
      return '<li data-module="' + esc(nodes[v].id) + '">' + esc(nodes[v].id) + "</li>";
    }).join("");
    box.hidden = false;
    var exact = found.length && nodes[found[0]].id.toLowerCase() === q;
    if (exact || found.length === 1) select(found[0]); else select(-1);
    return found;
  }
  search.addEventListener("input", function () { showMatches(search.value); });
  search.addEventListener("keydown", function (e) {
    if (e.key === "Enter") { var found = showMatches(search.value); if (found && found.length) select(found[0]); }
    if (e.key === "Escape") { search.value = ""; showMatches(""); }
  });
  document.getElementById("panel").addEventListener("click", function (e) {
    var li = e.target.closest ? e.target.closest("li[data-module]") : null;
    if (!li) return;
    var v = byId.get(li.getAttribute("data-module"));
    if (v !== undefined) { search.value = nodes[v].id; showMatches(search.value); select(v); }
  });

  // ---- start
  var meta = data.meta || {}, cycles = new Set(), problems = 0;
  nodes.forEach(function (n) { if (n.cycle) cycles.add(n.cycle); if (n.broken || n.violation) problems++; });
  document.getElementById("stats").textContent = N + " modules, " + E + " imports" +
    (meta.focus ? " (focus " + meta.focus + ", depth " + meta.depth + ", of " + meta.modules + ")" : "") +
    " · " + problems + " with problems · " + cycles.size + " cycle" + (cycles.size === 1 ? "" : "s");
  if (N > 3000) {
    var banner = document.getElementById("banner");
    banner.textContent = N + " modules: zoom in to read names, or export with --focus MODULE for a smaller graph";
    banner.hidden = false;
  }
  fit();
  var focused = nodes.map(function (n, v) { return n.focus ? v : -1; }).filter(function (v) { return v >= 0; });
  if (focused.length === 1) { search.value = nodes[focused[0]].id; select(focused[0], true); }
  window.remediatorGraph = {
    nodes: N, edges: E, columns: columns.length, layoutMs: layoutMs, readyMs: performance.now() - started,
    select: function (name) { var v = byId.get(name); select(v === undefined ? -1 : v); return v !== undefined; },
    position: function (name) { var v = byId.get(name); return v === undefined ? null : { x: at.x[v], y: at.y[v], w: at.w[v] }; }
  };
  document.body.setAttribute("data-ready", "true");
})();
