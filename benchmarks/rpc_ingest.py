"""Benchmark: ingest from a node's JSON-RPC, against merely fetching the same raw blocks.

Starts a real ``litecoind -regtest`` (tests/node.py), builds an economy of a few
thousand wallet transactions on it (or reuses one kept in ``--datadir``), then,
in the same run and alternately:

(a) baseline: fetch every block raw (getblockhash + getblock verbosity 0, batched,
    same worker threads and concurrency as cointrail), decode the hex, nothing else;
(b) cointrail: ``ingest`` into a new DuckDB store: the same fetch, plus parsing,
    txid and merkle verification, input resolution and storage.

The ratio (a)/(b) says how close cointrail comes to the node's own speed (1.0:
cointrail is not the bottleneck). Writes the "RPC ingest" section of
docs/benchmarks.md.

Run: ``.venv/bin/python benchmarks/rpc_ingest.py [--rounds 120] [--payments 25] [--datadir DIR] [--no-write]``
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

import pyarrow as pa  # noqa: E402
from doc_sections import replace_section  # noqa: E402
from node import RegtestNode, build_economy  # noqa: E402

from cointrail.ledger import scriptcolumns  # noqa: E402
from cointrail.ledger.batch import RawBlock, from_raw  # noqa: E402
from cointrail.ledger.ingest import RpcBlockFetcher, RpcSource, ingest  # noqa: E402
from cointrail.ledger.rpc import connect  # noqa: E402
from cointrail.ledger.store import LedgerStore  # noqa: E402


def economy_node(datadir: Path, rounds: int, payments: int) -> tuple[RegtestNode, float | None]:
    """A started node holding the economy; built now (and timed) unless ``datadir`` has it."""
    node = RegtestNode(datadir).start()
    if node.height() > 0:
        for wallet in node.rpc("listwalletdir")["wallets"]:
            if wallet["name"] not in node.rpc("listwallets"):
                node.rpc("loadwallet", wallet["name"])
        return node, None
    began = time.perf_counter()
    build_economy(node, rounds=rounds, payments=payments)
    return node, time.perf_counter() - began


def fetch_only(node: RegtestNode, concurrency: int) -> tuple[float, int]:
    with connect(node.url, node.cookie, connections=concurrency) as rpc:
        began = time.perf_counter()
        size = sum(len(raw) for _, _, raw in RpcBlockFetcher(rpc, concurrency).fetch(0, node.height()))
        return time.perf_counter() - began, size


def parts_alone(node: RegtestNode, concurrency: int, workdir: Path) -> dict[str, float]:
    """The steps of ingest measured alone on the same blocks: parsing and address encoding (CPU s), storing (wall s)."""
    with connect(node.url, node.cookie, connections=concurrency) as rpc:
        raws = [RawBlock(h, raw, "bench", "bench") for h, _, raw in RpcBlockFetcher(rpc, concurrency).fetch(
            0, node.height())]  # fmt: skip
    began = time.process_time()
    batch = from_raw(raws)
    parse = time.process_time() - began
    data = batch.data.tobytes()
    scripts = pa.array(sorted({data[o : o + n] for _, o, n in batch.outputs.tolist()}), pa.binary())
    began = time.process_time()
    scriptcolumns.describe(scripts, "litecoin", "regtest")
    address = time.process_time() - began
    db = workdir / "alone.duckdb"
    began = time.perf_counter()
    with LedgerStore.open(db, "litecoin", "regtest") as store:
        opened = time.perf_counter()
        store.append_batch(batch)
        written = time.perf_counter()
    closed = time.perf_counter()
    db.unlink()
    return {"parse_cpu": parse, "address_cpu": address, "scripts": len(scripts), "open_wall": opened - began,
            "write_wall": written - opened, "close_wall": closed - written}  # fmt: skip


def full_ingest(node: RegtestNode, concurrency: int, workdir: Path, run: int) -> tuple[float, int]:
    db = workdir / f"bench-{run}.duckdb"
    with connect(node.url, node.cookie, connections=concurrency) as rpc:
        began = time.perf_counter()
        with LedgerStore.open(db, "litecoin", "regtest") as store:
            report = ingest(store, RpcSource(rpc, concurrency))
        seconds = time.perf_counter() - began
    size = db.stat().st_size
    db.unlink()
    return seconds, report.transactions, size  # type: ignore[return-value]


def measure(node: RegtestNode, concurrency: int, runs: int) -> dict[str, float]:
    fetch_times, ingest_times = [], []
    with tempfile.TemporaryDirectory() as workdir:
        for run in range(runs):  # alternate, so both see the same machine
            fetch_times.append(fetch_only(node, concurrency)[0])
            seconds, txs, db_size = full_ingest(node, concurrency, Path(workdir), run)
            ingest_times.append(seconds)
        raw_bytes = fetch_only(node, concurrency)[1]
        parts = min((parts_alone(node, concurrency, Path(workdir)) for _ in range(runs)),
                    key=lambda p: p["open_wall"] + p["write_wall"] + p["close_wall"])  # fmt: skip
    load = os.getloadavg()[0]
    fetch, full = min(fetch_times), min(ingest_times)
    return {"blocks": node.height() + 1, "transactions": txs, "raw_mb": raw_bytes / 1e6, "fetch": fetch,
            "ingest": full, "ratio": fetch / full, "db_bytes": db_size, "runs": runs, "concurrency": concurrency,
            "load": load, **parts}  # fmt: skip


def render(r: dict[str, float], built: float | None) -> str:
    today = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d")
    rows = [
        ("(a) baseline: fetch every block raw (getblockhash + getblock verbosity 0, batched), decode hex", r["fetch"]),
        ("(b) cointrail ingest: the same fetch + parse, verify txids and merkle roots, resolve inputs, store",
         r["ingest"]),
    ]  # fmt: skip
    table = "".join(f"| {what} | {s:.2f} s | {r['transactions'] / s:,.0f} tx/s |\n" for what, s in rows)
    made = f" (built in {built:.0f} s)" if built else ""
    verdict = "cointrail keeps up with the node" if r["ratio"] >= 0.9 else "cointrail is the bottleneck"
    return f"""## RPC ingest

