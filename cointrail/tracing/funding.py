"""Where a payer's money came from: backward trails to a labelled service, with a confidence per step.

A haircut trace runs backward from the coins the payer spent on the site. A
trail that reaches an address of a labelled service (an exchange) ends at the
transaction by which the service paid out: the withdrawal the service can
name a customer for. Each step's confidence is the share of the coin that
came along the trail (haircut), and the payout step is also weighted by the
confidence of the label; a trail's confidence is the product of its steps.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from typing import Any

from cointrail.ledger.store import LedgerStore
from cointrail.tracing.ledger import Coin, TxView, address_names, clusters_of
from cointrail.tracing.result import coin_text, utc_date
from cointrail.tracing.services import ServiceHit
from cointrail.tracing.taint import full
from cointrail.tracing.trace import coin_values, run_walk
from cointrail.tracing.walk import Limits, RawEnd, Walk

# A label attached through the cluster rests on the clustering as well: counted a little less sure.
CLUSTER_LABEL_FACTOR = 0.9


def _label_confidence(hit: ServiceHit) -> float:
    value = (hit.confidence_value if hit.confidence_value is not None else 50) / 100
    return value * (CLUSTER_LABEL_FACTOR if hit.via_cluster else 1.0)


def _coin_value(tx: TxView, coin: Coin) -> int:
    return next(o[2] for o in tx.outputs if o[0] == coin[1])


def _steps(walk: Walk, end: RawEnd, names: dict[int, str], clusters: dict[int, int],
           hit: ServiceHit) -> list[dict[str, Any]]:  # fmt: skip
    """The steps from the service's payout to the coin the payer spent on the site."""
    path = walk.trail(end.coin, end.origin) if end.coin else []
    steps = []
    for hop, (coin, tx) in enumerate(reversed(path), start=1):
        received, _ = walk.parents[(end.origin, coin)]
        value = _coin_value(tx, received)
        sender, receiver = walk.coin_address[coin], walk.coin_address[received]
        share = min(1.0, walk.taint_of.get((end.origin, coin), 0) / value) if value else 0.0
        if hop == 1:
            confidence = _label_confidence(hit)
            reason = (
                f"{hit.service} ({hit.category}) paid {coin_text(value)} to {names[receiver]}: a payout "
                f"(withdrawal) by the service; label '{hit.label}' from {hit.source}"
                + (", attached through its cluster" if hit.via_cluster else "")
            )
        elif clusters.get(sender) == clusters.get(receiver):
            confidence, reason = 1.0, "the payer's own wallet moved the money (both addresses in one cluster)"
        else:
            confidence, reason = share, f"{names[sender]} paid {names[receiver]}"
        steps.append({"hop": hop, "txid": tx.txid, "time": tx.time, "from_addresses": [names[sender]],
                      "to_address": names[receiver], "amount": value, "amount_coin": coin_text(value),
                      "confidence": round(confidence, 4), "reason": reason})  # fmt: skip
    return steps


def funding_trails(store: LedgerStore, payers: list[dict[Coin, int]], hops: int,
                   progress: Callable[[int, int], None] | None = None) -> list[dict[str, Any]]:  # fmt: skip
    """For each payer (the coins it spent on the site, coin -> address id), the trails back to labelled services.

    One backward walk follows every payer at once (each as its own origin, so their taints never mix): the
    queries per hop are the same for one payer or thousands.
    """
    coins = {coin: address for spent in payers for coin, address in spent.items()}
    values = coin_values(store, coins)
    taints = {(origin, coin): full(values[coin]) for origin, spent in enumerate(payers) for coin in spent}
    walk = run_walk(store, coins, "backward", "haircut", Limits(hops), taints, progress)
    ids = set(walk.coin_address.values())
    names, clusters = address_names(store, ids), clusters_of(store, ids)
    ends: list[list[RawEnd]] = [[] for _ in payers]
    for end in walk.ends:
        ends[end.origin].append(end)
    return [_payer_trails(walk, found, names, clusters) for found in ends]


def _payer_trails(walk: Walk, ends: list[RawEnd], names: dict[int, str], clusters: dict[int, int]) -> dict[str, Any]:
    trails: dict[tuple[str, str], dict[str, Any]] = {}
    unresolved: dict[str, int] = defaultdict(int)
    for end in ends:
        hit = walk.services.service(end.address_id) if end.reason == "service" else None
        if hit is None or end.tx is None:
            unresolved[end.reason] += end.taint
            continue
        key = (hit.service, end.tx.txid)
        if key in trails:
            trails[key]["amount"] += end.taint
            continue
        steps = _steps(walk, end, names, clusters, hit)
        confidence = 1.0
        for step in steps:
            confidence *= step["confidence"]
        trails[key] = {"service": hit.service, "category": hit.category, "label_source": hit.source,
                       "label_confidence": hit.confidence, "service_address": names[end.address_id],
                       "withdrawal_txid": end.tx.txid, "time": end.tx.time, "date": utc_date(end.tx.time),
                       "amount": end.taint, "confidence": round(confidence, 4), "steps": steps}  # fmt: skip
    ranked = sorted(trails.values(), key=lambda t: (-t["confidence"] * t["amount"], t["withdrawal_txid"]))
    for trail in ranked:
        trail["amount_coin"] = coin_text(trail["amount"])
    return {"funding": ranked, "funded_by": ranked[0]["service"] if ranked else None,
            "unresolved": dict(sorted(unresolved.items()))}  # fmt: skip
