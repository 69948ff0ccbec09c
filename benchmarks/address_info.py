"""Benchmark: raw block files into the store, store size, and address-info latency, on a million transactions.

Uses the synthetic chain of :mod:`cointrail.simulation.block_files` (generated, or
reused from ``--cache``, as ``raw_ingest.py`` does), then in one run:

1. raw-file ingest: ``cointrail ingest --blocks`` into a new store (parse, verify,
   resolve every input, store), against the baseline of merely reading the files
   (un-XOR, split into records);
2. store size per transaction;
3. ``address-info`` latency (the Python API on an open store, as the CLI and the
   web app call it) for random addresses, with and without counterparties,
   served from ``address_lookup`` and computed live from the ledger, against the
   baselines of the plainest indexed point query and of ``SELECT 1`` on the same
   connection, interleaved;
4. the cost of ``address_lookup``: a full build (time, peak memory, size) and an
   incremental refresh after a further batch of blocks (rolled back, then
   appended again from the chain's files), each in a process of its own.

Writes the "Store and address-info" section of docs/benchmarks.md.

Run: ``.venv/bin/python -m benchmarks.address_info [--transactions 1000000] [--cache DIR] [--lookups 1000]
[--no-write] [--quick] [--latency-only] [--keep-ingest]`` (``--latency-only`` reuses the store of an earlier run
and prints the address-info rows; ``--keep-ingest`` reuses it too, measures 3 and 4 and writes the section with the
ingest figures of the earlier run kept as they are.)
"""

from __future__ import annotations

import json
import os
import random
import statistics
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchmarks import harness
from benchmarks.raw_ingest import chain_for, read_only
from cointrail.chains.bitcoin.sources.blkfiles import BlockFilesSource
from cointrail.ingest.pipeline import ingest
from cointrail.store.duckdb import address_hash
from cointrail.store.duckdb.address_lookup import refresh_address_lookup
from cointrail.store.duckdb.queries import address_info, live_address_info
from cointrail.store.duckdb.store import LedgerStore


def build_store(made: object, db: Path) -> tuple[float, float, int]:
    """Ingest the chain's files into ``db``: (wall seconds, CPU seconds, transactions)."""
    if db.exists():
        db.unlink()

    def run() -> int:
        with LedgerStore.open(db, made.chain, made.network) as store:  # type: ignore[attr-defined]
            return ingest(store, BlockFilesSource(made.path, made.chain, made.network)).transactions  # type: ignore[attr-defined]

    took, transactions = harness.timed(run)
    return took.wall, took.cpu, transactions


def sample_addresses(store: LedgerStore, k: int, seed: int = 0) -> list[str]:
    """``k`` random addresses of the store (fixed seed), in random order."""
    (count,) = store.one("SELECT count(*) FROM addresses WHERE address IS NOT NULL")  # type: ignore[misc]
    rng = random.Random(seed)
    ids = sorted(rng.sample(range(count), min(k, count)))
    names = [r[0] for r in store.rows(
        "SELECT address FROM (SELECT address, row_number() OVER (ORDER BY address_id) - 1 AS n FROM addresses "
        f"WHERE address IS NOT NULL) WHERE n IN ({', '.join(map(str, ids))})"
    )]  # fmt: skip
    rng.shuffle(names)
    return names


def latencies(db: Path, lookups: int, warm_up: int = 50) -> dict[str, list[float]]:
    """Milliseconds per call of each measured form, interleaved, each on addresses of its own.

    Each form gets different addresses: asking about the same address twice
    finds its index nodes and column blocks already loaded (about half the
    cost), which would flatter whichever form runs second. The order of the
    forms changes every round, and the first ``warm_up`` rounds (the store's
    first blocks loaded) are not counted.
    """
    with LedgerStore.open(db) as store:  # brought up to date first, then the same connection reads
        refresh_address_lookup(store)
    with LedgerStore.open(db, read_only=True) as store:
        assert store.address_lookup_valid, "address_lookup describes the tip"
        forms: dict[str, Callable[[str], object]] = {
            "floor": lambda name: store.one("SELECT 1"),
            "base": lambda name: address_hash.find(store.rows, "addresses", "address_id", name),
            "ours": lambda name: live_address_info(store, name, counterparties=0),
            "full": lambda name: live_address_info(store, name),
            "served0": lambda name: address_info(store, name, counterparties=0),
            "served": lambda name: address_info(store, name),
        }
        names = sample_addresses(store, (lookups + warm_up) * len(forms))
        rounds = len(names) // len(forms) - warm_up
        mine = {form: iter(names[i :: len(forms)]) for i, form in enumerate(forms)}
        steps = {form: lambda form=form: forms[form](next(mine[form])) for form in forms}
        runs = harness.alternate(steps, rounds, shuffle=1, warm_up=warm_up)
    return {form: [took.wall_ms for took, _ in kept] for form, kept in runs.items()}


