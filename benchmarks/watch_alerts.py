"""Benchmark: watch alerts on a real litecoind -regtest node: latency from block to delivery, and what watching
10,000 addresses costs beside a bare tip poll.

1. **Latency.** A ``watch run`` (in a thread, polling every 0.2 s, a webhook on loopback) and, beside it, a bare
   poller asking the node for its best block hash at the same interval. Each round the site pays an exchange's
   labelled deposit address and a block is mined: the seconds from the block to the bare poller seeing it, and to
   the webhook receiving the urgent alert (ingest, look, keep in the case, deliver), on the same blocks.
2. **Cost per block.** Three stores at the same tip, and the same new blocks (each with a dozen payments among
   wallets and one to the site): a plain ``ingest`` of the block (the work any store kept up to date does), a
   watch step with 1 watched address, and a watch step with 10,000 (random valid addresses plus the site's), each
   in turn, in CPU milliseconds of this process; and the bare tip poll (one ``getbestblockhash``). A step between
   blocks (nothing new) is timed against the same bare poll.

Writes the "watch" section of docs/benchmarks.md.

Run: ``.venv/bin/python -m benchmarks.watch_alerts [--rounds 10] [--blocks 20] [--watched 10000] [--no-write]
[--quick]``
"""

from __future__ import annotations

import os
import random
import shutil
import statistics
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from benchmarks import harness
from cointrail.addresses.script import address_for_script
from cointrail.cases import Case, create_case
from cointrail.chains.bitcoin.sources.rpc import RpcSource
from cointrail.ingest.pipeline import ingest
from cointrail.simulation.watched import OPERATOR, WatchedEconomy, watched_economy
from cointrail.store.duckdb.store import LedgerStore
from cointrail.watch import add_watch
from cointrail.watch.deliver import Outbox, Webhook
from cointrail.watch.follow import NodeFollower
from cointrail.watch.run import RunOptions, WatchRun

POLL_SECONDS = 0.2


@contextmanager
def webhook_receiver() -> Iterator[tuple[str, list[float], threading.Event]]:
    """A loopback webhook: the URL, the arrival times (harness.instant) and an event set on each arrival."""
    arrivals: list[float] = []
    arrived = threading.Event()

    class Hook(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server's name
            self.rfile.read(int(self.headers["Content-Length"]))
            arrivals.append(harness.instant())
            self.send_response(200)
            self.end_headers()
            arrived.set()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Hook)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/hook", arrivals, arrived
    finally:
        server.shutdown()
        server.server_close()


def bare_poller(source: RpcSource, stop: threading.Event, seen: dict[str, float]) -> None:
    """The baseline: ask for the best block hash every poll, note when each new one is first seen."""
    while not stop.is_set():
        best = source.rpc.call("getbestblockhash")
        seen.setdefault(best, harness.instant())
        stop.wait(POLL_SECONDS)


def latency(eco: WatchedEconomy, rounds: int) -> dict[str, list[float]]:
    """Seconds from each mined block to the bare poller seeing it and to the webhook getting its alert."""
    source, bare = eco.source(), eco.source()
    stop, seen = threading.Event(), {}
    found: dict[str, list[float]] = {"bare poll": [], "alert delivered": []}
    os.environ["COINTRAIL_WEBHOOK_SECRET"] = "benchmark"
    with webhook_receiver() as (url, arrivals, arrived):
        outbox = Outbox(eco.case, [Webhook(url, "benchmark")])
        # Each round spends the last round's change, one hop further from the watched address: follow them all.
        options = RunOptions(poll_seconds=POLL_SECONDS, max_hops=rounds + 1)
        run = WatchRun(eco.case, lambda: LedgerStore.open(eco.db), NodeFollower(source), outbox, options, stop=stop)
        threads = [threading.Thread(target=run.run, daemon=True),
                   threading.Thread(target=bare_poller, args=(bare, stop, seen), daemon=True)]  # fmt: skip
        for thread in threads:
            thread.start()
        time.sleep(1.0)  # the run's first step (and the parser's compilation) is no part of any round
        try:
            for _ in range(rounds):
                arrived.clear()
                eco.spend(eco.deposit, "0.01")
                (block,) = eco.node.mine(1)
                mined = harness.instant()
                assert arrived.wait(30), "no alert within 30 s"
                found["alert delivered"].append(arrivals[-1] - mined)
                while block not in seen:
                    time.sleep(0.01)
                found["bare poll"].append(seen[block] - mined)
        finally:
            stop.set()
            for thread in threads:
                thread.join(30)
            source.rpc.close()
            bare.rpc.close()
    return found


def random_addresses(count: int, seed: int = 7) -> list[str]:
    """``count`` valid Litecoin regtest P2WPKH addresses of random keys: watched, never paid."""
    rng = random.Random(seed)
    made = [address_for_script(b"\x00\x14" + rng.randbytes(20), "litecoin", "regtest") for _ in range(count)]
    return [a for a in made if a]


def traffic(eco: WatchedEconomy, payments: int) -> None:
    """A block's worth of payments among the wallets, and one to the watched site (so each watch finds one)."""
    for _ in range(payments):
        to = eco.node.rpc("getnewaddress", wallet="other")
        eco.node.rpc("sendtoaddress", to, "0.001", wallet="miner")
    eco.node.rpc("sendtoaddress", eco.site, "0.001", wallet="miner")
    eco.node.mine(1)


