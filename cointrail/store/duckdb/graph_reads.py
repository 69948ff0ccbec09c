"""What the flow graph (one hop around a wallet) reads from a DuckDB ledger store.

Queries follow :mod:`cointrail.store.duckdb.queries`: literal ``IN`` lists of ids that came from the store,
which DuckDB answers from its indexes and zone maps. :class:`DuckDBGraphReads` implements
:class:`cointrail.store.interface.GraphReads`; the SQL moved here from ``cointrail/graph/`` (issue 14) unchanged.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from cointrail.store.duckdb.sql import id_list

if TYPE_CHECKING:
    from cointrail.store.duckdb.store import LedgerStore


class DuckDBGraphReads:
    """The graph reads of one open :class:`~cointrail.store.duckdb.store.LedgerStore`."""

    def __init__(self, store: LedgerStore):
        self.store = store

    def spending_txs(self, members: set[int], cap: int) -> set[int]:
        """The newest ``cap`` + 1 transactions spending from ``members`` (one more than the cap shows it was hit)."""
        rows = self.store.rows(f"SELECT DISTINCT tx_id FROM inputs WHERE address_id IN ({id_list(members)}) "
                               f"ORDER BY tx_id DESC LIMIT {int(cap) + 1}")  # fmt: skip
        return {r[0] for r in rows}

    def paying_txs(self, members: set[int], cap: int) -> dict[int, int]:
        """The newest ``cap`` + 1 transactions paying ``members``, with what each paid them."""
        rows = self.store.rows(f"SELECT tx_id, sum(value)::BIGINT FROM outputs "
                               f"WHERE address_id IN ({id_list(members)}) "
                               f"GROUP BY tx_id ORDER BY tx_id DESC LIMIT {int(cap) + 1}")  # fmt: skip
        return {tx_id: int(value) for tx_id, value in rows}

    def tx_times(self, tx_ids: set[int]) -> dict[int, tuple[int, bytes]]:
        """The block time and txid (internal order) of each transaction."""
        rows = self.store.rows(f"SELECT t.tx_id, b.time, t.txid FROM transactions t JOIN blocks b "
                               f"ON b.height = t.block_height WHERE t.tx_id IN ({id_list(tx_ids)})")  # fmt: skip
        return {tx_id: (time, bytes(txid)) for tx_id, time, txid in rows}

    def coinjoin_ids(self, tx_ids: set[int]) -> set[int]:
        """Those of ``tx_ids`` the clustering kept as CoinJoins (none in a store never clustered)."""
        if not tx_ids or not self.store.has_table("coinjoins"):
            return set()
        return {r[0] for r in self.store.rows(f"SELECT tx_id FROM coinjoins WHERE tx_id IN ({id_list(tx_ids)})")}

    def outputs_of(self, tx_ids: set[int]) -> list[tuple[int, int, int]]:
        """(tx_id, address id, value) of every output of the transactions."""
        rows = self.store.rows(f"SELECT tx_id, address_id, value FROM outputs WHERE tx_id IN ({id_list(tx_ids)})")
        return [(int(tx_id), int(address_id), int(value)) for tx_id, address_id, value in rows]

    def inputs_of(self, tx_ids: set[int]) -> list[tuple[int, int | None, int]]:
        """(tx_id, address id or None, value, 0 when unknown) of every input of the transactions."""
        rows = self.store.rows(
            f"SELECT tx_id, address_id, coalesce(value, 0) FROM inputs WHERE tx_id IN ({id_list(tx_ids)})")  # fmt: skip
        return [(tx_id, address_id, int(value)) for tx_id, address_id, value in rows]

    def cluster_sizes(self, cluster_ids: set[int]) -> dict[int, int] | None:
        """Addresses per wallet among ``cluster_ids`` (those stored); None in an unclustered store."""
        if not self.store.has_table("address_clusters"):
            return None
        return dict(self.store.rows("SELECT cluster_id, count(*) FROM address_clusters "
                                    f"WHERE cluster_id IN ({id_list(cluster_ids)}) GROUP BY cluster_id"))  # fmt: skip
