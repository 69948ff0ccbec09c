"""Benchmark: multi-input clustering speed, cointrail against a plain union–find in pure Python.

Uses the synthetic million-transaction chain of the ledger issue
(:mod:`cointrail.simulation.block_files`, the one ``raw_ingest.py`` and the other
million-transaction benchmarks use, from the same cache), ingested into a DuckDB
ledger store with ``cointrail ingest --blocks`` (both cached). Then, in the same
run, on the same inputs:

(a) baseline: a plain union–find (path halving, union by smaller id) in pure
    Python, one loop iteration per co-spend link;
(b) cointrail: the co-spend links in NumPy and the merge by a union–find
    compiled with Numba, keeping the spanning forest of evidence links;
(c) for information, the same merge with SciPy's Kruskal and connected components.

Also times reading the inputs out of DuckDB and the whole ``cluster build``
(read, detect CoinJoins and PayJoin-like payments, merge, write the tables,
the ``--json`` summary): inputs per CPU second and per wall second end to end,
against the union–find alone in the same run, and where a build's CPU goes
(one build under cProfile, timed by the process's CPU clock). Writes the
clustering section of docs/benchmarks.md.

With ``--before REV``, the whole build of the code at git revision REV and this
code's, each in a fresh child process on its own copy of the store, alternate
in the same run: the baseline of a speed-up, both cold by the same path. The
two copies must then hold the same clusters and findings as every reader reads
them (each cluster table in stored order and sorted, the evidence as the
transaction page shows it, the ``--json`` summary), or the run stops.

With ``--same STORE ...`` and ``--before REV`` it only checks that (no timing,
nothing written), on copies of other stores (the scenario economies), with
``--heuristics`` (default: every heuristic).

Run: ``.venv/bin/python -m benchmarks.clustering_speed [--transactions 1000000] [--cache DIR] [--before REV]
[--builds N] [--no-write] [--quick] [--same STORE ... [--heuristics NAMES]]``
"""

from __future__ import annotations

import cProfile
import hashlib
import json
import os
import pstats
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks import harness
from benchmarks.raw_ingest import chain_for
from cointrail.cli import main as cointrail_main
from cointrail.clustering import build_clusters, parse_heuristics
from cointrail.clustering.graph import Links, identity, merge, merge_guarded, merge_with_scipy
from cointrail.clustering.guard import HOLD_AT
from cointrail.clustering.heuristics import HEURISTIC_NAMES
from cointrail.heuristics.multi_input import co_spend_links
from cointrail.store.duckdb import schema
from cointrail.store.duckdb.arrays import DuckDBLedgerArrays
from cointrail.store.duckdb.cluster_tables import CLUSTER_TABLES
from cointrail.store.duckdb.queries import tx_coinjoin
from cointrail.store.duckdb.sql import row
from cointrail.store.duckdb.store import LedgerStore


def ledger_for(n_transactions: int, cache: Path) -> Path:
    """The ingested synthetic chain in ``cache`` (raw_ingest.py's chain, generated and ingested when missing)."""
    db = cache / f"ledger-{n_transactions}-{schema.layout_fingerprint()}.duckdb"
    if db.exists():
        return db
    made, _ = chain_for(n_transactions, cache)
    partial = db.with_suffix(".partial")
    partial.unlink(missing_ok=True)
    code = cointrail_main(["ingest", "--chain", made.chain, "--network", made.network, "--blocks",
                           str(made.path / "blocks"), "--db", str(partial), "--json"])  # fmt: skip
    if code != 0:
        raise SystemExit(f"cointrail ingest failed with exit code {code}")
    partial.rename(db)
    return db


def cpu(action: Callable[[], Any], runs: int = 3) -> tuple[float, Any]:
    """Least CPU seconds of ``runs`` runs (the machine's cores are shared: wall time would time the neighbours)."""
    took, result = harness.best_of(runs, action)
    return took.cpu, result


def python_union_find(a: list[int], b: list[int], count: int) -> list[int]:
    """Baseline: every address's cluster (smallest member id), by a pure-Python union–find."""
    parent = list(range(count))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for x, y in zip(a, b, strict=True):
        rx, ry = find(x), find(y)
        if rx != ry:
            if rx < ry:
                parent[ry] = rx
            else:
                parent[rx] = ry
    return [find(x) for x in range(count)]


