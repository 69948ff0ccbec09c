"""The payers of a site on Ethereum (issue 16): accuracy on held-apart seeds of the anvil economy, and ingest cost.

Each seed plays :mod:`cointrail.simulation.evm_economy` on a fresh anvil, labels the two exchanges' hot wallets
from the truth, then answers the payers question twice: from a block-range ingest of the whole chain, and from a
case-scoped one that starts at the site and widens, round by round, to each dead end the answer reports as "not
fetched". Scored against the truth: payments recall and precision, funding exchange right (the payer's funding
exchange named is the one whose withdrawal funded it; payers funded from outside any exchange are right when none is
named), poisoning counted as payments (must be 0), deposit-address precision and recall (over the deposit addresses
the economy used). The ingest cost is set against only fetching the same blocks, receipts and traces from the node.

Seeds 1-3 were used while writing the analysis; the seeds measured here (101-103 by default) were not.
Run: ``.venv/bin/python -m benchmarks.evm_payers_accuracy`` (``--quick``: one small seed, nothing written).
"""

from __future__ import annotations

import json
import statistics
import tempfile
from pathlib import Path
from typing import Any

from benchmarks import harness
from cointrail.chains.ethereum.sources.rpc import FETCH_AHEAD, EvmRpcSource
from cointrail.chains.ethereum.tokens import TOKENS
from cointrail.ingest.evm import ingest_evm, ingest_until_payers_traced
from cointrail.investigation import Investigation
from cointrail.simulation.anvil import Anvil
from cointrail.simulation.evm_economy import EvmEconomyConfig, EvmTruth, accounts_needed, generate
from cointrail.store.duckdb.account import AccountStore
from cointrail.tracing.deposits import deposit_addresses


def _label(db: Path, truth: EvmTruth) -> None:
    with AccountStore.open(db) as store:
        for name, wallets in truth.exchanges.items():
            store.add_label(wallets["hot"], name, "exchange", "the scenario's truth")


def _payers(db: Path, truth: EvmTruth) -> dict[str, Any]:
    with Investigation.open(db=db) as investigation:
        return investigation.account_payers([truth.site]).to_json()


def _widened(db: Path, source: EvmRpcSource, truth: EvmTruth) -> tuple[dict[str, Any], int, int]:
    """Around the site; then around whom the site paid (a cash-out's deposit address shows only with its sweep);
    then around each dead end of the payers' funding reported as not fetched, until none is left."""
    with AccountStore.open(db, "ethereum", "devnet") as store:
        blocks = ingest_evm(store, source, around=[truth.site]).blocks_fetched
    _label(db, truth)
    with Investigation.open(db=db) as investigation:
        paid = [c["address"] for c in investigation.account(truth.site, 1000).counterparties if c["we_paid"]]
    if paid:
        with AccountStore.open(db) as store:
            blocks += ingest_evm(store, source, around=paid).blocks_fetched
    widened = ingest_until_payers_traced(db, source, [truth.site], max_rounds=6)
    return widened.payers.to_json(), widened.rounds, blocks + widened.blocks


def score(found: dict[str, Any], truth: EvmTruth, reach: dict[str, str], db: Path) -> dict[str, Any]:
    """Scores against the truth; deposit-address recall over ``reach`` (those the ingest could see)."""
    paid = {p["tx_hash"] for payer in found["payers"] for p in payer["payments"]}
    true = {str(p["tx_hash"]) for p in truth.payments}
    right = [truth.funding.get((p["address"], p["asset"]), "?") == p["funding"]["exchange"] for p in found["payers"]]
    with AccountStore.open(db, read_only=True) as store:
        detected = deposit_addresses(store)
    correct = sum(truth.used_deposits.get(a) == d.exchange for a, d in detected.items())
    reached = sum(reach.get(a) == d.exchange for a, d in detected.items())
    return {"payments": len(true), "payments_found": len(paid), "recall": len(paid & true) / len(true),
            "precision": len(paid & true) / len(paid) if paid else 1.0, "payers": len(truth.funding),
            "funding_right": sum(right) / len(right) if right else 0.0,
            "poisoning_counted": len(paid & truth.poisoning_txs), "poisoning_shown": len(found["poisoning"]),
            "deposits_used": len(reach), "deposits_found": len(detected),
            "deposit_precision": correct / len(detected) if detected else 1.0,
            "deposit_recall": reached / len(reach) if reach else 1.0}  # fmt: skip


