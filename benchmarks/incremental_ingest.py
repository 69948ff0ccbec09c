"""Benchmark: small ingests onto a large store, with the full chain state and with the partial one.

Builds (or reuses) a store of the synthetic million-transaction chain
(:mod:`cointrail.simulation.block_files`, as ``raw_ingest.py`` makes it) up to 100
blocks below its tip, then, on a copy for each run, ingests the next 3 and the
next 100 blocks in a fresh process as ``cointrail ingest`` would: once loading
the whole chain state (how every ingest resolved before) and once resolving each
batch against only the rows it names (:mod:`cointrail.store.duckdb.partialstate`).
Also times loading the full state alone, to place the crossover. CPU and wall
seconds of opening the store and ingesting (imports and Numba's cache load left
out), and the process's peak memory. Writes the "incremental" section of
docs/benchmarks.md.

Run: ``.venv/bin/python -m benchmarks.incremental_ingest [--transactions 1000000] [--cache DIR] [--no-write]
[--quick]``
"""

from __future__ import annotations

import json
import shutil
import tempfile
import textwrap
from pathlib import Path

from benchmarks import harness
from benchmarks.raw_ingest import chain_for
from cointrail.chains.bitcoin.sources.blkfiles import BlockFilesSource
from cointrail.ingest.pipeline import ingest
from cointrail.store.duckdb import schema
from cointrail.store.duckdb.partialstate import STORE_TO_BATCH_CROSSOVER
from cointrail.store.duckdb.store import LedgerStore

# Run in a child process: one ingest of blocks up to TIP onto the store DB, resolving with the given crossover.
# Its peak is VmHWM (harness.peak_mb), not ru_maxrss: a child started by vfork inherits its parent's peak in
# ru_maxrss (Linux records the shared memory's high-water mark at exec), and this benchmark's parent may have just
# built a 1M store.
_CHILD = """
import json, sys
from benchmarks.harness import peak_mb, timed
from cointrail.store.duckdb import partialstate
from cointrail.store.duckdb.chainstate import ChainState
from cointrail.chains.bitcoin.sources.blkfiles import BlockFilesSource
from cointrail.ingest.pipeline import ingest
from cointrail.store.duckdb.store import LedgerStore
chain, db, tip, crossover = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
partialstate.STORE_TO_BATCH_CROSSOVER = crossover
source = BlockFilesSource(chain, "bitcoin", "regtest")
source.tip_height = lambda: tip
def run():
    with LedgerStore.open(db) as store:
        if crossover < 0:
            ChainState.load(store.con)
            return 0
        return ingest(store, source).transactions
took, transactions = timed(run)
print(json.dumps({"cpu": took.cpu, "wall": took.wall, "rss_mb": int(peak_mb()), "transactions": transactions}))
"""
# Crossovers: never partial, as shipped, and the full state's load alone.
FULL, PARTIAL, LOAD_ONLY = 10**12, STORE_TO_BATCH_CROSSOVER, -1


REMAINS = textwrap.fill(
    "What a small ingest still costs is mostly DuckDB's: the COMMIT of its batch (the checkpoint DuckDB runs there, "
    "about 1 CPU s on this store) and, for its peak memory, DuckDB's buffers (docs/store.md, \"Writing\").",
    116,
)
RESOLVE_BELOW_TIP = 500
RESOLVE_SIZES = [1_000, 10_000, 50_000, 100_000, 200_000]


def base_store(chain: Path, cache: Path, tip: int) -> Path:
    """The store of the chain up to ``tip`` (built once, kept in the cache)."""
    db = cache / f"{chain.name}-to-{tip}-{schema.layout_fingerprint()}.duckdb"
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
        out = harness.python_child(_CHILD, str(chain), str(db), str(tip), str(crossover))
        return json.loads(out.strip().splitlines()[-1])
    finally:
        db.unlink()


def best(runs: int, *args: object) -> dict[str, float]:
    """The run of least CPU time of ``runs``."""
    return min((run_once(*args) for _ in range(runs)), key=lambda r: r["cpu"])  # type: ignore[arg-type]


Cost = tuple[int, float, float, int]


def resolve_costs(chain: Path, base: Path, tip: int, sizes: list[int], runs: int) -> list[Cost]:
    """(transactions, CPU s with the full state, with a partial one, stored transactions) of resolving the batch
    after ``tip``.

    In this process, on the base store opened read-only; the full state's load counts, as each ingest run pays it.
    """
    from cointrail.chains.bitcoin.batch import from_raw
    from cointrail.store.duckdb import partialstate
    from cointrail.store.duckdb.chainstate import ChainState

    source = BlockFilesSource(chain, "bitcoin", "regtest")
    raws = list(source.raw_blocks(tip + 1, source.tip_height()))
    costs = []
    with LedgerStore.open(base, read_only=True) as store:
        for size in sizes:
            batch = from_raw(_first_transactions(raws, size))
            both = harness.alternate({"full": lambda b=batch: ChainState.load(store.con).resolve(b),
                                      "partial": lambda b=batch: partialstate.load_for(store.con, b).resolve(b)},
                                     runs)  # fmt: skip
            full, partial = (harness.least(both[how])[0].cpu for how in ("full", "partial"))
            costs.append((len(batch.tx), full, partial, store.counts()["transactions"]))
    return costs


