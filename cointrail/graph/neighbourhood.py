"""One hop of the flow graph: the wallets that paid a node, or that a node paid, and how much.

Forward, the transactions spending from the node's addresses are read, and each of their outputs is
money sent to the wallet of the receiving address; outputs back into the node's own wallet are its
change, counted apart. Backward, the transactions paying the node are read, and the money received in
each is shared among the paying wallets in proportion to what each put in (the haircut rule of
docs/tracing.md). Counterparties are always wallets (clusters), so an exchange with ten thousand
deposit addresses is one node, not ten thousand; beyond ``limit`` wallets, the smallest are summed up
in one node instead of being drawn (no hairball).

The reads are the store's (:class:`cointrail.store.interface.GraphReads`; in DuckDB,
:mod:`cointrail.store.duckdb.graph_reads`).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from cointrail.amounts import Amount, unit_of
from cointrail.chains.bitcoin.model import display_hash
from cointrail.errors import InputError
from cointrail.graph.nodes import cluster_sizes, describe_clusters, describe_members, member_ids
from cointrail.prices import PriceBook
from cointrail.store.duckdb.store import LedgerStore
from cointrail.tracing.services import Services
from cointrail.wording import counted

DEFAULT_LIMIT = 20
# Transactions read per hop, newest first: a hop from an exchange's wallet on a full chain would read millions.
MAX_TRANSACTIONS = 20_000
MAX_TXIDS = 5  # transactions named on each edge, so every line can be checked on any explorer
MAX_LISTED = 100  # of the wallets summed up in one node, those listed by name (each can still be drawn)
MAX_ITEMS = 200  # transactions listed one by one on each edge (its transaction view and the timeline's amounts)
FIAT = "USD"  # the currency edges give their money in besides the coin, at each transaction's day's price
DIRECTIONS = ("forward", "backward")



@dataclass
class Flow:
    """The money between the node and one counterparty wallet, over every transaction between them."""

    amount: int = 0
    txs: dict[int, int] = field(default_factory=dict)  # what each transaction (by tx_id) moved
    coinjoin: bool = False

    def add(self, tx_id: int, amount: int) -> None:
        self.amount += amount
        self.txs[tx_id] = self.txs.get(tx_id, 0) + amount


def coin_unit(store: LedgerStore) -> str:
    """The symbol amounts are given in (LTC for a Litecoin store), so that no sentence says only "coins"."""
    return unit_of(store.chain).symbol


def _spending_txs(store: LedgerStore, members: set[int], cap: int) -> set[int]:
    """The newest ``cap`` + 1 transactions spending from ``members`` (one more than the cap shows it was hit)."""
    return store.graph_reads().spending_txs(members, cap)


def _paying_txs(store: LedgerStore, members: set[int], cap: int) -> dict[int, int]:
    """The newest ``cap`` + 1 transactions paying ``members``, with what each paid them."""
    return store.graph_reads().paying_txs(members, cap)


def _capped(found: Any, cap: int) -> tuple[Any, bool]:
    """The ``cap`` newest of ``found`` (a set or dict of tx ids), and whether any were left out."""
    if len(found) <= cap:
        return found, False
    kept = sorted(found, reverse=True)[:cap]
    return ({t: found[t] for t in kept} if isinstance(found, dict) else set(kept)), True


def _times(store: LedgerStore, tx_ids: set[int]) -> dict[int, tuple[int, bytes]]:
    return store.graph_reads().tx_times(tx_ids)


def _coinjoins(store: LedgerStore, tx_ids: set[int]) -> set[int]:
    return store.graph_reads().coinjoin_ids(tx_ids)


def _forward(store: LedgerStore, members: set[int], cap: int) -> tuple[list[tuple[int, int, int]], bool]:
    """(tx_id, receiving address id, value) of every output of the transactions spending from ``members``,
    and whether the cap left transactions out."""
    txs, cut = _capped(_spending_txs(store, members, cap), cap)
    if not txs:
        return [], cut
    return store.graph_reads().outputs_of(txs), cut


def _backward(store: LedgerStore, members: set[int], cap: int) -> tuple[list[tuple[int, int | None, int, int]], bool]:
    """(tx_id, paying address id or None for new coins, its input value, value the tx paid ``members``), and
    whether the cap left transactions out."""
    paid, cut = _capped(_paying_txs(store, members, cap), cap)
    if not paid:
        return [], cut
    rows = store.graph_reads().inputs_of(set(paid))
    return [(tx_id, address_id, value, paid[tx_id]) for tx_id, address_id, value in rows], cut


def _flows(store: LedgerStore, members: set[int], own: set[int], direction: str,
           cap: int) -> tuple[dict[int, Flow], int, int, bool]:  # fmt: skip
    """Money per counterparty wallet, the money that stayed in the node's own wallets (``own``: one, or the site's
    several), coins newly mined, and whether the cap on transactions read left some out."""
    flows: dict[int, Flow] = defaultdict(Flow)
    own_amount = mined = 0
    if direction == "forward":
        rows, cut = _forward(store, members, cap)
        wallets = store.trace_reads().clusters_of({r[1] for r in rows})
        for tx_id, address_id, value in rows:
            if wallets[address_id] in own:
                own_amount += value
            else:
                flows[wallets[address_id]].add(tx_id, value)
        return flows, own_amount, mined, cut
    back, cut = _backward(store, members, cap)
    wallets = store.trace_reads().clusters_of({r[1] for r in back if r[1] is not None})
    put_in: dict[int, dict[int | None, int]] = defaultdict(lambda: defaultdict(int))
    received: dict[int, int] = {}
    for tx_id, payer, value, paid in back:
        put_in[tx_id][None if payer is None else wallets[payer]] += value
        received[tx_id] = paid
    for tx_id, by_wallet in put_in.items():
        total = sum(by_wallet.values())
        for wallet, value in by_wallet.items():
            share = received[tx_id] * value // total if total else received[tx_id]
            if wallet is None:
                mined += share
            elif wallet in own:
                own_amount += share
            else:
                flows[wallet].add(tx_id, share)
    return flows, own_amount, mined, cut


def _edge(origin: str, node: dict[str, Any], flow: Flow, direction: str,
          times: dict[int, tuple[int, bytes]], chain: str, book: PriceBook) -> dict[str, Any]:  # fmt: skip
    ordered = sorted(flow.txs, key=lambda t: (times[t][0], t))
    source, target = (origin, node["id"]) if direction == "forward" else (node["id"], origin)
    items = [tx_item(display_hash(times[t][1]), times[t][0], flow.txs[t], chain, book) for t in ordered]
    return {
        "id": f"{source}>{target}", "source": source, "target": target, "amount": flow.amount,
        "amount_coin": Amount(flow.amount, chain).fixed(), "fiat": fiat_total(items), "transactions": len(ordered),
        "first_time": times[ordered[0]][0], "last_time": times[ordered[-1]][0],
        "txids": [i["txid"] for i in items[:MAX_TXIDS]], **listed(items), "coinjoin": flow.coinjoin,
        "reason": _reason(node, flow, direction, len(ordered), chain),
    }  # fmt: skip


def tx_item(txid: str, time: int, amount: int, chain: str, book: PriceBook) -> dict[str, Any]:
    """One transaction of an edge: its id, time, the money it moved along the edge, in coin and in fiat (the
    day's price, with its source; None without one)."""
    return {"txid": txid, "time": time, "amount": amount, "amount_coin": Amount(amount, chain).fixed(),
            "fiat": book.value(amount, time)}  # fmt: skip


def listed(items: list[dict[str, Any]]) -> dict[str, Any]:
    """An edge's transactions (``items``, oldest first) as it carries them: the newest :data:`MAX_ITEMS` one by one
    (``items``), and on a longer edge every older one as ``[time, amount_coin, value, currency, price source]``
    (``older``; the last three None without a price), so the timeline counts all of the edge's money in any
    dates."""
    found: dict[str, Any] = {"items": items[-MAX_ITEMS:]}
    if len(items) > MAX_ITEMS:
        found["older"] = [[i["time"], i["amount_coin"], *_priced(i["fiat"])] for i in items[:-MAX_ITEMS]]
    return found


def _priced(fiat: dict[str, Any] | None) -> tuple[Any, Any, Any]:
    return (fiat["value"], fiat["currency"], fiat["source"]) if fiat else (None, None, None)


def fiat_total(items: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The fiat value of an edge's transactions together, each at its own day's price; None unless every one has a
    price (a partial sum would understate the money)."""
    if not items or any(i["fiat"] is None for i in items):
        return None
    sources = sorted({i["fiat"]["source"] for i in items})
    return {"currency": items[0]["fiat"]["currency"], "value": round(sum(i["fiat"]["value"] for i in items), 2),
            "source": "; ".join(sources)}  # fmt: skip


def fixed_text(amount: int, chain: str) -> str:
    """The amount with all its decimals and its symbol (``0.25000000 LTC``), as the graph's sentences give it."""
    found = Amount(amount, chain)
    return f"{found.fixed()} {found.unit.symbol}"


def _reason(node: dict[str, Any], flow: Flow, direction: str, count: int, chain: str) -> str:
    """Why the edge is drawn, in plain words (every inference shown carries its reason)."""
    who = node["caption"]
    if direction == "forward":
        said = f"{fixed_text(flow.amount, chain)} were paid to {who} in {counted(count, 'transaction')}"
    else:
        said = (f"{who} put in {fixed_text(flow.amount, chain)} of what was received, in "
                f"{counted(count, 'transaction')} (its share of each transaction's inputs)")
    if flow.coinjoin:
        said += "; at least one of them is a CoinJoin, where coins of many people are mixed, so this link is weak"
    return said + "."


def expand(store: LedgerStore, node: str, direction: str = "forward", limit: int = DEFAULT_LIMIT,
           max_transactions: int = MAX_TRANSACTIONS) -> dict[str, Any]:  # fmt: skip
    """One hop from ``node`` (``cluster:<id>`` or ``address:<text>``): the counterparty wallets and the edges.

    The ``limit`` biggest counterparties are returned as nodes; the rest are summed up in one
    ``summary`` node and listed in ``hidden`` (id, caption, amount) so any of them can still be added.
    At most ``max_transactions`` transactions are read, the newest; ``all_read`` says whether that cut any.
    Each edge carries its amount in coin and in fiat, its first and last time and its transactions (``items``).
    """
    _check(direction, limit)
    members, own = member_ids(store, node)
    services = Services(store)  # one label cache for every wallet this hop describes
    origin = describe_members(store, node, members, own, services)
    return expand_from(store, origin, members, {own}, direction, limit, max_transactions, services)


def _check(direction: str, limit: int) -> None:
    if direction not in DIRECTIONS:
        raise InputError(f"the direction must be forward or backward, not {direction!r}")
    if not 1 <= limit <= 500:
        raise InputError("the limit of wallets drawn per hop must be between 1 and 500")


def expand_from(store: LedgerStore, origin: dict[str, Any], members: set[int], own: set[int], direction: str,
                limit: int = DEFAULT_LIMIT, max_transactions: int = MAX_TRANSACTIONS,
                services: Services | None = None) -> dict[str, Any]:  # fmt: skip
    """:func:`expand` from the node ``origin`` standing for the addresses ``members`` of the wallets ``own`` (the
    site's node stands for several wallets: money between them is its own, not drawn)."""
    _check(direction, limit)
    services = services or Services(store)
    flows, own_amount, mined, cut = _flows(store, members, own, direction, max_transactions)
    ranked = sorted(flows, key=lambda c: (-flows[c].amount, c))
    # Over the limit, one place is kept for the node that sums up the rest.
    shown, rest = (ranked, []) if len(ranked) <= limit else (ranked[: limit - 1], ranked[limit - 1 :])
    tx_ids = {t for f in flows.values() for t in f.txs}
    coinjoins = _coinjoins(store, tx_ids)
    for flow in flows.values():
        flow.coinjoin = not coinjoins.isdisjoint(flow.txs)
    times = _times(store, tx_ids)
    sizes = cluster_sizes(store, set(shown) | set(rest[:MAX_LISTED]))  # the wallets drawn or listed
    nodes = describe_clusters(store, set(shown), services, sizes)
    unit = coin_unit(store)
    book = PriceBook(store, FIAT)
    edges = [_edge(origin["id"], nodes[c], flows[c], direction, times, store.chain, book) for c in shown]
    result: dict[str, Any] = {
        "origin": origin, "direction": direction, "limit": limit, "nodes": [nodes[c] for c in shown],
        "edges": edges, "counterparties": len(ranked), "total": sum(f.amount for f in flows.values()),
        "own_wallet_amount": own_amount, "mined_amount": mined, "summary": None, "hidden": [],
        "all_read": not cut, "max_transactions": max_transactions, "unit": unit, "fiat": FIAT,
    }  # fmt: skip
    if rest:
        result.update(_summarised(store, origin["id"], rest, flows, sizes, direction, services))
    result["total_coin"] = Amount(result["total"], store.chain).fixed()
    result["explanation"] = _explanation(result, store.chain)
    return result


def _summarised(store: LedgerStore, origin: str, rest: list[int], flows: dict[int, Flow], sizes: dict[int, int],
                direction: str, services: Services) -> dict[str, Any]:  # fmt: skip
    """The summary node standing for the smaller counterparties, and the list of them."""
    amount = sum(flows[c].amount for c in rest)
    summary_id = f"summary:{direction}:{origin}"
    caption = f"{len(rest)} smaller wallets, {fixed_text(amount, store.chain)} in all"
    summary = {"id": summary_id, "kind": "summary", "role": "summary", "size": len(rest), "labels": [],
               "caption": caption, "amount": amount}  # fmt: skip
    listed = describe_clusters(store, set(rest[:MAX_LISTED]), services, sizes)
    hidden = [{"id": listed[c]["id"], "caption": listed[c]["caption"], "amount": flows[c].amount,
               "amount_coin": Amount(flows[c].amount, store.chain).fixed()} for c in rest[:MAX_LISTED]]  # fmt: skip
    source, target = (origin, summary_id) if direction == "forward" else (summary_id, origin)
    edge = {"id": f"{source}>{target}", "source": source, "target": target, "amount": amount,
            "amount_coin": Amount(amount, store.chain).fixed(),
            "transactions": len({t for c in rest for t in flows[c].txs}), "txids": [],
            "coinjoin": any(flows[c].coinjoin for c in rest),
            "reason": f"{len(rest)} wallets each moved less than the {len(flows) - len(rest)} drawn; "
                      "they are summed up here instead of being drawn one by one."}  # fmt: skip
    return {"summary": summary, "hidden": hidden, "summary_edge": edge}


def _explanation(result: dict[str, Any], chain: str) -> str:
    way = "paid" if result["direction"] == "forward" else "was paid by"
    text = (f"{result['origin']['caption']} {way} {counted(result['counterparties'], 'other wallet')}, "
            f"{result['total_coin']} {result['unit']} in all.")
    if result["own_wallet_amount"]:
        text += (f" {fixed_text(result['own_wallet_amount'], chain)} stayed in its own wallet "
                 "(change, or moves between its own addresses).")
    if result["mined_amount"]:
        text += f" {fixed_text(result['mined_amount'], chain)} were newly mined."
    if result["summary"]:
        text += f" The {result['summary']['size']} smallest are summed up in one node."
    if not result["all_read"]:
        text += (f" Only its {result['max_transactions']:,} newest transactions were read: it has more, so "
                 "these amounts are a part of its money, not all of it.")
    return text
