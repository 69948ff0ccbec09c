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
  const SITE = "site:captured";  // the site's wallets drawn as one node (cointrail.graph.site_node)
  let siteWallets = [];  // the wallets the site's node stands for, as the API describes them
  const timeline = {from: null, until: null, min: null, max: null};  // the dates the picture keeps (unix s)

  function say(text) { statusLine.textContent = text; }

  // "1 arrow", "3 arrows": a count with its noun, never "arrow(s)".
  function counted(n, noun, plural) { return n + " " + (n === 1 ? noun : (plural || noun + "s")); }

  function day(unix) { return new Date(unix * 1000).toISOString().slice(0, 10); }

  function when(first, last) {
    if (first === undefined || first === null) return "";
    const a = day(first), b = day(last === undefined || last === null ? first : last);
    return a === b ? a : a + " to " + b;
  }

  function fiatText(fiat) {
    if (!fiat || fiat.value === undefined || fiat.value === null) return "";
    return Number(fiat.value).toLocaleString("en-US", {minimumFractionDigits: 2, maximumFractionDigits: 2}) + " " + fiat.currency;
  }

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
  let edgesChanged = 0;  // counts changes to the arrows, so what is worked out from all of them is redone

  function label(n) {
    const marks = [];
    if (n.pinned) marks.push("pinned");
    if (n.note) marks.push("note");
    return n.caption + "\n[" + n.role + "]" + (marks.length ? " (" + marks.join(", ") + ")" : "");
  }

  // An arrow's money over time, built once per arrow: its transactions' times in order with running totals (coin
  // in base units, dollars in cents, those with no price, each price source), so the money between any two dates
  // is two binary searches and a subtraction. An arrow of many transactions lists the newest one by one (items)
  // and carries every older one as [time, amount_coin, value, currency, source] (older): all of its money counts.
  const seriesOf = new WeakMap();

  function decimalsOf(text) { return (String(text).split(".")[1] || "").length; }

  function baseUnits(text, decimals) {
    const [whole, fraction] = String(text).split(".");
    return BigInt(whole + (fraction || "").padEnd(decimals, "0"));
  }

  // Coins as exact decimal text ("0.25000000") from base units: BigInt, so 18-decimal tokens stay exact.
  function coinText(units, decimals) {
    const digits = units.toString().padStart(decimals + 1, "0");
    return decimals ? digits.slice(0, -decimals) + "." + digits.slice(-decimals) : digits;
  }

  function series(e) {
    let s = seriesOf.get(e);
    if (s) return s;
    const rows = (e.older || []).map((r) => ({time: r[0], amount_coin: r[1], value: r[2], currency: r[3], source: r[4]}))
      .concat((e.items || []).map((i) => Object.assign({time: i.time, amount_coin: i.amount_coin},
                                                       i.fiat || {value: null, currency: null, source: null})));
    const decimals = rows.reduce((d, r) => Math.max(d, decimalsOf(r.amount_coin)), decimalsOf(e.amount_coin || "0"));
    s = {times: new Float64Array(rows.length), units: [0n], cents: [0], unpriced: [0], sources: new Map(),
         decimals: decimals, listedFrom: rows.length - (e.items || []).length,
         currency: (rows.find((r) => r.currency) || {}).currency};
    rows.forEach((r, k) => {
      s.times[k] = r.time;
      s.units.push(s.units[k] + baseUnits(r.amount_coin, decimals));
      s.cents.push(s.cents[k] + (r.value === null || r.value === undefined ? 0 : Math.round(r.value * 100)));
      s.unpriced.push(s.unpriced[k] + (r.value === null || r.value === undefined ? 1 : 0));
    });
    for (const source of new Set(rows.map((r) => r.source).filter((r) => r))) {  // a few sources: one pass each
      const counts = new Int32Array(rows.length + 1);
      rows.forEach((r, k) => { counts[k + 1] = counts[k] + (r.source === source ? 1 : 0); });
      s.sources.set(source, counts);
    }
    seriesOf.set(e, s);
    return s;
  }

  function firstAtOrAfter(times, t) {  // the index of the first time >= t (times in order)
    let lo = 0, hi = times.length;
    while (lo < hi) { const mid = (lo + hi) >> 1; if (times[mid] < t) lo = mid + 1; else hi = mid; }
    return lo;
  }

  // What an arrow shows within the timeline's dates: its money in coin and fiat, its dates, its transactions.
  // Without a list of its transactions (a trace's arrows) the whole arrow counts. Worked out once per arrow for
  // each position of the sliders (shownNow), however many times the picture, the list and the labels ask.
  let shownNow = {key: null, views: new WeakMap()};

  function timelineKey() { return timeline.from === null ? "all" : timeline.from + "-" + timeline.until; }

  function shown(e) {
    const key = timelineKey();
    if (shownNow.key !== key) shownNow = {key: key, views: new WeakMap()};
    let v = shownNow.views.get(e);
    if (!v) { v = shownWithin(e); shownNow.views.set(e, v); }
    return v;
  }

  function shownWithin(e) {
    const items = e.items || [];
    const all = {amount_coin: e.amount_coin, fiat: e.fiat, transactions: e.transactions, first_time: e.first_time,
                 last_time: e.last_time, items: items, whole: true, visible: true};
    if (!items.length || timeline.from === null) return all;
    const s = series(e), n = s.times.length;
    const lo = firstAtOrAfter(s.times, timeline.from), hi = firstAtOrAfter(s.times, timeline.until + 1);
    if (lo === 0 && hi === n && (e.transactions || n) === n) return all;
    const kept = hi - lo;
    const sources = Array.from(s.sources).filter(([, counts]) => counts[hi] - counts[lo] > 0).map(([source]) => source).sort();
    const fiat = kept && s.unpriced[hi] - s.unpriced[lo] === 0 && s.currency ?
      {currency: s.currency, value: (s.cents[hi] - s.cents[lo]) / 100, source: sources.join("; ")} : null;
    const units = s.units[hi] - s.units[lo];  // the base units too, so an exported view's amount is the dates' own
    const v = {amount: Number(units), amount_coin: coinText(units, s.decimals), fiat: fiat, transactions: kept,
               first_time: kept ? s.times[lo] : null, last_time: kept ? s.times[hi - 1] : null,
               items: items.slice(Math.max(lo - s.listedFrom, 0), Math.max(hi - s.listedFrom, 0)), whole: false,
               visible: kept > 0};
    v.txids = v.items.slice(0, (e.txids || []).length).map((i) => i.txid);  // named ones within the dates only
    if (e.older) v.older = e.older.slice(Math.min(lo, s.listedFrom), Math.min(hi, s.listedFrom));
    return v;
  }

  function edgeLabel(e) {
    const v = shown(e);
    const money = v.amount_coin + " " + unit + (v.fiat ? " · " + fiatText(v.fiat) : "");
    const facts = [when(v.first_time, v.last_time), v.transactions ? counted(v.transactions, "tx", "tx") : ""]
      .filter((t) => t).join(" · ");
    return facts ? money + "\n" + facts : money;
  }

  function weight(amountCoin) {  // the edge's amount_coin, in the chain's own decimals (the server writes it)
    const coins = Math.max(Number(amountCoin || 0), 0.00000001);
    return Math.min(14, 1.5 + 2 * Math.log10(1 + coins * 100));
  }

  function addNode(n, near, side, index, count) {
    if (nodes.has(n.id)) return false;
    const node = Object.assign({note: "", pinned: false, collapsed: false, labels: []}, n);
    if (n.added_by && !n.addedBy) node.addedBy = n.added_by;  // as saved in the case
    if (n.id === SITE && n.wallets) siteWallets = n.wallets;
    // A wallet of the site drawn while the site's node is: inside it.
    if (!node.parent && nodes.has(SITE) && (siteWallets.some((w) => w.id === n.id))) node.parent = SITE;
    if (node.parent && !nodes.has(node.parent)) delete node.parent;
    nodes.set(node.id, node);
    if (cy) {
      let position = (node.x !== undefined && node.x !== null) ? {x: node.x, y: node.y} : null;
      if (!position && near) {
        const at = cy.getElementById(near).position();
        position = free({x: at.x + side * 300, y: at.y + (index - (count - 1) / 2) * 110});
      }
      const data = {id: node.id, label: label(node), role: node.role};
      if (node.parent) data.parent = node.parent;
      const added = cy.add({group: "nodes", data: data, position: position || free({x: 0, y: index * 110})});
      if (node.pinned) added.lock();
    }
    return true;
  }

  function free(position) {
    // The first place at or below ``position`` that no node occupies with its name (up to 3 lines under it),
    // so new nodes and their labels never hide old ones.
    const taken = (p) => cy.nodes(":childless").some((n) => Math.abs(n.position("x") - p.x) < 230 &&
                                                          Math.abs(n.position("y") - p.y) < 100);
    const p = {x: position.x, y: position.y};
    while (taken(p)) p.y += 110;
    return p;
  }

  function addEdge(e) {
    if (edges.has(e.id) || !nodes.has(e.source) || !nodes.has(e.target)) return;
    edges.set(e.id, e);
    edgesChanged += 1;
    if (cy) {
      cy.add({group: "edges", data: {id: e.id, source: e.source, target: e.target, label: edgeLabel(e),
                                     width: weight(e.amount_coin), coinjoin: e.coinjoin ? "yes" : "no"}});
    }
  }

  function removeNode(id) {
    for (const child of Array.from(nodes.values())) if (child.parent === id) removeNode(child.id);
    nodes.delete(id);
    for (const [key, e] of edges) if (e.source === id || e.target === id) { edges.delete(key); edgesChanged += 1; }
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
      renderTimeline();
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
    renderTimeline();
    say(doomed.size ? "Collapsed: " + counted(doomed.size, "node") + " hidden." : "Nothing to collapse.");
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
      renderTimeline(); renderList(); select(data.id);
      say(data.caption + " added from the summary.");
    } catch (error) { say("Could not add it: " + error.message); }
  }

  function nodeRecord(n) {
    const at = cy ? cy.getElementById(n.id).position() : {x: null, y: null};
    const record = {id: n.id, kind: n.kind, caption: n.caption, role: n.role, cluster_id: n.cluster_id,
                    size: n.size, address: n.address, x: at.x, y: at.y, pinned: n.pinned,
                    collapsed: n.collapsed, note: n.note, labels: n.labels, added_by: n.addedBy || null};
    if (n.parent) record.parent = n.parent;
    return record;
  }

  async function save() {
    const payload = {title: "flow graph of " + caseName, unit: unit, nodes: [], edges: Array.from(edges.values())};
    for (const n of nodes.values()) payload.nodes.push(nodeRecord(n));
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
    if (n.id === SITE) {
      const open = Array.from(nodes.values()).some((m) => m.parent === SITE);
      box.append(open ? button("Hide the site's wallets", () => hideSiteWallets(), {"aria-label": "hide the site's wallets", class: "site-wallets"})
                      : button("Show the site's wallets", () => showSiteWallets(), {"aria-label": "show the site's wallets", class: "site-wallets"}));
    }
    if (n.kind !== "summary") {
      // A button's name holds its visible words (speech users say what they see), then whose it is.
      const forward = "Expand forward (where the money went)", backward = "Expand backward (where it came from)";
      box.append(button(compact ? "→ forward" : forward, () => expand(n.id, "forward"),
                        {"aria-label": compact ? "expand " + n.caption + " forward" : forward + ": " + n.caption, class: "expand-forward"}));
      box.append(button(compact ? "← backward" : backward, () => expand(n.id, "backward"),
                        {"aria-label": compact ? "expand " + n.caption + " backward" : backward + ": " + n.caption, class: "expand-backward"}));
    }
    box.append(button("Collapse", () => collapse(n.id), {"aria-label": "collapse " + n.caption}));
    box.append(button(n.pinned ? "Unpin" : "Pin", () => togglePin(n.id), {"aria-label": (n.pinned ? "unpin " : "pin ") + n.caption}));
    if (compact) box.append(button("Select", () => select(n.id), {"aria-label": "select " + n.caption}));
    return box;
  }

  async function showSiteWallets() {
    try {
      if (!siteWallets.length) siteWallets = (await getJSON(api + "/node?node=" + encodeURIComponent(SITE))).wallets || [];
      const fresh = siteWallets.filter((w) => !nodes.has(w.id));
      const at = cy ? Object.assign({}, cy.getElementById(SITE).position()) : null;
      fresh.forEach((w, i) => addNode(Object.assign({parent: SITE, addedBy: SITE}, w,
                                                    at ? {x: at.x, y: at.y + (i - (fresh.length - 1) / 2) * 110} : {}),
                                      null, 0, i, fresh.length));
      // Wallets already drawn elsewhere move inside the site's node.
      siteWallets.forEach((w) => { const m = nodes.get(w.id); if (m && !m.parent) { m.parent = SITE; if (cy) cy.getElementById(w.id).move({parent: SITE}); } });
      if (cy && fresh.length) { cy.fit(undefined, 30); if (cy.zoom() > 1.4) { cy.zoom(1.4); cy.center(); } }
      renderTimeline(); renderList(); select(SITE);
      say("The site's " + counted(siteWallets.length, "wallet") + " shown inside its node: select one to expand it alone.");
    } catch (error) { say("Could not show the site's wallets: " + error.message); }
  }

  function hideSiteWallets() {
    const inside = Array.from(nodes.values()).filter((m) => m.parent === SITE);
    inside.forEach((m) => { if (m.pinned) { m.parent = undefined; if (cy) cy.getElementById(m.id).move({parent: null}); } else removeNode(m.id); });
    renderTimeline(); renderList(); select(SITE);
    say("The site's wallets are drawn as one node again.");
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
    if (n.id === SITE && siteWallets.length) fact("Wallets", siteWallets.map((w) => w.caption).join("; "));
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
      panelBody.append(el("h3", "Money in and out (" + counted(linked.length, "arrow") + ")"));
      const ul = el("ul", null, {class: "edge-list"});
      linked.forEach((e) => {
        const other = nodes.get(e.source === id ? e.target : e.source);
        const name = other ? other.caption : "?";
        const li = el("li", (e.source === id ? "to " : "from ") + name + ": " + edgeLabel(e).replace("\n", ", ") + ". ");
        li.append(el("small", e.reason || ""), " ");
        li.append(button("Its transactions", () => selectEdge(e.id),
                         {"aria-label": "Its transactions, " + (e.source === id ? "to " : "from ") + name, class: "edge-open"}));
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

  // An arrow's transaction view: each transaction it stands for, with its time and the money it moved, in coin
  // and at that day's price; those outside the timeline's dates are listed apart.
  function selectEdge(id) {
    const e = edges.get(id);
    if (!e) return;
    selected = null;
    if (cy) { cy.elements().unselect(); cy.getElementById(id).select(); }
    panelHint.hidden = true;
    const from = nodes.get(e.source), to = nodes.get(e.target);
    const v = shown(e);
    panelTitle.textContent = "Money moved: " + v.amount_coin + " " + unit + (v.fiat ? " (" + fiatText(v.fiat) + ")" : "");
    panelBody.replaceChildren(el("p", "From " + (from ? from.caption : e.source) + " to " + (to ? to.caption : e.target) + ". " + (e.reason || "")));
    if (!v.whole) panelBody.append(el("p", "Within the timeline's dates: " + counted(v.transactions, "transaction") + " of " + e.transactions + ".", {class: "note"}));
    const items = e.items || [];
    if (items.length) {
      const table = el("table", null, {class: "data edge-transactions"});
      table.append(el("caption", "Its transactions (each can be checked on any block explorer)"));
      const head = el("tr");
      ["Time (UTC)", "Transaction", "Amount (" + unit + ")", "Value"].forEach((h) => head.append(el("th", h, {scope: "col"})));
      const body = el("tbody");
      items.forEach((i) => {
        const inside = timeline.from === null || (i.time >= timeline.from && i.time <= timeline.until);
        const row = el("tr", null, inside ? {} : {class: "outside-dates"});
        const link = el("td"); link.append(txLink(i.txid));
        row.append(el("td", new Date(i.time * 1000).toISOString().replace(".000Z", "Z") + (inside ? "" : " (outside the dates)")),
                   link, el("td", i.amount_coin), el("td", i.fiat ? fiatText(i.fiat) + " at " + i.fiat.price + " on " + i.fiat.price_date : "no price for that day"));
        body.append(row);
      });
      const thead = el("thead"); thead.append(head);
      table.append(thead, body);
      panelBody.append(table);
      if (e.transactions > items.length) panelBody.append(el("p", "The " + counted(e.transactions - items.length, "older transaction") + " of this arrow are not listed.", {class: "note"}));
      const sources = Array.from(new Set(items.filter((i) => i.fiat).map((i) => i.fiat.source)));
      if (sources.length) panelBody.append(el("p", "Prices: " + sources.join("; ") + ".", {class: "note"}));
    } else if (e.txids && e.txids.length) {
      panelBody.append(el("h3", "Transactions (check them on any block explorer)"));
      const ul = el("ul");
      e.txids.forEach((t) => ul.append(el("li", null).appendChild(txLink(t)).parentNode));
      if (e.transactions > e.txids.length) ul.append(el("li", "… and " + (e.transactions - e.txids.length) + " more"));
      panelBody.append(ul);
    }
    const back = el("p");
    if (from) back.append(button("Back to " + from.caption, () => select(from.id), {class: "edge-back"}));
    panelBody.append(back);
  }

  function renderList() {
    listBody.replaceChildren();
    for (const n of nodes.values()) {
      const row = el("tr", null, {"data-node": n.id});
      const name = el("td");
      const link = pageLink(n);
      name.append(link ? el("a", n.caption, {href: link}) : el("span", n.caption));
      if (n.note) name.append(el("small", " — note: " + n.note));
      if (n.parent) name.append(el("small", " (inside the site's node)"));
      if (outside(n.id)) { row.classList.add("outside-dates"); name.append(el("small", " — no money in the timeline's dates")); }
      const role = el("td");
      role.append(el("span", n.role, {class: "badge role-" + n.role}));
      const acts = el("td");
      acts.append(actions(n, true));
      row.append(name, role, acts);
      listBody.append(row);
    }
  }

  // --- the timeline: the dates of the money drawn; the picture keeps what moved between two of them -------
  const fromInput = document.getElementById("timeline-from"), untilInput = document.getElementById("timeline-until");
  const timelineStatus = document.getElementById("timeline-status");
  const DAY = 86400;
  let step = DAY;  // the sliders' step: a day over long spans, down to a second over a few minutes (a test chain)

  function moment(unix) {  // a slider's value in words: the day, or the second when the span is short
    return step >= DAY ? day(unix) : new Date(unix * 1000).toISOString().replace(".000Z", "Z");
  }

  function edgeSpan(e) {  // the first and last time money moved along the arrow, or null
    if (e.items && e.items.length) { const t = series(e).times; return [t[0], t[t.length - 1]]; }
    const known = [e.first_time, e.last_time].filter((t) => t !== undefined && t !== null);
    return known.length ? [Math.min(...known), Math.max(...known)] : null;
  }

  // Which nodes have arrows, and which of them money moved along within the dates: one pass over the arrows for
  // each position of the sliders, not one per node.
  let linkedNow = {key: null, linked: new Set(), moved: new Set()};

  function outside(id) {
    // A node is left out when money moved along its arrows, but none of it in the timeline's dates (the site
    // and its wallets always stay: the graph is about them).
    if (timeline.from === null || id === SITE || (nodes.get(id) || {}).parent) return false;
    const key = timelineKey() + "|" + edgesChanged;
    if (linkedNow.key !== key) {
      linkedNow = {key: key, linked: new Set(), moved: new Set()};
      for (const e of edges.values()) {
        linkedNow.linked.add(e.source); linkedNow.linked.add(e.target);
        if (shown(e).visible) { linkedNow.moved.add(e.source); linkedNow.moved.add(e.target); }
      }
    }
    return linkedNow.linked.has(id) && !linkedNow.moved.has(id);
  }

  function renderTimeline() {
    let first = Infinity, last = -Infinity;
    for (const e of edges.values()) {
      const span = edgeSpan(e);
      if (span) { first = Math.min(first, span[0]); last = Math.max(last, span[1]); }
    }
    if (first === Infinity) {
      fromInput.disabled = untilInput.disabled = true;
      timelineStatus.textContent = "No arrow with dates yet: expand a node to see when its money moved.";
      return;
    }
    step = last - first >= 14 * DAY ? DAY : Math.max(1, Math.ceil((last - first) / 500));
    const min = step >= DAY ? Math.floor(first / DAY) * DAY : first;
    const max = min + Math.ceil((last - min) / step) * step;
    const wasFull = timeline.min === null || (Number(fromInput.value) <= timeline.min && Number(untilInput.value) >= timeline.max);
    timeline.min = min; timeline.max = max;
    for (const input of [fromInput, untilInput]) {
      input.disabled = false; input.min = String(min); input.max = String(max); input.step = String(step);
    }
    if (wasFull) { fromInput.value = String(min); untilInput.value = String(max); }
    applyTimeline();
  }

  function applyTimeline() {
    if (Number(fromInput.value) > Number(untilInput.value)) {
      if (document.activeElement === fromInput) untilInput.value = fromInput.value; else fromInput.value = untilInput.value;
    }
    const from = Number(fromInput.value), until = Number(untilInput.value);
    const full = from <= timeline.min && until >= timeline.max;
    timeline.from = full ? null : from;
    timeline.until = full ? null : until + step - 1;
    fromInput.setAttribute("aria-valuetext", moment(from));
    untilInput.setAttribute("aria-valuetext", moment(until));
    document.getElementById("timeline-from-text").textContent = moment(from);
    document.getElementById("timeline-until-text").textContent = moment(until);
    let arrows = 0, nodesKept = 0;
    for (const e of edges.values()) {
      const v = shown(e);
      if (v.visible) arrows += 1;
      if (cy) { const c = cy.getElementById(e.id); c.data("label", edgeLabel(e)); c.toggleClass("filtered", !v.visible); }
    }
    for (const n of nodes.values()) {
      const out = outside(n.id);
      if (!out) nodesKept += 1;
      if (cy) cy.getElementById(n.id).toggleClass("filtered", out);
    }
    timelineStatus.textContent = (full ? "All dates, " : "From " + moment(from) + " to " + moment(until) + ": ") +
      counted(arrows, "arrow") + " of " + edges.size + " and " + counted(nodesKept, "node") + " of " + nodes.size + " shown.";
  }

  function onTimeline() { applyTimeline(); renderList(); }
  fromInput.addEventListener("input", onTimeline);
  untilInput.addEventListener("input", onTimeline);

  // --- export of the view: what the picture shows now, kept in the case ------------------------------------
  function view() {
    const kept = Array.from(nodes.values()).filter((n) => !outside(n.id));
    const ids = new Set(kept.map((n) => n.id));
    const arrows = Array.from(edges.values()).filter((e) => shown(e).visible && ids.has(e.source) && ids.has(e.target))
      .map((e) => Object.assign({}, e, shown(e), {whole: undefined, visible: undefined}));
    const dates = timeline.from === null ? "all dates" : "money moved " + moment(timeline.from) + " to " + moment(timeline.until);
    return {title: "flow graph of " + caseName + " (" + dates + ")", unit: unit, nodes: kept.map(nodeRecord), edges: arrows};
  }

  async function exportView(format) {
    const body = {format: format, graph: view()};
    if (format === "png") {
      if (!cy) { say("The picture is not available, so it cannot be exported as PNG; SVG and GraphML still can."); return; }
      body.png = cy.png({output: "base64uri", full: true, bg: "#ffffff", scale: 1.5, maxWidth: 6000, maxHeight: 6000});
    }
    say("Exporting the view as " + format.toUpperCase() + "…");
    try {
      const data = await getJSON(api + "/export", {method: "POST", headers: {"Content-Type": "application/json"},
                                                   body: JSON.stringify(body)});
      const result = document.getElementById("export-result");
      const li = el("li", format.toUpperCase() + ": " + data.path + " (SHA-256 " + data.sha256.slice(0, 16) + "…, custody log entry " + data.log_seq + ") ");
      li.append(el("a", "Download", {href: data.download, class: "export-download", "data-format": format}));
      result.append(li);
      say("Exported the view as " + format.toUpperCase() + " into the case (" + counted(data.nodes, "node") + ", " +
          counted(data.edges, "arrow") + "), custody log entry " + data.log_seq + ".");
    } catch (error) { say("Could not export: " + error.message); }
  }

  // Pairs of nodes whose names overlap on the picture (the layout keeps them apart; the tests check it).
  function overlaps() {
    if (!cy) return 0;
    const boxes = cy.nodes(":childless").filter((n) => !n.hasClass("filtered")).map((n) => n.boundingBox({includeLabels: true}));
    let count = 0;
    for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) {
      const a = boxes[i], b = boxes[j];
      if (a.x1 < b.x2 && b.x1 < a.x2 && a.y1 < b.y2 && b.y1 < a.y2) count += 1;
    }
    return count;
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
          "text-rotation": "autorotate", "text-background-color": "#fff", "text-background-opacity": 0.85,
          "text-wrap": "wrap", "color": "#111", "min-zoomed-font-size": 7}},
        {selector: "edge[coinjoin = 'yes']", style: {"line-style": "dashed"}},
        {selector: "node:parent", style: {"shape": "round-rectangle", "background-color": "#b3261e", "background-opacity": 0.07,
          "border-color": "#b3261e", "border-width": 3, "text-valign": "top", "padding": 24}},
        {selector: ".filtered", style: {"display": "none"}},
        {selector: "edge:selected", style: {"line-color": "#f5a400", "target-arrow-color": "#f5a400"}},
      ],
    });
  }

  function arrange() {
    if (!cy) return;
    // Names are part of each node's size, so the layout keeps them apart.
    cy.layout({name: "breadthfirst", directed: true, spacingFactor: 1.2, fit: true, padding: 30, avoidOverlap: true,
               nodeDimensionsIncludeLabels: true, roots: cy.nodes(":childless").roots()}).run();
  }

  // The picture from the keyboard: arrows walk the nodes, F and B expand the selected one, T opens its first arrow.
  function onPictureKey(event) {
    const ids = Array.from(nodes.keys()).filter((i) => !outside(i));
    if (!ids.length) return;
    const at = Math.max(0, ids.indexOf(selected));
    const keys = {ArrowRight: 1, ArrowDown: 1, ArrowLeft: -1, ArrowUp: -1};
    if (event.key in keys) {
      const next = ids[(at + keys[event.key] + ids.length) % ids.length];
      select(next);
      if (cy) cy.center(cy.getElementById(next));
      say("Selected " + nodes.get(next).caption + " (" + (ids.indexOf(next) + 1) + " of " + ids.length + ").");
    } else if ((event.key === "f" || event.key === "b") && selected) {
      expand(selected, event.key === "f" ? "forward" : "backward");
    } else if (event.key === "t" && selected) {
      const first = Array.from(edges.values()).find((e) => e.source === selected || e.target === selected);
      if (first) selectEdge(first.id);
    } else {
      return;
    }
    event.preventDefault();
  }

  async function start() {
    document.getElementById("cy").addEventListener("keydown", onPictureKey);
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
      renderTimeline();
      const fromSave = data.saved && data.nodes.some((n) => n.x !== null && n.x !== undefined);
      if (cy && data.trace) arrange();
      if (cy) { cy.fit(undefined, 30); if (cy.zoom() > 1.4) { cy.zoom(1.4); cy.center(); } }
      renderList();
      if (data.trace) {
        say("The " + data.trace + ": " + counted(data.nodes.length, "wallet") + ", " + counted(data.edges.length, "flow") +
            (data.left_out ? "; " + counted(data.left_out, "smaller wallet") + " not drawn." : "."));
        if (data.nodes.length) select(data.nodes[0].id);
        return;
      }
      say(data.saved ? "Opened the graph saved " + data.saved.saved_utc + " by " + data.saved.operator + "."
                     : counted(data.nodes.length, "node") + " to start with. Select one and expand it.");
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
  document.querySelectorAll("button[data-export]").forEach((b) => b.addEventListener("click", () => exportView(b.dataset.export)));
  window.cointrailGraph = {nodes: nodes, edges: edges, expand: expand, select: select, overlaps: overlaps, view: view};
  start();
})();
