"""What ``cointrail watch run`` reads from a DuckDB ledger store after each new block: set-based, per height range.

A watch run asks, for the blocks it has not looked at yet, which outputs paid a watched address and which inputs
spent one, then reads those transactions whole (their outputs with the addresses they pay and when each address
first appeared, their inputs). Every query is bounded by a height range, so the cost of a new block does not grow
with the chain: the watched addresses go to DuckDB as one Arrow table, never one query per address.
:class:`DuckDBWatchReads` implements :class:`cointrail.store.interface.WatchReads`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa

from cointrail.domain import WatchedInput, WatchedOutput, WatchedTx

if TYPE_CHECKING:
    from cointrail.chains.bitcoin.model import ResolvedTransaction
    from cointrail.store.duckdb.store import LedgerStore

_IDS_OF_SCRIPTS = """
SELECT a.script, a.address_id FROM addresses a JOIN watch_scripts w ON w.script = a.script
WHERE a.first_height BETWEEN $lo AND $hi
"""

_PAID = """
SELECT DISTINCT o.tx_id FROM outputs o JOIN watch_ids w ON w.id = o.address_id
WHERE o.block_height BETWEEN $lo AND $hi
"""

_SPENT = """
SELECT DISTINCT i.tx_id FROM inputs i JOIN watch_ids w ON w.id = i.address_id
WHERE i.block_height BETWEEN $lo AND $hi
"""

_HEADS = """
SELECT t.tx_id, t.txid, t.block_height, b.hash, b.time, t.is_coinbase FROM transactions t
JOIN watch_txs w ON w.id = t.tx_id JOIN blocks b ON b.height = t.block_height
WHERE t.block_height BETWEEN $lo AND $hi ORDER BY t.tx_id
"""

_OUTPUTS = """
SELECT o.tx_id, o.vout, o.value, o.address_id, a.address, a.first_height FROM outputs o
JOIN watch_txs w ON w.id = o.tx_id JOIN addresses a ON a.address_id = o.address_id
WHERE o.block_height BETWEEN $lo AND $hi ORDER BY o.tx_id, o.vout
"""

_INPUTS = """
SELECT i.tx_id, i.vin, coalesce(i.value, 0), i.address_id, a.address FROM inputs i
JOIN watch_txs w ON w.id = i.tx_id LEFT JOIN addresses a ON a.address_id = i.address_id
WHERE i.block_height BETWEEN $lo AND $hi ORDER BY i.tx_id, i.vin
"""


class DuckDBWatchReads:
    """:class:`~cointrail.store.interface.WatchReads` over an open ledger store."""

    def __init__(self, store: LedgerStore):
        self.store = store
        self.con = store.con

    @contextmanager
    def _registered(self, name: str, table: pa.Table) -> Iterator[None]:
        self.con.register(name, table)
        try:
            yield
        finally:
            self.con.unregister(name)

    def ids_of_scripts(self, scripts: set[bytes], lo: int, hi: int) -> dict[bytes, int]:
        """The address ids of those ``scripts`` that first appeared at heights ``lo..hi``."""
        if not scripts:
            return {}
        table = pa.table({"script": pa.array(sorted(scripts), pa.binary())})
        with self._registered("watch_scripts", table):
            rows = self.con.execute(_IDS_OF_SCRIPTS, {"lo": lo, "hi": hi}).fetchall()
        return {bytes(script): address_id for script, address_id in rows}

    def touching(self, address_ids: set[int], lo: int, hi: int) -> tuple[set[int], set[int]]:
        """(Transactions at ``lo..hi`` paying one of ``address_ids``, those spending one)."""
        if not address_ids:
            return set(), set()
        table = pa.table({"id": np.fromiter(address_ids, np.int64, len(address_ids))})
        params = {"lo": lo, "hi": hi}
        with self._registered("watch_ids", table):
            paid = {tx_id for (tx_id,) in self.con.execute(_PAID, params).fetchall()}
            spent = {tx_id for (tx_id,) in self.con.execute(_SPENT, params).fetchall()}
        return paid, spent

    def transactions(self, tx_ids: set[int], lo: int, hi: int) -> list[WatchedTx]:
        """Transactions ``tx_ids`` (mined at ``lo..hi``) whole: block, outputs with their addresses, inputs."""
        if not tx_ids:
            return []
        table = pa.table({"id": np.fromiter(tx_ids, np.int64, len(tx_ids))})
        params = {"lo": lo, "hi": hi}
        with self._registered("watch_txs", table):
            heads = self.con.execute(_HEADS, params).fetchall()
            outs = self.con.execute(_OUTPUTS, params).fetchall()
            ins = self.con.execute(_INPUTS, params).fetchall()
        outputs: dict[int, list[WatchedOutput]] = {}
        for tx_id, vout, value, address_id, address, first_height in outs:
            outputs.setdefault(tx_id, []).append(WatchedOutput(vout, value, address_id, address, first_height))
        inputs: dict[int, list[WatchedInput]] = {}
        for tx_id, vin, value, address_id, address in ins:
            inputs.setdefault(tx_id, []).append(WatchedInput(vin, value, address_id, address))
        return [WatchedTx(tx_id, bytes(txid), height, bytes(block_hash), time, coinbase,
                          tuple(outputs.get(tx_id, ())), tuple(inputs.get(tx_id, ())))
                for tx_id, txid, height, block_hash, time, coinbase in heads]  # fmt: skip

    def resolved(self, tx_ids: set[int], lo: int, hi: int) -> list[ResolvedTransaction]:
        """The same transactions as the CoinJoin rules read them (inputs with the outputs they spend)."""
        return self.store.arrays().resolved_transactions(list(tx_ids), lo, hi)
