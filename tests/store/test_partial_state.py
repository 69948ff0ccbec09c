"""Small ingests onto a store resolve against only the rows they need, and give the same store as a bulk load."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest
from store_compare import first_difference, table_contents

from cointrail.chains.bitcoin.batch import TX, Batch, from_raw
from cointrail.chains.bitcoin.sources.blkfiles import BlockFilesSource
from cointrail.ingest.pipeline import ingest
from cointrail.simulation.block_files import generate_chain
from cointrail.store.duckdb import partialstate
from cointrail.store.duckdb.chainstate import ChainState, Resolution
from cointrail.store.duckdb.store import LedgerStore


def _ingest_up_to(store: LedgerStore, chain: Path, height: int, batch_blocks: int) -> None:
    source = BlockFilesSource(chain, "bitcoin", "regtest")
    source.tip_height = lambda: height  # type: ignore[method-assign]
    ingest(store, source, batch_blocks=batch_blocks)


@pytest.mark.parametrize("crossover", [0, 10**9], ids=["partial", "full"])
def test_small_steps_give_the_same_store_as_one_bulk_load(tmp_path: Path, crossover: int,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    made = generate_chain(tmp_path / "chain", 3000, seed=5, txs_per_block=40, n_wallets=200)
    bulk, steps = tmp_path / "bulk.duckdb", tmp_path / "steps.duckdb"
    with LedgerStore.open(bulk, "bitcoin", "regtest") as store:
        ingest(store, BlockFilesSource(made.path, "bitcoin", "regtest"))
    tip = BlockFilesSource(made.path, "bitcoin", "regtest").tip_height()
    monkeypatch.setattr(partialstate, "STORE_TO_BATCH_CROSSOVER", crossover)
    with LedgerStore.open(steps, "bitcoin", "regtest") as store:
        _ingest_up_to(store, made.path, tip // 3, batch_blocks=500)
        for height in range(tip // 3 + 1, tip + 1, 4):  # 4 blocks a run, in batches of 1, 2 or 3
            _ingest_up_to(store, made.path, min(height + 3, tip), batch_blocks=1 + height % 3)
            assert (store._chain_state is None) == (crossover == 0)
    assert first_difference(table_contents(bulk), table_contents(steps)) is None


def _next_batch(store: LedgerStore, chain: Path, blocks: int) -> Batch:
    tip = store.tip()
    assert tip is not None
    return from_raw(list(BlockFilesSource(chain, "bitcoin", "regtest").raw_blocks(tip[0] + 1, tip[0] + blocks)))


def _both(store: LedgerStore, batch: Batch) -> tuple[Resolution, Resolution]:
    """The batch resolved by the full chain state and by a partial one."""
    return ChainState.load(store.con).resolve(batch), partialstate.load_for(store.con, batch).resolve(batch)


def test_a_partial_state_resolves_as_the_full_one_and_refuses_the_same_inputs(tmp_path: Path) -> None:
    made = generate_chain(tmp_path / "chain", 1500, seed=6, txs_per_block=40, n_wallets=100)
    with LedgerStore.open(tmp_path / "s.duckdb", "bitcoin", "regtest") as store:
        _ingest_up_to(store, made.path, 20, batch_blocks=500)
        batch = _next_batch(store, made.path, 5)
        full, partial = _both(store, batch)
        for name in ("first_tx_id", "first_address_id", "inputs", "outputs", "new_outputs", "earlier_spends"):
            assert np.array_equal(getattr(full, name), getattr(partial, name)), name
        assert full.scripts.equals(partial.scripts) and full.unresolved is partial.unresolved is None
        spending = int(np.flatnonzero(batch.tx[:, TX.index("is_coinbase")] == 0)[3])
        offset = batch.inputs[batch.tx[spending, TX.index("first_input")], 0]
        batch = dataclasses.replace(batch, data=batch.data.copy())
        batch.data[offset : offset + 32] = 0xAB  # an input that names no stored transaction
        full, partial = _both(store, batch)
        assert full.unresolved == partial.unresolved == (spending, 0)
