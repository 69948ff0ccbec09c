"""Benchmark: raw block files → parsed columns → the store, against merely reading the files.

Generates (or reuses) a synthetic Bitcoin-Core-style blocks directory of at
least a million transactions (:mod:`cointrail.simulation.block_files`: P2PKH, P2WPKH,
P2SH-P2WPKH and P2TR spends, stale and out-of-order blocks, XOR-obfuscated as
Bitcoin Core 28+ writes them), then measures in the same run, single process, (a) and (b) alternated:

(a) baseline — read every ``blk*.dat`` file, un-XOR it and split it into block records;
(b) cointrail's parser — index the headers, order the best chain, read each block and
    read it into columns (:mod:`cointrail.chains.bitcoin.batch`) with recomputed txids, wtxids
    and merkle check;
(c) the reference parser — the same into Block/Transaction value objects (what
    ingest used before the column parser, and what other callers still use);
(d) cointrail ingest — raw files to a new store, every input resolved, indexes built.

Also parses the real mainnet block 413567 (1,557 transactions, ../shared/data)
for a figure on real transactions, and times Numba's first compilation (in a
subprocess with an empty cache). Writes the "Raw block parsing" section of
docs/benchmarks.md.

Run: ``.venv/bin/python -m benchmarks.raw_ingest [--transactions 1000000] [--cache DIR] [--no-write] [--quick]``
"""

from __future__ import annotations

import os
import shutil
import tempfile
import textwrap
from pathlib import Path

from benchmarks import harness
from cointrail.chains.bitcoin.batch import from_raw
from cointrail.chains.bitcoin.model import RawBlock
from cointrail.chains.bitcoin.rawblock import parse_block
from cointrail.chains.bitcoin.sources.blkfiles import (
    BlockFilesSource,
    index_chain,
    raw_records,
    read_chain,
    read_raw_chain,
)
from cointrail.ingest.pipeline import ingest
from cointrail.simulation.block_files import GENERATOR_VERSION, SyntheticChain, generate_chain, load_chain
from cointrail.store.duckdb import schema
from cointrail.store.duckdb.store import LedgerStore

REAL_BLOCK = Path(__file__).resolve().parents[2] / "shared" / "data" / "bitcoin-core" / "block413567.raw"
XOR_KEY = bytes.fromhex("3c5e7a91d2f40b68")


def chain_for(n_transactions: int, cache: Path) -> tuple[SyntheticChain, float | None]:
    """The synthetic chain in ``cache`` (generated if missing), and the generation time when generated now."""
    path = cache / f"chain-{n_transactions}-seed0-v{GENERATOR_VERSION}"
    if (path / "synthetic.json").exists():
        return load_chain(path), None
    took, made = harness.timed(lambda: generate_chain(path, n_transactions, seed=0, n_wallets=20_000, xor_key=XOR_KEY))
    return made, took.wall


def read_only(made: SyntheticChain) -> int:
    """Baseline: bytes of every record, split but not parsed."""
    return sum(len(record) for record in raw_records(made.path, made.chain, made.network))


def parse_objects(made: SyntheticChain) -> int:
    """The reference parser: the ordered, parsed, merkle-checked best chain as value objects."""
    count = 0
    for block in read_chain(
        made.path, made.chain, made.network, index=index_chain(made.path, made.chain, made.network)
    ):
        if not block.merkle_verified:
            raise SystemExit(f"merkle root mismatch at height {block.height}")
        count += len(block.transactions)
    return count


def parse_columns(made: SyntheticChain, batch_txs: int = 50_000) -> int:
    """cointrail's parser: the best chain read into column batches, as ingest does; returns its transactions."""
    count, batch, in_batch = 0, [], 0
    index = index_chain(made.path, made.chain, made.network)

    def flush() -> int:
        parsed = from_raw(batch)
        if not all(parsed.blocks.merkle_checked):
            raise SystemExit("merkle root mismatch")
        return len(parsed.tx)

    for height, data, _location in read_raw_chain(made.path, made.chain, made.network, index=index):
        batch.append(RawBlock(height, data, "bench", "bench"))
        in_batch += batch[-1].tx_count
        if in_batch >= batch_txs:
            count, batch, in_batch = count + flush(), [], 0
    return count + (flush() if batch else 0)


