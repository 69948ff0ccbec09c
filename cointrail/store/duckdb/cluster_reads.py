"""What the cluster summary, ``cluster show``, its red flags, ``--why``, the labels of a cluster, applying a held
link and the export read from a DuckDB ledger store.

:class:`DuckDBClusterReads` implements :class:`cointrail.store.interface.ClusterReads`; the SQL moved here from
``cointrail/clustering/`` (issue 14) unchanged. The cluster tables themselves are kept by
:mod:`cointrail.store.duckdb.cluster_tables`.
"""

from __future__ import annotations

import datetime as _dt
from pathlib import Path
from typing import Any

import duckdb

from cointrail.store.duckdb import address_hash, schema
from cointrail.store.duckdb.cluster_tables import has_clusters, table_names
from cointrail.store.duckdb.sql import row

# Only a cluster of two parts or more can have grown tenfold (one part would need size >= 10 * size), and such a
# cluster has an address whose base cluster is not its cluster (at most one part's id is the cluster's): the
# whole-store read groups those clusters alone, not every address.
_GROWTH = """
WITH parts AS (
    SELECT cluster_id, base_cluster_id, count(*) AS n FROM address_clusters {where} GROUP BY ALL
)
SELECT cluster_id, sum(n)::BIGINT AS size, max(n) AS largest_part, count(*) AS parts FROM parts
GROUP BY cluster_id HAVING sum(n) >= ? AND sum(n) >= ? * max(n) ORDER BY size DESC
"""

_HELD = """
SELECT h.tx_id, t.txid, t.block_height, h.heuristic, least(ca.cluster_id, cb.cluster_id) AS one,
       greatest(ca.cluster_id, cb.cluster_id) AS other, max(h.size_a), max(h.size_b), count(*)::BIGINT
FROM held_links h JOIN transactions t USING (tx_id)
JOIN address_clusters ca ON ca.address_id = h.address_a JOIN address_clusters cb ON cb.address_id = h.address_b
WHERE ca.cluster_id <> cb.cluster_id {where}
GROUP BY ALL ORDER BY h.tx_id, one, other
"""

_LINKS = """
SELECT l.address_a, l.address_b, l.tx_id, l.heuristic, t.txid, t.block_height,
       aa.address AS a_text, ab.address AS b_text, {applied} AS applied
FROM cluster_links l JOIN address_clusters c ON c.address_id = l.address_a
JOIN transactions t ON t.tx_id = l.tx_id
JOIN addresses aa ON aa.address_id = l.address_a JOIN addresses ab ON ab.address_id = l.address_b
WHERE c.cluster_id = ?
"""
_APPLIED = ("EXISTS (SELECT 1 FROM applied_links p WHERE p.tx_id = l.tx_id)", "FALSE")

_EXPORT = """
SELECT a.chain, a.network, a.address_id, a.address, a.script_type, c.cluster_id, c.base_cluster_id,
       count(*) OVER (PARTITION BY c.cluster_id) AS cluster_size
FROM addresses a JOIN address_clusters c USING (address_id) ORDER BY a.address_id
"""

_LABEL_OPTIONAL = ("category", "actor", "source", "confidence")


