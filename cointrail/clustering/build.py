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
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from cointrail.clustering.graph import identity, merge_guarded
from cointrail.clustering.guard import HOLD_AT, detection_fingerprint
from cointrail.clustering.heuristics import CODES, HEURISTIC_NAMES, find_detection_sets, find_links, find_payjoins
from cointrail.domain import CoinJoinFinding, FoundSet, Held, Links
from cointrail.errors import InputError
from cointrail.heuristics import multi_input
from cointrail.store.interface import ClusterBuild, ClusteringStore, ClusterTables, LedgerArrays

if TYPE_CHECKING:  # the summary (the --json output) still reads the DuckDB tables itself
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
    payjoins: FoundSet | None = None  # the set-based PayJoin check's findings, as columns: none is merged through


def _plan(store: ClusteringStore, clusters: ClusterTables, heuristics: tuple[str, ...], full: bool,
          detection: str) -> tuple[str, int]:  # fmt: skip
    """("full" | "incremental" | "current", first height to read)."""
    last = clusters.last_run()
    if full or last is None or last.heuristics != heuristics or last.detection != detection:
        return "full", 0
    if store.hash_at(last.through_height) != last.through_hash:
        return "full", 0
    tip = store.tip()
    return ("current" if tip and tip[0] == last.through_height else "incremental"), last.through_height + 1


def _read(state: _State, source: LedgerArrays, lo: int, hi: int, heuristics: tuple[str, ...],
          chain: str) -> None:  # fmt: skip
    """The CoinJoins and links of blocks ``lo``..``hi``; the PayJoin-like payments are found once for the whole
    build (``state.payjoins``) and only excluded here."""
    coinjoins, collaborative, _ = find_detection_sets(source, lo, hi, chain, payjoins=False)
    found = coinjoins + collaborative
    sets = () if state.payjoins is None else (state.payjoins,)
    state.links.append(find_links(source, lo, hi, heuristics, found, sets))
    state.coinjoins += found


def merge_links(old: tuple[np.ndarray, np.ndarray], links: Links, count: int,
                applied: np.ndarray) -> tuple[np.ndarray, np.ndarray, Links, Held]:  # fmt: skip
    """(cluster, base cluster, links kept as evidence, links held back): ``links`` (in chain order) merged into
    the assignment ``old`` of (cluster, base cluster) per address id, extended to ``count`` addresses.

    Both merges run the supercluster check (:mod:`cointrail.clustering.guard`);
    the links it holds back are recorded from the full assignment's merge. The
    base assignment takes the multi-input links alone (red flags compare the
    two). Every engine ends its build here, so equal links give equal clusters.
    """
    cluster, kept, held = merge_guarded(old[0], links, count, HOLD_AT, applied)
    co_spends = links.take(np.flatnonzero(links.heuristic == CODES[multi_input.NAME]))
    base, _, _ = merge_guarded(old[1], co_spends, count, HOLD_AT, applied)
    return cluster, base, kept, held


def _merge_all(state: _State, count: int, applied: np.ndarray) -> None:
    """One merge of every link read (in chain order): the same result as merging range by range."""
    state.cluster, state.base, kept, state.held = merge_links((state.cluster, state.base),
                                                              Links.concat(state.links), count, applied)  # fmt: skip
    state.links = [kept]


def _ranges(lo: int, hi: int, steps: int = 20) -> list[tuple[int, int]]:
    size = max(1, -(-(hi - lo + 1) // steps))
    return [(start, min(hi, start + size - 1)) for start in range(lo, hi + 1, size)]


def build_clusters(store: LedgerStore, heuristics: tuple[str, ...], *, full: bool = False,
                   progress: BuildProgress | None = None) -> dict[str, Any]:  # fmt: skip
    """Cluster the store's addresses with ``heuristics``; return a summary (the ``--json`` output)."""
    mode, first, links, found, cluster = run_build(store, heuristics, full=full, progress=progress)
    from cointrail.clustering.summary import build_summary  # summary reads the tables written here

    return build_summary(store, mode, heuristics, first, links, found, cluster)


def run_build(store: ClusteringStore, heuristics: tuple[str, ...], *, full: bool = False,
              progress: BuildProgress | None = None) -> tuple[str, int, int, int, np.ndarray]:  # fmt: skip
    """Cluster the store's addresses with ``heuristics`` and keep the result in the store.

    Returns the mode ("full", "incremental" or "current"), the first height
    read, the links found (those the merge kept: held links are not among them), the CoinJoins flagged and the
    assignment written (every address's cluster id).
    """
    progress = progress or NoBuildProgress()
    tip = store.tip()
    if tip is None:
        raise InputError(f"the ledger store {store.path} holds no blocks yet: run 'cointrail ingest' first")
    clusters = store.cluster_tables()
    clusters.ensure()
    applied = clusters.applied_tx_ids()
    detection = detection_fingerprint(applied)
    mode, first = _plan(store, clusters, heuristics, full, detection)
    source = store.arrays()
    count = source.address_count()
    old = clusters.load_assignment() if mode != "full" else (identity(0), identity(0))
    state = _State(old[0], old[1], [], [])
    if first <= tip[0]:  # a store clustered through its tip has no block to read: no bar
        progress.start(first, tip[0])
        state.payjoins = find_payjoins(source, first, tip[0], store.chain)
    for lo, hi in _ranges(first, tip[0]):
        _read(state, source, lo, hi, heuristics, store.chain)
        progress.advance(hi, sum(len(p) for p in state.links))
    _merge_all(state, count, applied)
    sets = () if state.payjoins is None else (state.payjoins,)
    build = ClusterBuild(mode, heuristics, (first, tip[0]), tip[1], old, (state.cluster, state.base),
                         Links.concat(state.links), tuple(HEURISTIC_NAMES), state.coinjoins, state.held, detection,
                         sets)  # fmt: skip
    clusters.save_build(build)
    return mode, first, len(state.links[0]), build.coinjoins(), state.cluster
