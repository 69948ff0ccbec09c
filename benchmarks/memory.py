"""Benchmark: peak memory and cost of ingesting and clustering, at two chain sizes.

The project's target: a one-million-transaction ingest and clustering within
2 GB, with cost linear in chain size. For each size, on the synthetic chain of
:mod:`cointrail.simulation.block_files` (generated, or reused from ``--cache`` as
``raw_ingest.py`` does), three separate processes run one after the other, and
the kernel's accounting of each (``wait4``) gives its peak resident memory and
CPU time:

1. baseline: a process that only reads the files (un-XOR, split into records);
2. ``cointrail ingest --blocks`` into a new store;
3. ``cointrail cluster build`` on that store.

Writes the "Memory and scaling" section of docs/benchmarks.md.

Run: ``.venv/bin/python -m benchmarks.memory [--sizes 250000 1000000] [--cache DIR] [--no-write] [--quick]``
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from benchmarks import harness
from benchmarks.raw_ingest import chain_for

READ_ONLY = ("from benchmarks.raw_ingest import read_only; from cointrail.simulation.block_files import load_chain; "
             "read_only(load_chain({path!r}))")  # fmt: skip


def run_measured(args: list[str]) -> tuple[float, float]:
    """Run a process from the repository root; its peak resident memory (MB) and CPU seconds (user + system)."""
    took = harness.run_process(args, cwd=harness.ROOT)
    return took.peak_mb or 0.0, took.cpu


def measure(n_transactions: int, cache: Path) -> dict[str, float]:
    made, _ = chain_for(n_transactions, cache)
    db = Path(tempfile.mkdtemp(prefix="cointrail-mem-")) / "ledger.duckdb"
    read = run_measured([sys.executable, "-c", READ_ONLY.format(path=str(made.path))])
    ingest = run_measured([sys.executable, "-m", "cointrail", "ingest", "--chain", made.chain, "--network",
                           made.network, "--blocks", str(made.path), "--db", str(db)])  # fmt: skip
    cluster = run_measured([sys.executable, "-m", "cointrail", "cluster", "build", "--db", str(db), "--full"])
    db.unlink()
    return {"transactions": n_transactions, "read_mb": read[0], "read_cpu": read[1], "ingest_mb": ingest[0],
            "ingest_cpu": ingest[1], "cluster_mb": cluster[0], "cluster_cpu": cluster[1]}  # fmt: skip


def render(rows: list[dict[str, float]]) -> str:
    lines = [
        "## Memory and scaling",
        "",
        f"{harness.machine('memory.py')}. Each step is its own process; peak resident memory and CPU seconds",
        "are the kernel's accounting of that process. Target: a",
        "one-million-transaction ingest and clustering within 2 GB (2,048 MB), cost linear in chain size.",
        "",
        "| transactions | baseline: read the files | `ingest --blocks` | `cluster build --full` |",
        "|---|---|---|---|",
    ]
    for r in rows:
        lines.append(f"| {r['transactions']:,.0f} | {r['read_mb']:,.0f} MB, {r['read_cpu']:.1f} s | "
                     f"{r['ingest_mb']:,.0f} MB, {r['ingest_cpu']:.1f} s | "
                     f"{r['cluster_mb']:,.0f} MB, {r['cluster_cpu']:.1f} s |")
    if len(rows) >= 2:
        small, big = rows[0], rows[-1]
        size = big["transactions"] / small["transactions"]
        lines += ["", f"From {small['transactions']:,.0f} to {big['transactions']:,.0f} transactions ({size:.1f}×): "
                  f"ingest CPU grew {big['ingest_cpu'] / small['ingest_cpu']:.2f}×, its peak memory "
                  f"{big['ingest_mb'] / small['ingest_mb']:.2f}×; clustering CPU "
                  f"{big['cluster_cpu'] / small['cluster_cpu']:.2f}×, its peak memory "
                  f"{big['cluster_mb'] / small['cluster_mb']:.2f}×."]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = harness.arguments(__doc__, quick={"sizes": [10_000, 20_000]})
    parser.add_argument("--sizes", type=int, nargs="+", default=[250_000, 1_000_000])
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "cointrail-bench")
    args = harness.parse(parser)
    harness.publish(args, "memory", render([measure(n, args.cache) for n in sorted(args.sizes)]))


if __name__ == "__main__":
    main()
