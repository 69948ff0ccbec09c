"""The graph as drawn, exported for a report or another tool: PNG, SVG and GraphML, each kept in the case.

The view the investigator sees (the nodes and arrows left by the timeline's dates, where they were placed) is
checked as a saved graph is (:func:`cointrail.graph.saved.graph_document`), then written as

* **SVG**, drawn here from the view (every node's name, role and each arrow's amount, dates and count as text),
* **GraphML**, for Gephi, yEd or Neo4j (every node and edge attribute, the transactions of each edge named),
* **PNG**, the picture exactly as the browser drew it (the browser sends it; its signature and size are checked).

Each file is write-once evidence under its SHA-256, logged ``graph.export`` in the custody log, with the view's
dates in its title; nothing is overwritten.
"""

from __future__ import annotations

import base64
import binascii
import io
import math
from typing import Any
from xml.sax.saxutils import escape, quoteattr

import networkx as nx

from cointrail.cases.case import Case
from cointrail.errors import InputError
from cointrail.graph.saved import graph_document
from cointrail.times import utc_iso

EXPORT_ACTION = "graph.export"
FORMATS = {"png": ".graph.png", "svg": ".graph.svg", "graphml": ".graphml"}
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
MAX_PNG_BYTES = 25_000_000
MAX_PNG_SIDE = 12_000
# The colours of the roles, as the page draws them (graph.js); the role is written beside each node too.
COLOURS = {"sanctioned": "#000000", "site": "#b3261e", "mixer": "#7b3fa0", "exchange": "#1f6f3f",
           "service": "#9a6700", "wallet": "#3d5a80", "summary": "#6b6b6b"}  # fmt: skip


def export_graph(case: Case, view: dict[str, Any], fmt: str, png: str | None = None) -> dict[str, Any]:
    """Write the view ``view`` (nodes with positions, edges) in ``fmt`` into the case; return where, its hash and
    custody-log entry. ``png`` is the browser's picture (base64) when ``fmt`` is ``png``."""
    if fmt not in FORMATS:
        raise InputError(f"a graph is exported as PNG, SVG or GraphML, not {fmt!r}")
    document = graph_document(case, view)
    if fmt == "png":
        data = png_bytes(png)
    elif fmt == "svg":
        data = graph_svg(document).encode("utf-8")
    else:
        data = graph_graphml(document).encode("utf-8")
    kept = case.add_evidence(data, FORMATS[fmt], EXPORT_ACTION)
    return {"case": case.name, "format": fmt, "path": kept.object, "sha256": kept.sha256, "log_seq": kept.entry["seq"],
            "bytes": len(data), "nodes": len(document["nodes"]), "edges": len(document["edges"])}  # fmt: skip


def png_bytes(text: str | None) -> bytes:
    """The browser's picture: base64 (a ``data:image/png;base64,`` prefix allowed), a PNG of sane size."""
    if not text or not isinstance(text, str):
        raise InputError("a PNG export needs the picture the browser drew")
    if text.startswith("data:"):
        head, _, text = text.partition(",")
        if head != "data:image/png;base64":
            raise InputError("the picture must be a PNG")
    if len(text) > MAX_PNG_BYTES * 4 // 3 + 4:
        raise InputError(f"the picture is larger than {MAX_PNG_BYTES:,} bytes")
    try:
        data = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise InputError("the picture is not valid base64") from None
    if not data.startswith(PNG_SIGNATURE) or len(data) < 33 or data[12:16] != b"IHDR":
        raise InputError("the picture is not a PNG")
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    if not (0 < width <= MAX_PNG_SIDE and 0 < height <= MAX_PNG_SIDE):
        raise InputError(f"the picture is {width} x {height} pixels; at most {MAX_PNG_SIDE} on a side")
    return data


def edge_words(edge: dict[str, Any], unit: str) -> str:
    """An arrow's label: amount in coin and fiat, dates and how many transactions (as the page writes it)."""
    parts = [f"{edge.get('amount_coin') or '?'} {unit}"]
    fiat = edge.get("fiat")
    if isinstance(fiat, dict) and fiat.get("value") is not None:
        parts.append(f"{fiat['value']:,.2f} {fiat.get('currency', '')}".strip())
    first, last = edge.get("first_time"), edge.get("last_time")
    if isinstance(first, int | float) and isinstance(last, int | float):
        a, b = utc_iso(first)[:10], utc_iso(last)[:10]
        parts.append(a if a == b else f"{a} to {b}")
    if isinstance(edge.get("transactions"), int):
        parts.append(f"{edge['transactions']} tx")
    return " · ".join(parts)


