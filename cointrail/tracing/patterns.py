"""Pattern detectors, each finding with its evidence: peel chains, CoinJoins, consolidation sweeps,
subscription-style payments.

The detectors run set-based SQL over the whole store (or read the CoinJoins
the clustering already found); what comes out is plain data in the shape
documented in docs/tracing.md.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from cointrail.amounts import Amount
from cointrail.chains.bitcoin.model import display_hash
from cointrail.clustering.heuristics import find_coinjoins
from cointrail.store.duckdb.store import LedgerStore
from cointrail.tracing.services import Services
from cointrail.wording import counted

PATTERN_KINDS = ("peel_chain", "coinjoin", "consolidation", "subscription")


@dataclass
class Finding:
    kind: str
    summary: str
    confidence: float
    txids: list[str] = field(default_factory=list)
    addresses: list[str] = field(default_factory=list)
    evidence: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "summary": self.summary, "confidence": self.confidence, "txids": self.txids,
                "addresses": self.addresses, "evidence": self.evidence}  # fmt: skip


# -- peel chains -------------------------------------------------------------------------------------------------
def _chains(links: list[tuple[int, int, int]], min_length: int) -> list[list[int]]:
    """Chains of one-in two-out transactions, each spending the larger output (the change) of the one before."""
    following: dict[int, int] = {}
    for a, b, _ in links:
        following.setdefault(a, b)  # ordered by value descending: the change continues the chain
    followed = set(following.values())
    chains = []
    for start in sorted(set(following) - followed):
        chain = [start]
        while chain[-1] in following:
            chain.append(following[chain[-1]])
        if len(chain) >= min_length:
            chains.append(chain)
    return chains


def peel_chains(store: LedgerStore, min_length: int = 3) -> list[Finding]:
    """Peel chains: one coin paying out small amounts hop after hop and keeping the rest as change."""
    chains = _chains(store.trace_reads().peel_links(), min_length)
    txs = store.trace_reads().transactions({t for chain in chains for t in chain})
    ids = {o[1] for tx in txs.values() for o in tx.outputs}
    reads = store.trace_reads()
    names, clusters, services = reads.address_names(ids), reads.clusters_of(ids), Services(store)
    services.labels(ids)
    return [_peel_finding(chain, txs, names, clusters, services, store.chain) for chain in chains]


def _peel_finding(chain: list[int], txs: dict, names: dict[int, str], clusters: dict[int, int],
                  services: Services, coin: str) -> Finding:  # fmt: skip
    hops = []
    for n, tx_id in enumerate(chain, start=1):
        tx = txs[tx_id]
        nxt = chain[n] if n < len(chain) else None
        change = next((o for o in tx.outputs if nxt is not None and o[3] == nxt), max(tx.outputs, key=lambda o: o[2]))
        peel = next(o for o in tx.outputs if o is not change)
        hit = services.service(peel[1])
        hops.append({"hop": n, "txid": tx.txid, "time": tx.time, "input_amount": tx.input_total,
                     "peeled_amount": peel[2], "peeled_amount_coin": Amount(peel[2], coin).fixed(),
                     "peeled_to": names[peel[1]], "peeled_to_cluster": clusters[peel[1]],
                     "peeled_to_service": hit.service if hit else None, "peel_spent": peel[3] is not None,
                     "change_amount": change[2],
                     "change_address": names[change[1]]})  # fmt: skip
    peeled = sum(h["peeled_amount"] for h in hops)
    return Finding(
        "peel_chain",
        f"A peel chain of {len(hops)} transactions: one coin of {Amount(hops[0]['input_amount'], coin)} "
        f"paid out {Amount(peeled, coin)} in {len(hops)} small payments, keeping the rest as change each time.",
        round(min(1.0, 0.5 + 0.1 * len(hops)), 2), [h["txid"] for h in hops], sorted({h["peeled_to"] for h in hops}),
        {"hops": hops, "peeled_total": peeled},
    )  # fmt: skip


# -- CoinJoins ---------------------------------------------------------------------------------------------------
def coinjoins(store: LedgerStore) -> list[Finding]:
    """CoinJoins: read from the clustering's table when the store is clustered, else detected now."""
    found = store.trace_reads().stored_coinjoins()
    if found is None:
        tip = store.tip()
        detected = find_coinjoins(store.arrays(), 0, tip[0]) if tip else []
        found = [(f.tx_id, f.rule, f.evidence) for f in detected]
    txs = store.trace_reads().transactions({f[0] for f in found})
    return [Finding("coinjoin", f"A CoinJoin ({rule}): {facts}", 0.9, [txs[tx_id].txid], [],
                    {"rule": rule, "facts": facts}) for tx_id, rule, facts in found]  # fmt: skip


