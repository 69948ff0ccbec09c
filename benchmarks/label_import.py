"""Benchmark: ``cointrail labels import`` of a large label CSV: time and peak memory, against a baseline.

A label CSV of N rows (distinct, valid Bitcoin P2PKH addresses; a few categories
and confidences; generated once and reused from ``--cache``) is imported into a
new, empty store by ``cointrail labels import``, in its own process; the
kernel's accounting of that process (``wait4``) gives its peak resident memory
and CPU time, and the wall clock its duration. In the same run and on the same
file, the baseline is DuckDB's own ``read_csv`` of the file into a table (what
a bulk load costs with no checking at all); with ``--before DIR`` (a copy of
an older ``cointrail`` package, e.g. ``git archive REV cointrail | tar -x -C DIR``)
the older code is measured too, on the sizes up to ``--before-max``.

Issue 22 measured the older code at 10,000,000 rows: still running after 10
minutes at 10.7 GB. Writes the "Label import" section of docs/benchmarks.md.

Run: ``.venv/bin/python -m benchmarks.label_import [--sizes 1000000 10000000] [--before DIR] [--no-write] [--quick]``
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks import harness
from cointrail.addresses.codecs import base58check_encode

CATEGORIES = ("exchange", "user", "market", "mixing_service", "child_sexual_abuse")
CONFIDENCES = ("web_crawl", "authority_data", "unknown", "forensic_investigation")
BASELINE = (
    "import duckdb, sys; con = duckdb.connect(sys.argv[1]); "
    "con.execute(\"CREATE TABLE raw AS SELECT * FROM read_csv(?, header = true, all_varchar = true)\", [sys.argv[2]])"
)
MAKE_STORE = ("import sys; from cointrail.store.duckdb.store import LedgerStore; "
              "LedgerStore.open(sys.argv[1], 'bitcoin', 'mainnet').close()")


def label_csv(rows: int, cache: Path) -> Path:
    """A label CSV of ``rows`` distinct valid addresses (made once, then reused)."""
    path = cache / f"labels-{rows}.csv"
    if path.exists():
        return path
    cache.mkdir(parents=True, exist_ok=True)
    part = path.with_suffix(".part")
    with part.open("w", encoding="utf-8", newline="") as out:
        out.write("address,label,currency,category,confidence,source\n")
        for i in range(rows):
            digest = hashlib.sha256(i.to_bytes(8, "little")).digest()[:20]
            address = base58check_encode(b"\x00" + digest)
            out.write(f"{address},entity {i % 50_000},BTC,{CATEGORIES[i % 5]},{CONFIDENCES[i % 4]},bench\n")
    part.rename(path)
    return path


def run_measured(args: list[str], cwd: Path, env: dict[str, str] | None = None) -> dict[str, float]:
    """Run a process in ``cwd``; its wall seconds, CPU seconds and peak resident memory (MB)."""
    took = harness.run_process(args, cwd=cwd, env=env, ok=(0, 1))  # 1: some rows rejected (none are, here)
    return {"wall": took.wall, "cpu": took.cpu, "mb": took.peak_mb or 0.0}


def _import(csv: Path, work: Path, package_dir: Path | None) -> dict[str, float]:
    env = dict(os.environ)
    if package_dir is not None:
        env["PYTHONPATH"] = str(package_dir)
    db = work / f"store-{time.monotonic_ns()}.duckdb"
    subprocess.run([sys.executable, "-c", MAKE_STORE, str(db)], check=True, env=env, cwd=work)
    # Run from the work folder: a checkout's own cointrail/ must not shadow the package in PYTHONPATH.
    result = run_measured([sys.executable, "-m", "cointrail", "labels", "import", str(csv), "--db", str(db),
                           "--json"], work, env)  # fmt: skip
    db.unlink()
    return result


def measure(rows: int, cache: Path, before: Path | None, before_max: int) -> dict[str, object]:
    csv = label_csv(rows, cache)
    work = Path(tempfile.mkdtemp(prefix="cointrail-labels-"))
    db = work / "baseline.duckdb"
    baseline = run_measured([sys.executable, "-c", BASELINE, str(db), str(csv)], work)
    db.unlink()
    older = _import(csv, work, before) if before is not None and rows <= before_max else None
    now = _import(csv, work, None)
    return {"rows": rows, "mb_file": csv.stat().st_size / 1e6, "baseline": baseline, "before": older, "now": now}


def _cell(m: dict[str, float] | None) -> str:
    if m is None:
        return "not run"
    return f"{m['wall']:,.1f} s ({m['cpu']:,.1f} s CPU), {m['mb']:,.0f} MB"


def render(results: list[dict[str, object]]) -> str:
    lines = [
        "## Label import",
        "",
        f"{harness.machine('label_import.py')}. A label CSV of",
        "distinct valid Bitcoin addresses is imported into a new, empty store by `cointrail labels import`, each run",
        "its own process: wall time, CPU seconds and peak resident memory (the kernel's accounting). The baseline, in",
        "the same run on the same file, is DuckDB's own `read_csv` into a table, with no checking at all.",
        "\"Before\" is the code given with `--before` (here: b9dfd29, the first streamed import: every other spelling",
        "of each address computed, all rows appended inside one transaction, a primary key and an address index).",
        "",
        "| rows | file | baseline: DuckDB `read_csv` | before | `labels import` now | now, per row |",
        "|---|---|---|---|---|---|",
    ]
    for r in results:
        now = r["now"]
        lines.append(f"| {r['rows']:,} | {r['mb_file']:,.0f} MB | {_cell(r['baseline'])} | {_cell(r['before'])} | "
                     f"{_cell(now)} | {now['wall'] / r['rows'] * 1e6:.1f} µs |")  # type: ignore[index]
    lines += ["", "Earlier figures: the code before streaming was still running after 10 minutes at 10.7 GB on",
              "10,000,000 rows (issue 22) and took 1,780.8 s (371.7 s CPU), 3,946 MB on 1,000,000 rows (this machine,",
              "2026-12-02); b9dfd29 took 723 s (372 s CPU), 2,081 MB on 1,000,000 rows, growing by about 1.5 KB a row",
              "in DuckDB. Now each batch of 10,000 labels is committed to an unindexed staging table (DuckDB holds the",
              "rows a transaction appends in memory until it commits), then one transaction adds the new ones with a",
              "set-based anti-join under a 256 MB DuckDB memory limit (it spills beyond it: the same two queries over",
              "10,000,000 staged rows peaked at 363 MB in a DuckDB-only run), and the `labels` table has no index to",
              "grow. About 300 MB of the peak is the process before it reads a row (Python, DuckDB, pyarrow and the",
              "ledger's numba/scipy imports); from 100,000 to 1,000,000 labels it grew by about 0.1 KB a label",
              "(1.5 KB before), DuckDB's caches filling up to its limit. The CPU time is Python's: the CSV rows,",
              "each label's checks (a legacy address by a fast path that does not compute its other spellings), its",
              "SHA-256 identity. 10,000,000 rows were not run end to end (about 12 minutes of CPU at the",
              "1,000,000-row rate)."]  # fmt: skip
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = harness.arguments(__doc__, quick={"sizes": [10_000]})
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000_000])
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "cointrail-bench")
    parser.add_argument("--before", type=Path, default=None, help="folder holding an older cointrail package")
    parser.add_argument("--before-max", type=int, default=1_000_000, help="largest size to run the older code on")
    args = harness.parse(parser)
    results = [measure(n, args.cache, args.before, args.before_max) for n in sorted(args.sizes)]
    harness.publish(args, "labelimport", render(results))


if __name__ == "__main__":
    main()
