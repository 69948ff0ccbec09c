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

from cointrail.chains.bitcoin.model import display_hash
from cointrail.clustering import build_clusters
from cointrail.store.duckdb.store import LedgerStore


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


def _txids(store: LedgerStore, table: str) -> set[str]:
    """Txids of a detection table (``coinjoins``, ``collaborative_txs``); empty where this version lacks it."""
    if not store.has_table(table):
        return set()
    rows = store.con.execute(f"SELECT t.txid FROM {table} j JOIN transactions t USING (tx_id)").fetchall()  # noqa: S608
    return {display_hash(bytes(t)) for (t,) in rows}


def shapes(truth: dict[str, Any]) -> dict[str, str]:
    """txid -> shape of every collaborative transaction of the truth (the original economy's are one shape)."""
    found = {c["txid"]: c["shape"] for c in truth.get("collaborative", [])}
    for txid in truth["coinjoins"]:
        found.setdefault(txid, "one-input-equal")
    return found


def detections(store: LedgerStore, truth: dict[str, Any]) -> dict[str, Any]:
    """CoinJoin recall per shape, and what was flagged among ordinary transactions and single-owner look-alikes."""
    con = store.con
    joins, maybe = _txids(store, "coinjoins"), _txids(store, "collaborative_txs")
    flagged = joins | maybe
    shape_of = shapes(truth)
    per_shape: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])  # [total, as CoinJoin, flagged at all]
    for txid, shape in shape_of.items():
        cell = per_shape[shape]
        cell[0], cell[1], cell[2] = cell[0] + 1, cell[1] + (txid in joins), cell[2] + (txid in flagged)
    txs = {
        display_hash(bytes(t)) for (t,) in con.execute("SELECT txid FROM transactions WHERE NOT is_coinbase").fetchall()
    }
    ordinary = txs - set(shape_of)
    marked: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for m in truth.get("marked", []):
        marked[m["kind"]][0] += 1
        marked[m["kind"]][1] += m["txid"] in flagged
    return {
        "shapes": {k: v for k, v in sorted(per_shape.items())}, "ordinary": len(ordinary),
        "ordinary_flagged": len(ordinary & flagged), "ordinary_flagged_coinjoin": len(ordinary & joins),
        "marked": {k: v for k, v in sorted(marked.items())},
        "coinjoins": len(set(truth["coinjoins"])), "coinjoins_detected": len(set(truth["coinjoins"]) & joins),
        "coinjoins_false_alarms": len(joins - set(truth["coinjoins"])),
    }  # fmt: skip


def _held(store: LedgerStore) -> int:
    if not store.has_table("held_links"):
        return 0
    return int(store.con.execute("SELECT count(*) FROM held_links").fetchone()[0])


def worst_merge(assignment: dict[str, int], owners: dict[str, str]) -> dict[str, int]:
    """The cluster holding the most different owners: its size and its owner count."""
    owners_of: dict[int, set[str]] = defaultdict(set)
    size: Counter[int] = Counter()
    for address, cluster in assignment.items():
        if address in owners:
            owners_of[cluster].add(owners[address])
            size[cluster] += 1
    if not owners_of:
        return {"owners": 0, "addresses": 0}
    worst = max(owners_of, key=lambda c: (len(owners_of[c]), size[c]))
    return {"owners": len(owners_of[worst]), "addresses": size[worst]}


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
        found = detections(store, truth)
        held = _held(store)
    result = pairwise(assignment, owners)
    result["heuristics"] = list(heuristics)
    result["links"] = dict(Counter(h for h, _, _ in links))
    result["false_links"] = dict(
        Counter(h for h, a, b in links if a in owners and b in owners and owners[a] != owners[b])
    )
    result.update(found)
    result["held_links"] = held
    result["worst_merge"] = worst_merge(assignment, owners)
    return result
