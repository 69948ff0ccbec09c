"""A graph as the investigator arranged it, kept in the case: write-once evidence, logged.

Each save is a new JSON document (nodes with their position, pinned and collapsed state and notes;
edges with their amounts and reasons) stored under its SHA-256 and recorded in the custody log as
``graph.save``; nothing is overwritten, so every earlier arrangement stays in the case. The latest is
read back only after its hash is checked against the log.
"""

from __future__ import annotations

from typing import Any

from cointrail import __version__
from cointrail.cases.case import Case
from cointrail.cases.custody import utc_now
from cointrail.cases.kept import keep_document, kept, read_document
from cointrail.errors import InputError
from cointrail.graph.neighbourhood import MAX_TRANSACTIONS

GRAPH_FORMAT = "cointrail-graph/1"
SAVE_ACTION = "graph.save"
SUFFIX = ".graph.json"
MAX_NODES, MAX_EDGES, MAX_NOTE, MAX_TEXT = 2000, 5000, 4000, 300
_NODE_KEYS = ("id", "kind", "caption", "role", "cluster_id", "size", "address", "x", "y", "pinned", "collapsed",
              "note", "labels", "added_by", "parent")  # fmt: skip
_EDGE_KEYS = ("id", "source", "target", "amount", "amount_coin", "transactions", "txids", "reason", "coinjoin",
              "fiat", "first_time", "last_time", "items", "older")  # fmt: skip
MAX_ITEMS = 500  # transactions listed on one edge
MAX_OLDER = MAX_TRANSACTIONS  # older transactions an edge carries for the timeline: a hop reads no more


def _text(value: Any, limit: int, what: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise InputError(f"the {what} must be text")
    if len(value) > limit:
        raise InputError(f"the {what} is too long ({len(value):,} characters; at most {limit:,})")
    return value


def _number(value: Any, what: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InputError(f"the {what} must be a number")
    return round(float(value), 2)


def _node(item: Any) -> dict[str, Any]:
    if not isinstance(item, dict) or not isinstance(item.get("id"), str) or not item["id"]:
        raise InputError("every node of a saved graph needs an id")
    node = {k: item.get(k) for k in _NODE_KEYS if k in item}
    node["id"] = _text(item["id"], MAX_TEXT, "node id")
    node["note"] = _text(item.get("note"), MAX_NOTE, f"note of {node['id']}")
    node["caption"] = _text(item.get("caption"), MAX_TEXT, f"caption of {node['id']}")
    node["x"], node["y"] = _number(item.get("x"), "x position"), _number(item.get("y"), "y position")
    node["pinned"], node["collapsed"] = bool(item.get("pinned")), bool(item.get("collapsed"))
    node["added_by"] = _text(item.get("added_by"), MAX_TEXT, f"origin of {node['id']}") or None
    if "parent" in item:  # a wallet drawn inside the site's node
        node["parent"] = _text(item.get("parent"), MAX_TEXT, f"group of {node['id']}") or None
    return node


def _edge(item: Any, ids: set[str]) -> dict[str, Any]:
    if not isinstance(item, dict) or item.get("source") not in ids or item.get("target") not in ids:
        raise InputError("every edge of a saved graph must join two of its nodes")
    items = item.get("items")
    if items is not None and (not isinstance(items, list) or len(items) > MAX_ITEMS):
        raise InputError(f"an edge of a saved graph lists at most {MAX_ITEMS} transactions")
    older = item.get("older")
    if older is not None and (not isinstance(older, list) or len(older) > MAX_OLDER
                              or not all(isinstance(row, list) and len(row) == 5 for row in older)):  # fmt: skip
        raise InputError(f"an edge of a saved graph carries at most {MAX_OLDER:,} older transactions, each as "
                         "[time, amount, value, currency, price source]")  # fmt: skip
    return {k: item.get(k) for k in _EDGE_KEYS if k in item}


def graph_document(case: Case, graph: dict[str, Any]) -> dict[str, Any]:
    """The evidence document of a graph, checked (raises :class:`InputError` on bad input)."""
    nodes, edges = graph.get("nodes"), graph.get("edges")
    if not isinstance(nodes, list) or not isinstance(edges, list):
        raise InputError("a graph needs a list of nodes and a list of edges")
    if len(nodes) > MAX_NODES or len(edges) > MAX_EDGES:
        raise InputError(f"a saved graph holds at most {MAX_NODES:,} nodes and {MAX_EDGES:,} edges")
    checked = [_node(n) for n in nodes]
    ids = {n["id"] for n in checked}
    return {
        "format": GRAPH_FORMAT, "case": case.name, "operator": case.operator, "saved_utc": utc_now(),
        "tool": f"cointrail {__version__}", "title": _text(graph.get("title"), MAX_TEXT, "title"),
        "unit": _text(graph.get("unit"), 20, "unit"), "nodes": checked, "edges": [_edge(e, ids) for e in edges],
    }  # fmt: skip


def save_graph(case: Case, graph: dict[str, Any]) -> dict[str, Any]:
    """Store ``graph`` in the case as a new evidence file, logged; return where, its hash and log entry."""
    document = graph_document(case, graph)
    entry = keep_document(case, document, SUFFIX, SAVE_ACTION, indent=2)
    return {"case": case.name, "path": entry["object"], "sha256": entry["sha256"], "log_seq": entry["seq"],
            "saved_utc": document["saved_utc"], "nodes": len(document["nodes"]), "edges": len(document["edges"])}


def saved_graphs(case: Case) -> list[dict[str, Any]]:
    """Every graph saved in the case, oldest first: the custody-log entries that recorded them."""
    return kept(case, lambda action: action == SAVE_ACTION)


def latest_graph(case: Case) -> dict[str, Any] | None:
    """The newest saved graph, after checking its file against the hash in the log; None when none was saved."""
    saves = saved_graphs(case)
    if not saves:
        return None
    return {**read_document(case, saves[-1], "saved graph"), "evidence": saves[-1]}
