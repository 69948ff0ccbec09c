"""Benchmark: peak memory and cost of ingesting and clustering, at two chain sizes.

The project's target: a one-million-transaction ingest and clustering within
2 GB, with cost linear in chain size. For each size, on the synthetic chain of
``benchmarks/synthetic_chain.py`` (generated, or reused from ``--cache`` as
``raw_ingest.py`` does), three separate processes run one after the other, and
the kernel's accounting of each (``wait4``) gives its peak resident memory and
CPU time:

1. baseline: a process that only reads the files (un-XOR, split into records);
2. ``cointrail ingest --blocks`` into a new store;
3. ``cointrail cluster build`` on that store.

Writes the "Memory and scaling" section of docs/benchmarks.md.

Run: ``.venv/bin/python benchmarks/memory.py [--sizes 250000 1000000] [--cache DIR] [--no-write]``
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from doc_sections import replace_section  # noqa: E402
from raw_ingest import chain_for  # noqa: E402

READ_ONLY = (
    "import sys; sys.path.insert(0, {bench!r}); from raw_ingest import read_only; "
    "from synthetic_chain import load_chain; read_only(load_chain({path!r}))"
)


def run_measured(args: list[str]) -> tuple[float, float]:
    """Run a process; return its peak resident memory (MB) and CPU seconds (user + system)."""
    process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{' '.join(args)} failed: {process.stderr.read().decode() if process.stderr else ''}")
    return usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime


def measure(n_transactions: int, cache: Path) -> dict[str, float]:
    made, _ = chain_for(n_transactions, cache)
    bench = str(Path(__file__).resolve().parent)
    db = Path(tempfile.mkdtemp(prefix="cointrail-mem-")) / "ledger.duckdb"
    read = run_measured([sys.executable, "-c", READ_ONLY.format(bench=bench, path=str(made.path))])
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
        f"`benchmarks/memory.py`, run {dt.date.today().isoformat()} on a machine with {os.cpu_count()} cores shared "
        f"with other work (CPython {platform.python_version()}, {platform.machine()}). Each step is its own process;",
        "peak resident memory and CPU seconds are the kernel's accounting of that process. Target: a",
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
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[250_000, 1_000_000])
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "cointrail-bench")
    parser.add_argument("--no-write", action="store_true", help="print only; leave docs/benchmarks.md alone")
    args = parser.parse_args()
    section = render([measure(n, args.cache) for n in sorted(args.sizes)])
    print(section)
    if not args.no_write:
        replace_section("memory", section)


if __name__ == "__main__":
    main()