def ingest_store(made: SyntheticChain, workdir: Path) -> tuple[float, float, int, int]:
    """(CPU s, wall s, transactions, store bytes) of ``cointrail ingest --blocks`` into a new store."""
    db = workdir / "bench.duckdb"
    db.unlink(missing_ok=True)

    def run() -> int:
        with LedgerStore.open(db, made.chain, made.network) as store:
            return ingest(store, BlockFilesSource(made.path, made.chain, made.network)).transactions

    took, transactions = harness.timed(run)
    size = db.stat().st_size
    db.unlink()
    return took.cpu, took.wall, transactions, size


_STATEMENTS = {
    "commit": "DuckDB: commit (compress and write the batch, address_stats' key index)",
    "create index if": f"DuckDB: build the {len(schema.INDEX_NAMES)} lookup indexes at the end of the bulk load",
    "update outputs set": "DuckDB: mark outputs of earlier batches spent (UPDATE)",
}


class _Timed:
    """A connection wrapper that adds each statement's CPU time to ``spent`` under its first words."""

    def __init__(self, con: object, spent: dict[str, float]):
        self.con, self.spent = con, spent

    def execute(self, sql: str, *args: object) -> object:
        took, result = harness.timed(lambda: self.con.execute(sql, *args))  # type: ignore[attr-defined]
        words = " ".join(sql.split()[:3]).lower()
        key = _STATEMENTS.get(words, f"DuckDB: {words}")
        self.spent[key] = self.spent.get(key, 0.0) + took.cpu
        return result

    def __getattr__(self, name: str) -> object:
        return getattr(self.con, name)


def breakdown(made: SyntheticChain, workdir: Path) -> dict[str, float]:
    """CPU seconds of each step of (d), run one step after the other (no overlap) with timers around them."""
    from cointrail.ingest import pipeline as ingest_module
    from cointrail.store.duckdb import address_stats, chainstate, scriptcolumns

    spent: dict[str, float] = {}

    def timed(owner: object, name: str, key: str) -> None:
        inner = getattr(owner, name)

        def wrapper(*args: object, **kwargs: object) -> object:
            took, result = harness.timed(lambda: inner(*args, **kwargs))
            spent[key] = spent.get(key, 0.0) + took.cpu
            return result

        setattr(owner, name, wrapper)

    timed(ingest_module, "_read", "read into columns, hash, merkle check")
    timed(chainstate.ChainState, "resolve", "resolve inputs, give scripts their ids (compiled)")
    timed(scriptcolumns, "describe", "address strings and script types (compiled)")
    # A bulk load adds address_stats once at its end (catch_up); add_heights is what batches outside one pay.
    timed(address_stats, "catch_up", "address_stats, once at the end (address_stats.catch_up)")
    db = workdir / "breakdown.duckdb"

    def run() -> None:
        with LedgerStore.open(db, made.chain, made.network) as store:
            store.con = _Timed(store.con, spent)  # type: ignore[assignment]
            source = BlockFilesSource(made.path, made.chain, made.network)
            with store.bulk_load():
                batches = ingest_module._batches(source.raw_blocks(0, source.tip_height()), 500,
                                                 ingest_module.BULK_BATCH_TRANSACTIONS)  # fmt: skip
                for batch in batches:
                    store.append_batch(ingest_module._read(batch))

    spent["total"] = harness.timed(run)[0].cpu
    db.unlink()
    return spent


_FIRST_RUN = """
from benchmarks.harness import timed
from cointrail.chains.bitcoin.sources.blkfiles import BlockFilesSource
from cointrail.ingest.pipeline import ingest
from cointrail.store.duckdb.store import LedgerStore
from cointrail.simulation.block_files import generate_chain
made = generate_chain({work!r} + "/chain", 600, seed=1, txs_per_block=50, n_wallets=50)
def run():
    with LedgerStore.open({work!r} + "/s.duckdb", "bitcoin", "regtest") as store:
        ingest(store, BlockFilesSource(made.path, "bitcoin", "regtest"))
print(timed(run)[0].cpu)
"""


def first_run_seconds() -> tuple[float, float]:
    """CPU seconds of a tiny ingest in a fresh process: with an empty Numba cache, and with the cache it left."""
    with tempfile.TemporaryDirectory() as work:
        env = {**os.environ, "NUMBA_CACHE_DIR": str(Path(work) / "numba")}
        code = _FIRST_RUN.format(work=work)
        times = []
        for _ in range(2):
            for leftover in Path(work).glob("s.duckdb*"):
                leftover.unlink()
            times.append(float(harness.python_child(code, env=env).split()[-1]))
            shutil.rmtree(Path(work) / "chain")
    return times[0], times[1]