def _fetch_only(source: EvmRpcSource, numbers: list[int]) -> None:
    """The ingest's block requests with no processing: the same calls, the same number in flight."""
    for _ in source.fetch_blocks(numbers):
        pass


def _find_and_fetch_only(source: EvmRpcSource, around: list[str], numbers: list[int]) -> None:
    """A case-scoped ingest's requests with no processing: which blocks touch ``around``, then those blocks."""
    source.blocks_touching(around, 0, source.tip(), [t.address for t in TOKENS if t.chain == "ethereum"])
    _fetch_only(source, numbers)


def _median_wall(runs: list[tuple[harness.Timing, Any]]) -> float:
    return statistics.median(timing.wall for timing, _ in runs)


def _median_cpu(runs: list[tuple[harness.Timing, Any]]) -> float:
    return statistics.median(timing.cpu for timing, _ in runs)


def _ingest_cost(node: Anvil, source: EvmRpcSource, truth: EvmTruth, work: Path, rounds: int,
                 seed: int) -> tuple[dict[str, Any], Path]:  # fmt: skip
    """A block-range ingest of the whole chain, and one case-scoped (around the site), each in turns with the same
    requests made with no processing, ``rounds`` times: the medians (wall and CPU seconds), and the range's store."""
    # Each timed ingest writes a new store, opened (its tables made) before the clock starts.
    fresh = iter([AccountStore.open(work / f"ingest{seed}-{len(truth.payments)}-{i}.duckdb", "ethereum", "devnet")
                  for i in range(2 * rounds + 2)])  # fmt: skip

    def ingest(around: list[str]) -> Path:
        store = next(fresh)
        ingest_evm(store, source, around=around)
        store.close()
        return store.path

    numbers = list(range(node.height() + 1))
    whole_runs = harness.alternate({"fetch": lambda: _fetch_only(source, numbers), "ingest": lambda: ingest([])},
                                   rounds, shuffle=seed, warm_up=1)  # fmt: skip
    whole = whole_runs["ingest"][-1][1]
    first = ingest([truth.site])
    with AccountStore.open(first, read_only=True) as store:
        read = [r["number"] for r in store.rows("SELECT number FROM evm_blocks ORDER BY number")]
    scoped_runs = harness.alternate({"fetch": lambda: _find_and_fetch_only(source, [truth.site], read),
                                     "ingest": lambda: ingest([truth.site])}, rounds, shuffle=seed)  # fmt: skip
    with AccountStore.open(whole, read_only=True) as store:
        transactions = store.counts()["evm_transactions"]
    return {"height": node.height(), "transactions": transactions,
            "ingest_s": _median_wall(whole_runs["ingest"]), "fetch_s": _median_wall(whole_runs["fetch"]),
            "around_s": _median_wall(scoped_runs["ingest"]), "fetch_around_s": _median_wall(scoped_runs["fetch"]),
            "ingest_cpu_s": _median_cpu(whole_runs["ingest"]), "fetch_cpu_s": _median_cpu(whole_runs["fetch"]),
            "around_cpu_s": _median_cpu(scoped_runs["ingest"]),
            "fetch_around_cpu_s": _median_cpu(scoped_runs["fetch"])}, whole  # fmt: skip


