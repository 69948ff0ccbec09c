"""The local engine against the Spark engine on one ledger store: every cluster id and every recorded link.

Shared by the clustering tests on the scenario economies, the collaborative-transaction economy and a generated
chain, and by benchmarks/spark_clustering.py. A test fails if one cluster id, one link of evidence, one finding or
one held link differs.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from cointrail.clustering import build_clusters
from cointrail.engines.spark.session import java_available
from cointrail.store.duckdb.parquet import export_parquet
from cointrail.store.duckdb.store import LedgerStore

# What is compared, per table: the columns, in the order the rows are sorted by.
COMPARED = {
    "address_clusters": ("address_id", "cluster_id", "base_cluster_id"),
    "cluster_links": ("tx_id", "heuristic", "address_a", "address_b"),
    "coinjoins": ("tx_id", "rule", "evidence", "kind", "participants"),
    "collaborative_txs": ("tx_id", "rule", "evidence", "participants"),
    "held_links": ("tx_id", "heuristic", "address_a", "address_b", "size_a", "size_b"),
}


def spark_or_skip() -> None:
    """Skip, saying why, where the Spark engine cannot start here."""
    if not java_available():
        pytest.skip("no Java runtime: scripts/system-deps.sh installs Debian's openjdk-17-jre-headless")
    pytest.importorskip("pyspark", reason="PySpark is not installed (pip install -e '.[test]')")


def local_tables(db: Path, heuristics: tuple[str, ...]) -> dict[str, list[tuple]]:
    """A full local build of ``db``; its cluster tables' rows, sorted."""
    with LedgerStore.open(db) as store:
        build_clusters(store, heuristics, full=True)
        return {table: sorted(store.con.execute(f"SELECT {', '.join(cols)} FROM {table}").fetchall(),
                              key=_key) for table, cols in COMPARED.items()}  # fmt: skip


def spark_tables(out: Path) -> dict[str, list[tuple]]:
    """The rows a Spark build wrote to ``out``, sorted as :func:`local_tables` sorts them."""
    found = {}
    for table, cols in COMPARED.items():
        rows = pq.read_table(out / f"{table}.parquet", columns=list(cols)).to_pylist()
        found[table] = sorted((tuple(r[c] for c in cols) for r in rows), key=_key)
    return found


def _key(row: tuple) -> tuple:
    return tuple((v is None, v if v is not None else 0) for v in row)


def export(db: Path, directory: Path) -> Path:
    with LedgerStore.open(db, read_only=True) as store:
        export_parquet(store, directory)
    return directory


def first_difference(local: dict[str, list[tuple]], spark: dict[str, list[tuple]]) -> str | None:
    """The first row where the two engines disagree, in words; None when they agree everywhere."""
    for table in COMPARED:
        a, b = local[table], spark[table]
        for index, (x, y) in enumerate(zip(a, b, strict=False)):
            if x != y:
                return f"{table} row {index}: local {x} != spark {y}"
        if len(a) != len(b):
            return f"{table}: {len(a)} rows locally, {len(b)} on Spark"
    return None


def both_engines(db: Path, work: Path, heuristics: tuple[str, ...]) -> dict[str, Any]:
    """Build ``db`` locally and, from its export, on Spark; return both engines' tables and Spark's summary."""
    from cointrail.engines.spark.build import build_on_spark

    local = local_tables(db, heuristics)
    directory = export(db, work / "parquet")
    summary = build_on_spark(directory, heuristics, out=work / "clusters")
    return {"local": local, "spark": spark_tables(work / "clusters"), "summary": summary}