# -- consolidation sweeps ----------------------------------------------------------------------------------------
def consolidations(store: LedgerStore, min_inputs: int = 5) -> list[Finding]:
    """Consolidation sweeps: many coins gathered into one output (how services and sites collect deposits)."""
    rows = store.trace_reads().sweeps(min_inputs)
    ids = {a for r in rows for a in r[3] if a is not None} | {r[5] for r in rows}
    names, clusters = store.trace_reads().address_names(ids), store.trace_reads().clusters_of(ids)
    findings = []
    for _, txid, count, inputs, total, target in rows:
        members = sorted(names[a] for a in inputs if a is not None)
        findings.append(Finding(
            "consolidation",
            f"A sweep of {count} inputs from {len(members)} addresses ({Amount(total, store.chain)}) "
            "into one address.",
            0.8, [display_hash(bytes(txid))], members + [names[target]],
            {"inputs": count, "input_addresses": members, "total": int(total),
             "total_coin": Amount(total, store.chain).fixed(), "output_address": names[target],
             "clusters": sorted({clusters[a] for a in inputs if a is not None})},
        ))  # fmt: skip
    return findings


# -- subscriptions -----------------------------------------------------------------------------------------------
def _price_key(payment: dict[str, Any]) -> str:
    fiat = payment.get("fiat")
    return f"{round(fiat['value']):d} {fiat['currency']}" if fiat else payment["amount_coin"]


def subscription_finding(payments: list[dict[str, Any]]) -> dict[str, Any]:
    """Whether payments into a site look like subscriptions: many payers, few price points, fresh addresses."""
    if not payments:
        return Finding("subscription", "No payments into the site.", 0.0).to_dict()
    payers = len({p["payer_cluster_id"] for p in payments})
    fresh = sum(1 for p in payments if p["fresh_address"]) / len(payments)
    points = Counter(_price_key(p) for p in payments).most_common()
    repeated = sum(n for _, n in points if n > 1) / len(payments)
    confidence = round(fresh * repeated * min(1.0, payers / 5), 2)
    return Finding(
        "subscription",
        f"{counted(len(payments), 'payment')} from {counted(payers, 'payer')}; {fresh:.0%} to an address used only "
        f"once; {repeated:.0%} at {counted(sum(1 for _, n in points if n > 1), 'repeated price point')}"
        + (": subscription-style payments." if confidence >= 0.5 else "."),
        confidence, [p["txid"] for p in payments], sorted({p["address"] for p in payments}),
        {"payments": len(payments), "payers": payers, "fresh_address_share": round(fresh, 4),
         "price_points": [{"price": key, "payments": n} for key, n in points]},
    ).to_dict()  # fmt: skip


def detect_patterns(store: LedgerStore, kinds: tuple[str, ...] | None = None, *, min_chain: int = 3,
                    min_inputs: int = 5) -> list[Finding]:  # fmt: skip
    """Peel chains, CoinJoins and consolidation sweeps in the whole store (subscriptions come with ``payers``)."""
    kinds = kinds or ("peel_chain", "coinjoin", "consolidation")
    found: list[Finding] = []
    if "peel_chain" in kinds:
        found += peel_chains(store, min_chain)
    if "coinjoin" in kinds:
        found += coinjoins(store)
    if "consolidation" in kinds:
        found += consolidations(store, min_inputs)
    return found
