"""A bulk load (indexes dropped, built at the end) writes the same store as batch-by-batch upkeep."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from store_compare import first_difference, table_contents

from cointrail.chains.bitcoin.sources.blkfiles import BlockFilesSource
from cointrail.ingest.pipeline import ingest
from cointrail.simulation.block_files import SyntheticChain, generate_chain
from cointrail.store.duckdb import address_stats, schema
from cointrail.store.duckdb.store import LedgerStore


def _indexes(db: Path) -> set[str]:
    with duckdb.connect(str(db), read_only=True) as con:
        return {row[0] for row in con.execute("SELECT index_name FROM duckdb_indexes()").fetchall()}


@pytest.fixture
def totals_inserted(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Each insert of a bulk load's in-memory totals (address_totals), as whether it merged them into stored ones."""
    merges: list[bool] = []
    insert = address_stats._insert_totals
    monkeypatch.setattr(address_stats, "_insert_totals",
                        lambda *args, merge: merges.append(merge) or insert(*args, merge=merge))  # fmt: skip
    return merges


def _both_ways(tmp_path: Path, made: SyntheticChain, divisor: int, first_run_bulk: bool) -> dict[str, Path]:
    """The chain stored twice, in two runs each (up to tip // ``divisor``, then the rest): "bulk" with bulk loads
    allowed (in the first run too when ``first_run_bulk``), "upkeep" batch by batch throughout."""
    stores = {}
    for name, bulk_blocks in (("bulk", 1), ("upkeep", 10**9)):
        stores[name] = tmp_path / f"{name}.duckdb"
        with LedgerStore.open(stores[name], "bitcoin", "regtest") as store:
            source = BlockFilesSource(made.path, "bitcoin", "regtest")
            part = source.tip_height() // divisor
            source.tip_height = lambda part=part: part  # type: ignore[method-assign]
            ingest(store, source, batch_blocks=7, bulk_blocks=bulk_blocks if first_run_bulk else 10**9)
            ingest(store, BlockFilesSource(made.path, "bitcoin", "regtest"), batch_blocks=7, bulk_blocks=bulk_blocks)
    return stores


def test_bulk_load_gives_the_same_store_and_its_indexes(tmp_path: Path, totals_inserted: list[bool]) -> None:
    made = generate_chain(tmp_path / "chain", 3000, seed=11, txs_per_block=40, n_wallets=300)
    # a bulk load of the first half, then an upkeep of the rest (fewer blocks than stored)
    stores = _both_ways(tmp_path, made, 2, first_run_bulk=True)
    assert totals_inserted == [False]  # the load's totals came from address_totals, not from SQL
    assert first_difference(table_contents(stores["bulk"]), table_contents(stores["upkeep"])) is None
    assert set(schema.INDEX_NAMES) <= _indexes(stores["bulk"])
    assert "addresses_by_script" not in _indexes(stores["bulk"])


def test_indexes_a_killed_bulk_load_left_out_are_built_when_the_store_is_next_opened(tmp_path: Path) -> None:
    db = tmp_path / "s.duckdb"
    with LedgerStore.open(db, "bitcoin", "regtest") as store:
        store.con.execute(schema.DROP_INDEXES_DDL)  # as a bulk load killed before its end leaves the store
    assert not set(schema.INDEX_NAMES) & _indexes(db)
    LedgerStore.open(db).close()
    assert set(schema.INDEX_NAMES) <= _indexes(db)


def test_address_stats_a_killed_bulk_load_left_out_are_added_when_the_store_is_next_opened(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    made = generate_chain(tmp_path / "chain", 2000, seed=12, txs_per_block=40, n_wallets=200)
    whole, killed = tmp_path / "whole.duckdb", tmp_path / "killed.duckdb"
    with LedgerStore.open(whole, "bitcoin", "regtest") as store:
        ingest(store, BlockFilesSource(made.path, "bitcoin", "regtest"), batch_blocks=7, bulk_blocks=1)
    with LedgerStore.open(killed, "bitcoin", "regtest") as store:
        source = BlockFilesSource(made.path, "bitcoin", "regtest")
        tip = source.tip_height()
        source.tip_height = lambda: tip // 3  # type: ignore[method-assign]
        ingest(store, source, batch_blocks=7, bulk_blocks=1)  # a whole bulk load, then one killed before its end
        with monkeypatch.context() as patch:
            patch.setattr(address_stats, "catch_up", lambda *args: None)
            ingest(store, BlockFilesSource(made.path, "bitcoin", "regtest"), batch_blocks=7, bulk_blocks=1)
    with LedgerStore.open(killed, read_only=True) as store:
        assert not store.has_address_stats  # queries compute totals from the rows meanwhile
    LedgerStore.open(killed).close()
    assert first_difference(table_contents(whole), table_contents(killed)) is None
    with LedgerStore.open(killed, read_only=True) as store:
        assert store.has_address_stats


def test_a_bulk_load_onto_a_stored_chain_merges_the_totals_it_added_up(tmp_path: Path,
                                                                      totals_inserted: list[bool]) -> None:  # fmt: skip
    # A few blocks batch by batch, then a bulk load of more blocks than stored: its in-memory totals
    # (address_totals) are merged into the stored ones, and must equal batch-by-batch upkeep throughout.
    made = generate_chain(tmp_path / "chain", 2500, seed=13, txs_per_block=40, n_wallets=150)
    stores = _both_ways(tmp_path, made, 5, first_run_bulk=False)
    assert totals_inserted == [True]
    assert first_difference(table_contents(stores["bulk"]), table_contents(stores["upkeep"])) is None


def test_an_index_this_version_retired_is_dropped_when_a_store_is_opened_for_writing(tmp_path: Path) -> None:
    db = tmp_path / "s.duckdb"
    with LedgerStore.open(db, "bitcoin", "regtest") as store:
        store.con.execute("CREATE INDEX addresses_by_script ON addresses (script)")  # as earlier versions made
    LedgerStore.open(db, read_only=True).close()
    assert "addresses_by_script" in _indexes(db)  # a reader changes nothing
    LedgerStore.open(db).close()
    assert "addresses_by_script" not in _indexes(db)
