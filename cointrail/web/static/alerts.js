// The alerts page's live feed: new alerts arrive as server-sent events and are shown at the top, no reload.
"use strict";

(function () {
  const live = document.getElementById("live"), list = document.getElementById("alerts");
  if (!live || !list || !window.EventSource) return;
  const url = "/cases/" + encodeURIComponent(live.dataset.case) + "/alerts/stream?after=" + live.dataset.after;
  const source = new EventSource(url, {withCredentials: true});

  const text = (tag, content, className) => {
    const node = document.createElement(tag);
    if (className) node.className = className;
    node.textContent = content;
    return node;
  };

  const render = (alert) => {
    const item = document.createElement("li");
    item.className = "alert " + (alert.urgent ? "urgent " : "") + alert.kind;
    item.id = "alert-" + alert.alert_id;
    const headline = document.createElement("p");
    headline.className = "headline";
    const mark = alert.kind === "withdrawn" ? "Withdrawn" : (alert.urgent ? "URGENT" : "Alert");
    headline.append(text("strong", mark), " " + alert.headline);
    // The transaction is a link to its page, as on the page rendered by the server.
    const meta = text("p", "Block " + alert.height + ", " + alert.block_time + " · transaction ", "meta");
    const tx = text("a", alert.txid, "txid");
    tx.href = "/cases/" + encodeURIComponent(live.dataset.case) + "/tx/" + encodeURIComponent(alert.txid);
    meta.append(tx, " · raised " + alert.raised_utc + " · kept as " + alert.evidence);
    item.append(headline, meta, text("p", "Why: " + alert.reason, "why"));
    if (alert.destinations.length) {
      const where = document.createElement("ul");
      alert.destinations.forEach((d) => where.append(text("li", d.words)));
      item.append(where);
    }
    alert.freeze_requests.forEach((r) => {
      const box = document.createElement("details");
      box.open = true;
      box.append(text("summary", "Ready freeze request for " + r.exchange), text("pre", r.text));
      item.append(box);
    });
    return item;
  };

  source.addEventListener("open", () => { live.textContent = "Live: new alerts appear here as they are raised."; });
  source.addEventListener("error", () => { live.textContent = "The live feed is interrupted; reconnecting…"; });
  source.addEventListener("alert", (event) => {
    const alert = JSON.parse(event.data);
    if (document.getElementById("alert-" + alert.alert_id)) return;
    const none = document.getElementById("no-alerts");
    if (none) none.remove();
    list.prepend(render(alert));
  });
})();