def run_seed(seed: int, customers: int, work: Path, rounds: int) -> dict[str, Any]:
    config = EvmEconomyConfig(seed=seed, customers=customers)
    with Anvil(accounts=accounts_needed(config), balance_eth=0) as node, EvmRpcSource(node.url) as source:
        truth = generate(node, config)
        used = truth.used_deposits  # an unused deposit address cannot be found from the chain
        cost, whole = _ingest_cost(node, source, truth, work, rounds, seed)
        _label(whole, truth)
        ranged = score(_payers(whole, truth), truth, used, whole)
        scoped_db = work / f"scoped{seed}.duckdb"
        found, widening_rounds, blocks = _widened(scoped_db, source, truth)
        scoped = score(found, truth, truth.site_cash_out, scoped_db)  # the one deposit address in the case's reach
        return {"seed": seed, "range": ranged, "scoped": scoped, "rounds": widening_rounds, "scoped_blocks": blocks,
                **cost}  # fmt: skip


def cost_only(seed: int, customers: int, work: Path, rounds: int) -> dict[str, Any]:
    """The ingest cost alone on a larger economy, where what is fixed per ingest weighs less."""
    config = EvmEconomyConfig(seed=seed, customers=customers)
    with Anvil(accounts=accounts_needed(config), balance_eth=0) as node, EvmRpcSource(node.url) as source:
        truth = generate(node, config)
        return {"seed": seed, "customers": customers, **_ingest_cost(node, source, truth, work, rounds, seed)[0]}


def _larger(large: dict[str, Any] | None, small: dict[str, Any]) -> str:
    if large is None:
        return ""
    extra = {size: (r["ingest_cpu_s"] - r["fetch_cpu_s"]) * 1000 for size, r in (("small", small), ("large", large))}
    per_tx = (extra["large"] - extra["small"]) / max(large["transactions"] - small["transactions"], 1)
    return (f" On a larger economy ({large['customers']} customers at each exchange, seed {large['seed']}: "
            f"{large['height'] + 1} blocks, {large['transactions']:,} transactions, over three times as many), "
            f"where the fixed part weighs less: range {large['ingest_s'] / large['fetch_s']:.2f} x, case-scoped "
            f"{large['around_s'] / large['fetch_around_s']:.2f} x; CPU {large['ingest_cpu_s'] * 1000:.0f} against "
            f"{large['fetch_cpu_s'] * 1000:.0f} ms (range), {large['around_cpu_s'] * 1000:.0f} against "
            f"{large['fetch_around_cpu_s'] * 1000:.0f} ms (case-scoped). Set against seed {small['seed']}'s "
            f"{small['transactions']:,} transactions, the range ingest's own CPU is about {per_tx:.2f} ms a "
            f"transaction (recovering each sender's key, recomputing each hash, building the rows) and "
            f"{extra['small'] - per_tx * small['transactions']:.0f} ms fixed: the work grows with the chain, so a "
            "larger chain does not reach the 1.25 x target either on these 2 cores.")


