"""Where a payer's money came from: backward trails to a labelled service, with a confidence per step.

A haircut trace runs backward from the coins the payer spent on the site. A
trail that reaches an address of a labelled service (an exchange) ends at the
transaction by which the service paid out: the withdrawal the service can
name a customer for. Each step's confidence is the share of the coin that
came along the trail (haircut), and the payout step is also weighted by the
confidence of the label; a step through an ambiguous transaction (a CoinJoin
gone through on request, a possibly collaborative one) counts 1 in its
participants. A trail's confidence is the product of its steps.

A service is named "funded by" only when the confidence-weighted share of the
payer's traced money that reaches its payouts is at least
:data:`FUNDED_BY_CONFIDENCE` and no trail to it went through a CoinJoin;
otherwise it is listed as a possibility (issue 12: a wrong exchange named at
"funded by" points legal process at an innocent customer).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from typing import Any

from cointrail.amounts import Amount
from cointrail.domain import Coin, TxView
from cointrail.store.duckdb.store import LedgerStore
from cointrail.times import utc_date
from cointrail.tracing.services import JOINED_LABEL_FACTOR, ServiceHit, joined_words
from cointrail.tracing.taint import full
from cointrail.tracing.trace import coin_values, run_walk
from cointrail.tracing.walk import Limits, RawEnd, Walk
from cointrail.wording import counted

# A label attached through the cluster rests on the clustering as well: counted a little less sure.
CLUSTER_LABEL_FACTOR = 0.9
# The least confidence-weighted share of a payer's money traced to one service for "funded by": more of the
# money must come from it, along sure steps, than from everything else together. Below it: a possibility.
FUNDED_BY_CONFIDENCE = 0.5
# A possibly collaborative transaction (a PayJoin: the receiver adds an input) may hold a second owner's coin.
COLLABORATIVE_FACTOR = 0.5


def _label_confidence(hit: ServiceHit) -> float:
    value = (hit.confidence_value if hit.confidence_value is not None else 50) / 100
    return value * (CLUSTER_LABEL_FACTOR if hit.via_cluster else 1.0) * (JOINED_LABEL_FACTOR if hit.joined_by else 1.0)


def _coin_value(tx: TxView, coin: Coin) -> int:
    return next(o[2] for o in tx.outputs if o[0] == coin[1])


def ambiguity(tx: TxView) -> tuple[float, str] | None:
    """How much a step through ``tx`` can be trusted when ``tx`` mixes owners, and why; None for a plain one."""
    if tx.coinjoin:
        n = tx.participants()
        return 1 / n, (f"the money went through a CoinJoin of {n} participants ({tx.coinjoin}): which input paid "
                       f"which output cannot be told, so this step counts 1 in {n}")  # fmt: skip
    if tx.collaborative:
        return COLLABORATIVE_FACTOR, (f"the transaction may be collaborative ({tx.collaborative}): another owner "
                                      "may have added an input, so this step counts 1 in 2")  # fmt: skip
    return None


def _step(hop: int, tx: TxView, hit: ServiceHit, sender: str, receiver: str, paid: str, share: float,
          own: bool) -> tuple[float, str]:  # fmt: skip
    if hop == 1:
        confidence = _label_confidence(hit)
        reason = (f"{hit.service} ({hit.category}) paid {paid} to {receiver}: a payout (withdrawal) by "
                  f"the service; label '{hit.label}' from {hit.source}"
                  + (_joined_reason(hit) if hit.joined_by else ", attached through its cluster" if hit.via_cluster
                     else ""))  # fmt: skip
    elif own:
        confidence, reason = 1.0, "the payer's own wallet moved the money (both addresses in one cluster)"
    else:
        confidence, reason = share, f"{sender} paid {receiver}"
    if mixed := ambiguity(tx):
        confidence, reason = confidence * mixed[0], f"{reason}; but {mixed[1]}"
    return confidence, reason


def _joined_reason(hit: ServiceHit) -> str:
    """How a label on another wallet names this one: the two are one service by their behaviour (issue 17)."""
    assert hit.joined_by is not None
    return (f", on {hit.labelled_address}, in wallet {hit.joined_by.cluster_id}'s service: the paying wallet is not "
            "the labelled one, but cointrail services detect found them to be one exchange by its coin moving "
            "from one to the other (a withdrawal's change, a sweep)")  # fmt: skip


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
        own = clusters.get(sender) == clusters.get(receiver)
        paid = Amount(value, walk.store.chain)
        confidence, reason = _step(hop, tx, hit, names[sender], names[receiver], str(paid), share, own)
        steps.append({"hop": hop, "txid": tx.txid, "time": tx.time, "from_addresses": [names[sender]],
                      "to_address": names[receiver], "amount": value, "amount_coin": paid.fixed(),
                      "confidence": round(confidence, 4), "reason": reason, "ambiguous": ambiguity(tx) is not None,
                      "coinjoin": bool(tx.coinjoin), "own_wallet": hop > 1 and own})  # fmt: skip
    return steps


def _direct(walk: Walk, end: RawEnd, clusters: dict[int, int]) -> bool:
    """As for "funded by": whether the payout went straight into the payer's own wallet and stayed there, through no
    CoinJoin (every step after the payout ``own_wallet``, none ``coinjoin``, as :func:`_steps` writes them), read
    without writing the steps: a lead keeps only this."""
    path = walk.trail(end.coin, end.origin) if end.coin else []
    for hop, (coin, tx) in enumerate(reversed(path), start=1):
        if tx.coinjoin:
            return False
        received, _ = walk.parents[(end.origin, coin)]
        if hop > 1 and clusters.get(walk.coin_address[coin]) != clusters.get(walk.coin_address[received]):
            return False
    return True


def funding_trails(store: LedgerStore, payers: list[dict[Coin, int]], hops: int,
                   progress: Callable[[int, int], None] | None = None,
                   through_coinjoins: bool = False) -> list[dict[str, Any]]:  # fmt: skip
    """For each payer (the coins it spent on the site, coin -> address id), the trails back to labelled services.

    One backward walk follows every payer at once (each as its own origin, so their taints never mix): the
    queries per hop are the same for one payer or thousands.
    """
    coins = {coin: address for spent in payers for coin, address in spent.items()}
    values = coin_values(store, coins)
    taints = {(origin, coin): full(values[coin]) for origin, spent in enumerate(payers) for coin in spent}
    limits = Limits(hops, through_coinjoins=through_coinjoins)
    walk = run_walk(store, coins, "backward", "haircut", limits, taints, progress)
    ids = set(walk.coin_address.values())
    names, clusters = store.trace_reads().address_names(ids), store.trace_reads().clusters_of(ids)
    ends: list[list[RawEnd]] = [[] for _ in payers]
    for end in walk.ends:
        ends[end.origin].append(end)
    return [_payer_trails(walk, found, names, clusters) for found in ends]


def _payer_trails(walk: Walk, ends: list[RawEnd], names: dict[int, str], clusters: dict[int, int]) -> dict[str, Any]:
    trails: dict[tuple[str, str], dict[str, Any]] = {}
    unresolved: dict[str, int] = defaultdict(int)
    mixes: dict[str, dict[str, Any]] = {}
    leads: dict[int, dict[str, Any]] = {}
    for end in ends:
        hit = walk.services.service(end.address_id) if end.reason == "service" else None
        if end.reason == "coinjoin" and end.tx is not None:
            mix = mixes.setdefault(end.tx.txid, {"txid": end.tx.txid, "participants": end.tx.participants(),
                                                 "rule": end.tx.coinjoin, "taint": 0})  # fmt: skip
            mix["taint"] += end.taint
        if hit is not None and hit.detection is not None and end.tx is not None:
            _add_lead(leads, hit, end, names[end.address_id], _direct(walk, end, clusters))
            continue
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
                       "amount": end.taint, "confidence": round(confidence, 4), "steps": steps,
                       "through_coinjoins": [s["txid"] for s in steps if s["coinjoin"]],
                       # The payout reached the payer's own wallet and stayed in it: the service's customer is the
                       # payer. Otherwise another wallet received the payout and paid the payer on.
                       "direct": all(s["own_wallet"] for s in steps[1:]),
                       # How the service is known: its label on this wallet, or on another wallet of the one service
                       # detected by its behaviour (issue 17).
                       "joined_by": joined_words(hit.joined_by) if hit.joined_by else None}  # fmt: skip
    ranked = sorted(trails.values(), key=lambda t: (-t["confidence"] * t["amount"], t["withdrawal_txid"]))
    for trail in ranked:
        trail["amount_coin"] = Amount(trail["amount"], walk.store.chain).fixed()
    traced = sum(end.taint for end in ends)
    attributions = _attributions(ranked, traced)
    named = [a for a in attributions if a["status"] == "funded_by"]
    for trail in ranked:
        trail["status"] = next(a["status"] for a in attributions if a["service"] == trail["service"])
    traced_leads = sorted(leads.values(), key=lambda lead: (-lead["amount"], lead["wallet"]))
    for lead in traced_leads:
        lead["share"] = round(lead["amount"] / traced, 4) if traced else 0.0
        lead["direct_share"] = round(lead.pop("direct_amount") / traced, 4) if traced else 0.0
        # A lead is "funded by" it as a named service would be: at least half the payer's traced money straight
        # from its payouts; less, or through another wallet first, is a possibility (issue 12).
        lead["status"] = "funded_by" if lead["direct_share"] >= FUNDED_BY_CONFIDENCE else "possible"
        if lead["status"] == "possible":
            lead["words"] = (f"possibly {lead['words']} ({lead['direct_share']:.0%} of the payer's traced money came "
                             "straight from its payouts into the payer's own wallet)")  # fmt: skip
        lead["amount_coin"] = Amount(lead["amount"], walk.store.chain).fixed()
        lead["withdrawal_txids"] = sorted(lead["withdrawal_txids"])
    return {"leads": traced_leads, "funding": ranked, "funded_by": named[0]["service"] if named else None,
            "funded_by_confidence": named[0]["direct_confidence"] if named else None,
            "possibly_funded_by": [a["service"] for a in attributions if a["status"] == "possible"],
            "attributions": attributions, "traced": traced, "traced_coin": Amount(traced, walk.store.chain).fixed(),
            "unresolved": dict(sorted(unresolved.items())), **_mixes(mixes)}  # fmt: skip


def _add_lead(leads: dict[int, dict[str, Any]], hit: ServiceHit, end: RawEnd, address: str, direct: bool) -> None:
    """Count a trail that ended in a wallet no label names but that behaves like an exchange (issue 17);
    ``direct`` when its payout reached the payer's own wallet and stayed there."""
    found = hit.detection
    assert found is not None and end.tx is not None
    lead = leads.setdefault(found.cluster_id, {
        "wallet": found.cluster_id, "kind": found.kind, "score": found.score, "evidence": list(found.evidence),
        "deposit_addresses": found.deposit_addresses, "hot_wallet": found.hot_wallet, "address": address,
        "words": f"funded by {hit.service}", "amount": 0, "direct_amount": 0, "withdrawal_txids": set(),
        "next_step": (f"this is a lead, not a name: find out which exchange it is, record it with cointrail label "
                      f"add {address} --label NAME --category exchange --case CASE --db DB, and run payers again; "
                      "the request pack to that exchange follows"),
    })  # fmt: skip
    lead["amount"] += end.taint
    lead["direct_amount"] += end.taint if direct else 0
    lead["withdrawal_txids"].add(end.tx.txid)


