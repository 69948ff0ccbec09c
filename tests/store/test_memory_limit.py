"""An ingest within a tiny memory budget spills its chain state to disk and stores exactly the same."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pytest
from store_compare import first_difference, table_contents

from cointrail.chains.bitcoin.model import Block, BlockHeader, SourcedBlock, Transaction, TxIn, TxOut, display_hash
from cointrail.chains.bitcoin.sources.blkfiles import BlockFilesSource
from cointrail.cli import main
from cointrail.errors import IntegrityError
from cointrail.ingest.pipeline import ingest
from cointrail.simulation.block_files import SyntheticChain, generate_chain
from cointrail.store.duckdb import chainstate, schema, spill
from cointrail.store.duckdb.spill import GONE, SIMILAR, TIER, Runs
from cointrail.store.duckdb.store import LedgerStore


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> SyntheticChain:
    # 50 wallets over 6,000 transactions: most outputs pay a script seen before and most inputs spend an output
    # of an earlier batch, so both kinds of lookup go to the runs on disk, across merges of them
    return generate_chain(tmp_path_factory.mktemp("limit") / "chain", 6000, seed=3, txs_per_block=30, n_wallets=50)


@pytest.fixture(scope="module")
def unlimited(made: SyntheticChain) -> Path:
    """The chain ingested with no limit (the same batches as the limited ingest below)."""
    db = made.path.parent / "unlimited.duckdb"
    with LedgerStore.open(db, "bitcoin", "regtest") as store:
        ingest(store, BlockFilesSource(made.path, "bitcoin", "regtest"), batch_transactions=300,
               bulk_batch_transactions=300)  # fmt: skip
        assert not store.state_use.spills
    return db


def test_a_tiny_memory_limit_spills_and_stores_the_same(made: SyntheticChain, unlimited: Path, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch,
                                                        capsys: pytest.CaptureFixture[str]) -> None:  # fmt: skip
    spills: list[int] = []
    merges: list[int] = []  # the rows of each merge
    real_spill, real_merge = chainstate.ChainState.spill, spill.Runs.merge
    monkeypatch.setattr(chainstate.ChainState, "spill", lambda self: (spills.append(1), real_spill(self))[1])

    def merge(self: spill.Runs, first: int = 0, end: int | None = None) -> None:
        merges.append(sum(r.n for r in self.runs[first:end]))
        real_merge(self, first, end)

    monkeypatch.setattr(spill.Runs, "merge", merge)
    monkeypatch.setattr(spill, "MERGE_ROWS", 1000)  # merges in several ranges of hashes
    tiny = tmp_path / "tiny.duckdb"
    with LedgerStore.open(tiny, "bitcoin", "regtest") as store:
        report = ingest(store, BlockFilesSource(made.path, "bitcoin", "regtest"), batch_transactions=300,
                        bulk_batch_transactions=300, memory_limit=64 << 10)  # fmt: skip
        assert store.state_budget == 32 << 10
    assert not list(tmp_path.glob("tiny.duckdb.state-*")), "the runs on disk are removed with the state"
    assert len(spills) >= 15 and len(merges) >= 2, (len(spills), merges)
    assert len(set(merges)) > 1, "runs merged at more than one size"
    assert report.state.spills == len(spills) and report.state.rows_spilled > 6000, report.state
    assert 32 << 10 < report.state.peak_bytes < 1 << 20, "a batch's state passes the budget, then spills"
    assert first_difference(table_contents(unlimited), table_contents(tiny)) is None
    assert report.over_limit == [], "the load's end, index by index, fits DuckDB's 256 MB"
    with LedgerStore.open(tiny) as store:  # an index that does not fit DuckDB's part is built under its default
        store.con.execute(schema.DROP_INDEXES_DDL)
        store.memory_limit = 64 << 10
        store.con.execute("SET memory_limit = '1MB'")
        store.build_indexes()
        assert store.over_limit and all(what.startswith("the index ") for what in store.over_limit)
        assert store.one("SELECT current_setting('memory_limit')")[0] == "256.0 MiB"  # type: ignore[index]
    assert set(schema.INDEX_NAMES) <= _indexes(tiny)
    before = len(spills)
    # the command line's option: one bulk batch, over the budget once it is resolved, so spilled once
    cli = tmp_path / "cli.duckdb"
    args = ["ingest", "--chain", "bitcoin", "--network", "regtest", "--blocks", str(made.path), "--db", str(cli)]
    capsys.readouterr()
    assert main([*args, "--memory-limit", "1 MB"]) == 0
    assert len(spills) == before + 1
    text = capsys.readouterr().out
    assert re.search(r"Memory limit 1\.0 MB \(0\.5 MB for the chain state\): the state held at most [0-9.]+ MB in "
                     r"memory and spilled to disk beside the store 1 time, [0-9,]+ rows \(unspent outputs", text), text
    assert first_difference(table_contents(unlimited), table_contents(cli)) is None
    assert main([*args, "--memory-limit", "a lot"]) == 2
    assert "give a size such as 8GB" in capsys.readouterr().err


def test_a_killed_ingest_leaves_its_spill_folder_and_the_next_one_removes_it(
        made: SyntheticChain, unlimited: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:  # fmt: skip
    db = tmp_path / "killed.duckdb"
    args = ["ingest", "--chain", "bitcoin", "--network", "regtest", "--blocks", str(made.path), "--db", str(db)]
    # a batch per block: the state spills after each, for the 200 blocks' commits, so the kill lands while it has runs
    process = subprocess.Popen([sys.executable, "-m", "cointrail", *args, "--memory-limit", "64KB", "--batch-blocks",
                                "1"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)  # fmt: skip
    try:
        deadline = time.monotonic() + 120
        # until the runs hold 400 unspent outputs (64 bytes each): some blocks are stored, for the next to load
        while _spilled_bytes(tmp_path.glob("killed.duckdb.state-*/utxo/*/rows")) < 400 * 64 and process.poll() is None:
            assert time.monotonic() < deadline, "the ingest never spilled"
            time.sleep(0.005)
        left = list(tmp_path.glob("killed.duckdb.state-*/utxo/*"))
        os.kill(process.pid, signal.SIGKILL)
    finally:
        process.kill()
        _, errors = process.communicate()
    assert left and process.returncode == -signal.SIGKILL, errors.decode()
    folder = left[0].parent.parent
    assert folder.is_dir(), "a killed ingest leaves its spill folder"
    capsys.readouterr()
    # the next ingest removes the folder and resumes, loading the state under its limit a few rows at a time (held
    # in memory, so its lookups must find every row loaded), then spilling once, past the budget
    monkeypatch.setattr(chainstate, "LOAD_CHUNK", 37)
    assert main([*args, "--memory-limit", "1MB", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert [f["path"] for f in report["removed_spill_folders"]] == [str(folder)]
    assert report["removed_spill_folders"][0]["bytes"] > 0
    assert not folder.exists() and not list(tmp_path.glob("killed.duckdb.state-*"))
    assert report["memory_limit_bytes"] == 1 << 20 and report["chain_state"]["spills"] == 1, report
    assert first_difference(table_contents(unlimited), table_contents(db)) is None
    with LedgerStore.open(db, read_only=True) as store:  # loaded 37 rows at a time, each chunk entered in the table
        state = chainstate.ChainState.load(store.con, limit=1 << 30)
        monkeypatch.setattr(chainstate, "LOAD_CHUNK", 1 << 20)
        whole = chainstate.ChainState.load(store.con, limit=1 << 30)
    assert state.use.spills == 0 and state.tx_count > 100 and state.scripts.count > 100
    assert (state.tx_ids[: state.tx_count] == whole.tx_ids[: whole.tx_count]).all()
    for keys in (state.txids, state.scripts):
        starts = keys.offsets[: keys.count]
        missing = chainstate._not_held(keys.slots, keys.hashes, keys.arena, keys.offsets, keys.arena, starts,
                                       keys.offsets[1 : keys.count + 1] - starts)  # fmt: skip
        assert not missing.any(), f"{int(missing.sum())} of {keys.count} keys loaded are not found"


def _indexes(db: Path) -> set[str]:
    with LedgerStore.open(db, read_only=True) as store:
        return {row[0] for row in store.rows("SELECT index_name FROM duckdb_indexes()")}


def _spilled_bytes(files: Iterable[Path]) -> int:
    try:
        return sum(f.stat().st_size for f in files)
    except FileNotFoundError:  # a run merged away meanwhile
        return 0


def _block(height: int, prev: bytes, *txs: Transaction) -> SourcedBlock:
    header = BlockHeader(bytes([height + 1]) * 32, 1, prev, b"\x01" * 32, 1_600_000_000 + height, 0, 0)
    return SourcedBlock(Block(header, txs, 200, True, height), height, "test")


def _tx(txid: bytes, inputs: tuple[TxIn, ...], *outputs: TxOut) -> Transaction:
    return Transaction(txid, txid, 1, inputs, outputs, 0, 100, 100)


COINBASE_IN = (TxIn(bytes(32), 0xFFFFFFFF, b"\x01\x02", 0xFFFFFFFF),)
P2PKH = bytes.fromhex("76a914") + bytes(range(20)) + bytes.fromhex("88ac")


@pytest.mark.parametrize("limit", [None, 1], ids=["in memory", "spilled after every block"])
def test_a_repeated_coinbase_txid_overwrites_the_earlier_outputs(tmp_path: Path, limit: int | None) -> None:
    """BIP 30 (Bitcoin's blocks 91812/91842 and 91722/91880): the later coinbase's outputs are the ones spent."""
    x, y, z = b"\xaa" * 32, b"\xbb" * 32, b"\xcc" * 32
    pay = (TxOut(50, P2PKH), TxOut(7, b"\x51"))
    with LedgerStore.open(tmp_path / "s.duckdb", "bitcoin", "regtest") as store:
        if limit is not None:
            store.limit_memory(limit)  # the chain state spills after every batch (DuckDB keeps its minimum)
        store.append([_block(0, bytes(32), _tx(x, COINBASE_IN, *pay))])
        store.append([_block(1, bytes([1]) * 32, _tx(x, COINBASE_IN, pay[0]))])  # the same txid: tx_id 1
        spend_x0 = _tx(z, (TxIn(x, 0, b"", 0),), TxOut(49, P2PKH))
        store.append([_block(2, bytes([2]) * 32, _tx(y, COINBASE_IN, pay[0]), spend_x0)])
        assert store.rows("SELECT tx_id, vout, spent_by_tx_id FROM outputs WHERE tx_id < 2 ORDER BY tx_id, vout") == [
            (0, 0, None), (0, 1, None), (1, 0, 3)]  # fmt: skip
        assert store.rows("SELECT prev_tx_id, prev_vout FROM inputs WHERE tx_id = 3") == [(1, 0)]
        for vout in (1, 0):  # the earlier coinbase's second output is gone with it; the later's first is spent
            again = _tx(b"\xdd" * 32, (TxIn(x, vout, b"", 0),), TxOut(1, P2PKH))
            with pytest.raises(IntegrityError, match=rf"spends {display_hash(x)}:{vout}"):
                store.append([_block(3, bytes([3]) * 32, _tx(b"\xee" * 32, COINBASE_IN, pay[0]), again)])
        assert store.tip()[0] == 2  # type: ignore[index]


def test_runs_merge_by_size_in_tiers_and_drop_the_gone_rows(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """200 spills of 40 rows: runs of about the same size merge, tier on tier, so a row is rewritten about
    log2(200) times (not once per merge of everything), few runs stay, and every row not gone is still found."""
    monkeypatch.setattr(spill, "MERGE_ROWS", 300)  # merges in several ranges of hashes
    rng = np.random.default_rng(7)
    runs = Runs(tmp_path / "runs", 3, 1, 2)  # key, payload, gone
    merged_rows = 0
    real_merge = Runs.merge

    def merge(self: Runs, first: int = 0, end: int | None = None) -> None:
        nonlocal merged_rows
        merged_rows += sum(r.n for r in self.runs[first:end])
        real_merge(self, first, end)

    monkeypatch.setattr(Runs, "merge", merge)
    kept: dict[int, int] = {}
    for spill_number in range(200):
        keys = np.arange(spill_number * 40, spill_number * 40 + 40, dtype=np.int64)
        rows = np.column_stack([keys, keys * 3, np.zeros(40, np.int64)])
        runs.add(_hashes(keys), rows)
        kept.update(zip(keys.tolist(), (keys * 3).tolist(), strict=True))
        gone = rng.choice(np.array(sorted(kept), np.int64), 10, replace=False)  # spend some outputs held
        where_run, where_row = runs.find(_hashes(gone), gone[:, None])
        assert (where_run >= 0).all()
        runs.mark_gone(where_run, where_row)
        for key in gone.tolist():
            del kept[key]
        sizes = [r.n for r in runs.runs]
        assert len(sizes) <= 3 * 9, sizes  # a few runs per doubling of size: O(log n)
    assert 8000 < merged_rows < 8000 * 8, merged_rows  # each row rewritten at most about log2(200) times
    assert len(runs.runs) < 20 and runs.runs[0].n > 40 * TIER * SIMILAR, [r.n for r in runs.runs]
    assert runs.rows_held < 8000, "the merges dropped the gone rows"
    keys = np.arange(8000, dtype=np.int64)
    where_run, where_row = runs.find(_hashes(keys), keys[:, None])
    hit = where_run >= 0
    assert sorted(keys[hit].tolist()) == sorted(kept)
    found = runs.read(where_run[hit], where_row[hit])
    assert (found[:, 1] == found[:, 0] * 3).all() and (found[:, 2] != GONE).all()


def _hashes(keys: np.ndarray) -> np.ndarray:
    """Uniform 64-bit hashes of int64 keys (a multiplicative hash: equal keys, equal hashes)."""
    return (keys.astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15)) ^ np.uint64(0x5555)
