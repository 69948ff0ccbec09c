"""What tracing, the payers and the patterns read from a DuckDB ledger store, one set-based query per hop.

Tracing never asks for one transaction at a time: a hop's frontier (the coins being followed) goes to DuckDB
as an Arrow table, and the spending or funding transactions of all of them come back together with their
inputs and outputs. :class:`DuckDBTraceReads` implements :class:`cointrail.store.interface.TraceReads`; the
SQL moved here from ``cointrail/tracing/`` (issue 14) unchanged.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from cointrail.chains.bitcoin.model import display_hash
from cointrail.domain import Coin, TxView
from cointrail.store.duckdb import p2pk, schema

if TYPE_CHECKING:
    from cointrail.store.duckdb.store import LedgerStore

# Payments into the site: transactions paying a site address, except the site's own (all inputs the site's: a
# sweep, a cash-out). A transaction to which the site added an input of its own beside someone else's is a
# PayJoin (BIP78): counted, for the net amount the site received, with the payer's inputs only.
_PAYMENTS = """
WITH paid AS (
    SELECT o.tx_id, o.address_id, o.value FROM outputs o JOIN site_ids s ON s.id = o.address_id
), own AS (
    SELECT i.tx_id, count(*) AS n, sum(coalesce(i.value, 0)) AS value FROM inputs i
    JOIN site_ids s ON s.id = i.address_id GROUP BY 1
), everyone AS (
    SELECT i.tx_id, count(*) AS n FROM inputs i JOIN own USING (tx_id) GROUP BY 1
)
SELECT p.tx_id, x.txid, x.block_height, b.time, list(DISTINCT p.address_id),
       sum(p.value) - coalesce(any_value(own.value), 0), any_value(own.n) IS NOT NULL
