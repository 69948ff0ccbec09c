"""Ingest a chain into the store: from a node's JSON-RPC or from raw block files.

Both sources yield raw blocks (:class:`~cointrail.chains.bitcoin.model.RawBlock`) in
chain order; :func:`ingest` checks the stored tip against the source (rolling
back to the fork point after a reorg), then reads each batch of blocks into
columns (:mod:`cointrail.chains.bitcoin.batch`: txids recomputed, merkle roots checked)
and writes it, one DuckDB transaction each. Raw blocks are fetched from the node
with ``getblock HASH 0`` by a bounded pool of worker threads while the main
thread parses and a store thread writes: see :mod:`cointrail.chains.bitcoin.sources.rpc`.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from cointrail.chains.bitcoin import batch as columns
from cointrail.chains.bitcoin import verify
from cointrail.chains.bitcoin.batch import Batch
from cointrail.chains.bitcoin.model import RawBlock, display_hash
from cointrail.chains.bitcoin.sources.interface import BlockSource
from cointrail.errors import ExternalServiceError, IntegrityError
from cointrail.store.duckdb import address_lookup, sparse
from cointrail.store.duckdb.chainstate import StateUse
from cointrail.store.duckdb.spill import Leftover
from cointrail.store.duckdb.store import LedgerStore

__all__ = ["IngestReport", "ingest", "store_for_ingest"]


# A bulk load writes larger batches: fewer commits, and more of the spends fall inside their batch (written
# already marked instead of by an UPDATE of stored outputs). 250,000 transactions keep a million-transaction
# ingest under 2 GB; 500,000 measured 10 % faster but above it.
BULK_BATCH_TRANSACTIONS = 250_000
MIN_LIMITED_BATCH = 10_000  # a memory limit makes bulk batches no smaller than this


class Progress(Protocol):
    """What ingestion reports while it works (the CLI shows a rich progress bar)."""

    def start(self, first_height: int, last_height: int) -> None: ...

    def advance(self, blocks: int, transactions: int) -> None: ...


class NoProgress:
    """A :class:`Progress` that shows nothing."""

    def start(self, first_height: int, last_height: int) -> None:
        pass

    def advance(self, blocks: int, transactions: int) -> None:
        pass


@dataclass
class IngestReport:
    """What an ingest did; :meth:`to_dict` is the ``--json`` output."""

    chain: str
    network: str
    source: str
    start_height: int | None = None
    tip_height: int | None = None
    blocks: int = 0
    transactions: int = 0
    rolled_back: list[dict[str, Any]] = field(default_factory=list)
    seconds: float = 0.0
    memory_limit: int | None = None  # bytes, as given (the chain state keeps half of it)
    state: StateUse = field(default_factory=StateUse)  # what the chain state did within its budget
    removed_leftovers: list[Leftover] = field(default_factory=list)  # spill folders a killed ingest left
    over_limit: list[str] = field(default_factory=list)  # what a bulk load's end needed more memory for

    def to_dict(self) -> dict[str, Any]:
        return {
            "chain": self.chain, "network": self.network, "source": self.source,
            "start_height": self.start_height, "tip_height": self.tip_height, "blocks": self.blocks,
            "transactions": self.transactions, "rolled_back": self.rolled_back, "seconds": round(self.seconds, 3),
            "memory_limit_bytes": self.memory_limit,
            "chain_state": {"peak_bytes": self.state.peak_bytes, "spills": self.state.spills,
                            "rows_spilled": self.state.rows_spilled},
            "removed_spill_folders": [{"path": str(f.path), "bytes": f.bytes} for f in self.removed_leftovers],
            "over_limit": self.over_limit,
        }  # fmt: skip


@contextlib.contextmanager
def store_for_ingest(path: str | Path, chain: str, network: str) -> Iterator[LedgerStore]:
    """Open (or create) the store an ingest fills; a store this run created is removed if it fails before any block.

    A first ingest that fails (the node unreachable, no block files) would
    otherwise leave a file bound to the chain with no blocks in it, on which
    address-info answers "never appears" for every address: a false negative
    (issue 13). A store that existed before is kept whatever happens.
    """
    path = Path(path)
    created = not path.exists()
    store = LedgerStore.open(path, chain, network)
    try:
        yield store
    except BaseException:
        empty = created and store.tip() is None
        store.close()
        if empty:
            for leftover in (path, path.with_name(path.name + ".wal")):
                leftover.unlink(missing_ok=True)
        raise
    store.close()


def find_fork_point(store: LedgerStore, source: BlockSource, step: int = 64) -> int | None:
    """The highest stored height whose hash the source agrees with (None: the store is empty)."""
    tip = store.tip()
    if tip is None:
        return None
    height = min(tip[0], source.tip_height())
    while height >= 0:
        heights = list(range(height, max(height - step, -1), -1))
        stored = store.hashes_between(heights[-1], heights[0])
        for h, theirs in zip(heights, source.hashes(heights), strict=True):
            if stored[h] == theirs:
                return h
        height = heights[-1] - 1
    return -1


def _read(blocks: list[RawBlock]) -> Batch:
    """The columns of a batch of raw blocks, refusing any whose merkle root or witness commitment does not match.

    Raised before the batch is written: the store keeps the batches before it, whole, and nothing of this one.
    """
    parsed = columns.from_raw(blocks)
    rows = parsed.blocks
    bad = verify.unverified(parsed)
    if bad is not None:
        raise IntegrityError(
            f"block {display_hash(rows.hash[bad])} at height {rows.height[bad]} from {rows.source[bad]}: "
            "its merkle root does not match its transactions; the source's data are corrupt"
        )
    failed = verify.witness_unverified(parsed)
    if failed is not None:
        at, reason = failed
        raise IntegrityError(
            f"block {display_hash(rows.hash[at])} at height {rows.height[at]} ({rows.where[at]}) is refused: {reason} "
            f"(BIP 141). The source's copy of the block is corrupt or altered. Nothing of heights {rows.height[0]} to "
            f"{rows.height[-1]} was stored; the blocks below are kept, whole. Get the block again from a node you "
            "trust (a fresh copy of its blk file, or a node that downloads it again: -reindex) then ingest again."
        )
    return parsed


def _batches(blocks: Iterable[RawBlock], max_blocks: int, max_txs: int) -> Iterator[list[RawBlock]]:
    batch: list[RawBlock] = []
    txs = 0
    for raw in blocks:
        batch.append(raw)
        txs += raw.tx_count
        if len(batch) >= max_blocks or txs >= max_txs:
            yield batch
            batch, txs = [], 0
    if batch:
        yield batch


def _roll_back_if_forked(store: LedgerStore, source: BlockSource, report: IngestReport) -> None:
    tip = store.tip()
    fork = find_fork_point(store, source)
    if tip is not None and fork is not None and fork < tip[0]:
        store.rollback_to(fork)
        report.rolled_back.append({"from_height": tip[0], "to_height": fork})


def ingest(
    store: LedgerStore,
    source: BlockSource,
    *,
    progress: Progress | None = None,
    batch_blocks: int = 500,
    batch_transactions: int = 50_000,
    bulk_blocks: int = 100,
    bulk_batch_transactions: int = BULK_BATCH_TRANSACTIONS,
    build_address_lookup: bool = False,
    memory_limit: int | None = None,
) -> IngestReport:
    """Bring the store up to the source's best chain; return what was done.

    Safe to interrupt at any moment: each batch is committed with its blocks,
    and the next run resumes from the stored tip (after a reorg check). When
    at least ``bulk_blocks`` blocks are to be written, and more than the store
    holds, they are written as a bulk load (:meth:`LedgerStore.bulk_load`), in batches of up to
    ``bulk_batch_transactions`` transactions.

    The store's ``address_lookup`` (address-info's serving index) is brought
    to the new tip when the store has one, or built when
    ``build_address_lookup``: it is opt-in because a first build costs more than
    the ingest itself (docs/store.md).

    ``memory_limit`` (bytes): the chain state and DuckDB keep within it, the
    state spilling to disk beside the store past its half
    (:meth:`LedgerStore.limit_memory`), and bulk batches hold at most one
    transaction per 4 KB of it; the store is the same with any limit.
    """
    progress = progress or NoProgress()
    if memory_limit is not None:
        store.limit_memory(memory_limit)
        # A bulk batch costs about 3 KB a transaction in flight, twice (one is parsed while the last is written):
        # 250,000 of them 630 MB more at peak than 50,000 (1M benchmark chain, docs/benchmarks.md)
        bulk_batch_transactions = min(bulk_batch_transactions, max(MIN_LIMITED_BATCH, memory_limit // 4096))
    report = IngestReport(store.chain, store.network, source.name, memory_limit=memory_limit,
                          state=store.track_state_use(), removed_leftovers=store.removed_leftovers)  # fmt: skip
    store.over_limit = report.over_limit
    began = time.perf_counter()
    sparse.require_mode(store, "full")  # a sparse store is no chain prefix: blocks cannot be appended to it
    source.check_network(store.chain, store.network)
    _ingest_until_tip(store, source, progress, report, batch_blocks, batch_transactions, bulk_blocks,
                      bulk_batch_transactions)  # fmt: skip
    tip = store.tip()
    report.tip_height = tip[0] if tip else None
    if build_address_lookup or address_lookup.exists(store.con):  # address-info's serving table, to the new tip
        address_lookup.refresh(store.con)
        store.lookup_refreshed()
    report.seconds = time.perf_counter() - began
    return report


def _ingest_until_tip(store: LedgerStore, source: BlockSource, progress: Progress, report: IngestReport,
                      batch_blocks: int, batch_transactions: int, bulk_blocks: int,
                      bulk_batch_transactions: int) -> None:  # fmt: skip
    stalled = False
    while True:
        rollbacks = len(report.rolled_back)
        _roll_back_if_forked(store, source, report)
        tip = store.tip()
        first, last = (tip[0] + 1 if tip else 0), source.tip_height()
        if first > last:
            return
        report.start_height = first if report.start_height is None else report.start_height
        progress.start(first, last)
        written = report.blocks
        bulk = last - first + 1 >= max(bulk_blocks, first + 1)
        with store.bulk_load() if bulk else contextlib.nullcontext():
            per_batch = max(batch_transactions, bulk_batch_transactions) if bulk else batch_transactions
            linked = _write_range(store, source, first, last, progress, report, batch_blocks, per_batch)
        if linked:
            continue
        # The source's chain changed under us (a reorg mid-run): check for a fork again, but only
        # once without progress; a source whose blocks never link is broken, not reorganising.
        if stalled and report.blocks == written and len(report.rolled_back) == rollbacks:
            raise ExternalServiceError(
                f"{source.name}: its block at height {first} does not extend its own block at height {first - 1}; "
                "the source's data are inconsistent"
            )
        stalled = report.blocks == written


def _write_range(store: LedgerStore, source: BlockSource, first: int, last: int, progress: Progress,
                 report: IngestReport, batch_blocks: int, batch_transactions: int) -> bool:  # fmt: skip
    """Write ``first..last``; False when the source's chain stopped linking (a reorg mid-run).

    Each batch is written by a store thread while this one fetches and parses
    the next (DuckDB releases the GIL while it works); one write at a time, in
    order, so the store sees exactly the sequence of a plain loop.
    """
    tip = store.tip()
    prev = tip[1] if tip else None
    with ThreadPoolExecutor(1, thread_name_prefix="cointrail-store") as writer:
        pending: Future[None] | None = None
        done: list[RawBlock] = []
        for batch in _batches(source.raw_blocks(first, last), batch_blocks, batch_transactions):
            linked = _linked_prefix(prev, batch)
            parsed = _read(linked) if linked else None
            _finish(pending, done, progress, report)
            pending, done = (writer.submit(store.append_batch, parsed) if parsed else None), linked
            if len(linked) < len(batch):
                break
            prev = linked[-1].hash
        else:
            _finish(pending, done, progress, report)
            return True
        _finish(pending, done, progress, report)
        return False


def _finish(pending: Future[None] | None, blocks: list[RawBlock], progress: Progress, report: IngestReport) -> None:
    """Wait for a batch's write (raising its error), then count it."""
    if pending is None:
        return
    pending.result()
    txs = sum(raw.tx_count for raw in blocks)
    report.blocks += len(blocks)
    report.transactions += txs
    progress.advance(len(blocks), txs)


def _linked_prefix(prev: bytes | None, batch: list[RawBlock]) -> list[RawBlock]:
    """The leading blocks of ``batch`` that extend ``prev`` (the tip) one after another."""
    for i, raw in enumerate(batch):
        if prev is not None and raw.prev_hash != prev:
            return batch[:i]
        prev = raw.hash
    return batch