def cointrail_clusters(
    tx: np.ndarray, addresses: np.ndarray, count: int, how: Callable[..., Any] = merge
) -> np.ndarray:
    a, b, tx_ids = co_spend_links(tx, addresses)
    cluster, _ = how(identity(0), Links(a, b, tx_ids, np.zeros(len(a), np.int8)), count)
    return cluster


# Where a build's CPU goes: (what, the function whose cumulative CPU it is). The writes are inside save_build.
PHASES = (
    ("read the inputs and make the links (find_links)", "find_links"),
    ("— of which reading the inputs out of DuckDB", "spending_inputs"),
    ("the PayJoin sign, set-based in SQL (payjoin_signs)", "payjoin_signs"),
    ("CoinJoin candidates, read and checked rule by rule (_on_candidates)", "_on_candidates"),
    ("merge: union–find with the supercluster check, both assignments (merge_links)", "merge_links"),
    ("write the findings, PayJoin evidence rendered in SQL (write_coinjoins)", "write_coinjoins"),
    ("write the assignment, 1 row per address (write_assignment)", "write_assignment"),
    ("all writes and the commit (save_build)", "save_build"),
    ("the `--json` summary: counts, largest clusters, red flags (build_summary)", "build_summary"),
)


def phases(store: LedgerStore) -> dict[str, float]:
    """CPU seconds of each of PHASES (and ``build_clusters``) in one full multi-input build, under cProfile."""
    profile = cProfile.Profile(time.process_time)
    profile.runcall(build_clusters, store, parse_heuristics("multi-input"), full=True)
    spent: dict[str, float] = {}
    for (_, _, name), (_, _, _, cumulative, _) in pstats.Stats(profile).stats.items():  # type: ignore[attr-defined]
        spent[name] = max(spent.get(name, 0.0), cumulative)
    return {name: spent.get(name, 0.0) for name in [n for _, n in PHASES] + ["build_clusters"]}


# A full build in a child process, on the code it finds first on its path: its own CPU and wall seconds, and the
# build's ``--json`` summary (without the store's path, which differs between copies).
_CHILD = """
import json, sys
import cointrail
from benchmarks import harness
from cointrail.clustering import build_clusters, parse_heuristics
from cointrail.store.duckdb.store import LedgerStore
assert cointrail.__file__.startswith(sys.argv[2]), cointrail.__file__  # the code asked for, not this checkout's
with LedgerStore.open(sys.argv[1]) as store:
    took, summary = harness.timed(lambda: build_clusters(store, parse_heuristics(sys.argv[3]), full=True))
    summary.pop("db")
    print(json.dumps([took.cpu, took.wall, summary]))
"""


def code_at(revision: str, into: Path) -> Path:
    """The ``cointrail`` package as it was at git ``revision``, unpacked under ``into``."""
    archive = subprocess.run(["git", "archive", revision, "cointrail"], cwd=harness.ROOT, capture_output=True,
                             check=True).stdout  # fmt: skip
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    return into


def child_build(code: Path, db: Path, heuristics: str = "multi-input") -> tuple[harness.Timing, dict[str, Any]]:
    """One full build of ``db`` by the package in ``code`` (a child process; its import is not timed), and its
    summary."""
    # Started in ``code``: ``-c`` puts the working directory first on the path, before PYTHONPATH (whose second
    # entry, this checkout, gives the harness's clock).
    out = subprocess.run([sys.executable, "-c", _CHILD, str(db), str(code), heuristics], cwd=code,
                         env={**os.environ, "PYTHONPATH": f"{code}{os.pathsep}{harness.ROOT}"}, capture_output=True,
                         text=True, check=True).stdout  # fmt: skip
    cpu_s, wall_s, summary = json.loads(out.splitlines()[-1])
    return harness.Timing(wall_s, cpu_s), summary


def _digest(rows: Any) -> str:
    """SHA-256 of rows as Python shows them, fetched in batches (a table of the 1M chain has ~10^6 rows)."""
    digest = hashlib.sha256()
    while batch := rows.fetchmany(100_000):
        digest.update(repr(batch).encode())
    return digest.hexdigest()