def graph_svg(document: dict[str, Any]) -> str:
    """The view as an SVG picture: nodes where they were placed, arrows with their words, a title and legend."""
    nodes = {n["id"]: n for n in document["nodes"]}
    unit = str(document.get("unit") or "")
    placed = {i: (n["x"] or 0.0, n["y"] or 0.0) for i, n in nodes.items()}
    xs = [p[0] for p in placed.values()] or [0.0]
    ys = [p[1] for p in placed.values()] or [0.0]
    pad = 160
    left, top = min(xs) - pad, min(ys) - pad - 40
    width, height = max(xs) - min(xs) + 2 * pad, max(ys) - min(ys) + 2 * pad + 40
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="{left:.0f} {top:.0f} {width:.0f} {height:.0f}" '
           f'width="{width:.0f}" height="{height:.0f}" font-family="sans-serif" font-size="11">',
           f"<title>{escape(document['title'] or 'flow graph')} — case {escape(document['case'])}</title>",
           '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="8" markerHeight="8" '
           'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#555"/></marker></defs>',
           f'<rect x="{left:.0f}" y="{top:.0f}" width="{width:.0f}" height="{height:.0f}" fill="#ffffff"/>',
           f'<text x="{left + 10:.0f}" y="{top + 20:.0f}" font-size="13">{escape(_heading(document))}</text>',
           ]  # fmt: skip
    for edge in document["edges"]:
        (x1, y1), (x2, y2) = placed[edge["source"]], placed[edge["target"]]
        length = math.hypot(x2 - x1, y2 - y1) or 1.0
        ex, ey = x2 - (x2 - x1) * 20 / length, y2 - (y2 - y1) * 20 / length  # stop at the node's edge
        dash = ' stroke-dasharray="6 4"' if edge.get("coinjoin") else ""
        out.append(f'<g class="edge"><line x1="{x1:.1f}" y1="{y1:.1f}" x2="{ex:.1f}" y2="{ey:.1f}" stroke="#555" '
                   f'stroke-width="2"{dash} marker-end="url(#arrow)"/>'
                   f'<text x="{(x1 + x2) / 2:.1f}" y="{(y1 + y2) / 2 - 4:.1f}" text-anchor="middle" fill="#111">'
                   f"{escape(edge_words(edge, unit))}</text></g>")  # fmt: skip
    for node_id, node in nodes.items():
        x, y = placed[node_id]
        role = str(node.get("role") or "wallet")
        colour = COLOURS.get(role, COLOURS["wallet"])
        note = f" — note: {node['note']}" if node.get("note") else ""
        out.append(f'<g class="node" data-id={quoteattr(node_id)}><circle cx="{x:.1f}" cy="{y:.1f}" r="17" '
                   f'fill="{colour}" stroke="#111" stroke-width="2"/>'
                   f'<text x="{x:.1f}" y="{y + 32:.1f}" text-anchor="middle" fill="#111">'
                   f"{escape(str(node.get('caption') or node_id))}</text>"
                   f'<text x="{x:.1f}" y="{y + 46:.1f}" text-anchor="middle" fill="#333">[{escape(role)}]'
                   f"{escape(note)}</text></g>")  # fmt: skip
    out.append("</svg>")
    return "\n".join(out) + "\n"


def _heading(document: dict[str, Any]) -> str:
    return (f"{document['title'] or 'Flow graph'} — case {document['case']}, exported {document['saved_utc']} by "
            f"{document['operator']} ({document['tool']})")  # fmt: skip


def graph_graphml(document: dict[str, Any]) -> str:
    """The view as GraphML: every node (name, role, wallet, size, position, note, labels) and every edge (amount in
    base units and coin, fiat, first and last time, transaction count and ids, reason)."""
    graph = nx.DiGraph(case=document["case"], title=document["title"] or "flow graph", operator=document["operator"],
                       exported_utc=document["saved_utc"], tool=document["tool"])  # fmt: skip
    for node in document["nodes"]:
        labels = "; ".join(str(label.get("label")) for label in node.get("labels") or [] if isinstance(label, dict))
        graph.add_node(node["id"], **_scalars({
            "caption": node.get("caption"), "role": node.get("role"), "kind": node.get("kind"),
            "cluster_id": node.get("cluster_id"), "size": node.get("size"), "address": node.get("address"),
            "x": node.get("x"), "y": node.get("y"), "note": node.get("note") or None, "labels": labels or None}))
    for edge in document["edges"]:
        fiat = edge.get("fiat") if isinstance(edge.get("fiat"), dict) else {}
        first, last = edge.get("first_time"), edge.get("last_time")
        graph.add_edge(edge["source"], edge["target"], **_scalars({
            "amount": edge.get("amount"), "amount_coin": edge.get("amount_coin"), "fiat_value": fiat.get("value"),
            "fiat_currency": fiat.get("currency"), "fiat_source": fiat.get("source"),
            "transactions": edge.get("transactions"), "txids": ",".join(edge.get("txids") or []) or None,
            "first_utc": utc_iso(first) if isinstance(first, int | float) else None,
            "last_utc": utc_iso(last) if isinstance(last, int | float) else None,
            "coinjoin": bool(edge.get("coinjoin")), "reason": edge.get("reason")}))
    buffer = io.BytesIO()
    nx.write_graphml(graph, buffer, encoding="utf-8")
    return buffer.getvalue().decode("utf-8")


def _scalars(values: dict[str, Any]) -> dict[str, Any]:
    """The attributes GraphML can hold (text, numbers, booleans), absent ones left out (GraphML has no null)."""
    kept: dict[str, Any] = {}
    for key, value in values.items():
        if value is None:
            continue
        if isinstance(value, bool | int | float | str):
            kept[key] = value
        else:
            kept[key] = str(value)
    return kept