# address_info's queries, told apart by what they read (a query matching none is "other").
STEPS = (
    ("the address", "FROM addresses WHERE address_hash ="),
    ("its row of `address_stats`", "FROM address_stats"),
    ("the list of its transactions (more than two only)", "UNION ALL SELECT tx_id FROM inputs"),
    ("both sides of its transactions, with the first and last txids", "'txid'"),
    ("the counterparties' addresses", "FROM addresses WHERE address_id IN"),
)


def _step(sql: str) -> str:
    return next((step for step, words in STEPS if words in sql), "other")


def step_times(db: Path, lookups: int) -> dict[str, tuple[float, int]]:
    """Median milliseconds and count of each query of the default answer computed live, on addresses of their own."""
    times: dict[str, list[float]] = {}
    with LedgerStore.open(db, read_only=True) as store:
        def timed(query: Callable[..., object]) -> Callable[..., object]:
            def run(sql: str, params: object = ()) -> object:
                took, result = harness.timed(lambda: query(sql, params))
                times.setdefault(_step(sql), []).append(took.wall_ms)
                return result
            return run

        names = sample_addresses(store, lookups, seed=2)
        store.one, store.rows = timed(store.one), timed(store.rows)  # type: ignore[method-assign]
        for name in names:
            live_address_info(store, name)
    return {step: (statistics.median(v), len(v)) for step, v in times.items()}


def measure(n_transactions: int, cache: Path, lookups: int) -> dict[str, Any]:
    made, _ = chain_for(n_transactions, cache)
    read_only(made)  # warm the page cache
    read, n_bytes = harness.timed(lambda: read_only(made))
    read_cpu = read.cpu
    db = cache / f"store-{n_transactions}.duckdb"
    wall, cpu, txs = build_store(made, db)
    load = harness.load_average()  # the 5-minute average: the ingest's own span
    return {"transactions": txs, "blocks": made.n_blocks, "megabytes": n_bytes / 1e6, "read_cpu": read_cpu,
            "ingest_wall": wall, "ingest_cpu": cpu, "load": load, "db_bytes": db.stat().st_size,
            **serving_figures(db, lookups, made.path)}  # fmt: skip


def serving_figures(db: Path, lookups: int, blocks_dir: Path) -> dict[str, Any]:
    """Latencies, the live path's queries, and what address_lookup costs to build and keep up."""
    # The table is opt-in, so a new store has none: built first, then refreshed, then served.
    build = in_own_process("build", db)
    refresh = in_own_process("refresh", db, str(blocks_dir), str(REFRESH_BLOCKS))
    return {**latency_figures(latencies(db, lookups)), "steps": step_times(db, lookups), "build": build,
            "refresh": refresh}  # fmt: skip


# Run in a process of its own so that its peak memory is its own: "build" rebuilds
# address_lookup in full (its size from DuckDB's used blocks before and after);
# "refresh" rolls the last REFRESH_BLOCKS blocks back, appends them again from the
# chain's files, and brings the table up to date (incremental).
REFRESH_BLOCKS = 20
_CHILD = """
import json, sys, time
from benchmarks.harness import peak_mb, timed
from cointrail.store.duckdb import address_lookup
from cointrail.chains.bitcoin.sources.blkfiles import BlockFilesSource
from cointrail.store.duckdb.store import LedgerStore

def used(store):
    store.con.execute("CHECKPOINT")
    return store.one("SELECT used_blocks * block_size FROM pragma_database_size()")[0]

what, db = sys.argv[1], sys.argv[2]
out = {}
with LedgerStore.open(db) as store:
    if what == "build":
        store.con.execute("BEGIN TRANSACTION")
        store.con.execute("DROP TABLE IF EXISTS address_lookup")
        store.con.execute("DELETE FROM meta WHERE key LIKE 'address_lookup%'")
        store.con.execute("COMMIT")
        before = used(store)
    else:
        tip = store.tip()[0]
        out["rollback_s"] = timed(lambda: store.rollback_to(tip - int(sys.argv[4])))[0].wall
        blocks = list(BlockFilesSource(sys.argv[3], store.chain, store.network).blocks(tip - int(sys.argv[4]) + 1, tip))
        store.append(blocks)
        out["transactions"] = sum(len(b.block.transactions) for b in blocks)
    rss = peak_mb()
    took, result = timed(lambda: address_lookup.refresh_address_lookup(store))
    out.update(how=result["refresh"], wall=took.wall, cpu=took.cpu, rss_before_mb=rss, addresses=result["addresses"])
    if what == "build":
        out["bytes"] = used(store) - before
out["peak_mb"] = peak_mb()
print(json.dumps(out))
"""


