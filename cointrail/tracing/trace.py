"""``trace``: follow money forward or backward from an address, a cluster or a transaction."""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable
from typing import Any

from cointrail.amounts import Amount
from cointrail.chains.bitcoin.model import internal_hash
from cointrail.domain import Coin
from cointrail.errors import InputError, NotInStoreError
from cointrail.store.duckdb.queries import find_address
from cointrail.store.duckdb.store import LedgerStore
from cointrail.tracing.result import Edge, Node, TraceResult, TrailEnd
from cointrail.tracing.services import Services, public_label
from cointrail.tracing.taint import EXPLANATIONS, Taint, full
from cointrail.tracing.walk import Key, Limits, RawEnd, Walk

DIRECTIONS = ("forward", "backward")


def parse_time(text: str | None, end_of_day: bool = False) -> int | None:
    """A date (YYYY-MM-DD, the whole UTC day) or an ISO time as Unix seconds; None stays None."""
    if not text:
        return None
    try:
        moment = _dt.datetime.fromisoformat(text)
    except ValueError:
        raise InputError(f"{text!r} is not a date (YYYY-MM-DD) or an ISO time") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=_dt.UTC)
    if end_of_day and len(text) == 10:
        moment += _dt.timedelta(days=1, seconds=-1)
    return int(moment.timestamp())


def _tx_id(store: LedgerStore, txid: str) -> int:
    tx_id = store.trace_reads().tx_id(internal_hash(txid))
    if tx_id is None:
        raise NotInStoreError(f"the transaction {txid} is not in {store.path}")
    return tx_id


def start_coins(store: LedgerStore, start: str, limits: Limits) -> tuple[dict[str, Any], dict[Coin, int]]:
    """What ``start`` names, and the coins to follow from it with their address ids."""
    text = start.strip()
    if text.startswith("cluster:"):
        cluster_id = int(text.split(":", 1)[1])
        members = store.trace_reads().cluster_members(cluster_id)
        return {"kind": "cluster", "value": cluster_id}, _received(store, members, limits)
    if len(text) == 64 and all(c in "0123456789abcdefABCDEF" for c in text):
        tx = store.trace_reads().transactions({_tx_id(store, text)})
        view = next(iter(tx.values()))
        return {"kind": "transaction", "value": text}, {(view.tx_id, o[0]): o[1] for o in view.outputs}
    address_id = find_address(store, text)[0]
    return {"kind": "address", "value": text}, _received(store, {address_id}, limits)


def _received(store: LedgerStore, address_ids: set[int], limits: Limits) -> dict[Coin, int]:
    coins = store.trace_reads().coins_of(address_ids)
    return {coin: address for coin, address, _, time in coins if not limits.outside(time)}


def coin_values(store: LedgerStore, coins: dict[Coin, int]) -> dict[Coin, int]:
    txs = store.trace_reads().transactions({c[0] for c in coins})
    return {(tx.tx_id, o[0]): o[2] for tx in txs.values() for o in tx.outputs if (tx.tx_id, o[0]) in coins}


def run_walk(
    store: LedgerStore, coins: dict[Coin, int], direction: str, model: str, limits: Limits,
    taints: dict[Key, Taint] | None = None, on_hop: Callable[[int, int], None] | None = None,
) -> Walk:  # fmt: skip
    """Walk from ``coins`` (coin -> address id), each traced in full (origin 0) unless ``taints`` gives the
    taint of each (origin, coin) to follow."""
    if direction not in DIRECTIONS:
        raise InputError(f"the direction must be forward or backward, not {direction!r}")
    if model not in EXPLANATIONS:
        raise InputError(f"unknown taint model {model!r}; choose one of {', '.join(EXPLANATIONS)}")
    walk = Walk(store, model, direction, limits, Services(store), on_hop=on_hop)
    walk.coin_address.update(coins)
    if taints is None:
        taints = {(0, coin): full(value) for coin, value in coin_values(store, coins).items()}
    walk.run(taints)
    return walk


