"""What a build produced, and what one cluster holds: the data behind ``cluster build`` and ``cluster show``."""

from __future__ import annotations

from typing import Any

import duckdb

from cointrail.clustering.explain import explain_path, explain_paths
from cointrail.clustering.heuristics import HEURISTIC_NAMES
from cointrail.clustering.labels import labels_by_cluster
from cointrail.clustering.redflags import red_flags
from cointrail.errors import InputError
from cointrail.labels.attribution import cluster_attribution
from cointrail.store.duckdb import cluster_tables
from cointrail.store.duckdb.sql import maybe_row, row
from cointrail.store.duckdb.store import LedgerStore, NotInStoreError


def build_summary(store: LedgerStore, mode: str, heuristics: tuple[str, ...], first: int, link_parts: list[int],
                  coinjoins: int) -> dict[str, Any]:  # fmt: skip
    """The ``cluster build`` result: what was read, what was found, the largest clusters, red flags."""
    con = store.con
    run = cluster_tables.last_run(con)
    assert run is not None
    by_heuristic = dict(con.execute(
        "SELECT heuristic, count(*) FROM cluster_links GROUP BY heuristic ORDER BY heuristic").fetchall())  # fmt: skip
    addresses, clusters, clustered = row(
        con,
        "SELECT coalesce(sum(n), 0)::BIGINT, count(*), coalesce(sum(n) FILTER (WHERE n > 1), 0)::BIGINT "
        "FROM (SELECT cluster_id, count(*) AS n FROM address_clusters GROUP BY cluster_id)",
    )
    return {
        "db": str(store.path), "chain": store.chain, "network": store.network, "run": run.run, "mode": mode,
        "heuristics": list(heuristics), "from_height": first, "through_height": run.through_height,
        "new_links": sum(link_parts), "links_by_heuristic": {h: by_heuristic.get(h, 0) for h in HEURISTIC_NAMES},
        "coinjoins_found": coinjoins, "coinjoins_total": row(con, "SELECT count(*) FROM coinjoins")[0],
        "collaborative_total": row(con, "SELECT count(*) FROM collaborative_txs")[0],
        "held_links": row(con, "SELECT count(DISTINCT tx_id) FROM held_links")[0],
        "applied_links": row(con, "SELECT count(DISTINCT tx_id) FROM applied_links")[0],
        "addresses": addresses, "clusters": clusters, "addresses_in_multi_address_clusters": clustered,
        "largest_clusters": _largest(con), "red_flags": red_flags(con),
    }  # fmt: skip


def _largest(con: duckdb.DuckDBPyConnection, limit: int = 5) -> list[dict[str, Any]]:
    rows = con.execute(
        "WITH top AS (SELECT cluster_id, count(*) AS size FROM address_clusters GROUP BY cluster_id "
        "ORDER BY size DESC, cluster_id LIMIT ?) "
        "SELECT t.cluster_id, t.size, a.address FROM top t JOIN addresses a ON a.address_id = t.cluster_id "
        "ORDER BY t.size DESC, t.cluster_id",
        [limit],
    ).fetchall()
    return [{"cluster_id": cid, "size": size, "first_address": first} for cid, size, first in rows]


def _address_id(con: duckdb.DuckDBPyConnection, address: str) -> int:
    found = maybe_row(con, "SELECT address_id FROM addresses WHERE address = ?", [address.strip()])
    if found is None:
        raise NotInStoreError(f"the address {address} never appears in this ledger store")
    return int(found[0])


def _totals(con: duckdb.DuckDBPyConnection, cluster_id: int) -> dict[str, int]:
    received, outputs = row(con,
        "SELECT coalesce(sum(o.value), 0)::BIGINT, count(*) FROM outputs o "
        "JOIN address_clusters c USING (address_id) WHERE c.cluster_id = ?", [cluster_id])  # fmt: skip
    sent, inputs = row(con,
        "SELECT coalesce(sum(i.value), 0)::BIGINT, count(*) FROM inputs i "
        "JOIN address_clusters c USING (address_id) WHERE c.cluster_id = ?", [cluster_id])  # fmt: skip
    return {"received": received, "sent": sent, "balance": received - sent, "outputs": outputs, "inputs": inputs}