def watch_case(folder: Path, name: str, eco: WatchedEconomy, addresses: list[str]) -> tuple[Case, Path]:
    """A case of its own watching ``addresses``, with a copy of the economy's store at the same tip."""
    case = create_case(name, folder, OPERATOR)
    db = case.work / "ledger.duckdb"
    shutil.copy(eco.db, db)
    add_watch(case, addresses)
    return case, db


def cost(eco: WatchedEconomy, folder: Path, blocks: int, watched: int, payments: int) -> dict[str, list[float]]:
    """CPU milliseconds per new block: plain ingest, a watch step with 1 and with ``watched`` addresses, bare
    poll; and per idle look (no new block): a watch step against a bare poll."""
    source = eco.source()
    few, few_db = watch_case(folder, "few", eco, [eco.site])
    many, many_db = watch_case(folder, "many", eco, [eco.site, *random_addresses(watched - 1)])
    plain_db = folder / "plain.duckdb"
    shutil.copy(eco.db, plain_db)
    runs = {name: WatchRun(case, (lambda d=db: LedgerStore.open(d)), NodeFollower(source), Outbox(case, []),
                           RunOptions(once=True)) for name, case, db in (("few", few, few_db), ("many", many, many_db))}
    for run in runs.values():
        run.run()  # the first run: anchored at the tip, labels in, the parser compiled
    found: dict[str, list[float]] = {k: [] for k in ("ingest", "watch 1", f"watch {watched:,}", "bare poll",
                                                     "idle watch step", "idle bare poll")}  # fmt: skip

    def ingest_plain() -> None:
        with LedgerStore.open(plain_db) as store:
            ingest(store, source)

    steps = {"ingest": ingest_plain, "watch 1": runs["few"].step, f"watch {watched:,}": runs["many"].step,
             "bare poll": lambda: source.rpc.call("getbestblockhash")}  # fmt: skip
    try:
        for _ in range(blocks):
            traffic(eco, payments)
            for name, result in harness.alternate(steps, 1, shuffle=len(found["ingest"])).items():
                found[name].append(result[0][0].cpu * 1000)
            idle = harness.alternate({"idle watch step": runs["many"].step,
                                      "idle bare poll": lambda: source.rpc.call("getbestblockhash")}, 3)  # fmt: skip
            for name, results in idle.items():
                found[name] += [t.cpu * 1000 for t, _ in results]
        assert len(runs["many"].summary.alerts) == blocks, "each block's payment to the site gives one alert"
    finally:
        source.rpc.close()
    return found


def section(lat: dict[str, list[float]], per_block: dict[str, list[float]], args: Any) -> str:
    rows = [harness.table_row(["latency, block to …", "median s", "max s", "rounds"]),
            harness.table_row(["---", "---:", "---:", "---:"])]
    for name, values in lat.items():
        rows.append(harness.table_row([name, f"{statistics.median(values):.2f}", f"{max(values):.2f}", len(values)]))
    rows += ["", harness.table_row(["per new block (CPU of this process)", "median ms", "max ms", "blocks"]),
             harness.table_row(["---", "---:", "---:", "---:"])]
    for name, values in per_block.items():
        if name.startswith("idle"):
            continue
        rows.append(harness.table_row([name, f"{statistics.median(values):.1f}", f"{max(values):.1f}", len(values)]))
    idle = {k: statistics.median(v) for k, v in per_block.items() if k.startswith("idle")}
    many = next(k for k in per_block if k.startswith("watch ") and k != "watch 1")
    extra = statistics.median(per_block[many]) - statistics.median(per_block["ingest"])
    addresses = statistics.median(per_block[many]) - statistics.median(per_block["watch 1"])
    return "\n".join([
        "## Watch and alert", "", harness.machine("watch_alerts.py"), "",
        f"A `watch run` polling every {POLL_SECONDS} s beside a bare poller at the same interval, on the same "
        f"blocks; each round the site pays a labelled exchange deposit (an urgent alert, delivered by webhook on "
        f"loopback). Then {args.blocks} blocks of {args.payments + 1} payments each, alternating a plain ingest "
        f"of the block, a watch step with 1 and with {args.watched:,} watched addresses, and a bare tip poll.", "",
        *rows, "",
        f"Between blocks a watch step costs {idle['idle watch step']:.2f} ms of CPU against "
        f"{idle['idle bare poll']:.2f} ms for the bare poll (medians). Watching {args.watched:,} addresses costs "
        f"{extra:.1f} ms per block above ingesting it, of which {addresses:.1f} ms are the addresses (against "
        "watching 1) and the rest the step's own work (the case's custody log read, the store opened for the "
        "step and closed after, so the workspace can read it). The target: an alert delivered within 2 s of its "
        "block.",
    ])


def main(argv: list[str] | None = None) -> None:
    parser = harness.arguments(__doc__, quick={"rounds": 3, "blocks": 3, "watched": 1000})
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--blocks", type=int, default=20)
    parser.add_argument("--watched", type=int, default=10_000)
    parser.add_argument("--payments", type=int, default=12)
    args = harness.parse(parser, argv)
    with tempfile.TemporaryDirectory(prefix="cointrail-watch-bench-") as tmp:
        folder = Path(tmp)
        with watched_economy(folder) as eco:
            lat = latency(eco, args.rounds)
            per_block = cost(eco, folder / "cost-cases", args.blocks, args.watched, args.payments)
    harness.publish(args, "watch", section(lat, per_block, args))


if __name__ == "__main__":
    main()
