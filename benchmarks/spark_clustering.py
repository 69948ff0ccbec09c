"""Benchmark: ``cluster build`` on Apache Spark ``local[2]`` against the local engine, on the same chain.

The synthetic chain of the ledger issue (:mod:`cointrail.simulation.block_files`, shared with
clustering_speed.py and raw_ingest.py, from the same cache), ingested into a DuckDB store and exported to Parquet
(``cointrail store export``). Then, on the same machine:

(a) the local engine: ``cluster build --full`` with the default heuristics on the DuckDB store;
(b) the Spark engine: ``cluster build --engine spark --master local[2]`` on the export, in a session already
    started (its start is timed apart), with the wall time of each phase the build reports.

Both must give the same cluster ids (checked, every address). Wall seconds for both, and the CPU seconds of this
process and, for Spark, of its JVM (the cores are shared: wall time includes the neighbours). Writes the
spark_clustering section of docs/benchmarks.md.

Run: ``.venv/bin/python -m benchmarks.spark_clustering [--transactions 1000000] [--cache DIR] [--no-write]
[--quick]``
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow.parquet as pq

from benchmarks import harness
from benchmarks.clustering_speed import ledger_for
from cointrail.clustering import build_clusters, parse_heuristics
from cointrail.store.duckdb.parquet import export_parquet
from cointrail.store.duckdb.store import LedgerStore

HEURISTICS = parse_heuristics(None)


def _local(db: Path) -> tuple[harness.Timing, np.ndarray, dict[str, Any]]:
    with LedgerStore.open(db) as store:
        took, summary = harness.timed(lambda: build_clusters(store, HEURISTICS, full=True))
        cluster, _ = store.cluster_tables().load_assignment()
    return took, cluster, summary


def _spark(export: Path, out: Path) -> dict[str, Any]:
    from cointrail.engines.spark.build import build_on_spark
    from cointrail.engines.spark.session import spark_session

    session = spark_session("local[2]")
    started, spark = harness.timed(session.__enter__)  # the session starts on entering
    try:
        jvm = spark.sparkContext._gateway.proc.pid
        took, summary = harness.timed(lambda: build_on_spark(export, HEURISTICS, out=out), watch=[jvm])
    finally:
        session.__exit__(None, None, None)
    cluster = pq.read_table(out / "address_clusters.parquet", columns=["cluster_id"]).column(0).to_numpy()
    return {"took": took, "start_s": started.wall, "phases": summary["phases"], "cluster": cluster}


def measure(n_transactions: int, cache: Path) -> dict[str, Any]:
    db = ledger_for(n_transactions, cache)
    work = Path(tempfile.mkdtemp())
    shutil.copy(db, work / "work.duckdb")
    with LedgerStore.open(work / "work.duckdb", read_only=True) as store:
        export_s, exported = harness.timed(lambda: export_parquet(store, work / "parquet"))
    local_took, local_cluster, local_summary = _local(work / "work.duckdb")
    spark = _spark(work / "parquet", work / "clusters")
    if not np.array_equal(local_cluster, spark["cluster"]):
        raise SystemExit("the Spark engine's cluster ids differ from the local engine's")
    size = sum(p.stat().st_size for p in (work / "parquet").glob("*.parquet"))
    shutil.rmtree(work)
    return {"transactions": exported["rows"]["transactions"], "addresses": len(local_cluster),
            "clusters": local_summary["clusters"], "links": sum(local_summary["links_by_heuristic"].values()),
            "collaborative": local_summary["collaborative_total"], "export_s": export_s.wall,
            "parquet_mb": size / 1e6, "local": local_took, "spark": spark["took"],
            "start_s": spark["start_s"], "phases": spark["phases"],
            "load": harness.load_average()}  # fmt: skip


def render(r: dict[str, Any]) -> str:
    local, spark = r["local"], r["spark"]
    rows = [
        ("(a) local engine: `cluster build --full` on the DuckDB store", local.wall, f"{local.cpu:.1f} s"),
        ("(b) Spark `local[2]`: `cluster build --engine spark` on the export (session already up)", spark.wall,
         f"{spark.cpu:.1f} s driver + {spark.watched_cpu:.1f} s JVM"),
    ]  # fmt: skip
    estimate_h = spark.watched_cpu / r["transactions"] * 1.1e9 / 3600
    phases = ", ".join(f"{name} {seconds:.1f} s" for name, seconds in r["phases"].items())
    per_second = [r["transactions"] / wall for _, wall, _ in rows]
    table = "".join(f"| {what} | {wall:.1f} s | {cpu} | {rate:,.0f} |\n"
                    for (what, wall, cpu), rate in zip(rows, per_second, strict=True))  # fmt: skip
    return f"""## Clustering on Apache Spark (issue 20)

{harness.machine("spark_clustering.py")}; 5-minute load average {r["load"]:.1f} during the run. The synthetic
chain of the ledger issue: {r["transactions"]:,} transactions, {r["addresses"]:,} addresses, the default heuristics
({", ".join(HEURISTICS)}): {r["links"]:,} links of evidence, {r["clusters"]:,} clusters,
{r["collaborative"]:,} transactions possibly collaborative. Exported once to Parquet ({r["parquet_mb"]:.0f} MB,
{r["export_s"]:.1f} s). Both engines gave the same cluster id to every address (checked). Starting the Spark
session took {r["start_s"]:.1f} s more; the Spark build's phases (wall): {phases}.

| what | wall | CPU | transactions per wall second |
|---|---|---|---|
{table}
On one small machine Spark is the slower engine ({spark.wall / local.wall:.0f} times the local build's wall time):
its JVM spent {spark.watched_cpu:.0f} CPU s (a shuffle for each join and aggregate of the CoinJoin prefilter, the
candidates' joins, the PayJoin sign and the links, and code generation) where DuckDB's in-process queries took
{local.cpu:.0f} s. Spark's gain is in spreading that work over executors, for a chain that does not fit one store.
**Estimate, not measured** (no multi-node cluster here): if the JVM's work grew linearly with the chain,
1.1 billion transactions would take about {estimate_h:,.0f} CPU hours, about {estimate_h * 60 / 200:.0f} minutes on
200 executor cores, plus the driver's union–find over the collected links (about 100 s per billion inputs at
clustering_speed.py's rate) and the collection itself; shuffles grow faster than linearly on a real network, so take it
as a lower bound.
"""


def main() -> None:
    args = harness.parse(harness.chain_arguments(__doc__, quick={"transactions": 20_000}))
    harness.publish(args, "spark_clustering", render(measure(args.transactions, args.cache)))


if __name__ == "__main__":
    main()
