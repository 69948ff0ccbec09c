"""What a build produced, and what one cluster holds: the data behind ``cluster build`` and ``cluster show``."""

from __future__ import annotations

from typing import Any

import numpy as np

from cointrail.clustering.explain import explain_path, explain_paths
from cointrail.clustering.heuristics import HEURISTIC_NAMES
from cointrail.clustering.labels import labels_by_cluster
from cointrail.clustering.redflags import red_flags
from cointrail.errors import InputError, NotInStoreError
from cointrail.labels.attribution import cluster_attribution
from cointrail.store.duckdb.store import LedgerStore
from cointrail.store.interface import ClusterReads


def build_summary(store: LedgerStore, mode: str, heuristics: tuple[str, ...], first: int, links: int,
                  coinjoins: int, cluster: np.ndarray) -> dict[str, Any]:  # fmt: skip
    """The ``cluster build`` result: what was read, what was found, the largest clusters, red flags.

    ``cluster`` is the build's assignment, every address's cluster id as just written to the store: the counts
    and the largest clusters are taken from it (a count per cluster in NumPy, not two GROUP BYs over every
    address's row).
    """
    reads = store.cluster_reads()
    run = store.cluster_tables().last_run()
    assert run is not None
    by_heuristic = reads.links_by_heuristic()
    sizes = np.bincount(cluster) if len(cluster) else np.empty(0, np.int64)
    ids = np.flatnonzero(sizes)
    addresses, clusters, clustered = len(cluster), len(ids), int(sizes[ids][sizes[ids] > 1].sum())
    found = reads.finding_counts()
    return {
        "db": str(store.path), "chain": store.chain, "network": store.network, "run": run.run, "mode": mode,
        "heuristics": list(heuristics), "from_height": first, "through_height": run.through_height,
        "new_links": links, "links_by_heuristic": {h: by_heuristic.get(h, 0) for h in HEURISTIC_NAMES},
        "coinjoins_found": coinjoins, "coinjoins_total": found["coinjoins_total"],
        "collaborative_total": found["collaborative_total"],
        "held_links": found["held_links"],
        "applied_links": found["applied_links"],
        "addresses": addresses, "clusters": clusters, "addresses_in_multi_address_clusters": clustered,
        "largest_clusters": _largest(reads, sizes, ids), "red_flags": red_flags(reads),
    }  # fmt: skip


def _largest(reads: ClusterReads, sizes: np.ndarray, ids: np.ndarray, limit: int = 5) -> list[dict[str, Any]]:
    """The ``limit`` largest clusters (ties: the smaller id first), each with its first address's text."""
    top = [int(c) for c in ids[np.lexsort((ids, -sizes[ids]))[:limit]]]
    texts = reads.address_texts(top)
    return [{"cluster_id": c, "size": int(sizes[c]), "first_address": texts.get(c)} for c in top]


def _address_id(reads: ClusterReads, address: str) -> int:
    found = reads.address_id(address.strip())
    if found is None:
        raise NotInStoreError(f"the address {address} never appears in this ledger store")
    return found


def _totals(reads: ClusterReads, cluster_id: int) -> dict[str, int]:
    received, outputs, sent, inputs = reads.totals(cluster_id)
    return {"received": received, "sent": sent, "balance": received - sent, "outputs": outputs, "inputs": inputs}


def show_cluster(store: LedgerStore, address: str, why: str | None = None, members: int = 20) -> dict[str, Any]:
    """The cluster of ``address``: size, totals, labels, attribution, red flags, and optionally why ``why`` is in it.

    ``attribution`` groups the members' labels by who they name, with sources and
    confidence, conflicts and where legal process can be served
    (:func:`cointrail.labels.attribution.cluster_attribution`).
    """
    reads = store.cluster_reads()
    if not reads.has_clusters():
        raise InputError(f"the store {store.path} has no clusters yet: run 'cointrail cluster build --db {store.path}'")
    address_id = _address_id(reads, address)
    cluster_id, size = reads.cluster_and_size(address_id)
    links = reads.cluster_links_by_heuristic(cluster_id)
    result: dict[str, Any] = {
        "address": address.strip(), "cluster_id": cluster_id, "size": size, "totals": _totals(reads, cluster_id),
        "links_by_heuristic": links, "members": reads.members(cluster_id, members),
        "labels": labels_by_cluster(reads, cluster_id).get(cluster_id, []), "red_flags": red_flags(reads, cluster_id),
        "heuristics": list(store.cluster_tables().last_run().heuristics),  # type: ignore[union-attr]
        "attribution": cluster_attribution(reads, cluster_id),
    }  # fmt: skip
    if why is not None:
        result["why"] = _why(reads, cluster_id, address_id, why)
    return result


def _why(reads: ClusterReads, cluster_id: int, address_id: int, member: str) -> dict[str, Any]:
    member_id = _address_id(reads, member)
    if reads.cluster_of(member_id) != cluster_id:
        absent = f"{member.strip()} is not in this cluster: no recorded link joins it to these addresses."
        return {"member": member.strip(), "in_cluster": False, "steps": [], "explanation": absent}
    return _in_cluster(member.strip(), explain_path(reads, cluster_id, address_id, member_id))


def _in_cluster(member: str, steps: list[dict[str, Any]]) -> dict[str, Any]:
    """A member's ``why``: the links that join it, told one after another."""
    told = " Then ".join(s["explanation"] for s in steps) or "it is the address asked about."
    return {"member": member, "in_cluster": True, "steps": steps, "explanation": told}


def member_explanations(store: LedgerStore, address: str, members: list[str]) -> dict[str, dict[str, Any]]:
    """Why each of ``members`` is in the cluster of ``address`` (the ``why`` of :func:`show_cluster` for each),
    reading the cluster's links once."""
    reads = store.cluster_reads()
    start = _address_id(reads, address)
    cluster_id = reads.cluster_of(start)
    ids = {m: _address_id(reads, m) for m in members if not m.startswith("script #")}
    paths = explain_paths(reads, cluster_id, start, list(ids.values()))
    return {member: _in_cluster(member, paths[member_id]) for member, member_id in ids.items()}
