"""The narrow interface analysis reads the store through: plain arrays and values, no SQL.

A cluster build never runs SQL of its own: it asks a :class:`LedgerArrays`
for columns (NumPy arrays of dense integer ids) over a range of block heights,
and reads and writes its results through :class:`ClusterTables`; a
:class:`ClusteringStore` hands out both. The DuckDB store implements them
(:class:`cointrail.store.duckdb.arrays.DuckDBLedgerArrays`,
:class:`cointrail.store.duckdb.cluster_tables.DuckDBClusterTables`, from
:class:`~cointrail.store.duckdb.store.LedgerStore`); a Spark implementation only
has to return the same arrays and keep the same results (STYLE.md habit 12).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import numpy as np

from cointrail.heuristics.coinjoin import ResolvedTransaction

if TYPE_CHECKING:  # the clustering's result types, which a store keeps
    from cointrail.clustering.graph import Held, Links
    from cointrail.clustering.heuristics import CoinJoinFinding


@dataclass(frozen=True)
class SpendingInputs:
    """Inputs of non-coinbase transactions with a known address, ordered by (tx_id, vin)."""

    tx_id: np.ndarray  # int64
    address_id: np.ndarray  # int64
    value: np.ndarray  # int64
    script_type: np.ndarray  # object (str)


@dataclass(frozen=True)
class TxOutputs:
    """Outputs of the transactions asked for, ordered by (tx_id, vout)."""

    tx_id: np.ndarray
    vout: np.ndarray
    address_id: np.ndarray
    value: np.ndarray
    script_type: np.ndarray  # object (str)
    first_tx_id: np.ndarray  # the first transaction that paid the output's address


PayJoinSign = tuple[int, int, int, list[str], int, int, int, bool]
"""(tx_id, inputs, distinct input scripts, their script types, smaller output, larger output, smallest input,
two inputs of two script types each paid back in its type): the facts of :meth:`LedgerArrays.payjoin_signs`."""


class LedgerArrays(Protocol):
    """What clustering needs from a ledger store, as arrays over a height range (inclusive)."""

    def tip_height(self) -> int | None: ...

    def address_count(self) -> int: ...

    def spending_inputs(self, lo: int, hi: int) -> SpendingInputs: ...

    def payment_outputs(self, lo: int, hi: int) -> TxOutputs: ...

    def coinjoin_candidates(
        self, lo: int, hi: int, min_equal: int, min_inputs: int
    ) -> list[tuple[int, ResolvedTransaction]]: ...

    def payjoin_signs(self, lo: int, hi: int, max_inputs: int) -> list[PayJoinSign]: ...


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
