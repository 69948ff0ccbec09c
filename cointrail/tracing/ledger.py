"""What tracing reads from the ledger store, one set-based query per hop.

Tracing never asks for one transaction at a time: a hop's frontier (the coins
being followed) goes to DuckDB as an Arrow table, and the spending or funding
transactions of all of them come back together with their inputs and outputs.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import pyarrow as pa

from cointrail.chains.bitcoin.model import display_hash
from cointrail.store.duckdb import schema
from cointrail.store.duckdb.store import LedgerStore

Coin = tuple[int, int]  # (tx_id, vout): an output of a transaction


@dataclass
class TxView:
    """One transaction with its resolved inputs and outputs, as tracing needs it."""

    tx_id: int
    txid: str
    height: int
    time: int
    is_coinbase: bool
    has_mweb: bool
    coinjoin: str | None = None  # the rule that flagged it, when it is a CoinJoin
    # The detector's estimate of how many people took part (None: not estimated; see participants()).
    coinjoin_participants: int | None = None
    # The rule that flagged it as possibly collaborative (a PayJoin…): not a CoinJoin, but not surely one owner.
    collaborative: str | None = None
    # inputs: (vin, prev coin or None, address_id or None, value)
    inputs: list[tuple[int, Coin | None, int | None, int]] = field(default_factory=list)
    # outputs: (vout, address_id, value, spent_by_tx_id or None, script_type)
    outputs: list[tuple[int, int, int, int | None, str]] = field(default_factory=list)

    @property
    def input_total(self) -> int:
        return sum(value for *_, value in self.inputs)

    @property
    def output_total(self) -> int:
        return sum(out[2] for out in self.outputs)

    def participants(self) -> int:
        """How many people a CoinJoin mixed: the detector's estimate, else the same rule of thumb
        (cointrail.heuristics.joinbase.participants_estimate): one per output of the largest equal group or one
        per change output, never more than the distinct input addresses; at least 2."""
        if self.coinjoin_participants:
            return max(2, self.coinjoin_participants)
        counts = Counter(out[2] for out in self.outputs)
        equal = [n for n in counts.values() if n >= 2]
        changes = len(self.outputs) - sum(equal) - 1  # every other output but the coordinator's fee
        senders = len({i[2] for i in self.inputs if i[2] is not None})
        return max(2, min(senders, max(max(equal, default=1), changes)))


def _has_table(store: LedgerStore, name: str) -> bool:
    return store.has_table(name)


def _ids_table(store: LedgerStore, name: str, ids: set[int]) -> None:
    store.con.register(name, pa.table({"id": pa.array(sorted(ids), pa.int64())}))


def load_transactions(store: LedgerStore, tx_ids: set[int]) -> dict[int, TxView]:
    """The transactions of ``tx_ids`` with inputs, outputs, block time and CoinJoin flag: four queries in all."""
    if not tx_ids:
        return {}
    _ids_table(store, "trace_txs", tx_ids)
    try:
        txs = _headers(store)
        for tx_id, vin, prev_tx, prev_vout, address_id, value in store.rows(
            "SELECT i.tx_id, i.vin, i.prev_tx_id, i.prev_vout, i.address_id, coalesce(i.value, 0) FROM inputs i "
            "JOIN trace_txs t ON t.id = i.tx_id ORDER BY i.tx_id, i.vin"
        ):
            coin = (prev_tx, prev_vout) if prev_tx is not None else None
            txs[tx_id].inputs.append((vin, coin, address_id, value))
        for tx_id, vout, address_id, value, spent_by, script_type in store.rows(
            "SELECT o.tx_id, o.vout, o.address_id, o.value, o.spent_by_tx_id, a.script_type FROM outputs o "
            "JOIN trace_txs t ON t.id = o.tx_id JOIN addresses a USING (address_id) ORDER BY o.tx_id, o.vout"
        ):
            txs[tx_id].outputs.append((vout, address_id, value, spent_by, script_type))
        if _has_table(store, "coinjoins"):
            _coinjoin_flags(store, txs)
    finally:
        store.con.unregister("trace_txs")
    return txs


def _coinjoin_flags(store: LedgerStore, txs: dict[int, TxView]) -> None:
    """Mark the CoinJoins (``coinjoins``) and the possibly collaborative transactions (``collaborative_txs``:
    PayJoin-like, small joins) the clustering found; stores clustered before those columns exist still work."""
    have = _columns(store, "coinjoins")
    kind = "c.kind" if "kind" in have else "'coinjoin'"
    participants = "c.participants" if "participants" in have else "NULL"
    for tx_id, rule, what, count in store.rows(
        f"SELECT c.tx_id, c.rule, {kind}, {participants} FROM coinjoins c JOIN trace_txs t ON t.id = c.tx_id"
    ):
        if what in (None, "coinjoin"):
            txs[tx_id].coinjoin, txs[tx_id].coinjoin_participants = rule, count
        else:
            txs[tx_id].collaborative = rule
    if _has_table(store, "collaborative_txs"):
        for tx_id, rule in store.rows(
            "SELECT c.tx_id, c.rule FROM collaborative_txs c JOIN trace_txs t ON t.id = c.tx_id"
        ):
            if not txs[tx_id].coinjoin:
                txs[tx_id].collaborative = rule


def _columns(store: LedgerStore, table: str) -> set[str]:
    return schema.column_names(store.con, table)


def _headers(store: LedgerStore) -> dict[int, TxView]:
    rows = store.rows(
        "SELECT x.tx_id, x.txid, x.block_height, b.time, x.is_coinbase, x.has_mweb FROM transactions x "
        "JOIN trace_txs t ON t.id = x.tx_id JOIN blocks b ON b.height = x.block_height"
    )
    return {r[0]: TxView(r[0], display_hash(bytes(r[1])), r[2], r[3], r[4], r[5]) for r in rows}


def spenders(store: LedgerStore, coins: set[Coin]) -> dict[Coin, int | None]:
    """The transaction that spent each coin (None: unspent), in one query."""
    if not coins:
        return {}
    ordered = sorted(coins)
    store.con.register("trace_coins", pa.table({"tx_id": [c[0] for c in ordered], "vout": [c[1] for c in ordered]}))
    try:
        rows = store.rows(
            "SELECT o.tx_id, o.vout, o.spent_by_tx_id FROM outputs o JOIN trace_coins c "
            "ON o.tx_id = c.tx_id AND o.vout = c.vout"
        )
    finally:
        store.con.unregister("trace_coins")
    return {(tx_id, vout): spent for tx_id, vout, spent in rows}


def coins_of(store: LedgerStore, address_ids: set[int]) -> list[tuple[Coin, int, int, int]]:
    """Every output paid to the addresses: (coin, address_id, value, block time)."""
    if not address_ids:
        return []
    _ids_table(store, "trace_addresses", address_ids)
    try:
        rows = store.rows(
            "SELECT o.tx_id, o.vout, o.address_id, o.value, b.time FROM outputs o "
            "JOIN trace_addresses t ON t.id = o.address_id JOIN blocks b ON b.height = o.block_height "
            "ORDER BY o.tx_id, o.vout"
        )
    finally:
        store.con.unregister("trace_addresses")
    return [((r[0], r[1]), r[2], r[3], r[4]) for r in rows]


def address_names(store: LedgerStore, address_ids: set[int]) -> dict[int, str]:
    """Display names of addresses (the script in hex when it has no address form)."""
    if not address_ids:
        return {}
    _ids_table(store, "trace_names", address_ids)
    try:
        rows = store.rows(
            "SELECT a.address_id, a.address, a.script FROM addresses a JOIN trace_names t ON t.id = a.address_id"
        )
    finally:
        store.con.unregister("trace_names")
    return {r[0]: r[1] or f"script:{bytes(r[2]).hex()}" for r in rows}


def clusters_of(store: LedgerStore, address_ids: set[int]) -> dict[int, int]:
    """Cluster id of each address; an unclustered store gives each address its own id."""
    if not address_ids:
        return {}
    if not _has_table(store, "address_clusters"):
        return {a: a for a in address_ids}
    _ids_table(store, "trace_members", address_ids)
    try:
        found = dict(store.rows(
            "SELECT c.address_id, c.cluster_id FROM address_clusters c JOIN trace_members t ON t.id = c.address_id"
        ))  # fmt: skip
    finally:
        store.con.unregister("trace_members")
    return {a: found.get(a, a) for a in address_ids}


def cluster_members(store: LedgerStore, cluster_id: int) -> set[int]:
    """Address ids of a cluster (just the id itself in an unclustered store)."""
    if not _has_table(store, "address_clusters"):
        return {cluster_id}
    rows = store.rows("SELECT address_id FROM address_clusters WHERE cluster_id = ?", [cluster_id])
    return {r[0] for r in rows} or {cluster_id}
