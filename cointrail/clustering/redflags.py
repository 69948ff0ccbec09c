"""Red flags: clusters that are probably false merges, reported, never silently trusted.

Two signs, from the literature (Meiklejohn et al. 2013 saw naive change
detection build "superclusters"; FIELD_NOTES.md):

* a cluster that carries the labels of two different services (two exchanges
  do not share a wallet);
* a cluster that grew by an order of magnitude or more through change links,
  beyond what the multi-input heuristic alone gives.
"""

from __future__ import annotations

from typing import Any

import duckdb

from cointrail.clustering.labels import labels_by_cluster
from cointrail.labels.model import SERVICE_CATEGORIES  # one list, shared with cluster attribution

GROWTH_FACTOR = 10  # "orders of magnitude": at least ten times the largest multi-input part
GROWTH_MIN_SIZE = 10  # below this, a tenfold growth is a handful of addresses, not a supercluster

_GROWTH = """
WITH parts AS (
    SELECT cluster_id, base_cluster_id, count(*) AS n FROM address_clusters {where} GROUP BY ALL
)
SELECT cluster_id, sum(n)::BIGINT AS size, max(n) AS largest_part, count(*) AS parts FROM parts
GROUP BY cluster_id HAVING sum(n) >= ? AND sum(n) >= ? * max(n) ORDER BY size DESC
"""


def growth_flags(con: duckdb.DuckDBPyConnection, cluster_id: int | None = None) -> list[dict[str, Any]]:
    """Clusters (or the one asked for) that change links grew at least tenfold."""
    where = "WHERE cluster_id = ?" if cluster_id is not None else ""
    params = ([cluster_id] if cluster_id is not None else []) + [GROWTH_MIN_SIZE, GROWTH_FACTOR]
    return [
        {"cluster_id": cid, "kind": "growth", "message": (
            f"cluster {cid} has {size} addresses, but the multi-input heuristic alone puts at most {largest} of "
            f"them together ({parts} parts joined by change links): probably a false merge; check the change "
            f"links with --why before relying on it")}
        for cid, size, largest, parts in con.execute(_GROWTH.format(where=where), params).fetchall()
    ]  # fmt: skip


def service_conflicts(con: duckdb.DuckDBPyConnection, cluster_id: int | None = None) -> list[dict[str, Any]]:
    """Clusters carrying labels of two or more different services."""
    flags = []
    for cid, labels in labels_by_cluster(con, cluster_id).items():
        services = sorted({lab["service"] for lab in labels if lab.get("category") in SERVICE_CATEGORIES})
        if len(services) >= 2:
            flags.append({"cluster_id": cid, "kind": "services", "message": (
                f"cluster {cid} carries labels of {len(services)} different services ({', '.join(services)}): "
                "two services do not share a wallet, so this is probably a false merge")})  # fmt: skip
    return flags


def red_flags(con: duckdb.DuckDBPyConnection, cluster_id: int | None = None) -> list[dict[str, Any]]:
    """Every red flag, for one cluster or the whole store."""
    return growth_flags(con, cluster_id) + service_conflicts(con, cluster_id)
