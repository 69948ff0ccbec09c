"""Benchmark: small ingests onto a large store, with the full chain state and with the partial one.

Builds (or reuses) a store of the synthetic million-transaction chain
(``benchmarks/synthetic_chain.py``, as ``raw_ingest.py`` makes it) up to 100
blocks below its tip, then, on a copy for each run, ingests the next 3 and the
next 100 blocks in a fresh process as ``cointrail ingest`` would: once loading
the whole chain state (how every ingest resolved before) and once resolving each
batch against only the rows it names (:mod:`cointrail.ledger.partialstate`).
Also times loading the full state alone, to place the crossover. CPU and wall
seconds of opening the store and ingesting (imports and Numba's cache load left
out), and the process's peak memory. Writes the "incremental" section of
docs/benchmarks.md.

Run: ``.venv/bin/python benchmarks/incremental_ingest.py [--transactions 1000000] [--cache DIR] [--no-write]``
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import shutil
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from doc_sections import replace_section  # noqa: E402
from raw_ingest import chain_for  # noqa: E402

from cointrail.ledger.ingest import BlockFilesSource, ingest  # noqa: E402
from cointrail.ledger.store import LedgerStore  # noqa: E402

# Run in a child process: one ingest of blocks up to TIP onto the store DB, resolving with the given crossover.
_CHILD = """
import json, resource, sys, time
from cointrail.ledger import partialstate
from cointrail.ledger.chainstate import ChainState
from cointrail.ledger.ingest import BlockFilesSource, ingest
from cointrail.ledger.store import LedgerStore
chain, db, tip, crossover = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
partialstate.STORE_TO_BATCH_CROSSOVER = crossover
source = BlockFilesSource(chain, "bitcoin", "regtest")
source.tip_height = lambda: tip
cpu, wall = time.process_time(), time.perf_counter()
with LedgerStore.open(db) as store:
    if crossover < 0:
        ChainState.load(store.con)
        transactions = 0
    else:
        transactions = ingest(store, source).transactions
cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
print(json.dumps({"cpu": cpu, "wall": wall, "rss_mb": rss, "transactions": transactions}))
"""
FULL, PARTIAL, LOAD_ONLY = 10**12, 10, -1  # crossovers: never partial, as shipped, and the full state's load alone


def base_store(chain: Path, cache: Path, tip: int) -> Path:
    """The store of the chain up to ``tip`` (built once, kept in the cache)."""
    db = cache / f"{chain.name}-to-{tip}.duckdb"
    if not db.exists():
        source = BlockFilesSource(chain, "bitcoin", "regtest")
        source.tip_height = lambda: tip  # type: ignore[method-assign]
        with LedgerStore.open(db.with_suffix(".tmp"), "bitcoin", "regtest") as store:
            ingest(store, source)
        db.with_suffix(".tmp").rename(db)
    return db


def run_once(chain: Path, base: Path, tip: int, crossover: int, work: Path) -> dict[str, float]:
    """One ingest up to ``tip`` on a fresh copy of ``base``, in a child process."""
    db = work / "copy.duckdb"
    shutil.copy(base, db)
    try:
        out = subprocess.run([sys.executable, "-c", _CHILD, str(chain), str(db), str(tip), str(crossover)],
                             check=True, capture_output=True, text=True).stdout  # fmt: skip
        return json.loads(out.strip().splitlines()[-1])
    finally:
        db.unlink()


def best(runs: int, *args: object) -> dict[str, float]:
    """The run of least CPU time of ``runs``."""
    return min((run_once(*args) for _ in range(runs)), key=lambda r: r["cpu"])  # type: ignore[arg-type]


def section(n_tx: int, tip: int, rows: list[tuple[str, str, dict[str, float]]], load: dict[str, float]) -> str:
    table = "\n".join(
        f"| {blocks} | {how} | {r['transactions']:,} | {r['cpu']:.2f} | {r['wall']:.2f} | {r['rss_mb']:,} |"
        for blocks, how, r in rows
    )
    return textwrap.dedent(f"""\
        ## Small ingests onto a large store

        `benchmarks/incremental_ingest.py`, {dt.date.today().isoformat()}: the synthetic {n_tx:,}-transaction chain
        stored up to {tip - 100} blocks below its tip ({tip + 1} blocks), then the next blocks ingested in a fresh
        process (open the store, ingest; imports left out). "full state": every ingest loaded the store's txids,
        scripts and outputs first (`chainstate.py`; before this change, always). "partial": each batch fetches only the
        transactions its inputs spend from and the scripts it pays to (`partialstate.py`), while the ingest holds
        under 1/10 of the store's transactions. Best of the runs by CPU seconds; peak memory of the process.

        | blocks | chain state | transactions | CPU s | wall s | peak MB |
        |---:|---|---:|---:|---:|---:|
        {table}

        Loading the full state alone (open included): {load['cpu']:.2f} CPU s, {load['rss_mb']:,} MB peak.
        """).replace("        |", "|")  # noqa: E501


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--transactions", type=int, default=1_000_000)
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "cointrail-bench-chains")
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    made, _ = chain_for(args.transactions, args.cache)
    tip = BlockFilesSource(made.path, "bitcoin", "regtest").tip_height()
    base = base_store(made.path, args.cache, tip - 100)
    rows = []
    with tempfile.TemporaryDirectory() as work:
        load = best(args.runs, made.path, base, tip, LOAD_ONLY, Path(work))
        for blocks in (3, 100):
            for how, crossover in (("full state", FULL), ("partial", PARTIAL)):
                began = time.perf_counter()
                result = best(args.runs, made.path, base, tip - 100 + blocks, crossover, Path(work))
                rows.append((str(blocks), how, result))
                print(blocks, how, result, f"({time.perf_counter() - began:.0f} s)", flush=True)
    print("load only", load)
    text = section(args.transactions, tip, rows, load)
    print(text)
    if not args.no_write:
        replace_section("incremental", text)


if __name__ == "__main__":
    main()