def real_block_rate() -> tuple[float, float] | None:
    """Transactions per second reading the real mainnet block 413567 into columns and into value objects
    (None when the vectors are absent)."""
    if not REAL_BLOCK.exists():
        return None
    raw = [RawBlock(413567, REAL_BLOCK.read_bytes(), "bench", "bench")]
    runs = harness.alternate({"columns": lambda: sum(len(from_raw(raw).tx) for _ in range(10)),
                              "objects": lambda: sum(len(parse_block(raw[0].data).transactions) for _ in range(10))},
                             5)  # fmt: skip
    (columns, count), (objects, _) = harness.least(runs["columns"]), harness.least(runs["objects"])
    return count / columns.cpu, count / objects.cpu


def measure(n_transactions: int, cache: Path) -> dict[str, object]:
    made, generation = chain_for(n_transactions, cache)
    read_only(made)  # warm the page cache for both measurements alike
    parse_columns(made, 5_000)  # and Numba's compiled code
    runs = harness.alternate({"read": lambda: read_only(made), "columns": lambda: parse_columns(made)}, 3)
    (read, n_bytes), (columns, n_txs) = harness.least(runs["read"]), harness.least(runs["columns"])
    objects, n_objects = harness.timed(lambda: parse_objects(made))
    read_seconds, columns_seconds, objects_seconds = read.cpu, columns.cpu, objects.cpu
    if n_txs != made.n_transactions or n_objects != made.n_transactions:
        raise SystemExit(f"parsed {n_txs} transactions, the generator wrote {made.n_transactions}")
    with tempfile.TemporaryDirectory(dir=cache) as work:
        runs = [ingest_store(made, Path(work)) for _ in range(2)]
        steps = breakdown(made, Path(work))
    ingest_cpu, ingest_wall, stored, db_bytes = min(runs)
    if stored != made.n_transactions:
        raise SystemExit(f"stored {stored} transactions, the generator wrote {made.n_transactions}")
    cold, warm = first_run_seconds()
    return {
        "steps": steps,
        "transactions": n_txs, "blocks": made.n_blocks, "stale": len(made.stale_hashes), "files": made.n_files,
        "megabytes": n_bytes / 1e6, "generation": generation,
        "read_seconds": read_seconds, "columns_seconds": columns_seconds, "objects_seconds": objects_seconds,
        "ingest_cpu": ingest_cpu, "ingest_wall": ingest_wall, "db_bytes": db_bytes,
        "read_rate": n_txs / read_seconds, "columns_rate": n_txs / columns_seconds,
        "objects_rate": n_txs / objects_seconds, "ingest_rate": n_txs / ingest_cpu, "real_rate": real_block_rate(),
        "jit_cold": cold, "jit_warm": warm, "load": harness.load_average(),
    }  # fmt: skip


def render(r: dict[str, object]) -> str:
    rows = [
        ("(a) baseline: read the files, un-XOR, split into block records", r["read_seconds"], r["read_rate"]),
        ("(b) cointrail's parser: index headers, order the best chain, read every block into columns "
         "(txids, wtxids, merkle check)", r["columns_seconds"], r["columns_rate"]),
        ("(c) the same with the reference parser, into value objects (one run)", r["objects_seconds"],
         r["objects_rate"]),
        ("(d) **raw ingest**: `ingest --blocks` into a new store: (b), then resolve every input, encode "
         "addresses, store, build the indexes (best of 2)", r["ingest_cpu"], r["ingest_rate"]),
    ]  # fmt: skip
    table = "".join(f"| {what} | {seconds:.1f} s | {rate:,.0f} tx/s |\n" for what, seconds, rate in rows)
    if r["real_rate"]:
        real = "the real mainnet block 413567 (1,557 txs, 3.1 inputs each), in memory: into columns"
        columns, objects = r["real_rate"]  # type: ignore[misc]
        table += f"| {real} (into value objects: {objects:,.0f} tx/s) | — | {columns:,.0f} tx/s |\n"
    generated = f", generated in {r['generation']:.0f} s" if r["generation"] else ""
    target = r["ingest_rate"] / 50_000  # type: ignore[operator]
    verdict = "reached" if target >= 1 else "not reached"
    return f"""## Raw block parsing

{harness.machine("raw_ingest.py")}; one process, so the rates are per core. A synthetic chain
(`cointrail/simulation/block_files.py`) of {r["transactions"]:,} transactions in {r["blocks"]:,} blocks,
{r["megabytes"]:.0f} MB in {r["files"]} XOR-obfuscated blk files, with {r["stale"]} stale blocks and blocks stored
out of order{generated}. Best of 3 runs of (a) and (b), alternated in the same run on the same warm files, timed in
CPU seconds of the process (user + system, DuckDB's threads included) because the cores are shared (load average
{r["load"]:.1f} meanwhile).

| what | CPU time | transactions per CPU second |
|---|---|---|
{table}
Target for (d), raw files to the store with inputs resolved: 50,000 tx/s per core (BlockSci about 25,000,
rusty-blockparser about 34,000): **{r["ingest_rate"]:,.0f} tx/s, {target:.2f} of it ({verdict})**; wall time
{r["ingest_wall"]:.1f} s, store {r["db_bytes"] / 1e6:,.0f} MB. Numba compiles the parser, resolver and address
encoder once per machine (cached next to the modules): a tiny ingest in a fresh process took {r["jit_cold"]:.1f} CPU s
with an empty cache and {r["jit_warm"]:.1f} s with it.

{WHERE_THE_TIME_GOES}

Where the CPU time of (d) goes, each step timed alone (the steps run one after another here; in the ingest the
parsing of the next batch overlaps the writing of the last):

| step | CPU time | share |
|---|---|---|
{_steps(r["steps"])}
{_limits(r["steps"], r["transactions"])}
"""


