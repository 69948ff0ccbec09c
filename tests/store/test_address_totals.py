"""The in-memory totals of a bulk load refuse batches they cannot add exactly (the stores they match are
compared in tests/store/test_bulk_load.py)."""

from __future__ import annotations

import numpy as np
import pytest

from cointrail.store.duckdb.address_totals import AddressTotals


def _one_tx(totals: AddressTotals, height: int, out_address: list[int], in_address: list[int]) -> None:
    """Add a batch of one block with one transaction paying ``out_address`` from ``in_address``."""
    ids = np.array
    outs, ins = len(out_address), len(in_address)
    totals.add(height, ids([height]), ids([outs]), ids(out_address), ids([5] * outs), ids([ins]), ids(in_address),
               ids([7] * ins), [height], [1_000 + height])  # fmt: skip


def test_a_transaction_counts_once_per_address_and_sets_first_and_last_seen() -> None:
    totals = AddressTotals(0)
    _one_tx(totals, 0, [0, 0, 1], [-1])  # a coinbase paying address 0 twice and address 1 once
    _one_tx(totals, 1, [1], [0, 0])  # address 0 spends twice, address 1 is paid
    row = {k: v[0] for k, v in totals.table().slice(0, 1).to_pydict().items()}
    assert row == {"address_id": 0, "received": 10, "sent": 14, "outputs_received": 2, "outputs_spent": 2,
                   "tx_count": 2, "first_tx_id": 0, "last_tx_id": 1, "first_height": 0, "first_time": 1_000,
                   "last_height": 1, "last_time": 1_001}  # fmt: skip


def test_batches_out_of_order_or_unresolved_are_refused() -> None:
    totals = AddressTotals(10)
    with pytest.raises(ValueError, match="not 10"):
        _one_tx(totals, 11, [0], [-1])
    with pytest.raises(ValueError, match="without an address id"):
        _one_tx(totals, 10, [-1], [-1])
    with pytest.raises(ValueError, match="negative id"):
        _one_tx(totals, 10, [0], [-2])