def trace(store: LedgerStore, start: str, *, direction: str = "forward", hops: int = 3, min_value: int = 0,
          since: str | None = None, until: str | None = None, model: str = "haircut", through_coinjoins: bool = False,
          progress: Callable[[int, int], None] | None = None) -> TraceResult:  # fmt: skip
    """Trace money from ``start`` (an address, a txid, or ``cluster:<id>``) over ``hops`` hops.

    ``min_value`` (base units) drops trails carrying less; ``since``/``until``
    (dates or ISO times, UTC) bound the transactions followed. A trail ends at a
    CoinJoin unless ``through_coinjoins``: then it goes on, and everything found
    beyond the mix is marked ambiguous. Returns the flow graph and where every
    trail ends (docs/tracing.md). ``progress(hop, hops)`` is called after each
    hop (the web workspace's progress bar).
    """
    if hops < 1:
        raise InputError("--hops must be at least 1")
    limits = Limits(hops, min_value, parse_time(since), parse_time(until, end_of_day=True), through_coinjoins)
    described, coins = start_coins(store, start, limits)
    walk = run_walk(store, coins, direction, model, limits, on_hop=progress)
    described["amount"] = sum(t for t in coin_values(store, coins).values())
    described["amount_coin"] = Amount(described["amount"], store.chain).fixed()
    parameters = {"direction": direction, "hops": hops, "min_value": min_value, "since": since, "until": until,
                  "through_coinjoins": through_coinjoins, "chain": store.chain}  # fmt: skip
    result = TraceResult(described, parameters, {"name": model, "explanation": EXPLANATIONS[model]})
    _fill(store, walk, result, set(coins.values()))
    return result


def _fill(store: LedgerStore, walk: Walk, result: TraceResult, start_ids: set[int]) -> None:
    ids = set(walk.reached) | start_ids | {e.source for e in walk.edges} | {e.target for e in walk.edges}
    ids |= {e.address_id for e in walk.ends}
    names, clusters = store.trace_reads().address_names(ids), store.trace_reads().clusters_of(ids)
    result.p2pk = store.trace_reads().p2pk_markers(ids, names)  # those paid to their bare key, said once
    labels = walk.services.labels(ids)
    for address_id in sorted(ids):
        hop, taint = walk.reached.get(address_id, (0, 0))
        hit = walk.services.service(address_id)
        result.nodes[names[address_id]] = Node(names[address_id], clusters[address_id], hop, taint,
                                               [public_label(lab) for lab in labels[address_id]],
                                               hit.to_dict() if hit else None)  # fmt: skip
    result.edges = [Edge(names[e.source], names[e.target], e.tx.txid, e.tx.time, e.tx.height, e.hop, e.amount, e.taint)
                    for e in walk.edges]  # fmt: skip
    for end in walk.ends:
        hit = walk.services.service(end.address_id) if end.reason == "service" else None
        participants = end.tx.participants() if end.reason == "coinjoin" and end.tx else None
        result.ends.append(TrailEnd(names[end.address_id], end.tx.txid if end.tx else None, end.hop, end.taint,
                                    end.reason, hit.to_dict() if hit else None, participants, walk.direction,
                                    crossed_coinjoins(walk, end)))  # fmt: skip
    result.coinjoins = [{"txid": tx.txid, "hop": hop, "participants": tx.participants(), "rule": tx.coinjoin}
                        for tx, hop in sorted(walk.passages.values(), key=lambda p: (p[1], p[0].txid))]  # fmt: skip


def crossed_coinjoins(walk: Walk, end: RawEnd) -> list[str]:
    """The CoinJoins the trail to ``end`` went through (txids, start side first); only when told to go through."""
    if not walk.passages or end.coin is None:
        return []
    crossed = [tx.txid for _, tx in walk.trail(end.coin, end.origin) if tx.coinjoin]
    if end.tx is not None and end.tx.coinjoin and end.reason != "coinjoin" and end.tx.txid not in crossed:
        crossed.append(end.tx.txid)  # the last transaction itself was a CoinJoin gone through
    return crossed