def _limits(steps: dict[str, float], transactions: object) -> str:
    """What sets the rate: the store's share of the CPU time, and the rate it alone would allow."""
    store = sum(v for k, v in steps.items() if k.startswith("DuckDB") or k.startswith("address_stats"))
    store -= steps.get("DuckDB: insert into address_stats", 0.0)  # inside add_heights, counted there
    rest = steps["total"] - store
    n = float(transactions)  # type: ignore[arg-type]
    return textwrap.fill(
        f"DuckDB's work (writing and compressing the rows, building the indexes, the UPDATE of spent outputs, and "
        f"inserting `address_stats`) is {store:.1f} s of the {steps['total']:.1f} s: on its own "
        f"it would allow {n / store:,.0f} tx/s. Everything in Python and compiled code together (parsing, hashing, "
        f"resolving, encoding, Arrow) is {rest:.1f} s, {n / rest:,.0f} tx/s on its own.",
        116,
    )


def _steps(steps: dict[str, float]) -> str:
    """Table rows of the breakdown, largest first; statements under 1 % are counted in "everything else"."""
    total = steps["total"]
    # add_heights' own INSERT is inside its step: count it once
    named = {k: v for k, v in steps.items() if k != "total" and not k.startswith("DuckDB: insert into address_stats")}
    rows = [(k, v) for k, v in sorted(named.items(), key=lambda kv: -kv[1]) if v >= 0.01 * total]
    other = total - sum(v for _, v in rows)
    lines = [f"| {k} | {v:.1f} s | {v / total:.0%} |" for k, v in rows]
    glue = "everything else (reading files, Arrow tables, Python glue)"
    lines.append(f"| {glue} | {other:.1f} s | {other / total:.0%} |")
    lines.append(f"| total | {total:.1f} s | 100% |")
    return "\n".join(lines) + "\n"


WHERE_THE_TIME_GOES = """How (b) works: a Numba-compiled walk over each batch's bytes fills NumPy columns (transaction
boundaries, outpoints, values, script offsets, and each transaction's bytes without witness, copied out
contiguously); compiled loops then hash those ranges (txid, wtxid, merkle tree) with OpenSSL's SHA-256, the one
hashlib uses, called through ctypes (`cointrail/chains/bitcoin/digests.py`): the hashing is most of (b). Blocks the walk
does not accept (Litecoin MWEB, corrupt data) go to the reference parser, which reads them or raises its precise
error. In (d), inputs are resolved and scripts given ids by a compiled hash index of the
stored txids and scripts held in memory, addresses are encoded by compiled Base58Check/Bech32 code, and the
columns go to DuckDB as Arrow tables; an ingest of more blocks than the store holds is a bulk load (indexes built
once at the end, `address_stats` added up in memory batch by batch and inserted at the end)."""


def main() -> None:
    parser = harness.arguments(__doc__, quick={"transactions": 20_000})
    parser.add_argument("--transactions", type=int, default=1_000_000, help="size of the synthetic chain")
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "cointrail-bench",
                        help="where the synthetic chain is kept between runs")  # fmt: skip
    args = harness.parse(parser)
    harness.publish(args, "rawparse", render(measure(args.transactions, args.cache)))


if __name__ == "__main__":
    main()
