"""What tracing reads from the ledger store, one set-based query per hop, through the store's interface.

Tracing never asks for one transaction at a time: a hop's frontier (the coins being followed) goes to the
store as a set, and the spending or funding transactions of all of them come back together with their inputs
and outputs. The queries are the store's (:class:`cointrail.store.interface.TraceReads`; in DuckDB,
:mod:`cointrail.store.duckdb.trace_reads`); these functions are the names tracing calls them by.
"""

from __future__ import annotations

from cointrail.domain import Coin, TxView
from cointrail.store.interface import TracingStore

__all__ = ["Coin", "TxView", "address_names", "cluster_members", "clusters_of", "coins_of", "load_transactions",
           "spenders"]  # fmt: skip


def load_transactions(store: TracingStore, tx_ids: set[int]) -> dict[int, TxView]:
    """The transactions of ``tx_ids`` with inputs, outputs, block time and CoinJoin flag: four queries in all."""
    return store.trace_reads().transactions(tx_ids)


def spenders(store: TracingStore, coins: set[Coin]) -> dict[Coin, int | None]:
    """The transaction that spent each coin (None: unspent), in one query."""
    return store.trace_reads().spenders(coins)


def coins_of(store: TracingStore, address_ids: set[int]) -> list[tuple[Coin, int, int, int]]:
    """Every output paid to the addresses: (coin, address_id, value, block time)."""
    return store.trace_reads().coins_of(address_ids)


def address_names(store: TracingStore, address_ids: set[int]) -> dict[int, str]:
    """Display names of addresses (the script in hex when it has no address form)."""
    return store.trace_reads().address_names(address_ids)


def clusters_of(store: TracingStore, address_ids: set[int]) -> dict[int, int]:
    """Cluster id of each address; an unclustered store gives each address its own id."""
    return store.trace_reads().clusters_of(address_ids)


def cluster_members(store: TracingStore, cluster_id: int) -> set[int]:
    """Address ids of a cluster (just the id itself in an unclustered store)."""
    return store.trace_reads().cluster_members(cluster_id)
