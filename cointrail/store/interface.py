"""The narrow interface analysis reads the store through: plain arrays and values, no SQL.

A cluster build never runs SQL of its own: it asks a :class:`LedgerArrays`
for columns (NumPy arrays of dense integer ids) over a range of block heights,
and reads and writes its results through :class:`ClusterTables`; a
:class:`ClusteringStore` hands out both. The DuckDB store implements them
(:class:`cointrail.store.duckdb.arrays.DuckDBLedgerArrays`,
:class:`cointrail.store.duckdb.cluster_tables.DuckDBClusterTables`, from
:class:`~cointrail.store.duckdb.store.LedgerStore`); a Spark implementation only
has to return the same arrays and keep the same results (STYLE.md habit 12).

Tracing, the payers and the patterns read through :class:`TraceReads` (from a :class:`TracingStore`;
:class:`cointrail.store.duckdb.trace_reads.DuckDBTraceReads`). The values handed across are declared in
:mod:`cointrail.domain`, below both sides. The cluster summary, ``cluster show``, red flags, ``--why``, applying a
held link and the export read through :class:`ClusterReads`
(:class:`cointrail.store.duckdb.cluster_reads.DuckDBClusterReads`); the flow graph through :class:`GraphReads`
(:class:`cointrail.store.duckdb.graph_reads.DuckDBGraphReads`); a report's sources through :class:`SourceReads`
(:class:`cointrail.store.duckdb.source_reads.DuckDBSourceReads`); a watch run through :class:`WatchReads`
(:class:`cointrail.store.duckdb.watch_reads.DuckDBWatchReads`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import pyarrow as pa

from cointrail.chains.bitcoin.model import ResolvedTransaction
from cointrail.domain import COINJOIN, Coin, CoinJoinFinding, FoundSet, Held, Links, TxView, WatchedTx


@dataclass(frozen=True)
class SpendingInputs:
    """Inputs of non-coinbase transactions with a known address, ordered by (tx_id, vin)."""

    tx_id: np.ndarray  # int64
    address_id: np.ndarray  # int64
    value: np.ndarray  # int64
    script_type: np.ndarray  # object (str); empty where not asked for (spending_inputs(types=False))


@dataclass(frozen=True)
class TxOutputs:
    """Outputs of the transactions asked for, ordered by (tx_id, vout)."""

    tx_id: np.ndarray
    vout: np.ndarray
    address_id: np.ndarray
    value: np.ndarray
    script_type: np.ndarray  # object (str)
    first_tx_id: np.ndarray  # the first transaction that paid the output's address


PAYJOIN_SIGN_COLUMNS = ("tx_id", "n", "scripts", "kinds", "out_smallest", "out_largest", "smallest", "paired")
"""The columns of :meth:`LedgerArrays.payjoin_signs`, an Arrow table, a row per payment in tx_id order: inputs,
distinct input scripts, their script types (a sorted list), smaller output, larger output, smallest input, and whether
two inputs of two script types are each paid back in its type."""


class LedgerArrays(Protocol):
    """What clustering needs from a ledger store, as arrays over a height range (inclusive)."""

    def tip_height(self) -> int | None: ...

    def address_count(self) -> int: ...

    def spending_inputs(self, lo: int, hi: int, types: bool = True) -> SpendingInputs: ...

    def payment_outputs(self, lo: int, hi: int) -> TxOutputs: ...

    def coinjoin_candidates(
        self, lo: int, hi: int, min_equal: int, min_inputs: int
    ) -> list[tuple[int, ResolvedTransaction]]: ...

    def payjoin_signs(self, lo: int, hi: int, max_inputs: int) -> pa.Table: ...


@dataclass(frozen=True)
class LastRun:
    """What the latest build clustered: up to which block, with which heuristics."""

    run: int
    heuristics: tuple[str, ...]
    through_height: int
    through_hash: bytes
    detection: str | None = None


@dataclass(frozen=True)
class ClusterBuild:
    """What one cluster build keeps: the assignment before and after, its links, findings and provenance."""

    mode: str  # "full" (earlier results replaced) or "incremental"
    heuristics: tuple[str, ...]
    span: tuple[int, int]  # the heights read, inclusive
    through_hash: bytes  # the block clustered up to
    old: tuple[np.ndarray, np.ndarray]  # (cluster, base cluster) per address id, as stored before
    new: tuple[np.ndarray, np.ndarray]
    links: Links  # the evidence kept (a spanning forest)
    heuristic_names: tuple[str, ...]  # the name of each code in ``links.heuristic``
    findings: list[CoinJoinFinding]  # CoinJoins and possibly-collaborative transactions
    held: Held | None  # links the supercluster check held back
    detection: str  # the fingerprint of what detection saw (clustering.guard)
    sets: tuple[FoundSet, ...] = ()  # more findings, of set-based rules (the PayJoins), kept as columns

    def coinjoins(self) -> int:
        """How many of the findings are CoinJoins."""
        return sum(f.kind == COINJOIN for f in self.findings) + sum(len(s) for s in self.sets if s.kind == COINJOIN)


class ClusterTables(Protocol):
    """The clusters kept beside the ledger: what a build reads and writes."""

    def ensure(self) -> None: ...

    def last_run(self) -> LastRun | None: ...

    def applied_tx_ids(self) -> np.ndarray: ...

    def load_assignment(self) -> tuple[np.ndarray, np.ndarray]: ...

    def save_build(self, build: ClusterBuild) -> None: ...


class ClusteringStore(Protocol):
    """A store a cluster build runs on: its chain, its tip, its arrays and its cluster tables."""

    chain: str
    network: str
    path: Path

    def tip(self) -> tuple[int, bytes] | None: ...

    def hash_at(self, height: int) -> bytes | None: ...

    def arrays(self) -> LedgerArrays: ...

    def cluster_tables(self) -> ClusterTables: ...


class TraceReads(Protocol):
    """What tracing, the payers and the patterns read: the coins of transactions and their spenders, the coins
    of addresses, names, clusters and labels; each question for a whole set at once (one hop, one query)."""

    def transactions(self, tx_ids: set[int]) -> dict[int, TxView]: ...

    def spenders(self, coins: set[Coin]) -> dict[Coin, int | None]: ...

    def spending_unknown(self, coins: set[Coin]) -> set[Coin]: ...

    def coins_of(self, address_ids: set[int]) -> list[tuple[Coin, int, int, int]]: ...

    def address_names(self, address_ids: set[int]) -> dict[int, str]: ...

    def clusters_of(self, address_ids: set[int]) -> dict[int, int]: ...

    def cluster_members(self, cluster_id: int) -> set[int]: ...

    def tx_id(self, txid: bytes) -> int | None: ...

    def p2pk_markers(self, address_ids: set[int], names: dict[int, str]) -> list[dict[str, str]]: ...

    def site_payments(self, site_ids: set[int]) -> tuple[list[tuple], dict[int, list[tuple]], dict[int, int]]: ...

    def peel_links(self) -> list[tuple[int, int, int]]: ...

    def stored_coinjoins(self) -> list[tuple[int, str, str]] | None: ...

    def sweeps(self, min_inputs: int) -> list[tuple]: ...

    def label_columns(self) -> set[str]: ...

    def address_labels(self, ids: set[int], columns: list[str], on_chain: bool, clustered: bool) -> list[tuple]: ...

    def cluster_labels(self, cluster_ids: set[int], columns: list[str], on_chain: bool) -> list[tuple]: ...


class TracingStore(Protocol):
    """A store tracing runs on: its chain and its trace reads."""

    chain: str
    network: str

    def trace_reads(self) -> TraceReads: ...


class ClusterReads(Protocol):
    """What the cluster summary, ``cluster show``, its red flags and ``--why``, the labels of a cluster, applying
    a held link and the export read (and, for an applied link, write) beside the cluster tables."""

    def has_clusters(self) -> bool: ...

    def links_by_heuristic(self) -> dict[str, int]: ...

    def finding_counts(self) -> dict[str, int]: ...

    def address_texts(self, ids: list[int]) -> dict[int, str | None]: ...

    def address_id(self, address: str) -> int | None: ...

    def cluster_of(self, address_id: int) -> int: ...

    def cluster_and_size(self, address_id: int) -> tuple[int, int]: ...

    def cluster_links_by_heuristic(self, cluster_id: int) -> dict[str, int]: ...

    def totals(self, cluster_id: int) -> tuple[int, int, int, int]: ...

    def members(self, cluster_id: int, limit: int) -> list[str]: ...

    def links_of(self, cluster_id: int) -> list[tuple[Any, ...]]: ...

    def growth(self, cluster_id: int | None, min_size: int, factor: int) -> list[tuple[int, int, int, int]]: ...

    def held(self, cluster_id: int | None) -> list[tuple[Any, ...]]: ...

    def cluster_labels(self, cluster_id: int | None) -> tuple[list[str], list[tuple[Any, ...]]]: ...

    def member_labels(self, cluster_id: int, wanted: tuple[str, ...]) -> tuple[list[str], list[tuple[Any, ...]]]: ...

    def record_applied(self, chain: str, network: str, tx_id: int, txid: str, at: datetime, operator: str | None,
                       case: str, reason: str | None) -> None: ...  # fmt: skip

    def forget_applied(self, tx_id: int, at: datetime) -> None: ...

    def write_assignment(self, kind: str, path: Path) -> None: ...

    def assigned_addresses(self) -> int: ...


class GraphReads(Protocol):
    """What the flow graph reads for one hop around a wallet: the transactions spending from or paying a set of
    addresses (newest first, capped), their times, outputs and inputs, CoinJoins among them, wallet sizes."""

    def spending_txs(self, members: set[int], cap: int) -> set[int]: ...

    def paying_txs(self, members: set[int], cap: int) -> dict[int, int]: ...

    def tx_times(self, tx_ids: set[int]) -> dict[int, tuple[int, bytes]]: ...

    def coinjoin_ids(self, tx_ids: set[int]) -> set[int]: ...

    def outputs_of(self, tx_ids: set[int]) -> list[tuple[int, int, int]]: ...

    def inputs_of(self, tx_ids: set[int]) -> list[tuple[int, int | None, int]]: ...

    def cluster_sizes(self, cluster_ids: set[int]) -> dict[int, int] | None: ...


class SourceReads(Protocol):
    """What a store covers and where it came from (a report's sources, the demo's price days)."""

    def block_sources(self) -> list[tuple[Any, ...]]: ...

    def last_cluster_run(self) -> tuple[Any, ...] | None: ...

    def block_times(self) -> list[int]: ...

    def address_texts(self) -> list[str]: ...


class WatchReads(Protocol):
    """What ``cointrail watch run`` reads after each new block, always bounded by a height range."""

    def ids_of_scripts(self, scripts: set[bytes], lo: int, hi: int) -> dict[bytes, int]: ...

    def touching(self, address_ids: set[int], lo: int, hi: int) -> tuple[set[int], set[int]]: ...

    def transactions(self, tx_ids: set[int], lo: int, hi: int) -> list[WatchedTx]: ...

    def resolved(self, tx_ids: set[int], lo: int, hi: int) -> list[ResolvedTransaction]: ...
