"""Red flags: clusters that are probably false merges, reported, never silently trusted.

Two signs, from the literature (Meiklejohn et al. 2013 saw naive change
detection build "superclusters"; FIELD_NOTES.md):

* a cluster that carries the labels of two different services (two exchanges
  do not share a wallet);
* a cluster that grew by an order of magnitude or more through change links,
  beyond what the multi-input heuristic alone gives;
* a link the supercluster check held back (:mod:`cointrail.clustering.guard`):
  "probable false merge, not applied", with the transaction and what to check.
"""

from __future__ import annotations

from typing import Any

from cointrail.chains.bitcoin.model import display_hash
from cointrail.clustering.labels import labels_by_cluster
from cointrail.labels.model import SERVICE_CATEGORIES  # one list, shared with cluster attribution
from cointrail.store.interface import ClusterReads

GROWTH_FACTOR = 10  # "orders of magnitude": at least ten times the largest multi-input part
GROWTH_MIN_SIZE = 10  # below this, a tenfold growth is a handful of addresses, not a supercluster


def growth_flags(reads: ClusterReads, cluster_id: int | None = None) -> list[dict[str, Any]]:
    """Clusters (or the one asked for) that change links grew at least tenfold."""
    return [
        {"cluster_id": cid, "kind": "growth", "message": (
            f"cluster {cid} has {size} addresses, but the multi-input heuristic alone puts at most {largest} of "
            f"them together ({parts} parts joined by change links): probably a false merge; check the change "
            f"links with --why before relying on it")}
        for cid, size, largest, parts in reads.growth(cluster_id, GROWTH_MIN_SIZE, GROWTH_FACTOR)
    ]  # fmt: skip


def service_conflicts(reads: ClusterReads, cluster_id: int | None = None) -> list[dict[str, Any]]:
    """Clusters carrying labels of two or more different services."""
    flags = []
    for cid, labels in labels_by_cluster(reads, cluster_id).items():
        services = sorted({lab["service"] for lab in labels if lab.get("category") in SERVICE_CATEGORIES})
        if len(services) >= 2:
            flags.append({"cluster_id": cid, "kind": "services", "message": (
                f"cluster {cid} carries labels of {len(services)} different services ({', '.join(services)}): "
                "two services do not share a wallet, so this is probably a false merge")})  # fmt: skip
    return flags


def held_links(reads: ClusterReads, cluster_id: int | None = None) -> list[dict[str, Any]]:
    """Links the supercluster check held back (touching ``cluster_id`` when given), one per transaction and pair."""
    return [
        {"tx_id": tx_id, "txid": display_hash(bytes(txid)), "height": height, "heuristic": heuristic,
         "clusters": [one, other], "sizes": sorted([int(size_a), int(size_b)]), "links": links}
        for tx_id, txid, height, heuristic, one, other, size_a, size_b, links
        in reads.held(cluster_id)
    ]  # fmt: skip


def held_flags(reads: ClusterReads, cluster_id: int | None = None) -> list[dict[str, Any]]:
    """A red flag for each held-back link: what it would have joined, and what to check before applying it."""
    return [
        {"cluster_id": cluster_id if cluster_id is not None else h["clusters"][0], "kind": "held-link",
         "txid": h["txid"], "clusters": h["clusters"], "message": (
            f"probable false merge, not applied: transaction {h['txid']} (block {h['height']}) would have joined "
            f"cluster {h['clusters'][0]} with cluster {h['clusters'][1]} ({h['heuristic']} heuristic), which already "
            f"held {h['sizes'][1]} and {h['sizes'][0]} addresses. Two wallets that are each this large are rarely one: "
            "more often the transaction is a CoinJoin or PayJoin the detectors missed, or a service paying for "
            "others. Check whether its inputs come from different owners (many inputs, equal outputs, a "
            "coordinator fee), and whether the two clusters' labels name different people or services; if one "
            f"wallet surely made it, apply it with 'cointrail cluster apply-link {h['txid']} --case CASE'.")}
        for h in held_links(reads, cluster_id)
    ]  # fmt: skip


def red_flags(reads: ClusterReads, cluster_id: int | None = None) -> list[dict[str, Any]]:
    """Every red flag, for one cluster or the whole store."""
    return growth_flags(reads, cluster_id) + service_conflicts(reads, cluster_id) + held_flags(reads, cluster_id)
