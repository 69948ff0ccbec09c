"""Score a clustering against a scenario's ground truth: pairwise precision and recall, false merges.

Pairwise measures (as in the clustering literature): of all pairs of addresses
the clustering puts together, the share that truly share an owner
(precision); of all pairs that truly share an owner, the share the clustering
put together (recall). Only addresses with a known owner are counted, the miner's excepted.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

from cointrail.clustering import build_clusters
from cointrail.ledger.model import display_hash
from cointrail.ledger.store import LedgerStore


def _pairs(n: int) -> int:
    return n * (n - 1) // 2


def pairwise(assignment: dict[str, int], owners: dict[str, str]) -> dict[str, Any]:
    """Precision, recall and false merges of ``assignment`` (address → cluster) against ``owners``."""
    known = {a: c for a, c in assignment.items() if a in owners}
    cells = Counter((c, owners[a]) for a, c in known.items())
    clusters, wallets = Counter(known.values()), Counter(owners[a] for a in known)
    together, truly, both = (sum(_pairs(n) for n in x.values()) for x in (clusters, wallets, cells))
    owners_per_cluster: dict[int, set[str]] = defaultdict(set)
    for cluster, owner in cells:
        owners_per_cluster[cluster].add(owner)
    mixed = [c for c, o in owners_per_cluster.items() if len(o) > 1]
    return {
        "addresses": len(known), "predicted_pairs": together, "true_pairs": truly, "correct_pairs": both,
        "precision": both / together if together else 1.0, "recall": both / truly if truly else 1.0,
        "false_merges": len(mixed), "addresses_in_false_merges": sum(clusters[c] for c in mixed),
    }  # fmt: skip


def score(db: Path, truth: dict[str, Any], heuristics: tuple[str, ...]) -> dict[str, Any]:
    """Cluster the store with ``heuristics`` (a full run) and score it against ``truth``."""
    # The miner is the scenario's mint, not an actor of the economy: its hundreds of coinbase
    # addresses would dominate the pair counts, so it is left out of the scores.
    owners = {a: w for a, w in truth["owners"].items() if truth["roles"].get(w) != "miner"}
    with LedgerStore.open(db) as store:
        build_clusters(store, heuristics, full=True)
        con = store.con
        assignment = dict(con.execute(
            "SELECT a.address, c.cluster_id FROM address_clusters c JOIN addresses a USING (address_id) "
            "WHERE a.address IS NOT NULL").fetchall())  # fmt: skip
        links = con.execute(
            "SELECT l.heuristic, a.address, b.address FROM cluster_links l JOIN addresses a ON a.address_id = "
            "l.address_a JOIN addresses b ON b.address_id = l.address_b").fetchall()  # fmt: skip
        found = {display_hash(bytes(t)) for (t,) in con.execute(
            "SELECT t.txid FROM coinjoins j JOIN transactions t USING (tx_id)").fetchall()}  # fmt: skip
    result = pairwise(assignment, owners)
    result["heuristics"] = list(heuristics)
    result["links"] = dict(Counter(h for h, _, _ in links))
    result["false_links"] = dict(
        Counter(h for h, a, b in links if a in owners and b in owners and owners[a] != owners[b])
    )
    true_joins = set(truth["coinjoins"])
    result["coinjoins"] = len(true_joins)
    result["coinjoins_detected"] = len(true_joins & found)
    result["coinjoins_false_alarms"] = len(found - true_joins)
    return result