def _mixes(found: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The CoinJoins the payer's trails ended in, biggest share first, and the participants of the biggest."""
    ranked = sorted(found.values(), key=lambda m: (-m["taint"], m["txid"]))
    return {"coinjoins": ranked, "coinjoin_participants": ranked[0]["participants"] if ranked else None}


def _attributions(trails: list[dict[str, Any]], traced: int) -> list[dict[str, Any]]:
    """Per service: the share of the payer's traced money reaching its payouts, weighted by the trails'
    confidence, and whether that is enough to say "funded by" (with the reason in words)."""
    by_service: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for trail in trails:
        by_service[trail["service"]].append(trail)
    found = []
    for service, own in by_service.items():
        share = sum(t["amount"] for t in own) / traced if traced else 0.0
        confidence = sum(t["amount"] * t["confidence"] for t in own) / traced if traced else 0.0
        # Only payouts into the payer's own wallet name the payer's funder; money that came through another
        # wallet first says who funded that wallet's owner (issue 12: the exchange would name someone else).
        direct = sum(t["amount"] * t["confidence"] for t in own if t["direct"]) / traced if traced else 0.0
        mixes = sorted({txid for t in own for txid in t["through_coinjoins"]})
        status = "funded_by" if direct >= FUNDED_BY_CONFIDENCE and not mixes else "possible"
        found.append({"service": service, "category": own[0]["category"], "share": round(share, 4),
                      "confidence": round(confidence, 4), "direct_confidence": round(direct, 4), "trails": len(own),
                      "through_coinjoins": mixes, "status": status,
                      "reason": _reason(share, confidence, direct, mixes, status)})  # fmt: skip
    return sorted(found, key=lambda a: (a["status"] != "funded_by", -a["confidence"], a["service"]))


def _reason(share: float, confidence: float, direct: float, mixes: list[str], status: str) -> str:
    traced = f"{share:.0%} of the payer's traced money came from its payouts (confidence {confidence:.2f})"
    if mixes:
        return (f"{traced}, but only through {counted(len(mixes), 'CoinJoin')}, where the money's "
                "origin is ambiguous; never named as the funder")  # fmt: skip
    if status == "possible" and direct < confidence and confidence >= FUNDED_BY_CONFIDENCE:
        return (f"{traced}, but it reached the payer through another wallet first: the service's customer may be "
                "that wallet's owner, who then paid the payer, not the payer")  # fmt: skip
    if status == "possible":
        return (f"{traced}, below the {FUNDED_BY_CONFIDENCE:.2f} needed to name it as the "
                "funder (the rest comes from elsewhere, or along uncertain steps)")  # fmt: skip
    return f"{traced}, at least the {FUNDED_BY_CONFIDENCE:.2f} needed to name it"