def show_cluster(store: LedgerStore, address: str, why: str | None = None, members: int = 20) -> dict[str, Any]:
    """The cluster of ``address``: size, totals, labels, attribution, red flags, and optionally why ``why`` is in it.

    ``attribution`` groups the members' labels by who they name, with sources and
    confidence, conflicts and where legal process can be served
    (:func:`cointrail.labels.attribution.cluster_attribution`).
    """
    con = store.con
    if not cluster_tables.has_clusters(con):
        raise InputError(f"the store {store.path} has no clusters yet: run 'cointrail cluster build --db {store.path}'")
    address_id = _address_id(con, address)
    cluster_id, size = row(con,
        "SELECT cluster_id, (SELECT count(*) FROM address_clusters d WHERE d.cluster_id = c.cluster_id) "
        "FROM address_clusters c WHERE address_id = ?", [address_id])  # fmt: skip
    links = dict(con.execute(
        "SELECT l.heuristic, count(*) FROM cluster_links l JOIN address_clusters c ON c.address_id = l.address_a "
        "WHERE c.cluster_id = ? GROUP BY l.heuristic", [cluster_id]).fetchall())  # fmt: skip
    result: dict[str, Any] = {
        "address": address.strip(), "cluster_id": cluster_id, "size": size, "totals": _totals(con, cluster_id),
        "links_by_heuristic": links, "members": _members(con, cluster_id, members),
        "labels": labels_by_cluster(con, cluster_id).get(cluster_id, []), "red_flags": red_flags(con, cluster_id),
        "heuristics": list(cluster_tables.last_run(con).heuristics),  # type: ignore[union-attr]
        "attribution": cluster_attribution(con, cluster_id),
    }  # fmt: skip
    if why is not None:
        result["why"] = _why(con, cluster_id, address_id, why)
    return result


def _members(con: duckdb.DuckDBPyConnection, cluster_id: int, limit: int) -> list[str]:
    rows = con.execute(
        "SELECT coalesce(a.address, 'script #' || a.address_id) FROM address_clusters c JOIN addresses a "
        "USING (address_id) WHERE c.cluster_id = ? ORDER BY a.address_id LIMIT ?",
        [cluster_id, limit],
    ).fetchall()
    return [row[0] for row in rows]


def _why(con: duckdb.DuckDBPyConnection, cluster_id: int, address_id: int, member: str) -> dict[str, Any]:
    member_id = _address_id(con, member)
    other = row(con, "SELECT cluster_id FROM address_clusters WHERE address_id = ?", [member_id])[0]
    if other != cluster_id:
        absent = f"{member.strip()} is not in this cluster: no recorded link joins it to these addresses."
        return {"member": member.strip(), "in_cluster": False, "steps": [], "explanation": absent}
    return _in_cluster(member.strip(), explain_path(con, cluster_id, address_id, member_id))


def _in_cluster(member: str, steps: list[dict[str, Any]]) -> dict[str, Any]:
    """A member's ``why``: the links that join it, told one after another."""
    told = " Then ".join(s["explanation"] for s in steps) or "it is the address asked about."
    return {"member": member, "in_cluster": True, "steps": steps, "explanation": told}


def member_explanations(store: LedgerStore, address: str, members: list[str]) -> dict[str, dict[str, Any]]:
    """Why each of ``members`` is in the cluster of ``address`` (the ``why`` of :func:`show_cluster` for each),
    reading the cluster's links once."""
    con = store.con
    start = _address_id(con, address)
    cluster_id = row(con, "SELECT cluster_id FROM address_clusters WHERE address_id = ?", [start])[0]
    ids = {m: _address_id(con, m) for m in members if not m.startswith("script #")}
    paths = explain_paths(con, cluster_id, start, list(ids.values()))
    return {member: _in_cluster(member, paths[member_id]) for member, member_id in ids.items()}