FROM paid p JOIN transactions x USING (tx_id) JOIN blocks b ON b.height = x.block_height
LEFT JOIN own USING (tx_id) LEFT JOIN everyone USING (tx_id)
WHERE NOT x.is_coinbase AND (own.n IS NULL OR everyone.n > own.n)
GROUP BY p.tx_id, x.txid, x.block_height, b.time
HAVING sum(p.value) > coalesce(any_value(own.value), 0)
ORDER BY p.tx_id
"""

# Peel chains: links between one-in two-out transactions, larger output first.
_PEEL_LINKS = """
WITH c AS (SELECT tx_id FROM transactions WHERE input_count = 1 AND output_count = 2 AND NOT is_coinbase)
SELECT o.tx_id, o.spent_by_tx_id, o.value FROM outputs o
JOIN c a ON a.tx_id = o.tx_id JOIN c b ON b.tx_id = o.spent_by_tx_id
ORDER BY o.tx_id, o.value DESC
"""

# Consolidation sweeps: many inputs, one output.
_SWEEPS = """
SELECT t.tx_id, t.txid, t.input_count, list(DISTINCT i.address_id), sum(i.value), any_value(o.address_id)
FROM transactions t JOIN inputs i USING (tx_id) JOIN outputs o USING (tx_id)
WHERE t.input_count >= ? AND t.output_count = 1 AND NOT t.is_coinbase
GROUP BY t.tx_id, t.txid, t.input_count ORDER BY t.tx_id
"""


class DuckDBTraceReads:
    """The trace reads of one open :class:`~cointrail.store.duckdb.store.LedgerStore`."""

    def __init__(self, store: LedgerStore):
        self.store = store

    @contextmanager
    def _ids(self, name: str, ids: set[int]) -> Iterator[None]:
        self.store.con.register(name, pa.table({"id": pa.array(sorted(ids), pa.int64())}))
        try:
            yield
        finally:
            self.store.con.unregister(name)

    def transactions(self, tx_ids: set[int]) -> dict[int, TxView]:
        """The transactions of ``tx_ids`` with inputs, outputs, block time and CoinJoin flag: four queries in all."""
        if not tx_ids:
            return {}
        rows = self.store.rows
        with self._ids("trace_txs", tx_ids):
            txs = self._headers()
            for tx_id, vin, prev_tx, prev_vout, address_id, value in rows(
                "SELECT i.tx_id, i.vin, i.prev_tx_id, i.prev_vout, i.address_id, coalesce(i.value, 0) FROM inputs i "
                "JOIN trace_txs t ON t.id = i.tx_id ORDER BY i.tx_id, i.vin"
            ):
                coin = (prev_tx, prev_vout) if prev_tx is not None else None
                txs[tx_id].inputs.append((vin, coin, address_id, value))
            for tx_id, vout, address_id, value, spent_by, script_type in rows(
                "SELECT o.tx_id, o.vout, o.address_id, o.value, o.spent_by_tx_id, a.script_type FROM outputs o "
                "JOIN trace_txs t ON t.id = o.tx_id JOIN addresses a USING (address_id) ORDER BY o.tx_id, o.vout"
            ):
                txs[tx_id].outputs.append((vout, address_id, value, spent_by, script_type))
            if self.store.has_table("coinjoins"):
                self._coinjoin_flags(txs)
        return txs

    def _headers(self) -> dict[int, TxView]:
        rows = self.store.rows(
            "SELECT x.tx_id, x.txid, x.block_height, b.time, x.is_coinbase, x.has_mweb FROM transactions x "
            "JOIN trace_txs t ON t.id = x.tx_id JOIN blocks b ON b.height = x.block_height"
        )
        return {r[0]: TxView(r[0], display_hash(bytes(r[1])), r[2], r[3], r[4], r[5]) for r in rows}

    def _coinjoin_flags(self, txs: dict[int, TxView]) -> None:
        """Mark the CoinJoins (``coinjoins``) and the possibly collaborative transactions (``collaborative_txs``:
        PayJoin-like, small joins) the clustering found; stores clustered before those columns exist still work."""
        have = schema.column_names(self.store.con, "coinjoins")
        kind = "c.kind" if "kind" in have else "'coinjoin'"
        participants = "c.participants" if "participants" in have else "NULL"
        for tx_id, rule, what, count in self.store.rows(
            f"SELECT c.tx_id, c.rule, {kind}, {participants} FROM coinjoins c JOIN trace_txs t ON t.id = c.tx_id"
        ):
            if what in (None, "coinjoin"):
                txs[tx_id].coinjoin, txs[tx_id].coinjoin_participants = rule, count
            else:
                txs[tx_id].collaborative = rule
        if self.store.has_table("collaborative_txs"):
            for tx_id, rule in self.store.rows(
                "SELECT c.tx_id, c.rule FROM collaborative_txs c JOIN trace_txs t ON t.id = c.tx_id"
            ):
                if not txs[tx_id].coinjoin:
                    txs[tx_id].collaborative = rule

    def spenders(self, coins: set[Coin]) -> dict[Coin, int | None]:
        """The transaction that spent each coin (None: unspent), in one query."""
        if not coins:
            return {}
        ordered = sorted(coins)
        con = self.store.con
        con.register("trace_coins", pa.table({"tx_id": [c[0] for c in ordered], "vout": [c[1] for c in ordered]}))
        try:
            rows = self.store.rows(
                "SELECT o.tx_id, o.vout, o.spent_by_tx_id FROM outputs o JOIN trace_coins c "
                "ON o.tx_id = c.tx_id AND o.vout = c.vout"
            )
        finally:
            con.unregister("trace_coins")
        return {(tx_id, vout): spent for tx_id, vout, spent in rows}

    def spending_unknown(self, coins: set[Coin]) -> set[Coin]:
        """The coins with no spender whose spending the store cannot know (empty in a store of whole blocks):
        in a sparse store, those neither checked for spenders nor at an address whose whole history was fetched."""
        if not coins or not self.store.has_table("sparse_spend_checks"):
            return set()
        from cointrail.store.duckdb.sparse import SPENDING_UNKNOWN  # sparse imports the store, which imports this

        ordered = sorted(coins)
        con = self.store.con
        con.register("unknown_coins", pa.table({"tx_id": [c[0] for c in ordered], "vout": [c[1] for c in ordered]}))
        try:
            return {(t, v) for t, v in self.store.rows(SPENDING_UNKNOWN.format(coins="unknown_coins"))}
        finally:
            con.unregister("unknown_coins")

    def coins_of(self, address_ids: set[int]) -> list[tuple[Coin, int, int, int]]:
        """Every output paid to the addresses: (coin, address_id, value, block time)."""
        if not address_ids:
            return []
        with self._ids("trace_addresses", address_ids):
            rows = self.store.rows(
                "SELECT o.tx_id, o.vout, o.address_id, o.value, b.time FROM outputs o "
                "JOIN trace_addresses t ON t.id = o.address_id JOIN blocks b ON b.height = o.block_height "
                "ORDER BY o.tx_id, o.vout"
            )
        return [((r[0], r[1]), r[2], r[3], r[4]) for r in rows]

    def address_names(self, address_ids: set[int]) -> dict[int, str]:
        """Display names of addresses (the script in hex when it has no address form)."""
        if not address_ids:
            return {}
        with self._ids("trace_names", address_ids):
            rows = self.store.rows(
                "SELECT a.address_id, a.address, a.script FROM addresses a JOIN trace_names t ON t.id = a.address_id"
            )
        return {r[0]: r[1] or f"script:{bytes(r[2]).hex()}" for r in rows}

    def clusters_of(self, address_ids: set[int]) -> dict[int, int]:
        """Cluster id of each address; an unclustered store gives each address its own id."""
        found = self.clustered(address_ids)
        return {a: found.get(a, a) for a in address_ids}

    def clustered(self, address_ids: set[int]) -> dict[int, int]:
        """Cluster id of each address a cluster build placed in a wallet; the others (all, in a store never
        clustered; those ingested after the last build) are left out."""
        if not address_ids or not self.store.has_table("address_clusters"):
            return {}
        with self._ids("trace_members", address_ids):
            return dict(self.store.rows(
                "SELECT c.address_id, c.cluster_id FROM address_clusters c JOIN trace_members t ON t.id = c.address_id"
            ))  # fmt: skip

    def cluster_members(self, cluster_id: int) -> set[int]:
        """Address ids of a cluster (just the id itself in an unclustered store)."""
        if not self.store.has_table("address_clusters"):
            return {cluster_id}
        rows = self.store.rows("SELECT address_id FROM address_clusters WHERE cluster_id = ?", [cluster_id])
        return {r[0] for r in rows} or {cluster_id}

    def clusters_members(self, cluster_ids: set[int]) -> set[int]:
        """Address ids of all of the clusters :meth:`cluster_members` would give one by one, in one query."""
        if not cluster_ids or not self.store.has_table("address_clusters"):
            return set(cluster_ids)
        with self._ids("trace_wallets", cluster_ids):
            rows = self.store.rows(
                "SELECT c.address_id, c.cluster_id FROM address_clusters c JOIN trace_wallets t ON t.id = c.cluster_id"
            )
        return {r[0] for r in rows} | (cluster_ids - {r[1] for r in rows})  # a cluster of no row: just its id

    def tx_id(self, txid: bytes) -> int | None:
        """The id of a transaction (``txid`` in internal byte order), None if it is not stored."""
        row = self.store.one("SELECT tx_id FROM transactions WHERE txid = ?", [txid])
        return int(row[0]) if row else None

    def p2pk_markers(self, address_ids: set[int], names: dict[int, str]) -> list[dict[str, str]]:
        """The addresses among ``address_ids`` paid to their bare key (:func:`cointrail.store.duckdb.p2pk.markers`)."""
        return p2pk.markers(self.store.con, address_ids, names)

    def site_payments(self, site_ids: set[int]) -> tuple[list[tuple], dict[int, list[tuple]], dict[int, int]]:
        """Payments into the site, the inputs (address, value, coin) of each, and receipts per site address."""
        con = self.store.con
        con.register("site_ids", pa.table({"id": pa.array(sorted(site_ids), pa.int64())}))
        try:
            payments = self.store.rows(_PAYMENTS)
            receipts = dict(self.store.rows(
                "SELECT o.address_id, count(*) FROM outputs o JOIN site_ids s ON s.id = o.address_id GROUP BY 1"
            ))  # fmt: skip
            con.register("pay_txs", pa.table({"id": pa.array([p[0] for p in payments], pa.int64())}))
            inputs: dict[int, list[tuple]] = defaultdict(list)
            for tx_id, address_id, value, prev_tx, prev_vout in self.store.rows(
                "SELECT i.tx_id, i.address_id, i.value, i.prev_tx_id, i.prev_vout FROM inputs i "
                "JOIN pay_txs t ON t.id = i.tx_id WHERE i.address_id IS NOT NULL "
                "AND i.address_id NOT IN (SELECT id FROM site_ids) ORDER BY i.tx_id, i.vin"
            ):
                inputs[tx_id].append((address_id, value, (prev_tx, prev_vout)))
        finally:
            con.unregister("site_ids")
            con.unregister("pay_txs")
        return payments, inputs, receipts

    def peel_links(self) -> list[tuple[int, int, int]]:
        """(tx, the one-in two-out transaction spending its output, that output's value), larger outputs first."""
        return self.store.rows(_PEEL_LINKS)

    def stored_coinjoins(self) -> list[tuple[int, str, str]] | None:
        """(tx_id, rule, evidence) of the CoinJoins the clustering kept; None in a store never clustered."""
        if not self.store.has_table("coinjoins"):
            return None
        rows = self.store.rows("SELECT tx_id, rule, evidence FROM coinjoins ORDER BY tx_id")
        return [(r[0], r[1], r[2]) for r in rows]

    def sweeps(self, min_inputs: int) -> list[tuple]:
        """(tx_id, txid, inputs, input address ids, input total, output address id) of one-output sweeps."""
        return self.store.rows(_SWEEPS, [min_inputs])

    def label_columns(self) -> set[str]:
        """The columns the store's ``labels`` table has (none without one)."""
        return schema.column_names(self.store.con, "labels")

    def address_labels(self, ids: set[int], columns: list[str], on_chain: bool, clustered: bool) -> list[tuple]:
        """(address id, labelled address, via its cluster, *columns) of the labels of ``ids`` and of their clusters."""
        select = ", ".join(f"l.{c}" for c in columns)
        chain = " AND l.on_chain" if on_chain else ""
        with self._ids("trace_lookup", ids):
            rows: list[Any] = self.store.rows(
                f"SELECT t.id, a.address, false, {select} FROM trace_lookup t JOIN addresses a ON a.address_id = t.id "
                f"JOIN labels l ON l.address = a.address{chain}"
            )
            if clustered:
                rows += self.store.rows(
                    f"SELECT t.id, m.address, true, {select} FROM trace_lookup t "
                    "JOIN address_clusters c ON c.address_id = t.id "
                    "JOIN address_clusters o ON o.cluster_id = c.cluster_id AND o.address_id <> t.id "
                    f"JOIN addresses m ON m.address_id = o.address_id "
                    f"JOIN labels l ON l.address = m.address{chain}"
                )
        return rows

    def cluster_labels(self, cluster_ids: set[int], columns: list[str], on_chain: bool) -> list[tuple]:
        """(cluster id, labelled address, *columns) of every label on an address of the clusters ``cluster_ids``."""
        if not cluster_ids:
            return []
        select = ", ".join(f"l.{c}" for c in columns)
        chain = " AND l.on_chain" if on_chain else ""
        with self._ids("trace_wallets", cluster_ids):
            return self.store.rows(
                f"SELECT c.cluster_id, a.address, {select} FROM trace_wallets t "
                "JOIN address_clusters c ON c.cluster_id = t.id JOIN addresses a ON a.address_id = c.address_id "
                f"JOIN labels l ON l.address = a.address{chain} ORDER BY c.cluster_id, a.address, l.label"
            )
