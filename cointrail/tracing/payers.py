"""``payers``: who paid a site, how much and when, and which service funded each payer.

The core of the Welcome to Video workflow (docs/tracing.md): site addresses →
every incoming payment → grouped by paying cluster → for each payer a
backward trace (haircut) to a labelled service, the exchange that can
identify the customer, with the transaction of every step and its confidence.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from cointrail.amounts import Amount
from cointrail.chains.bitcoin.model import display_hash
from cointrail.errors import InputError, NotInStoreError
from cointrail.model import Payer, Payment, SiteCoverage
from cointrail.prices import PriceBook
from cointrail.store.duckdb.queries import find_address
from cointrail.store.duckdb.store import LedgerStore
from cointrail.times import utc_date
from cointrail.tracing.funding import FUNDED_BY_CONFIDENCE, funding_trails
from cointrail.tracing.patterns import subscription_finding
from cointrail.tracing.people import PAYING_WALLETS_PER_PERSON, people_note


@dataclass
class PayersResult:
    """The payers of a site (fields in docs/tracing.md)."""

    site: dict[str, Any]
    payments: tuple[Payment, ...]
    payers: tuple[Payer, ...]
    services: list[dict[str, Any]]
    patterns: list[dict[str, Any]]
    totals: dict[str, Any]
    price_source: str | None = None
    parameters: dict[str, Any] = field(default_factory=dict)
    # Addresses of the answer paid to their bare public key (P2PK): {"address", "pubkey", "script_pubkey", "note"}.
    p2pk: list[dict[str, str]] = field(default_factory=list)
    # A sparse store's coverage of the site's addresses (issue 15), set by the engine; None for whole blocks.
    coverage: SiteCoverage | None = None

    def to_json(self) -> dict[str, Any]:
        """The fields ``--json`` prints (docs/tracing.md); the same as :meth:`to_dict`."""
        return self.to_dict()

    def to_dict(self) -> dict[str, Any]:
        return {"site": self.site, "parameters": self.parameters, "totals": self.totals,
                "price_source": self.price_source, "payers": [p.to_json() for p in self.payers],
                "services": self.services, "patterns": self.patterns,
                "payments": [p.to_json() for p in self.payments], "p2pk": self.p2pk,
                **({"coverage": self.coverage.to_json()} if self.coverage is not None else {})}  # fmt: skip


def site_address_ids(store: LedgerStore, site: list[str] | int) -> set[int]:
    """The address ids of the site: its listed addresses (those the store knows), or a cluster's members."""
    if isinstance(site, int):
        return store.trace_reads().cluster_members(site)
    found = set()
    for text in site:
        try:
            found.add(find_address(store, text)[0])
        except NotInStoreError:  # a site address that was never paid is simply not in the ledger
            continue
    if not found:
        raise InputError("none of the site addresses appears in the store: no payment can be listed")
    return found


def _raw_payments(store: LedgerStore, site_ids: set[int]) -> tuple[list[tuple], dict[int, list[tuple]], dict[int, int]]:
    """Payments into the site (the site's own sweeps left out, a PayJoin counted net), the inputs (address,
    value, coin) of each, and receipts per site address: the store's query (TraceReads.site_payments)."""
    return store.trace_reads().site_payments(site_ids)


def _payer_cluster(inputs: list[tuple], clusters: dict[int, int]) -> int:
    """The cluster that put in the most value (a payment's inputs are nearly always one wallet's)."""
    by_cluster: dict[int, int] = defaultdict(int)
    for address_id, value, _ in inputs:
        by_cluster[clusters[address_id]] += value
    return max(sorted(by_cluster), key=lambda c: by_cluster[c])


def payers(store: LedgerStore, site: list[str] | int, *, fiat: str = "USD", hops: int = 6,
           through_coinjoins: bool = False, progress: Callable[[int, int], None] | None = None) -> PayersResult:
    """Every payment into ``site`` (addresses, or a cluster id), grouped by paying cluster, each payer
    traced back (up to ``hops`` hops, haircut) to the labelled service that funded it.

    The trails stop at CoinJoins unless ``through_coinjoins``; a service reached through one, or below
    the confidence of :data:`cointrail.tracing.funding.FUNDED_BY_CONFIDENCE`, is listed as a possibility,
    never as "funded by". ``progress(hop, hops)`` is called after each hop of the backward walk.
    """
    site_ids = site_address_ids(store, site)
    payments, inputs, receipts = _raw_payments(store, site_ids)
    ids = site_ids | {a for rows in inputs.values() for a, _, _ in rows}
    names, clusters = store.trace_reads().address_names(ids), store.trace_reads().clusters_of(ids)
    book = PriceBook(store, fiat)
    rows = [_payment(p, inputs[p[0]], names, clusters, receipts, book) for p in payments if inputs[p[0]]]
    grouped = _group(rows, store.chain)
    spent = [{coin: address for tx_id in p.pop("_tx_ids") for address, _, coin in inputs[tx_id]} for p in grouped]
    for payer, trails in zip(grouped, funding_trails(store, spent, hops, progress, through_coinjoins), strict=True):
        payer.update(trails)
    return PayersResult(
        site={"addresses": sorted(names[a] for a in site_ids), "cluster_ids": sorted({clusters[a] for a in site_ids})},
        payments=tuple(Payment.from_json(r) for r in rows), payers=tuple(Payer.from_json(g) for g in grouped),
        services=_services(grouped), patterns=[subscription_finding(rows)],
        totals=_totals(rows, grouped, store.chain), price_source=_price_source(rows),
        parameters={"fiat": fiat.upper(), "hops": hops, "coin": book.coin, "through_coinjoins": through_coinjoins,
                    "funded_by_confidence": FUNDED_BY_CONFIDENCE, "chain": store.chain},
        p2pk=store.trace_reads().p2pk_markers(ids, names),
    )  # fmt: skip