`benchmarks/rpc_ingest.py`, run {today} on a machine with {os.cpu_count()} cores shared with other work (and with
the node itself), {platform.python_implementation()} {platform.python_version()}. A real `litecoind -regtest`
(Litecoin Core 0.21) holding an economy of six wallets{made}: {r["blocks"]:,.0f} blocks, {r["transactions"]:,.0f}
transactions, {r["raw_mb"]:.1f} MB of raw blocks. Both sides use {r["concurrency"]:.0f} worker threads; best of
{r["runs"]:.0f} alternating runs of each, wall-clock time (load average {r["load"]:.1f} from other work meanwhile).

| what | time | transactions per second |
|---|---|---|
{table}
Ratio (a)/(b): **{r["ratio"]:.2f}** (target ≥ 0.9: {verdict}). The store came to {r["db_bytes"] / 1e6:.1f} MB,
{r["db_bytes"] / r["transactions"]:,.0f} bytes per transaction at this small size (DuckDB allocates in 256 KB blocks).

Where the time goes. Measured alone on the same blocks: reading them into columns (txids and merkle roots
recomputed) takes {r["parse_cpu"]:.3f} CPU s ({r["transactions"] / r["parse_cpu"]:,.0f} tx/s), the address strings
of the {r["scripts"]:,.0f} distinct output scripts {r["address_cpu"]:.3f} CPU s; storing them as one batch takes
{r["open_wall"]:.3f} s to create the store, {r["write_wall"]:.3f} s to write the batch (resolve, insert,
address_stats, commit) and {r["close_wall"]:.3f} s to close it (DuckDB's checkpoint). Fetching and parsing overlap
(worker threads fetch while the main thread parses, and a store thread writes one batch while the next is read),
but creating the store, writing the last batch and closing cannot overlap the fetch: at this size, those fixed
DuckDB costs ({r["open_wall"] + r["write_wall"] + r["close_wall"]:.2f} s together) are as large as the whole fetch,
and they, not the Python parsing, keep the ratio from 0.9. Smaller batches to overlap more of the writing cost
more than they gain (each commit has its own fixed cost, about 30 ms here). On a longer chain the fixed part
shrinks in proportion; the per-transaction cost of the store is then what counts (see "Raw block parsing": about
as many transactions per CPU second as the node serves here, on the other core).
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=120, help="blocks of trading (keep below ~300: MWEB)")
    parser.add_argument("--payments", type=int, default=25, help="wallet payments per block")
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--datadir", type=Path, default=Path(tempfile.gettempdir()) / "cointrail-rpc-bench",
                        help="the node's data directory, kept between runs")  # fmt: skip
    parser.add_argument("--no-write", action="store_true", help="print only; leave docs/benchmarks.md alone")
    args = parser.parse_args()
    node, built = economy_node(args.datadir, args.rounds, args.payments)
    try:
        section = render(measure(node, args.concurrency, args.runs), built)
    finally:
        node.stop()
    print(section)
    if not args.no_write:
        replace_section("rpcingest", section)


if __name__ == "__main__":
    main()
