// The flow graph page: draws what /api/cases/<case>/graph/* returns, with Cytoscape.js (served by cointrail).
// Every action has a keyboard route through the node list; every colour is doubled by a shape and a word.
"use strict";

(function () {
  const app = document.getElementById("graph-app");
  if (!app) return;
  const caseName = app.dataset.case;
  const api = "/api/cases/" + encodeURIComponent(caseName) + "/graph";
  const statusLine = document.getElementById("graph-status");
  const panelTitle = document.getElementById("panel-title");
  const panelBody = document.getElementById("panel-body");
  const panelHint = document.getElementById("panel-hint");
  const listBody = document.querySelector("#node-list tbody");
  const SHAPES = {sanctioned: "octagon", site: "hexagon", mixer: "diamond", exchange: "round-rectangle",
                  service: "barrel", wallet: "ellipse", summary: "tag"};
  const COLOURS = {sanctioned: "#000000", site: "#b3261e", mixer: "#7b3fa0", exchange: "#1f6f3f",
                   service: "#9a6700", wallet: "#3d5a80", summary: "#6b6b6b"};
  const hidden = {};  // summary node id -> the wallets it stands for
  let cy = null;
  let selected = null;
  let unit = "coins";  // the chain's symbol (LTC, BTC, ...), as the API says it

  function say(text) { statusLine.textContent = text; }

  function el(tag, text, attrs) {
    const node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = text;
    for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
    return node;
  }

  function button(text, onClick, attrs) {
    const b = el("button", text, Object.assign({type: "button"}, attrs || {}));
    b.addEventListener("click", onClick);
    return b;
  }

  async function getJSON(url, options) {
    const response = await fetch(url, Object.assign({credentials: "same-origin"}, options || {}));
    const data = await response.json().catch(() => ({error: "the workspace sent an unreadable answer"}));
    if (!response.ok) throw new Error(data.error || ("error " + response.status));
    return data;
  }

  // --- the model: a plain list of nodes and edges, kept in step with the picture ----------------------
  const nodes = new Map();
  const edges = new Map();

  function label(n) {
    const marks = [];
    if (n.pinned) marks.push("pinned");
    if (n.note) marks.push("note");
    return n.caption + "\n[" + n.role + "]" + (marks.length ? " (" + marks.join(", ") + ")" : "");
  }

  function weight(amountCoin) {  // the edge's amount_coin, in the chain's own decimals (the server writes it)
    const coins = Math.max(Number(amountCoin || 0), 0.00000001);
    return Math.min(14, 1.5 + 2 * Math.log10(1 + coins * 100));
  }

  function addNode(n, near, side, index, count) {
    if (nodes.has(n.id)) return false;
    const node = Object.assign({note: "", pinned: false, collapsed: false, labels: []}, n);
    if (n.added_by && !n.addedBy) node.addedBy = n.added_by;  // as saved in the case
    nodes.set(node.id, node);
    if (cy) {
      let position = (node.x !== undefined && node.x !== null) ? {x: node.x, y: node.y} : null;
      if (!position && near) {
        const at = cy.getElementById(near).position();
        position = free({x: at.x + side * 280, y: at.y + (index - (count - 1) / 2) * 80});
      }
      const added = cy.add({group: "nodes", data: {id: node.id, label: label(node), role: node.role},
                            position: position || free({x: 0, y: index * 90})});
      if (node.pinned) added.lock();
    }
    return true;
  }

  function free(position) {
    // The first place at or below ``position`` that no node occupies, so new nodes never hide old ones.
    const taken = (p) => cy.nodes().some((n) => Math.abs(n.position("x") - p.x) < 120 && Math.abs(n.position("y") - p.y) < 60);
    const p = {x: position.x, y: position.y};
    while (taken(p)) p.y += 80;
    return p;
  }

  function addEdge(e) {
    if (edges.has(e.id) || !nodes.has(e.source) || !nodes.has(e.target)) return;
    edges.set(e.id, e);
    if (cy) {
      cy.add({group: "edges", data: {id: e.id, source: e.source, target: e.target, label: e.amount_coin + " " + unit,
                                     width: weight(e.amount_coin), coinjoin: e.coinjoin ? "yes" : "no"}});
    }
  }

  function removeNode(id) {
    nodes.delete(id);
    for (const [key, e] of edges) if (e.source === id || e.target === id) edges.delete(key);
    if (cy) cy.getElementById(id).remove();
  }

  function refresh(id) {
    const n = nodes.get(id);
    if (cy && n) cy.getElementById(id).data("label", label(n));
  }

  // --- actions -------------------------------------------------------------------------------------------
  async function expand(id, direction) {
    const n = nodes.get(id);
    if (!n || n.kind === "summary") return;
    const limit = document.getElementById("hop-limit").value;
    say("Expanding " + n.caption + " one hop " + direction + "…");
    try {
      const started = performance.now();
      const data = await getJSON(api + "/expand?node=" + encodeURIComponent(id) + "&direction=" + direction +
                                 "&limit=" + encodeURIComponent(limit));
      unit = data.unit || unit;
      const side = direction === "forward" ? 1 : -1;
      const fresh = data.nodes.filter((m) => !nodes.has(m.id));
      const all = fresh.concat(data.summary && !nodes.has(data.summary.id) ? [data.summary] : []);
      all.forEach((m, i) => addNode(Object.assign({addedBy: id}, m), id, side, i, all.length));
      data.edges.forEach(addEdge);
      if (data.summary) { hidden[data.summary.id] = data.hidden; addEdge(data.summary_edge); }
      n.collapsed = false;
      renderList();
      if (cy && all.length) { cy.fit(undefined, 30); if (cy.zoom() > 1.4) { cy.zoom(1.4); cy.center(); } }
      say(data.explanation + " (" + Math.round(performance.now() - started) + " ms)");
      select(id);
    } catch (error) {
      say("Could not expand: " + error.message);
    }
  }

  function collapse(id) {
    // Remove what expanding this node added, unless pinned or also linked to another node kept.
    const doomed = new Set();
    const visit = (parent) => {
      for (const n of nodes.values()) {
        if (n.addedBy === parent && !n.pinned && !doomed.has(n.id)) { doomed.add(n.id); visit(n.id); }
      }
    };
    visit(id);
    for (const e of edges.values()) {
      const keepSource = !doomed.has(e.source) && e.source !== id, keepTarget = !doomed.has(e.target) && e.target !== id;
      if (doomed.has(e.source) && keepTarget) doomed.delete(e.source);
      if (doomed.has(e.target) && keepSource) doomed.delete(e.target);
    }
    doomed.forEach(removeNode);
    const n = nodes.get(id);
    if (n) n.collapsed = true;
    renderList();
    say(doomed.size ? "Collapsed: " + doomed.size + " node(s) hidden." : "Nothing to collapse.");
    select(id);
  }

  function togglePin(id) {
    const n = nodes.get(id);
    n.pinned = !n.pinned;
    if (cy) { const c = cy.getElementById(id); if (n.pinned) c.lock(); else c.unlock(); }
    refresh(id); renderList(); select(id);
    say(n.pinned ? n.caption + " is pinned: it stays where it is." : n.caption + " is no longer pinned.");
  }

  function addHidden(summaryId, item) {
    const summary = nodes.get(summaryId);
    const origin = summary && summary.addedBy;
    if (!origin) return;
    nodes.get(origin) && expandOne(origin, summaryId, item);
  }

  async function expandOne(origin, summaryId, item) {
    try {
      const data = await getJSON(api + "/node?node=" + encodeURIComponent(item.id));
      const direction = summaryId.startsWith("summary:forward") ? "forward" : "backward";
      addNode(Object.assign({addedBy: origin}, data), origin, direction === "forward" ? 1 : -1, 0, 1);
      const [source, target] = direction === "forward" ? [origin, data.id] : [data.id, origin];
      addEdge({id: source + ">" + target, source: source, target: target, amount: item.amount, amount_coin: item.amount_coin,
               transactions: null, txids: [], coinjoin: false, reason: "one of the wallets summed up: " + item.caption});
      renderList(); select(data.id);
      say(data.caption + " added from the summary.");
    } catch (error) { say("Could not add it: " + error.message); }
  }

  async function save() {
    const payload = {title: "flow graph of " + caseName, nodes: [], edges: Array.from(edges.values())};
    for (const n of nodes.values()) {
      const at = cy ? cy.getElementById(n.id).position() : {x: null, y: null};
      payload.nodes.push({id: n.id, kind: n.kind, caption: n.caption, role: n.role, cluster_id: n.cluster_id,
                          size: n.size, address: n.address, x: at.x, y: at.y, pinned: n.pinned,
                          collapsed: n.collapsed, note: n.note, labels: n.labels, added_by: n.addedBy || null});
    }
    try {
      const data = await getJSON(api, {method: "POST", headers: {"Content-Type": "application/json"},
                                       body: JSON.stringify(payload)});
      say("Saved in the case as " + data.path + " (SHA-256 " + data.sha256.slice(0, 16) + "…), custody log entry " +
          data.log_seq + ".");
    } catch (error) { say("Could not save: " + error.message); }
  }

  // --- the panel and the list ------------------------------------------------------------------------
  function pageLink(n) {
    if (n.id.startsWith("cluster:")) return "/cases/" + encodeURIComponent(caseName) + "/cluster/" + n.id.slice(8);
    if (n.id.startsWith("address:")) return "/cases/" + encodeURIComponent(caseName) + "/address/" + encodeURIComponent(n.id.slice(8));
    return null;
  }

  function actions(n, compact) {
    const box = el("span", null, {class: "node-actions"});
    if (n.kind !== "summary") {
      box.append(button(compact ? "→ forward" : "Expand forward (where the money went)", () => expand(n.id, "forward"),
                        {"aria-label": "expand " + n.caption + " forward", class: "expand-forward"}));
      box.append(button(compact ? "← backward" : "Expand backward (where it came from)", () => expand(n.id, "backward"),
                        {"aria-label": "expand " + n.caption + " backward", class: "expand-backward"}));
    }
    box.append(button("Collapse", () => collapse(n.id), {"aria-label": "collapse " + n.caption}));
    box.append(button(n.pinned ? "Unpin" : "Pin", () => togglePin(n.id), {"aria-label": (n.pinned ? "unpin " : "pin ") + n.caption}));
    if (compact) box.append(button("Select", () => select(n.id), {"aria-label": "select " + n.caption}));
    return box;
  }

  function select(id) {
    selected = id;
    const n = nodes.get(id);
    panelBody.replaceChildren();
    if (!n) { panelTitle.textContent = "Nothing selected"; return; }
    panelHint.hidden = true;
    if (cy) { cy.elements().unselect(); cy.getElementById(id).select(); }
    panelTitle.textContent = n.caption;
    const facts = el("dl", null, {class: "facts"});
    const fact = (k, v) => { facts.append(el("dt", k), el("dd", v)); };
    fact("Role", n.role + (n.reason ? " — " + n.reason : ""));
    if (n.kind !== "summary") fact("Addresses", String(n.size || 1));
    if (n.address) fact("Named by", n.address);
    panelBody.append(facts);
    if (n.labels && n.labels.length) {
      panelBody.append(el("h3", "Labels and their sources"));
      const ul = el("ul");
      n.labels.forEach((l) => ul.append(el("li", l.label + " [" + (l.category || "no category") + "], source " +
        (l.source || "?") + ", confidence " + (l.confidence || "?") + (l.via_cluster ? " (on another address of the wallet)" : ""))));
      panelBody.append(ul);
    }
    const link = pageLink(n);
    if (link) { const p = el("p"); p.append(el("a", "Open its page", {href: link, class: "open-page"})); panelBody.append(p); }
    panelBody.append(actions(n, false));
    if (n.kind === "summary" && hidden[n.id]) {
      panelBody.append(el("h3", "The wallets summed up here"));
      const ul = el("ul", null, {class: "hidden-list"});
      hidden[n.id].forEach((item) => {
        const li = el("li", item.caption + ": " + item.amount_coin + " " + unit + " ");
        li.append(button("Add to the graph", () => addHidden(n.id, item), {"aria-label": "add " + item.caption}));
        ul.append(li);
      });
      panelBody.append(ul);
    }
    const linked = Array.from(edges.values()).filter((e) => e.source === id || e.target === id);
    if (linked.length) {
      // The arrows in words: the keyboard's way to what a click on an arrow shows.
      panelBody.append(el("h3", "Money in and out (" + linked.length + " arrow(s))"));
      const ul = el("ul", null, {class: "edge-list"});
      linked.forEach((e) => {
        const other = nodes.get(e.source === id ? e.target : e.source);
        const li = el("li", (e.source === id ? "to " : "from ") + (other ? other.caption : "?") + ": " + e.amount_coin + " " + unit + ". ");
        li.append(el("small", e.reason || ""));
        if (e.txids && e.txids.length) {
          li.append(el("br"), el("small", "transactions: "));
          e.txids.forEach((t, i) => li.append(i ? ", " : "", txLink(t)));
        }
        ul.append(li);
      });
      panelBody.append(ul);
    }
    const noteLabel = el("label", "Your note (kept in the case when you save the graph)", {for: "note-text"});
    const note = el("textarea", null, {id: "note-text", rows: "3", maxlength: "4000"});
    note.value = n.note || "";
    const keep = button("Keep the note", () => { n.note = note.value; refresh(id); renderList(); say("Note kept; save the graph to store it in the case."); });
    panelBody.append(noteLabel, note, keep);
  }

  // A transaction id opens its page in the workspace (its inputs, outputs, labels and CoinJoin finding).
  function txLink(txid) {
    return el("a", txid, {class: "txid", href: "/cases/" + encodeURIComponent(caseName) + "/tx/" + encodeURIComponent(txid)});
  }

  function selectEdge(id) {
    const e = edges.get(id);
    if (!e) return;
    panelHint.hidden = true;
    panelTitle.textContent = "Money moved: " + e.amount_coin + " " + unit;
    panelBody.replaceChildren(el("p", e.reason || ""));
    if (e.txids && e.txids.length) {
      panelBody.append(el("h3", "Transactions (check them on any block explorer)"));
      const ul = el("ul");
      e.txids.forEach((t) => ul.append(el("li", null).appendChild(txLink(t)).parentNode));
      if (e.transactions > e.txids.length) ul.append(el("li", "… and " + (e.transactions - e.txids.length) + " more"));
      panelBody.append(ul);
    }
  }

  function renderList() {
    listBody.replaceChildren();
    for (const n of nodes.values()) {
      const row = el("tr", null, {"data-node": n.id});
      const name = el("td");
      const link = pageLink(n);
      name.append(link ? el("a", n.caption, {href: link}) : el("span", n.caption));
      if (n.note) name.append(el("small", " — note: " + n.note));
      const role = el("td");
      role.append(el("span", n.role, {class: "badge role-" + n.role}));
      const acts = el("td");
      acts.append(actions(n, true));
      row.append(name, role, acts);
      listBody.append(row);
    }
  }

  // --- the picture --------------------------------------------------------------------------------------
  function makePicture() {
    if (typeof window.cytoscape !== "function") {
      say("The graph picture is not available (its library is not installed); use the list of nodes below.");
      return null;
    }
    const projector = document.documentElement.classList.contains("projector");
    return window.cytoscape({
      container: document.getElementById("cy"),
      wheelSensitivity: 0.3,
      style: [
        {selector: "node", style: {"label": "data(label)", "text-wrap": "wrap", "text-max-width": "180px",
          "font-size": projector ? 16 : 11, "text-valign": "bottom", "text-margin-y": 4, "width": 34, "height": 34,
          "color": "#111", "text-background-color": "#fff", "text-background-opacity": 0.85, "text-background-padding": 2,
          "border-width": 2, "border-color": "#111"}},
        ...Object.keys(SHAPES).map((role) => ({selector: "node[role = '" + role + "']",
          style: {"shape": SHAPES[role], "background-color": COLOURS[role]}})),
        {selector: "node:locked", style: {"border-width": 5, "border-style": "double"}},
        {selector: "node:selected", style: {"border-width": 5, "border-color": "#f5a400", "overlay-opacity": 0}},
        {selector: "edge", style: {"width": "data(width)", "curve-style": "bezier", "target-arrow-shape": "triangle",
          "line-color": "#555", "target-arrow-color": "#555", "label": "data(label)", "font-size": projector ? 14 : 10,
          "text-rotation": "autorotate", "text-background-color": "#fff", "text-background-opacity": 0.85}},
        {selector: "edge[coinjoin = 'yes']", style: {"line-style": "dashed"}},
        {selector: "edge:selected", style: {"line-color": "#f5a400", "target-arrow-color": "#f5a400"}},
      ],
    });
  }

  function arrange() {
    if (!cy) return;
    cy.layout({name: "breadthfirst", directed: true, spacingFactor: 1.3, fit: true, padding: 30,
               roots: cy.nodes().roots()}).run();
  }

  async function start() {
    cy = makePicture();
    if (cy) {
      cy.on("tap", "node", (event) => select(event.target.id()));
      cy.on("tap", "edge", (event) => selectEdge(event.target.id()));
      cy.on("dbltap", "node", (event) => expand(event.target.id(), "forward"));
    }
    const focus = app.dataset.focus, traced = app.dataset.trace;
    const query = traced ? "?trace=" + encodeURIComponent(traced) : (focus ? "?focus=" + encodeURIComponent(focus) : "");
    try {
      const data = await getJSON(api + "/start" + query);
      unit = data.unit || unit;
      data.nodes.forEach((n, i) => addNode(n, null, 0, i, data.nodes.length));
      data.edges.forEach(addEdge);
      const fromSave = data.saved && data.nodes.some((n) => n.x !== null && n.x !== undefined);
      if (cy && data.trace) arrange();
      if (cy) { cy.fit(undefined, 30); if (cy.zoom() > 1.4) { cy.zoom(1.4); cy.center(); } }
      renderList();
      if (data.trace) {
        say("The " + data.trace + ": " + data.nodes.length + " wallet(s), " + data.edges.length + " flow(s)" +
            (data.left_out ? "; " + data.left_out + " smaller wallet(s) not drawn." : "."));
        if (data.nodes.length) select(data.nodes[0].id);
        return;
      }
      say(data.saved ? "Opened the graph saved " + data.saved.saved_utc + " by " + data.saved.operator + "."
                     : data.nodes.length + " node(s) to start with. Select one and expand it.");
      if (data.nodes.length) select(data.nodes[0].id);
    } catch (error) {
      say("Could not open the graph: " + error.message);
    }
  }

  document.getElementById("add-node").addEventListener("submit", async (event) => {
    event.preventDefault();
    const input = document.getElementById("add-node-text");
    const text = input.value.trim();
    const id = text.startsWith("cluster:") || text.startsWith("address:") ? text : "address:" + text;
    try {
      const data = await getJSON(api + "/node?node=" + encodeURIComponent(id));
      if (!addNode(data, null, 0, nodes.size, 1)) { say(data.caption + " is already on the graph."); select(data.id); return; }
      renderList(); select(data.id); input.value = "";
      say(data.caption + " added. Select it and expand it.");
    } catch (error) { say("Could not add it: " + error.message); }
  });
  document.getElementById("save-graph").addEventListener("click", save);
  document.getElementById("fit-graph").addEventListener("click", () => cy && cy.fit(undefined, 30));
  document.getElementById("layout-graph").addEventListener("click", arrange);
  window.cointrailGraph = {nodes: nodes, edges: edges, expand: expand, select: select};
  start();
})();
