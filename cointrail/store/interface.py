"""The narrow interface analysis reads the store through: plain arrays and values, no SQL.

Clustering never runs SQL of its own over the ledger tables: it asks a
:class:`LedgerArrays` for columns (NumPy arrays of dense integer ids) over a
range of block heights. The DuckDB store implements it
(:class:`cointrail.store.duckdb.arrays.DuckDBLedgerArrays`); a Spark
implementation only has to return the same arrays (STYLE.md habit 12).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np

from cointrail.heuristics.coinjoin import ResolvedTransaction


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