def cluster_contents(db: Path) -> dict[str, Any]:
    """What every reader of the clusters reads of ``db``: each cluster table's rows in stored order and sorted (the
    run's clock left out), and the transaction page's finding (kind, rule, evidence, participants) of up to 300
    CoinJoins and possibly collaborative transactions, spread over the chain."""
    found: dict[str, Any] = {}
    with LedgerStore.open(db, read_only=True) as store:
        for table in CLUSTER_TABLES:
            if not store.has_table(table):
                continue
            columns = "* EXCLUDE (finished_at)" if table == "cluster_runs" else "*"
            found[table] = (_digest(store.con.execute(f"SELECT {columns} FROM {table}")),
                            _digest(store.con.execute(f"SELECT {columns} FROM {table} ORDER BY ALL")))  # fmt: skip
        txids = [bytes(t)[::-1].hex() for (t,) in store.rows(  # as shown: the bytes reversed
            "SELECT t.txid FROM transactions t WHERE t.tx_id IN (SELECT tx_id FROM coinjoins UNION ALL "
            "SELECT tx_id FROM collaborative_txs) ORDER BY t.tx_id")]  # fmt: skip
        step = max(1, len(txids) // 300)
        found["transaction pages"] = [tx_coinjoin(store, txid) for txid in txids[::step]]
    return found


def differences(a: dict[str, Any], b: dict[str, Any]) -> list[str]:
    """What differs between two :func:`cluster_contents` (or summaries), by name."""
    return [name for name in sorted(set(a) | set(b)) if a.get(name) != b.get(name)]


def same_builds(stores: list[Path], before: str, heuristics: str) -> list[dict[str, Any]]:
    """Build a copy of each store with the code at ``before`` and another with this code (each a fresh child
    process, full, with ``heuristics``); stop at the first difference a reader could see."""
    checked = []
    with tempfile.TemporaryDirectory() as work:
        code = code_at(before, Path(tempfile.mkdtemp(dir=work)))
        for db in stores:
            copies = [Path(work) / f"{side}.duckdb" for side in ("before", "now")]
            for copy in copies:
                shutil.copy(db, copy)
            old_took, old_summary = child_build(code, copies[0], heuristics)
            new_took, new_summary = child_build(harness.ROOT, copies[1], heuristics)
            contents = [cluster_contents(copy) for copy in copies]
            wrong = differences(*contents) + [f"summary: {k}" for k in differences(old_summary, new_summary)]
            if wrong:
                raise SystemExit(f"{db}: the code at {before} and this code differ in {', '.join(wrong)}")
            checked.append({"store": str(db), "tables": sorted(contents[1]), "before_s": old_took.cpu,
                            "now_s": new_took.cpu, "collaborative": new_summary["collaborative_total"],
                            "coinjoins": new_summary["coinjoins_total"]})  # fmt: skip
            print(json.dumps(checked[-1]), flush=True)
            for copy in copies:
                copy.unlink()
    return checked


def measure(n_transactions: int, cache: Path, before: str | None = None, builds: int = 4) -> dict[str, Any]:
    db = ledger_for(n_transactions, cache)
    work = Path(tempfile.mkdtemp()) / "work.duckdb"
    try:
        shutil.copy(db, work)
        return _measure(db, work, before, builds)
    finally:  # the copies are 0.7 GB each on the million-transaction chain: never left behind
        shutil.rmtree(work.parent)


def _measure(db: Path, work: Path, before: str | None, runs: int) -> dict[str, Any]:
    with LedgerStore.open(work) as store:
        source = DuckDBLedgerArrays(store.con)
        tip, count = store.tip()[0], source.address_count()  # type: ignore[index]
        read_s, inputs = cpu(lambda: source.spending_inputs(0, tip), runs=1)
        txs = int(row(store.con, "SELECT count(*) FROM transactions")[0])
        cointrail_clusters(inputs.tx_id[:100], inputs.address_id[:100], count)  # compile (cached after the first run)
        fast_s, cluster = cpu(lambda: cointrail_clusters(inputs.tx_id, inputs.address_id, count), runs=7)
        scipy_s, _ = cpu(lambda: cointrail_clusters(inputs.tx_id, inputs.address_id, count, merge_with_scipy))
        guarded = lambda c, links, n: merge_guarded(c, links, n, HOLD_AT)[:2]  # noqa: E731  # the check of issue 12
        guarded_s, _ = cpu(lambda: cointrail_clusters(inputs.tx_id, inputs.address_id, count, guarded), runs=7)
        a, b, _ = co_spend_links(inputs.tx_id, inputs.address_id)
        al, bl = a.tolist(), b.tolist()
        slow_s, baseline = cpu(lambda: python_union_find(al, bl, count), runs=1)
        if baseline != cluster.tolist():
            raise SystemExit("cointrail and the baseline disagree")
        old: list[harness.Timing] = []
        new: list[harness.Timing] = []
        summaries: dict[str, dict[str, Any]] = {}
        if before is not None:
            shutil.copy(db, work.parent / "before.duckdb")
            shutil.copy(db, work.parent / "now.duckdb")
            code = code_at(before, Path(tempfile.mkdtemp(dir=work.parent)))
        builds = []
        for _ in range(runs):  # alternated with the code before, when asked for
            builds.append(harness.timed(lambda: build_clusters(store, parse_heuristics("multi-input"), full=True)))
            if before is not None:
                # Both sides of the comparison by the same path: a fresh child process each, whose DuckDB buffer
                # pool starts cold and whose Numba loads the union–find inside the timed build. This process's
                # builds above run warm, so they are no baseline for the code before.
                for side, took, code_path in (("now", new, harness.ROOT), ("before", old, code)):
                    timing, summaries[side] = child_build(code_path, work.parent / f"{side}.duckdb")
                    took.append(timing)
        summary = builds[-1][1]
        spent = phases(store)
    if before is not None:  # a speed-up counts only if every reader still reads the same
        wrong = differences(*(cluster_contents(work.parent / f"{side}.duckdb") for side in ("before", "now")))
        wrong += [f"summary: {k}" for k in differences(summaries["before"], summaries["now"])]
        if wrong:
            raise SystemExit(f"the code at {before} and this code built different {', '.join(wrong)}")
    load = harness.load_average(5)  # how busy the shared cores were during the builds
    return {"transactions": txs, "inputs": len(inputs.tx_id), "links": len(a), "addresses": count,
            "clusters": int(len(np.unique(cluster))), "read_s": read_s, "fast_s": fast_s, "scipy_s": scipy_s,
            "slow_s": slow_s, "build_s": min(t.cpu for t, _ in builds),
            "build_wall_s": min(t.wall for t, _ in builds), "phases": spent, "before": before,
            "before_s": min((t.cpu for t in old), default=None),
            "before_wall_s": min((t.wall for t in old), default=None),
            "child_s": min((t.cpu for t in new), default=None),
            "child_wall_s": min((t.wall for t in new), default=None),
            "coinjoins": summary["coinjoins_total"], "guarded_s": guarded_s,
            "collaborative": summary["collaborative_total"], "held": summary["held_links"], "runs": runs,
            "load": load}  # fmt: skip


def render(r: dict[str, Any]) -> str:
    n = r["inputs"]
    rows = [
        ("(a) baseline: plain union–find in pure Python over the co-spend links", r["slow_s"]),
        ("(b) cointrail: co-spend links (NumPy) + union–find in chain order with evidence forest (Numba)", r["fast_s"]),
        ("(c) the same with SciPy's Kruskal and connected components instead of (b)'s union–find", r["scipy_s"]),
        (f"(d) (b) with the supercluster check of issue 12 (hold back links between two clusters of ≥ {HOLD_AT})",
         r["guarded_s"]),
        ("read the inputs out of DuckDB (tx_id, address_id, value, type), for information", r["read_s"]),
        ("whole `cluster build --heuristics multi-input --full` (read, CoinJoin and PayJoin checks, merge, write, "
         "summary)", r["build_s"]),
    ]
    table = "".join(f"| {what} | {s:.2f} s | {n / s:,.0f} |\n" for what, s in rows)
    spent, total = r["phases"], r["phases"]["build_clusters"]
    where = "".join(f"| {what} | {spent[name]:.2f} s | {spent[name] / total:.0%} |\n" for what, name in PHASES)
    per_cpu, per_wall = n / r["build_s"], n / r["build_wall_s"]
    before = "" if r["before"] is None else (
        f"The same build by the code at {r['before']} and by this code, each in a fresh child process (DuckDB's "
        f"buffer pool cold, Numba loading the compiled union–find inside the timed build) on its own copy of the "
        f"store, alternated in this run (least of {r['runs']} each): the code at {r['before']} "
        f"{r['before_s']:.2f} s of CPU "
        f"({n / r['before_s']:,.0f} inputs per CPU second), {r['before_wall_s']:.2f} s of wall time; this code "
        f"{r['child_s']:.2f} s of CPU ({n / r['child_s']:,.0f} inputs per CPU second), {r['child_wall_s']:.2f} s of "
        f"wall time: this code takes {r['child_s'] / r['before_s']:.0%} of its CPU and "
        f"{r['child_wall_s'] / r['before_wall_s']:.0%} of its wall time. Both copies then hold the same clusters "
        f"and findings as every reader reads them (each cluster table in stored order and sorted, the evidence as "
        f"the transaction page shows it, the `--json` summary; checked).\n")
    return f"""## Clustering (multi-input)

{harness.machine("clustering_speed.py")}; one process. The synthetic chain
of the ledger issue: {r["transactions"]:,} transactions, {n:,} spending inputs with an address, {r["addresses"]:,}
addresses, {r["links"]:,} co-spend links, {r["clusters"]:,} clusters, {r["coinjoins"]} CoinJoins flagged,
{r["collaborative"]:,} transactions possibly collaborative (the PayJoin sign: this chain's coin selection is random),
{r["held"]} links held back by the supercluster check. Both
methods run in the same process on the same inputs and must give the same clusters (checked). CPU seconds of the
process (best of 7 runs for cointrail, 3 for SciPy, one for the baseline, {r["runs"]} for the whole build), because
the cores are shared: the 5-minute load average was {r["load"]:.1f} on the shared cores at the end, so wall times are
upper bounds.

| what | CPU time | inputs per CPU second |
|---|---|---|
{table}
cointrail's merge is {r["slow_s"] / r["fast_s"]:.0f} times as fast as the pure-Python union–find; the target is
10 million inputs per second for the merge (b); the build merges with (d), whose aim is 5 million.

**The whole build, end to end** (the least CPU and the least wall time of {r["runs"]} runs, in this process, warm:
DuckDB's buffer pool and Numba loaded): {r["build_s"]:.2f} s of CPU, {per_cpu:,.0f} inputs per CPU second;
{r["build_wall_s"]:.2f} s of wall time, {per_wall:,.0f} inputs per wall second
(DuckDB runs on both cores, so wall time can be below CPU time on a quiet machine). The target for
a whole `cluster build` is 5,000,000 inputs per second: this is {5_000_000 / per_cpu:.0f} times short of it per CPU
second. The merge itself, (d), is {r["guarded_s"] / r["build_s"]:.0%} of the build's CPU; the rest is reading and
checking in DuckDB and writing the tables. Where the CPU of one build goes (cProfile timed by the process's CPU clock,
DuckDB's threads included; {total:.2f} s under the profiler):

| phase | CPU | share of the build |
|---|---|---|
{where}
{before}"""


def main() -> None:
    parser = harness.chain_arguments(__doc__, quick={"transactions": 20_000})
    parser.add_argument("--before", help="a git revision whose whole build runs alternated with this one's")
    parser.add_argument("--builds", type=int, default=4, help="whole builds of each code (default 4)")
    parser.add_argument("--same", type=Path, nargs="+", help="only check that the code at --before and this code "
                        "build the same clusters and findings of these stores (copies)")  # fmt: skip
    parser.add_argument("--heuristics", default=",".join(HEURISTIC_NAMES), help="for --same (default: all)")
    args = harness.parse(parser)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # a run stopped by `timeout` still removes its copies
    if args.same:
        if args.before is None:
            parser.error("--same needs --before REV")
        same_builds(args.same, args.before, args.heuristics)
        return
    harness.publish(args, "clustering", render(measure(args.transactions, args.cache, args.before, args.builds)))


if __name__ == "__main__":
    main()
