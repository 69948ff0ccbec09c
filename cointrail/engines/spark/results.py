"""The clusters a Spark build makes, kept as Parquet beside the export: the store's cluster tables, file by file.

:class:`ParquetClusterTables` is the :class:`~cointrail.store.interface.ClusterTables` of a Spark build. It writes
``OUT/<table>.parquet`` with the columns of the DuckDB store's tables of the same name
(:mod:`cointrail.store.duckdb.cluster_tables`): ``address_clusters``, ``cluster_links``, ``coinjoins``,
``collaborative_txs``, ``held_links`` and ``cluster_runs``. Each build is full (from the genesis block): an export
carries no earlier run and no applied links (``cluster apply-link`` is case work, on the local store).
Written with Arrow on the driver, where the union–find left the assignment.
"""

from __future__ import annotations

import datetime as _dt
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from cointrail import __version__
from cointrail.clustering.graph import identity
from cointrail.domain import COINJOIN, CoinJoinFinding, Held, Links
from cointrail.store.interface import ClusterBuild, LastRun

RESULT_TABLES = ("address_clusters", "cluster_links", "coinjoins", "collaborative_txs", "held_links", "cluster_runs")


def _names(links: Links, heuristic_names: tuple[str, ...]) -> pa.Array:
    return pa.array(np.array(heuristic_names, dtype=object)[links.heuristic.astype(np.int64)], pa.string())


def _findings(found: list[CoinJoinFinding], coinjoin: bool) -> dict[str, pa.Array]:
    rows = sorted((f for f in found if (f.kind == COINJOIN) == coinjoin), key=lambda f: f.tx_id)
    table = {"tx_id": pa.array([f.tx_id for f in rows], pa.int64()),
             "rule": pa.array([f.rule for f in rows], pa.string()),
             "evidence": pa.array([f.evidence for f in rows], pa.string())}  # fmt: skip
    if coinjoin:
        table["kind"] = pa.array([f.kind for f in rows], pa.string())
    table["participants"] = pa.array([f.participants for f in rows], pa.int64())
    return table


def _held(held: Held | None, heuristic_names: tuple[str, ...]) -> dict[str, pa.Array]:
    empty = np.empty(0, np.int64)
    links = held.links if held is not None else Links(empty, empty, empty, empty.astype(np.int8))
    sizes = (held.size_a, held.size_b) if held is not None else (empty, empty)
    return {"address_a": links.a, "address_b": links.b, "tx_id": links.tx_id,
            "heuristic": _names(links, heuristic_names), "size_a": sizes[0], "size_b": sizes[1]}  # fmt: skip


class ParquetClusterTables:
    """:class:`~cointrail.store.interface.ClusterTables` as Parquet files in ``directory``."""

    def __init__(self, directory: str | Path, chain: str, network: str):
        self.directory, self.chain, self.network = Path(directory), chain, network

    def ensure(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)

    def last_run(self) -> LastRun | None:
        return None  # every Spark build is full

    def applied_tx_ids(self) -> np.ndarray:
        return np.empty(0, np.int64)

    def load_assignment(self) -> tuple[np.ndarray, np.ndarray]:
        return identity(0), identity(0)

    def _write(self, table: str, columns: dict[str, object]) -> None:
        rows = len(next(iter(columns.values())))  # type: ignore[arg-type]
        ids = {"chain": pa.array([self.chain] * rows, pa.string()), "network": pa.array([self.network] * rows)}
        self._put(table, pa.table({**ids, **columns}))

    def _put(self, name: str, table: pa.Table) -> None:
        """Write to a side file, then rename: a reader never sees half a file."""
        target = self.directory / f"{name}.parquet"
        partial = target.with_suffix(".partial")
        pq.write_table(table, partial)
        partial.replace(target)

    def save_build(self, build: ClusterBuild) -> None:
        """Write the build's tables, each file replaced whole (a reader never sees half a build's file)."""
        cluster, base = build.new
        self._write("address_clusters", {"address_id": np.arange(len(cluster), dtype=np.int64),
                                         "cluster_id": cluster, "base_cluster_id": base})  # fmt: skip
        links = build.links
        self._write("cluster_links", {"address_a": links.a, "address_b": links.b, "tx_id": links.tx_id,
                                      "heuristic": _names(links, build.heuristic_names)})  # fmt: skip
        found = build.findings + [f for s in build.sets for f in s.findings()]
        self._write("coinjoins", _findings(found, True))
        self._write("collaborative_txs", _findings(found, False))
        self._write("held_links", _held(build.held, build.heuristic_names))
        self._write_run(build)

    def _write_run(self, build: ClusterBuild) -> None:
        found = build.coinjoins()
        run = {"run": [1], "finished_at": [_dt.datetime.now(_dt.UTC).replace(tzinfo=None)], "mode": [build.mode],
               "heuristics": [",".join(build.heuristics)], "from_height": [build.span[0]],
               "through_height": [build.span[1]], "through_hash": [build.through_hash], "links": [len(build.links)],
               "coinjoins": [found], "tool_version": [__version__], "detection": [build.detection],
               "engine": ["spark"]}  # fmt: skip
        self._put("cluster_runs", pa.table(run))