def _first_transactions(raws: list, size: int) -> list:
    """The leading raw blocks that hold about ``size`` transactions."""
    total = 0
    for i, raw in enumerate(raws):
        total += raw.tx_count
        if total >= size:
            return raws[: i + 1]
    return raws


def section(n_tx: int, tip: int, rows: list[tuple[str, str, dict[str, float]]], load: dict[str, float],
            costs: list[tuple[int, float, float, int]]) -> str:  # fmt: skip
    ingests = [
        f"| {blocks} | {how} | {r['transactions']:,} | {r['cpu']:.2f} | {r['wall']:.2f} | {r['rss_mb']:,} |"
        for blocks, how, r in rows
    ]
    resolves = [f"| {n:,} | {full:.2f} | {partial:.2f} | {stored / n:.1f} |" for n, full, partial, stored in costs]
    stored = costs[0][3]
    intro = textwrap.fill(
        f"{harness.machine('incremental_ingest.py')}. The synthetic {n_tx:,}-transaction chain (tip at height "
        f"{tip}) stored up to height {tip - 100}, "
        "then the next blocks ingested in a fresh process (open the store, ingest, close; imports left out). "
        '"full state": the ingest first loads all the store\'s txids, scripts and outputs (`chainstate.py`; before '
        'this change every ingest did). "partial": each batch fetches only the stored transactions its inputs spend '
        "from and the stored scripts it pays to (`partialstate.py`), as ingest does while what it writes stays under "
        f"1/{STORE_TO_BATCH_CROSSOVER} of the store's transactions. Best of the runs by CPU seconds; peak memory of "
        "the process.",
        116,
    )
    crossover = textwrap.fill(
        f"Resolving alone, the batch that follows the stored tip, on the same chain stored up to height "
        f"{tip - RESOLVE_BELOW_TIP} ({stored:,} transactions; in one process, the store read-only; the full "
        "state's load counted, as each ingest run pays it once; best of the runs, CPU seconds):",
        116,
    )
    return "\n".join([
        "## Small ingests onto a large store", "", intro, "",
        "| blocks | chain state | transactions | CPU s | wall s | peak MB |", "|---:|---|---:|---:|---:|---:|",
        *ingests, "", f"Loading the full state alone (open included): {load['cpu']:.2f} CPU s, {load['rss_mb']:,} MB "
        "peak.", "", crossover, "",
        "| batch transactions | full state: load + resolve | partial: fetch + resolve | store / batch |",
        "|---:|---:|---:|---:|", *resolves, "", REMAINS,
    ])  # fmt: skip


def main() -> None:
    parser = harness.arguments(__doc__, quick={"transactions": 300_000, "runs": 1})
    parser.add_argument("--transactions", type=int, default=1_000_000)
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "cointrail-bench",
                        help="where the synthetic chains are kept (the other 1M benchmarks' folder: made once)")
    parser.add_argument("--runs", type=int, default=2)
    args = harness.parse(parser)
    made, _ = chain_for(args.transactions, args.cache)
    tip = BlockFilesSource(made.path, "bitcoin", "regtest").tip_height()
    base = base_store(made.path, args.cache, tip - 100)
    rows = []
    with tempfile.TemporaryDirectory() as work:
        load = best(args.runs, made.path, base, tip, LOAD_ONLY, Path(work))
        for blocks in (3, 100):
            for how, crossover in (("full state", FULL), ("partial", PARTIAL)):
                took, result = harness.timed(lambda c=crossover, b=blocks: best(  # type: ignore[misc]
                    args.runs, made.path, base, tip - 100 + b, c, Path(work)))
                rows.append((str(blocks), how, result))
                print(blocks, how, result, f"({took.wall:.0f} s)", flush=True)
    # Batches of up to 200,000 transactions need more blocks above the store: another one, 500 blocks below the tip.
    lower = base_store(made.path, args.cache, tip - RESOLVE_BELOW_TIP)
    costs = resolve_costs(made.path, lower, tip - RESOLVE_BELOW_TIP, RESOLVE_SIZES, args.runs)
    print("load only", load, "resolve", costs)
    harness.publish(args, "incremental", section(args.transactions, tip, rows, load, costs))


if __name__ == "__main__":
    main()
