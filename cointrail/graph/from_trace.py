"""A finished trace drawn as the flow graph: its addresses gathered into their wallets, its flows summed.

The trace (:func:`cointrail.tracing.trace`) follows coins address by address; the investigator's graph shows
wallets. Each traced flow between two wallets becomes one edge carrying the traced (tainted) part of the money,
with its hops and transactions; flows inside one wallet (change) are left out. At most ``limit`` wallets are
drawn, those that received the most traced money (the start always), and the result says how many were left out.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from typing import Any

from cointrail.amounts import Amount
from cointrail.graph.neighbourhood import FIAT, MAX_TXIDS, coin_unit, fiat_total, fixed_text, listed, tx_item
from cointrail.graph.nodes import describe_clusters
from cointrail.prices import PriceBook
from cointrail.store.duckdb.store import LedgerStore
from cointrail.wording import counted


def trace_graph(store: LedgerStore, traced: Mapping[str, Any], limit: int = 150) -> dict[str, Any]:
    """The graph (nodes, edges) of a trace result (its ``to_dict()``), wallets instead of addresses."""
    wallet_of = {n["address"]: n["cluster_id"] for n in traced["nodes"] if n["cluster_id"] is not None}
    received: dict[int, int] = defaultdict(int)
    flows: dict[tuple[int, int], dict[str, Any]] = {}
    for edge in traced["edges"]:
        source, target = wallet_of.get(edge["from"]), wallet_of.get(edge["to"])
        if source is None or target is None or source == target:
            continue
        flow = flows.setdefault((source, target), {"taint": 0, "hops": set(), "by_tx": {}})
        flow["taint"] += edge["taint"]
        flow["hops"].add(edge["hop"])
        taint, _ = flow["by_tx"].get(edge["txid"], (0, edge["time"]))
        flow["by_tx"][edge["txid"]] = (taint + edge["taint"], edge["time"])
        received[target] += edge["taint"]
    start = {wallet_of[n["address"]] for n in traced["nodes"] if n["hop"] == 0 and n["address"] in wallet_of}
    ranked = sorted(set(received) | start, key=lambda c: (c not in start, -received.get(c, 0), c))
    shown = set(ranked[:limit])
    nodes = describe_clusters(store, shown)
    unit = coin_unit(store)
    book = PriceBook(store, FIAT)
    edges = [_edge(nodes[s], nodes[t], flow, traced, store.chain, book) for (s, t), flow in flows.items()
             if s in shown and t in shown]  # fmt: skip
    return {"nodes": [nodes[c] for c in ranked[:limit]], "edges": edges, "left_out": max(0, len(ranked) - limit),
            "unit": unit,
            "title": f"trace {traced['direction']} from {traced['start']['value']} ({traced['model']['name']})"}


def _edge(source: dict[str, Any], target: dict[str, Any], flow: dict[str, Any],
          traced: Mapping[str, Any], chain: str, book: PriceBook) -> dict[str, Any]:  # fmt: skip
    hops, txids = sorted(flow["hops"]), list(flow["by_tx"])  # the transactions in the order the trace met them
    when = f"hop {hops[0]}" if len(hops) == 1 else f"hops {hops[0]}–{hops[-1]}"
    # Each transaction with the traced money it moved along this edge, at its block's time and that day's price.
    items = sorted((tx_item(txid, time, taint, chain, book) for txid, (taint, time) in flow["by_tx"].items()),
                   key=lambda i: (i["time"], i["txid"]))  # fmt: skip
    return {
        "id": f"{source['id']}>{target['id']}", "source": source["id"], "target": target["id"],
        "amount": flow["taint"], "amount_coin": Amount(flow["taint"], chain).fixed(), "fiat": fiat_total(items),
        "first_time": items[0]["time"], "last_time": items[-1]["time"], **listed(items),
        "transactions": len(txids), "txids": txids[:MAX_TXIDS], "coinjoin": False,
        "reason": (f"{fixed_text(flow['taint'], chain)} of the traced money moved from {source['caption']} to "
                   f"{target['caption']} ({when}, {traced['model']['name']} model, in "
                   f"{counted(len(txids), 'transaction')})."),
    }  # fmt: skip
