"""Why two addresses are in one cluster: the chain of recorded links between them, in plain words."""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import breadth_first_order

from cointrail.chains.bitcoin.model import display_hash
from cointrail.heuristics.change import CHANGE_HEURISTICS
from cointrail.store.interface import ClusterReads

APPLIED_NOTE = (" The supercluster check had held this link back (it joined two large clusters); an investigator "
                "applied it after checking the transaction (see the case's custody log).")  # fmt: skip


def _sentence(link: dict[str, Any]) -> str:
    note = APPLIED_NOTE if link.get("applied") else ""
    return _plain(link) + note


def _plain(link: dict[str, Any]) -> str:
    a, b, txid, height = link["from"], link["to"], link["txid"], link["height"]
    if link["heuristic"] == "multi-input":
        return (f"{a} and {b} were spent together in transaction {txid} (block {height}), so one wallet "
                "controlled both (multi-input heuristic).")  # fmt: skip
    reason = CHANGE_HEURISTICS[link["heuristic"]].reason
    payer, change = (a, b) if link["payer_first"] else (b, a)
    return (f"transaction {txid} (block {height}) spent from {payer}, and {change} looks like its change output "
            f"because {reason}; so the same wallet probably received it back (heuristic '{link['heuristic']}', "
            "weaker than a co-spend).")  # fmt: skip


def explain_path(reads: ClusterReads, cluster_id: int, start: int, goal: int) -> list[dict[str, Any]]:
    """The links from address ``start`` to address ``goal`` (ids, same cluster), each with its sentence."""
    return explain_paths(reads, cluster_id, start, [goal])[goal]


def explain_paths(reads: ClusterReads, cluster_id: int, start: int,
                  goals: list[int]) -> dict[int, list[dict[str, Any]]]:  # fmt: skip
    """The links from ``start`` to each of ``goals`` (ids, same cluster): the cluster's links are read and
    searched once for all of them (a wallet page explains every member)."""
    rows = reads.links_of(cluster_id)
    if not rows:
        return {goal: [] for goal in goals}
    a = np.array([r[0] for r in rows], np.int64)
    b = np.array([r[1] for r in rows], np.int64)
    nodes, inverse = np.unique(np.concatenate([a, b]), return_inverse=True)
    u, v = inverse[: len(rows)], inverse[len(rows) :]
    graph = coo_matrix((np.arange(1, len(rows) + 1, dtype=np.float64), (u, v)), shape=(len(nodes),) * 2).tocsr()
    graph = graph + graph.T  # a forest: each pair appears once, so the sum keeps the link number
    if start not in nodes:
        return {goal: [] for goal in goals}
    _, predecessors = breadth_first_order(graph, int(np.searchsorted(nodes, start)), directed=False)
    return {goal: _walk_back(rows, nodes, graph, predecessors, start, goal) for goal in goals}


def _walk_back(rows: list[tuple[Any, ...]], nodes: np.ndarray, graph: Any, predecessors: np.ndarray, start: int,
               goal: int) -> list[dict[str, Any]]:  # fmt: skip
    if goal == start or goal not in nodes:
        return []
    steps, node = [], int(np.searchsorted(nodes, goal))
    while predecessors[node] >= 0:
        previous = int(predecessors[node])
        row = rows[int(graph[previous, node]) - 1]
        steps.append(_step(row, from_first=row[0] == nodes[previous]))
        node = previous
    return steps[::-1]


def _step(row: tuple[Any, ...], from_first: bool) -> dict[str, Any]:
    a_id, b_id, tx_id, heuristic, txid, height, a_text, b_text, applied = row
    a_name, b_name = a_text or f"script #{a_id}", b_text or f"script #{b_id}"
    link = {
        "from": a_name if from_first else b_name, "to": b_name if from_first else a_name,
        "heuristic": heuristic, "txid": display_hash(bytes(txid)), "height": height, "payer_first": from_first,
    }  # fmt: skip
    if applied:
        link["applied"] = True
    link["explanation"] = _sentence(link)
    del link["payer_first"]
    return link