def _table(rows: list[dict[str, Any]], customers: int, large: dict[str, Any] | None = None) -> str:
    lines = [
        "## The payers of a site on Ethereum (`cointrail payers` on an Ethereum store)", "",
        f"{harness.machine('evm_payers_accuracy.py')}. Held-apart seeds of the anvil economy "
        f"(`cointrail.simulation.evm_economy`, {customers} customers at each of two exchanges, one with plain deposit "
        "accounts, one with contract deposit wallets it sweeps; payments in ETH, USDT and USDC; seeds 1-3 were used "
        "while writing the analysis). The exchanges' hot wallets are labelled from the truth. `range`: the whole "
        "chain ingested, deposit addresses scored over all those the economy used; `scoped`: ingest around the site, "
        "then around whom it paid, then around each dead end reported as not fetched, deposit-address recall "
        "over the site's cash-out (precision over every deposit address the economy used).", "",
        "| seed | ingest | payments (found) | recall | precision | payers | funding exchange right | poisoning shown "
        "(counted) | deposit addresses used (found) | deposit precision | deposit recall |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]  # fmt: skip
    for r in rows:
        for mode in ("range", "scoped"):
            s = r[mode]
            label = mode if mode == "range" else f"scoped ({r['rounds']} rounds, {r['scoped_blocks']} of " \
                                                 f"{r['height'] + 1} blocks)"
            cells = [r["seed"], label, f"{s['payments']} ({s['payments_found']})", f"{s['recall']:.1%}",
                     f"{s['precision']:.1%}", s["payers"], f"{s['funding_right']:.1%}",
                     f"{s['poisoning_shown']} ({s['poisoning_counted']})",
                     f"{s['deposits_used']} ({s['deposits_found']})",
                     f"{s['deposit_precision']:.1%}", f"{s['deposit_recall']:.1%}"]  # fmt: skip
            lines.append(harness.table_row(cells))
    def cpu(key: str) -> str:
        return f"{statistics.median(r[key] for r in rows) * 1000:.0f} ms"

    ratio = sum(r["ingest_s"] for r in rows) / max(sum(r["fetch_s"] for r in rows), 1e-9)
    scoped = sum(r["around_s"] for r in rows) / max(sum(r["fetch_around_s"] for r in rows), 1e-9)
    lines += ["", f"Range ingest (verify, decode, store) took {ratio:.2f} x the time of only making the same "
              f"requests (blocks, receipts and traces from anvil, {FETCH_AHEAD} in flight as the ingest asks them); a "
              f"case-scoped ingest around the site (finding its blocks with trace_filter and eth_getLogs, then "
              f"reading them) {scoped:.2f} x only making its requests (target for both: at most 1.25 x, i.e. the "
              "requests alone take at least 0.8 of the ingest's time). Wall seconds, the median of each seed's "
              "rounds (ingest and baseline in turns, in a shuffled order), summed over the seeds. "
              f"This process's CPU (the ingest's checks, rows and DuckDB store; anvil's is the same for both) was "
              f"{cpu('ingest_cpu_s')} against {cpu('fetch_cpu_s')} for the range's requests alone, "
              f"{cpu('around_cpu_s')} against {cpu('fetch_around_cpu_s')} case-scoped, per seed (median); the 2 "
              f"cores were shared (load average {harness.load_average():.1f} over the 5 minutes before the run "
              "ended). Part of what the ingest adds is fixed per ingest (DuckDB's inserts, its commit and the "
              "checkpoint at close, which wait for the disk), the rest grows with the transactions. A worker "
              "process for the checks, beside the fetching, measured no faster on these 2 shared cores and was "
              f"dropped.{_larger(large, rows[0])} The economy is "
              "small and regular: these figures say the method works on its ground truth, not how it fares on "
              "mainnet, where labels are incomplete, exchanges sweep many deposits in one transaction and customers "
              "pay from wallets that mix funds."]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = harness.arguments(__doc__, quick={"seeds": [101], "customers": 8, "rounds": 1, "larger": 12})
    parser.add_argument("--seeds", type=int, nargs="+", default=[101, 102, 103])
    parser.add_argument("--customers", type=int, default=40)
    parser.add_argument("--rounds", type=int, default=5, help="timed rounds of each ingest and its baseline")
    parser.add_argument("--larger", type=int, default=150,
                        help="customers at each exchange of the larger economy whose ingest cost alone is measured "
                             "(0: none)")  # fmt: skip
    args = harness.parse(parser)
    with tempfile.TemporaryDirectory() as tmp:
        rows = [run_seed(seed, args.customers, Path(tmp), args.rounds) for seed in args.seeds]
        large = cost_only(args.seeds[0], args.larger, Path(tmp), args.rounds) if args.larger else None
    for row in [*rows, large]:
        print(json.dumps(row))
    harness.publish(args, "evm-payers", _table(rows, args.customers, large), harness.ACCURACY_DOC)


if __name__ == "__main__":
    main()