def _payment(p: tuple, ins: list[tuple], names: dict[int, str], clusters: dict[int, int],
             receipts: dict[int, int], book: PriceBook) -> dict[str, Any]:  # fmt: skip
    tx_id, txid, height, time, paid, amount, site_added_input = p
    payer_ids = sorted({a for a, _, _ in ins})
    return {
        "txid": display_hash(bytes(txid)), "time": time, "date": utc_date(time),
        "height": height, "address": names[sorted(paid)[0]], "addresses_paid": sorted(names[a] for a in paid),
        "amount": int(amount), "amount_coin": Amount(amount, book.chain).fixed(), "fiat": book.value(int(amount), time),
        "payer_cluster_id": _payer_cluster(ins, clusters), "payer_addresses": [names[a] for a in payer_ids],
        "fresh_address": all(receipts.get(a, 0) == 1 for a in paid), "_tx_id": tx_id,
        "payjoin": bool(site_added_input),
        "note": "the site added an input of its own (a PayJoin, BIP78): the amount is what the site received net"
        if site_added_input else None,
    }  # fmt: skip


def _group(rows: list[dict[str, Any]], chain: str) -> list[dict[str, Any]]:
    by_payer: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        by_payer[row["payer_cluster_id"]].append(row)
    grouped = []
    for cluster_id, paid in by_payer.items():
        total = sum(r["amount"] for r in paid)
        fiats = [r["fiat"] for r in paid if r["fiat"]]
        grouped.append({
            "payer_cluster_id": cluster_id,
            "payer_addresses": sorted({a for r in paid for a in r["payer_addresses"]}),
            "payments": len(paid), "txids": [r["txid"] for r in paid], "total": total,
            "total_coin": Amount(total, chain).fixed(),
            "total_fiat": _sum_fiat(fiats) if len(fiats) == len(paid) else None,
            "first_date": paid[0]["date"], "last_date": paid[-1]["date"],
            "first_time": paid[0]["time"], "last_time": paid[-1]["time"], "_tx_ids": [r["_tx_id"] for r in paid],
        })  # fmt: skip
    for row in rows:
        row.pop("_tx_id")
    return sorted(grouped, key=lambda g: (-g["total"], g["payer_cluster_id"]))


def _sum_fiat(fiats: list[dict[str, Any]]) -> dict[str, Any] | None:
    if not fiats:
        return None
    sources = sorted({f["source"] for f in fiats})
    return {"currency": fiats[0]["currency"], "value": round(sum(f["value"] for f in fiats), 2),
            "source": "; ".join(sources)}  # fmt: skip


def _services(grouped: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per service: the payers it funded ("funded by") and those it possibly funded, with the payouts to ask about."""
    found: dict[str, dict[str, Any]] = {}
    for payer in grouped:
        for trail in payer["funding"]:
            entry = found.setdefault(trail["service"], {"service": trail["service"], "category": trail["category"],
                                                        "payer_cluster_ids": [], "possible_payer_cluster_ids": [],
                                                        "deposits": []})  # fmt: skip
            ids = entry["payer_cluster_ids" if trail["status"] == "funded_by" else "possible_payer_cluster_ids"]
            if payer["payer_cluster_id"] not in ids:
                ids.append(payer["payer_cluster_id"])
            entry["deposits"].append({"txid": trail["withdrawal_txid"], "address": trail["steps"][0]["to_address"],
                                      "date": trail["date"], "amount": trail["amount"], "status": trail["status"],
                                      "payer_cluster_id": payer["payer_cluster_id"]})  # fmt: skip
    for entry in found.values():
        entry["payers"] = len(entry["payer_cluster_ids"])
        entry["possible_payers"] = len(entry["possible_payer_cluster_ids"])
    return sorted(found.values(), key=lambda s: (-s["payers"], -s["possible_payers"], s["service"]))


def _totals(rows: list[dict[str, Any]], grouped: list[dict[str, Any]], chain: str) -> dict[str, Any]:
    amount = sum(r["amount"] for r in rows)
    fiats = [r["fiat"] for r in rows if r["fiat"]]
    return {"payments": len(rows), "payers": len(grouped), "amount": amount,
            "amount_coin": Amount(amount, chain).fixed(),
            "fiat": _sum_fiat(fiats) if fiats and len(fiats) == len(rows) else None,
            "with_service": sum(1 for g in grouped if g["funded_by"]),
            "with_possible_service": sum(1 for g in grouped if not g["funded_by"] and g["possibly_funded_by"]),
            # Traced to no named service, but to a wallet that behaves like an exchange (issue 17): a lead.
            "with_unnamed_service": sum(1 for g in grouped if not g["funded_by"] and g["leads"]),
            "ambiguous": sum(1 for g in grouped if "coinjoin" in g["unresolved"] or any(
                a["through_coinjoins"] for a in g["attributions"])),
            "wallets_per_person": PAYING_WALLETS_PER_PERSON, "people_note": people_note(len(grouped))}  # fmt: skip


def _price_source(rows: list[dict[str, Any]]) -> str | None:
    sources = sorted({r["fiat"]["source"] for r in rows if r["fiat"]})
    return "; ".join(sources) or None
