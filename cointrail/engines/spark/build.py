"""``cointrail cluster build --engine spark``: the clusters of a Parquet export, computed with Apache Spark.

The steps, and where each runs:

1. CoinJoins and possibly-collaborative transactions: the candidates are prefiltered by DataFrame code (the
   DuckDB store's query, :mod:`cointrail.engines.spark.ledger`), the PayJoin sign is set-based
   (:mod:`cointrail.engines.spark.payjoin`); the per-transaction rules
   (:func:`cointrail.clustering.heuristics.find_detections`, Python) then run on the driver over the few
   candidates. The excluded transactions are one list of ids handed back to Spark.
2. The link edges: DataFrame code (:mod:`cointrail.engines.spark.links`), collected to the driver.
3. The components and the evidence: the local engine's union–find
   (:func:`cointrail.clustering.build.merge_links`) on the driver, which fits one node up to a Bitcoin-sized id
   array (8 bytes per address, a few GB). Cluster ids and the spanning forest are therefore identical to the
   local engine's by construction, given equal links; the tests check both.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np

from cointrail.clustering.build import merge_links
from cointrail.clustering.graph import identity
from cointrail.clustering.guard import detection_fingerprint
from cointrail.clustering.heuristics import HEURISTIC_NAMES, find_detections
from cointrail.domain import COINJOIN
from cointrail.engines.spark.ledger import ParquetLedger, SparkLedgerArrays
from cointrail.engines.spark.links import collect_links, link_edges
from cointrail.engines.spark.results import ParquetClusterTables
from cointrail.engines.spark.session import spark_session
from cointrail.errors import InputError
from cointrail.store.interface import ClusterBuild


def build_on_spark(parquet: str | Path, heuristics: tuple[str, ...], *, master: str | None = None,
                   out: str | Path | None = None) -> dict[str, Any]:  # fmt: skip
    """Cluster the export in ``parquet`` on Spark (``master``); write the results to ``out`` (default
    ``PARQUET/clusters``); return a summary (the ``--json`` output)."""
    out = Path(out) if out is not None else Path(parquet) / "clusters"
    started = time.perf_counter()
    with spark_session(master) as spark:
        ledger = ParquetLedger(spark, parquet)
        summary = _build(ledger, heuristics, ParquetClusterTables(out, ledger.chain, ledger.network))
        summary["master"] = spark.sparkContext.master
    return summary | {"parquet": str(parquet), "out": str(out), "seconds": round(time.perf_counter() - started, 2)}


def _build(ledger: ParquetLedger, heuristics: tuple[str, ...], tables: ParquetClusterTables) -> dict[str, Any]:
    tip = ledger.tip()
    if tip is None:
        raise InputError(f"the export {ledger.directory} holds no blocks")
    clock = _Phases()
    coinjoins, collaborative = find_detections(SparkLedgerArrays(ledger), 0, tip[0], ledger.chain)
    found = coinjoins + collaborative
    clock.lap("detections")
    links = collect_links(link_edges(ledger, heuristics, [f.tx_id for f in found]))
    clock.lap("links")
    count, applied = ledger.address_count(), tables.applied_tx_ids()
    cluster, base, kept, held = merge_links((identity(0), identity(0)), links, count, applied)
    clock.lap("merge")
    tables.ensure()
    tables.save_build(ClusterBuild("full", heuristics, (0, tip[0]), tip[1], (identity(0), identity(0)),
                                   (cluster, base), kept, tuple(HEURISTIC_NAMES), found, held,
                                   detection_fingerprint(applied)))  # fmt: skip
    clock.lap("write")
    return _summary(ledger, heuristics, tip[0], cluster, kept, found, len(held)) | {"phases": clock.seconds}


class _Phases:
    """Wall seconds of each phase of a build (the benchmark reports them)."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self._last = time.perf_counter()

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.seconds[name], self._last = round(now - self._last, 2), now


def _summary(ledger: ParquetLedger, heuristics: tuple[str, ...], through: int, cluster: np.ndarray, kept: Any,
             found: list, held: int) -> dict[str, Any]:  # fmt: skip
    sizes = np.bincount(cluster, minlength=len(cluster)) if len(cluster) else np.empty(0, np.int64)
    names = np.array(HEURISTIC_NAMES, dtype=object)[kept.heuristic.astype(np.int64)]
    return {"engine": "spark", "chain": ledger.chain, "network": ledger.network, "mode": "full",
            "heuristics": list(heuristics), "from_height": 0, "through_height": through,
            "links_by_heuristic": {h: int((names == h).sum()) for h in HEURISTIC_NAMES},
            "coinjoins_total": sum(f.kind == COINJOIN for f in found),
            "collaborative_total": sum(f.kind != COINJOIN for f in found), "held_links": held,
            "addresses": len(cluster), "clusters": int((sizes > 0).sum()),
            "addresses_in_multi_address_clusters": int(sizes[sizes > 1].sum())}  # fmt: skip