class DuckDBClusterReads:
    """The cluster reads of one DuckDB connection (a ledger store's)."""

    def __init__(self, con: duckdb.DuckDBPyConnection, *, hashed: bool = True):
        self.con = con
        self.hashed = hashed  # whether addresses has the address hash (False: an older store, read-only)

    def has_clusters(self) -> bool:
        """Whether a build has run on this store."""
        return has_clusters(self.con)

    # -- a build's summary ---------------------------------------------------------------------------------------
    def links_by_heuristic(self) -> dict[str, int]:
        """Recorded links per heuristic, over the whole store."""
        rows = self.con.execute("SELECT heuristic, count(*) FROM cluster_links GROUP BY heuristic ORDER BY heuristic")
        return dict(rows.fetchall())

    def finding_counts(self) -> dict[str, int]:
        """CoinJoins and collaborative transactions kept, transactions with held and with applied links."""
        one = lambda sql: row(self.con, sql)[0]  # noqa: E731
        return {"coinjoins_total": one("SELECT count(*) FROM coinjoins"),
                "collaborative_total": one("SELECT count(*) FROM collaborative_txs"),
                "held_links": one("SELECT count(DISTINCT tx_id) FROM held_links"),
                "applied_links": one("SELECT count(DISTINCT tx_id) FROM applied_links")}  # fmt: skip

    def address_texts(self, ids: list[int]) -> dict[int, str | None]:
        """The text of each of the addresses ``ids`` (None: a script without an address form): the cluster summary's
        largest wallets, ``services detect``'s hot wallets."""
        if not ids:
            return {}
        rows = self.con.execute("SELECT address_id, address FROM addresses WHERE address_id IN (SELECT unnest(?))",
                                [ids]).fetchall()  # fmt: skip
        return {int(i): text for i, text in rows}

    # -- one cluster ---------------------------------------------------------------------------------------------
    def address_id(self, address: str) -> int | None:
        """The id of an address string, None if it never appears."""
        rows = address_hash.rows_of(self.con)
        found = address_hash.find(rows, "addresses", "address_id", address, hashed=self.hashed)
        return int(found[0][0]) if found else None

    def cluster_of(self, address_id: int) -> int:
        """The cluster of a stored address."""
        return row(self.con, "SELECT cluster_id FROM address_clusters WHERE address_id = ?", [address_id])[0]

    def cluster_and_size(self, address_id: int) -> tuple[int, int]:
        """The cluster of a stored address and how many addresses it holds."""
        found = row(self.con,
            "SELECT cluster_id, (SELECT count(*) FROM address_clusters d WHERE d.cluster_id = c.cluster_id) "
            "FROM address_clusters c WHERE address_id = ?", [address_id])  # fmt: skip
        return found[0], found[1]

    def cluster_links_by_heuristic(self, cluster_id: int) -> dict[str, int]:
        """The cluster's recorded links per heuristic."""
        return dict(self.con.execute(
            "SELECT l.heuristic, count(*) FROM cluster_links l JOIN address_clusters c ON c.address_id = l.address_a "
            "WHERE c.cluster_id = ? GROUP BY l.heuristic", [cluster_id]).fetchall())  # fmt: skip

    def totals(self, cluster_id: int) -> tuple[int, int, int, int]:
        """(received, outputs, sent, inputs) of the cluster's addresses."""
        received, outputs = row(self.con,
            "SELECT coalesce(sum(o.value), 0)::BIGINT, count(*) FROM outputs o "
            "JOIN address_clusters c USING (address_id) WHERE c.cluster_id = ?", [cluster_id])  # fmt: skip
        sent, inputs = row(self.con,
            "SELECT coalesce(sum(i.value), 0)::BIGINT, count(*) FROM inputs i "
            "JOIN address_clusters c USING (address_id) WHERE c.cluster_id = ?", [cluster_id])  # fmt: skip
        return received, outputs, sent, inputs

    def members(self, cluster_id: int, limit: int) -> list[str]:
        """The first ``limit`` members by id (``script #ID`` for a script without an address form)."""
        rows = self.con.execute(
            "SELECT coalesce(a.address, 'script #' || a.address_id) FROM address_clusters c JOIN addresses a "
            "USING (address_id) WHERE c.cluster_id = ? ORDER BY a.address_id LIMIT ?",
            [cluster_id, limit],
        ).fetchall()
        return [r[0] for r in rows]

    def links_of(self, cluster_id: int) -> list[tuple[Any, ...]]:
        """The cluster's recorded links: (a, b, tx_id, heuristic, txid, height, a's text, b's text, applied)."""
        applied = _APPLIED[0] if "applied_links" in table_names(self.con) else _APPLIED[1]
        return self.con.execute(_LINKS.format(applied=applied), [cluster_id]).fetchall()

    # -- red flags -----------------------------------------------------------------------------------------------
    def growth(self, cluster_id: int | None, min_size: int, factor: int) -> list[tuple[int, int, int, int]]:
        """(cluster, size, largest multi-input part, parts) of clusters (or the one) grown ``factor`` times."""
        where = ("WHERE cluster_id = ?" if cluster_id is not None else
                 "WHERE cluster_id IN (SELECT cluster_id FROM address_clusters WHERE cluster_id <> base_cluster_id)")
        params = ([cluster_id] if cluster_id is not None else []) + [min_size, factor]
        return self.con.execute(_GROWTH.format(where=where), params).fetchall()

    def held(self, cluster_id: int | None) -> list[tuple[Any, ...]]:
        """Held-back links (touching ``cluster_id`` when given): (tx_id, txid, height, heuristic, one cluster,
        the other, size a, size b, links), one per transaction and pair; none in a store without the table."""
        if "held_links" not in table_names(self.con):
            return []
        one = cluster_id is not None
        where, params = ("AND ? IN (ca.cluster_id, cb.cluster_id)", [cluster_id]) if one else ("", [])
        return self.con.execute(_HELD.format(where=where), params).fetchall()

    def cluster_labels(self, cluster_id: int | None) -> tuple[list[str], list[tuple[Any, ...]]]:
        """The label columns there are and (cluster, address, *columns) of every labelled cluster (or the one);
        no columns without a usable ``labels`` table; labels marked for another chain left out."""
        have = schema.column_names(self.con, "labels")
        if not {"address", "label"} <= have:
            return [], []
        columns = ["label", *(c for c in _LABEL_OPTIONAL if c in have)]
        select = ", ".join(f"l.{c}" for c in columns)
        where = "WHERE c.cluster_id = ?" if cluster_id is not None else ""
        if "on_chain" in have:  # a label for the same string on another chain (BCH legacy) is not ours
            where = f"{where} AND l.on_chain" if where else "WHERE l.on_chain"
        rows = self.con.execute(
            f"SELECT c.cluster_id, a.address, {select} FROM labels l JOIN addresses a ON a.address = l.address "
            f"JOIN address_clusters c USING (address_id) {where} ORDER BY c.cluster_id, a.address",
            [cluster_id] if cluster_id is not None else [],
        ).fetchall()
        return columns, rows

    def member_labels(self, cluster_id: int, wanted: tuple[str, ...]) -> tuple[list[str], list[tuple[Any, ...]]]:
        """Those of the ``wanted`` label columns there are, and (address, *columns) of every stored label on an
        address of the cluster, by address and label; nothing without a usable ``labels`` table."""
        have = schema.column_names(self.con, "labels")
        columns = [c for c in wanted if c in have] if {"address", "label"} <= have else []
        if not columns:
            return [], []
        rows = self.con.execute(
            f"SELECT l.address, {', '.join('l.' + c for c in columns)} FROM labels l "
            "JOIN addresses a ON a.address = l.address JOIN address_clusters c USING (address_id) "
            "WHERE c.cluster_id = ? ORDER BY l.address, l.label", [cluster_id]).fetchall()  # fmt: skip
        return columns, rows

    # -- applying a held link, exporting -------------------------------------------------------------------------
    def record_applied(self, chain: str, network: str, tx_id: int, txid: str, at: _dt.datetime, operator: str | None,
                       case: str, reason: str | None) -> None:  # fmt: skip
        """Keep an investigator's decision to apply a held link (``applied_links``)."""
        self.con.execute("INSERT INTO applied_links VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                         [chain, network, tx_id, txid, at, operator, case, reason])  # fmt: skip

    def forget_applied(self, tx_id: int, at: _dt.datetime) -> None:
        """Undo :meth:`record_applied` (the rebuild after it failed)."""
        self.con.execute("DELETE FROM applied_links WHERE tx_id = ? AND applied_at = ?", [tx_id, at])

    def write_assignment(self, kind: str, path: Path) -> None:
        """Write every address with its cluster to ``path`` (``kind``: "csv" or "parquet")."""
        self.con.complete()  # a caller's fetchone() may have left a result open
        relation = self.con.sql(_EXPORT)
        relation.write_csv(str(path)) if kind == "csv" else relation.write_parquet(str(path))

    def assigned_addresses(self) -> int:
        """How many addresses have a cluster."""
        return row(self.con, "SELECT count(*) FROM address_clusters")[0]
