"""Build or update the clusters of a ledger store: the engine behind ``cointrail cluster build``.

A build reads the store through :class:`~cointrail.store.interface.LedgerArrays`
in height ranges, finds CoinJoins and links, and merges the links into the
assignment in compiled code (:mod:`cointrail.clustering.graph`). When the
store has grown since the last build, with the same heuristics and the same
chain below, only the new blocks are read ("incremental"); otherwise the
clusters are rebuilt from the genesis block ("full"). Both give the same
clusters and the same recorded links.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from cointrail.clustering import tables
from cointrail.clustering.graph import Held, Links, identity, merge_guarded
from cointrail.clustering.guard import HOLD_AT, detection_fingerprint
from cointrail.clustering.heuristics import CODES, CoinJoinFinding, find_detections, find_links
from cointrail.errors import InputError
from cointrail.heuristics import multi_input
from cointrail.heuristics.joinbase import COINJOIN
from cointrail.store.duckdb.arrays import DuckDBLedgerArrays
from cointrail.store.duckdb.store import LedgerStore


class BuildProgress(Protocol):
    """What a build reports while it works (the CLI shows a rich progress bar)."""

    def start(self, first_height: int, last_height: int) -> None: ...

    def advance(self, through_height: int, links: int) -> None: ...


class NoBuildProgress:
    def start(self, first_height: int, last_height: int) -> None:
        pass

    def advance(self, through_height: int, links: int) -> None:
        pass


@dataclass
class _State:
    cluster: np.ndarray
    base: np.ndarray
    links: list[Links]
    coinjoins: list[CoinJoinFinding]  # and possibly-collaborative transactions: none is merged through
    held: Held | None = None


def _plan(store: LedgerStore, heuristics: tuple[str, ...], full: bool, detection: str) -> tuple[str, int]:
    """("full" | "incremental" | "current", first height to read)."""
    last = tables.last_run(store.con)
    if full or last is None or last.heuristics != heuristics or last.detection != detection:
        return "full", 0
    if store.hash_at(last.through_height) != last.through_hash:
        return "full", 0
    tip = store.tip()
    return ("current" if tip and tip[0] == last.through_height else "incremental"), last.through_height + 1


def _read(state: _State, source: DuckDBLedgerArrays, lo: int, hi: int, heuristics: tuple[str, ...],
          chain: str) -> None:  # fmt: skip
    coinjoins, collaborative = find_detections(source, lo, hi, chain)
    found = coinjoins + collaborative
    state.links.append(find_links(source, lo, hi, heuristics, found))
    state.coinjoins += found


def _merge_all(state: _State, count: int, applied: np.ndarray) -> None:
    """One merge of every link read (in chain order): the same result as merging range by range.

    Both merges run the supercluster check (:mod:`cointrail.clustering.guard`);
    the links it holds back are recorded from the full assignment's merge.
    """
    links = Links.concat(state.links)
    state.cluster, kept, state.held = merge_guarded(state.cluster, links, count, HOLD_AT, applied)
    co_spends = links.take(np.flatnonzero(links.heuristic == CODES[multi_input.NAME]))
    state.base, _, _ = merge_guarded(state.base, co_spends, count, HOLD_AT, applied)
    state.links = [kept]


def _ranges(lo: int, hi: int, steps: int = 20) -> list[tuple[int, int]]:
    size = max(1, -(-(hi - lo + 1) // steps))
    return [(start, min(hi, start + size - 1)) for start in range(lo, hi + 1, size)]


def build_clusters(store: LedgerStore, heuristics: tuple[str, ...], *, full: bool = False,
                   progress: BuildProgress | None = None) -> dict[str, Any]:  # fmt: skip
    """Cluster the store's addresses with ``heuristics``; return a summary (the ``--json`` output)."""
    progress = progress or NoBuildProgress()
    tip = store.tip()
    if tip is None:
        raise InputError(f"the ledger store {store.path} holds no blocks yet: run 'cointrail ingest' first")
    con = store.con
    tables.ensure_tables(con)
    applied = tables.applied_tx_ids(con)
    detection = detection_fingerprint(applied)
    mode, first = _plan(store, heuristics, full, detection)
    source = DuckDBLedgerArrays(con)
    count = source.address_count()
    old = tables.load_assignment(con) if mode != "full" else (identity(0), identity(0))
    state = _State(old[0], old[1], [], [])
    progress.start(first, tip[0])
    for lo, hi in _ranges(first, tip[0]):
        _read(state, source, lo, hi, heuristics, store.chain)
        progress.advance(hi, sum(len(p) for p in state.links))
    _merge_all(state, count, applied)
    _save(store, mode, heuristics, (first, tip[0]), tip[1], old, state, detection)
    from cointrail.clustering.summary import build_summary  # summary reads the tables written here

    found = sum(f.kind == COINJOIN for f in state.coinjoins)
    return build_summary(store, mode, heuristics, first, [len(p) for p in state.links], found)


def _save(store: LedgerStore, mode: str, heuristics: tuple[str, ...], span: tuple[int, int], tip_hash: bytes,
          old: tuple[np.ndarray, np.ndarray], state: _State, detection: str) -> None:  # fmt: skip
    con = store.con
    con.execute("BEGIN TRANSACTION")
    try:
        if mode == "full":
            tables.clear(con)
        tables.write_assignment(con, store.chain, store.network, old, (state.cluster, state.base))
        links = Links.concat(state.links)
        tables.write_links(con, store.chain, store.network, links)
        tables.write_coinjoins(con, store.chain, store.network, state.coinjoins)
        if state.held is not None:
            tables.write_held(con, store.chain, store.network, state.held)
        found = sum(f.kind == COINJOIN for f in state.coinjoins)
        tables.record_run(con, mode, heuristics, span, tip_hash, len(links), found, detection)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
