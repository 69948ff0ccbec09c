"""Benchmark: raw block files → parsed blocks, against merely reading the files.

Generates (or reuses) a synthetic Bitcoin-Core-style blocks directory of at
least a million transactions (``benchmarks/synthetic_chain.py``: P2PKH, P2WPKH,
P2SH-P2WPKH and P2TR spends, stale and out-of-order blocks, XOR-obfuscated as
Bitcoin Core 28+ writes them), then measures in the same run, single process:

(a) baseline — read every ``blk*.dat`` file, un-XOR it and split it into block records;
(b) cointrail — index the headers, order the best chain, read each block, parse it
    into Block/Transaction objects with recomputed txids, wtxids and merkle check.

Also parses the real mainnet block 413567 (1,557 transactions, ../shared/data)
for a figure on real transactions. Writes the "Raw block parsing" section of
docs/benchmarks.md (the store part of raw ingest writes its own section).

Run: ``.venv/bin/python benchmarks/raw_ingest.py [--transactions 1000000] [--cache DIR] [--no-write]``
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from doc_sections import replace_section  # noqa: E402
from synthetic_chain import GENERATOR_VERSION, SyntheticChain, generate_chain, load_chain  # noqa: E402

from cointrail.ledger.blkfiles import index_chain, raw_records, read_chain  # noqa: E402
from cointrail.ledger.rawblock import parse_block  # noqa: E402

REAL_BLOCK = Path(__file__).resolve().parents[2] / "shared" / "data" / "bitcoin-core" / "block413567.raw"
XOR_KEY = bytes.fromhex("3c5e7a91d2f40b68")


def chain_for(n_transactions: int, cache: Path) -> tuple[SyntheticChain, float | None]:
    """The synthetic chain in ``cache`` (generated if missing), and the generation time when generated now."""
    path = cache / f"chain-{n_transactions}-seed0-v{GENERATOR_VERSION}"
    if (path / "synthetic.json").exists():
        return load_chain(path), None
    began = time.perf_counter()
    made = generate_chain(path, n_transactions, seed=0, n_wallets=20_000, xor_key=XOR_KEY)
    return made, time.perf_counter() - began


def best_of(runs: int, action: Callable[[], int]) -> tuple[float, int]:
    """The least CPU time of ``runs`` runs, and the count the last run returned.

    CPU seconds of this process, not wall time: the benchmark machine's cores are
    shared, and CPU time is what "per core" means; wall time under contention
    would measure the neighbours.
    """
    times, count = [], 0
    for _ in range(runs):
        began = time.process_time()
        count = action()
        times.append(time.process_time() - began)
    return min(times), count


def read_only(made: SyntheticChain) -> int:
    """Baseline: bytes of every record, split but not parsed."""
    return sum(len(record) for record in raw_records(made.path, made.chain, made.network))


def parse_all(made: SyntheticChain) -> int:
    """cointrail: the ordered, parsed, merkle-checked best chain; returns its transaction count."""
    count = 0
    for block in read_chain(
        made.path, made.chain, made.network, index=index_chain(made.path, made.chain, made.network)
    ):
        if not block.merkle_verified:
            raise SystemExit(f"merkle root mismatch at height {block.height}")
        count += len(block.transactions)
    return count


def real_block_rate() -> float | None:
    """Transactions per second parsing the real mainnet block 413567 (None when the vectors are absent)."""
    if not REAL_BLOCK.exists():
        return None
    data = REAL_BLOCK.read_bytes()
    seconds, count = best_of(5, lambda: sum(len(parse_block(data).transactions) for _ in range(10)))
    return count / seconds


def measure(n_transactions: int, cache: Path) -> dict[str, object]:
    made, generation = chain_for(n_transactions, cache)
    read_only(made)  # warm the page cache for both measurements alike
    read_seconds, n_bytes = best_of(3, lambda: read_only(made))
    parse_seconds, n_txs = best_of(3, lambda: parse_all(made))
    if n_txs != made.n_transactions:
        raise SystemExit(f"parsed {n_txs} transactions, the generator wrote {made.n_transactions}")
    return {
        "transactions": n_txs, "blocks": made.n_blocks, "stale": len(made.stale_hashes), "files": made.n_files,
        "megabytes": n_bytes / 1e6, "generation": generation,
        "read_seconds": read_seconds, "parse_seconds": parse_seconds,
        "read_rate": n_txs / read_seconds, "parse_rate": n_txs / parse_seconds, "real_rate": real_block_rate(),
    }  # fmt: skip


def render(r: dict[str, object]) -> str:
    today = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d")
    rows = [
        ("(a) baseline: read the files, un-XOR, split into block records", r["read_seconds"], r["read_rate"]),
        (
            "(b) cointrail: index headers, order the best chain, read and parse every block "
            "(txids, wtxids, merkle check)",
            r["parse_seconds"],
            r["parse_rate"],
        ),
    ]
    table = "".join(f"| {what} | {seconds:.1f} s | {rate:,.0f} tx/s |\n" for what, seconds, rate in rows)
    if r["real_rate"]:
        real = "parse the real mainnet block 413567 (1,557 txs, 3.1 inputs each), in memory"
        table += f"| {real} | — | {r['real_rate']:,.0f} tx/s |\n"
    generated = f", generated in {r['generation']:.0f} s" if r["generation"] else ""
    ratio = r["parse_seconds"] / r["read_seconds"]  # type: ignore[operator]
    margin = r["parse_rate"] / 50_000  # type: ignore[operator]
    return f"""## Raw block parsing

`benchmarks/raw_ingest.py`, run {today} on a machine with {os.cpu_count()} cores shared with other work
({platform.python_implementation()} {platform.python_version()}, {platform.machine()}), one process, so the rates are
per core. A synthetic chain (`benchmarks/synthetic_chain.py`) of {r["transactions"]:,} transactions in
{r["blocks"]:,} blocks, {r["megabytes"]:.0f} MB in {r["files"]} XOR-obfuscated blk files, with {r["stale"]} stale
blocks and blocks stored out of order{generated}. Best of 3 runs of each, in the same run on the same warm
files, timed in CPU seconds of the process (user + system) because the cores are shared.

| what | CPU time | transactions per CPU second |
|---|---|---|
{table}
Parsing costs {ratio:.1f} times merely reading. The project's target for raw files to the store with inputs
resolved is 50,000 tx/s per core (BlockSci about 25,000, rusty-blockparser about 34,000); the parser alone must
stay well above it: here it is {margin:.1f} times the target. Most of (b) is building the Python value objects
(one per input and output) and the two SHA-256 passes per segwit transaction; parsing straight into column
lists instead of objects measured about 1.8 times faster in a prototype, and a compiled parser would remove
the parser from the budget altogether.
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--transactions", type=int, default=1_000_000, help="size of the synthetic chain")
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "cointrail-bench",
                        help="where the synthetic chain is kept between runs")  # fmt: skip
    parser.add_argument("--no-write", action="store_true", help="print only; leave docs/benchmarks.md alone")
    args = parser.parse_args()
    section = render(measure(args.transactions, args.cache))
    print(section)
    if not args.no_write:
        replace_section("rawparse", section)


if __name__ == "__main__":
    main()