def in_own_process(what: str, db: Path, *args: str) -> dict[str, Any]:
    """Run a step of _CHILD in a new Python process; its figures."""
    return json.loads(harness.python_child(_CHILD, what, str(db), *args).splitlines()[-1])


def latency_figures(times: dict[str, list[float]]) -> dict[str, float]:
    """Median and 95th percentile of each form, and how many calls each."""
    figures = {"lookups": float(len(times["ours"])), "serve_load": harness.load_average()}
    for form, values in times.items():
        figures[f"{form}_median"] = statistics.median(values)
        figures[f"{form}_p95"] = statistics.quantiles(values, n=20)[18]
    return figures


def latency_table(r: dict[str, float]) -> str:
    """The address-info rows, baselines first."""
    return "".join(f"| {what} | {r[form + '_median']:.2f} ms | {r[form + '_p95']:.2f} ms |\n" for what, form in (
        ("DuckDB's fixed cost of one query from Python (`SELECT 1`)", "floor"),
        ("baseline: one indexed point query (`SELECT address_id FROM addresses WHERE address = ?`)", "base"),
        ("computed from the ledger (`live_address_info()`): totals, transaction count, first and last seen", "ours"),
        ("computed from the ledger, with its 20 main counterparties too", "full"),
        ("**`address_info()` served from `address_lookup`**: totals, transaction count, first and last seen",
         "served0"),
        ("**`address_info()` served from `address_lookup`, with its 20 main counterparties (the CLI's default)**",
         "served"),
    ))  # fmt: skip


def steps_table(steps: dict[str, tuple[float, int]]) -> str:
    """Where the CLI's default answer spends its time, query by query."""
    order = [step for step, _ in STEPS] + ["other"]
    return "".join(f"| {step} | {steps[step][0]:.2f} ms | {steps[step][1]} |\n" for step in order if step in steps)


def ingest_part(r: dict[str, Any]) -> str:
    """The heading and the ingest figures of a full run."""
    n = r["transactions"]
    ingest_rows = "".join(f"| {what} | {s:.1f} s | {n / s:,.0f} tx/s |\n" for what, s in (
        ("baseline: read the files, un-XOR, split into records (CPU)", r["read_cpu"]),
        ("`cointrail ingest --blocks`: parse, verify, resolve every input, store (wall)", r["ingest_wall"]),
    ))  # fmt: skip
    return f"""## Store and address-info

{harness.machine("address_info.py")}. The synthetic chain of
`raw_ingest.py`: {n:,.0f} transactions in {r["blocks"]:,.0f} blocks ({r["megabytes"]:.0f} MB of blk files).

| what | time | transactions per second |
|---|---|---|
{ingest_rows}
The load average during the ingest was {r["load"]:.1f} on {os.cpu_count()} cores, so the wall time is an upper
bound. The files are read and parsed in the main thread while a store thread writes the previous batch (both in
compiled code or DuckDB, which release the GIL); "Raw block parsing" above has the same ingest in CPU seconds and
where they go.

Store size: {r["db_bytes"] / 1e6:,.0f} MB, {r["db_bytes"] / n:,.0f} bytes per transaction (all tables and indexes).
"""


# Where the ingest part of the section ends: what --keep-ingest keeps before it.
_SERVING_STARTS = "`address-info` on that store"


def kept_ingest_part() -> str:
    """The ingest part of the section as an earlier full run wrote it."""
    return harness.read_section("addressinfo").split(_SERVING_STARTS, 1)[0].strip("\n") + "\n"


def serving_part(r: dict[str, Any], n_transactions: int) -> str:
    """Latencies, the live path's queries, and what address_lookup costs."""
    build, refresh = r["build"], r["refresh"]
    return f"""{_SERVING_STARTS}, {harness.run_on()}, load average {r["serve_load"]:.1f}: through the Python
API on an open store (as the CLI and the web app call it), {r["lookups"]:.0f} calls of each row, interleaved in the
same run, each row on random addresses of its own:

| what | median | 95th percentile |
|---|---|---|
{latency_table(r)}
The served rows are one indexed point query in `address_lookup` (the address's whole answer, stored as JSON) and
`json.loads`; the baseline row is the cheapest such query. The rows computed from the ledger are what address-info
did before the table, and still does when the table is stale or absent, for more than 20 counterparties, or for an
input that is not a stored address string (same answers: tests/store/test_address_lookup.py). Their queries, one
by one ({r["lookups"]:.0f} more calls, on other addresses):

| query | median | times run |
|---|---|---|
{steps_table(r["steps"])}
What `address_lookup` costs, each step in a process of its own (peak resident memory of that process):

| step | wall | CPU | peak memory |
|---|---|---|---|
| full build: {build["addresses"]:,} addresses, {build["bytes"] / 1e6:,.0f} MB in the store \
({build["bytes"] / n_transactions:,.0f} bytes per transaction) | {build["wall"]:.1f} s | {build["cpu"]:.1f} s | \
{build["peak_mb"]:,.0f} MB |
| incremental refresh after {REFRESH_BLOCKS} more blocks ({refresh["transactions"]:,} transactions; \
`{refresh["how"]}`) | {refresh["wall"]:.1f} s | {refresh["cpu"]:.1f} s | {refresh["peak_mb"]:,.0f} MB |

(The roll-back of those {REFRESH_BLOCKS} blocks that prepared the refresh took {refresh["rollback_s"]:.1f} s, the
table's addresses of those blocks recomputed in it.)

{EXPLANATION}"""


EXPLANATION = """Target: 1 ms median for the CLI's default answer, which lists 20 counterparties. Computed from the
ledger it is a chain of four or five indexed lookups, each waiting for the one before, each costing DuckDB's fixed
cost of a query from Python (parse, bind, optimize, run, fetch) plus finding its rows: about 3 ms, whatever is
done to the queries (tried, measured 2026-12-01 and not kept: prepared statements, joins and subqueries, `threads =
1`, the first and last txids in `address_stats`). `address_lookup` is a serving index, as GraphSense keeps for the
same reason: each address's default answer precomputed at ingest, keyed by the address string (ART index), so an
answer is one point query. It is derived: built set-based in SQL from the ledger and `address_stats`, brought up to
date at the end of every ingest (only the addresses of the new blocks; their whole history), valid only for the tip
its stamp in `meta` names, never exported (docs/store.md). The full build runs a range of 100,000 addresses at a
time under a DuckDB memory limit of 1 GB, which keeps its peak memory within the 2 GB target (one statement over all
of them peaked at about 5 GB, ranges of 250,000 at 2.6 GB: the counterparty lists being aggregated are mostly
outside DuckDB's limit). Its CPU time is more than the ingest's own (about 25-35 s on this chain after the ingest
speed work). Tried and not kept (2026-12-01, load about 1): computing the ranked counterparty pairs once for all
ranges rather than per range, 39.8 s of CPU against 38.7 s, 1.15 GB at peak against 1.38 GB. Where the time goes
(the pairs, the JSON text, writing 0.9 GB) is the next thing to profile. An ingest that adds blocks to a built
table pays only the incremental row.
Kept as JSON text in one column because a stored row is read back fastest that way: the same answer in typed
columns with a list of structs for the counterparties took 1.5 ms to fetch (DuckDB reads a nested column's row
slowly), in 14 flat columns 0.7 ms; and as arrays rather than objects (the field names are put back in Python), half
the bytes of objects to build and store.
"""


def main() -> None:
    parser = harness.arguments(__doc__, quick={"transactions": 20_000, "lookups": 100})
    parser.add_argument("--transactions", type=int, default=1_000_000)
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "cointrail-bench")
    parser.add_argument("--lookups", type=int, default=1000)
    parser.add_argument("--latency-only", action="store_true",
                        help="reuse the store an earlier run left in --cache and print only the address-info rows "
                             "(never writes the docs)")  # fmt: skip
    parser.add_argument("--keep-ingest", action="store_true",
                        help="reuse the store an earlier run left in --cache, measure address-info and "
                             "address_lookup, and keep the section's ingest figures as they are")  # fmt: skip
    args = harness.parse(parser)
    db = args.cache / f"store-{args.transactions}.duckdb"
    if args.latency_only:
        print(latency_table(latency_figures(latencies(db, args.lookups))))
        print(steps_table(step_times(db, args.lookups)))
        return
    if args.keep_ingest:
        made, _ = chain_for(args.transactions, args.cache)
        with LedgerStore.open(db, read_only=True) as store:
            (n,) = store.one("SELECT count(*) FROM transactions")  # type: ignore[misc]
        section = kept_ingest_part() + "\n" + serving_part(serving_figures(db, args.lookups, made.path), n)
    else:
        r = measure(args.transactions, args.cache, args.lookups)
        section = ingest_part(r) + "\n" + serving_part(r, r["transactions"])
    harness.publish(args, "addressinfo", section)


if __name__ == "__main__":
    main()
