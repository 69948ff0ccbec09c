"""Exchanges recognised by behaviour with no labels at all (issue 17): precision and recall on ground-truth scenarios.

Run: ``.venv/bin/python -m benchmarks.services_accuracy [--seeds 1 2 …] [--rounds 24] [--no-write]``

Each seed's litecoind -regtest economy is clustered with the default heuristics and no label is imported. A
detected exchange is right when its hot wallet and most of its deposit addresses belong to one exchange's wallet in
the truth; recall counts the exchanges of the truth that some right detection names.
"""

from __future__ import annotations

import json
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

from benchmarks import harness
from benchmarks.payers_accuracy import site_addresses
from benchmarks.scenarios.generate import make_scenario
from cointrail.clustering import DEFAULT_HEURISTICS, build_clusters
from cointrail.services import detect_services, keep_detections
from cointrail.store.duckdb.store import LedgerStore
from cointrail.tracing import payers


def _wallet_addresses(store: LedgerStore, clusters: list[int]) -> list[str]:
    return [r[0] for r in store.rows("SELECT a.address FROM address_clusters c JOIN addresses a USING (address_id) "
                                     "WHERE c.cluster_id IN (SELECT unnest(?))", [clusters])]  # fmt: skip


def score(store: LedgerStore, truth: dict[str, Any]) -> dict[str, Any]:
    exchanges = {w for w, role in truth["roles"].items() if role == "exchange"}
    found = [d for d in detect_services(store) if d.kind == "exchange"]
    right, mixed, named = 0, 0, set()
    for d in found:
        owners = Counter(truth["owners"].get(a) for a in _wallet_addresses(store, [d.cluster_id, *d.deposit_wallets]))
        owner, _n = owners.most_common(1)[0]
        mixed += len(owners) > 1  # stricter than right: any address of another owner (or of none) in its wallets
        if owner in exchanges and truth["owners"].get(d.hot_wallet or "") == owner:
            right += 1
            named.add(owner)
    return {"exchanges": len(exchanges), "detected": len(found), "right": right, "named": len(named), "mixed": mixed,
            "precision": right / len(found) if found else 1.0,
            "recall": len(named) / len(exchanges) if exchanges else 1.0}  # fmt: skip


def lead_figures(store: LedgerStore, truth: dict[str, Any]) -> dict[str, Any]:
    """With the detections kept and no label at all: how many of the site's funded customers ``payers`` gives a
    lead for, and whether each lead's wallet is an exchange that paid out to that customer."""
    keep_detections(store, detect_services(store))
    result = payers(store, site_addresses(truth)).to_dict()
    funders: dict[str, set[str]] = {}
    for w in truth["exchange_withdrawals"]:
        for c in w["customers"]:
            funders.setdefault(c, set()).add(w["exchange"])
    customer_of = {p["txid"]: p["customer"] for p in truth["site_payments"]}
    funded = {c for c in customer_of.values() if funders.get(c)}
    leads = right = 0
    led: set[str] = set()
    for payer in result["payers"]:
        customers = {customer_of.get(t) for t in payer["txids"]}
        for lead in payer["leads"]:
            leads += 1
            owners = Counter(truth["owners"].get(a) for a in _wallet_addresses(store, [lead["wallet"]]))
            exchange = owners.most_common(1)[0][0] if owners else None
            ok = len(customers) == 1 and exchange in funders.get(next(iter(customers)) or "", set())
            right += ok
            if ok:
                led |= customers - {None}
    return {"funded_customers": len(funded), "leads": leads, "leads_right": right,
            "customers_led": len(led & funded)}  # fmt: skip


def run_seed(seed: int, rounds: int, work: Path) -> dict[str, Any]:
    folder = work / f"seed{seed}-rounds{rounds}"  # a kept scenario is used again only for the same seed and rounds
    kept = folder / "truth.json"
    truth = json.loads(kept.read_text()) if kept.is_file() else make_scenario(folder, seed, rounds)
    db = folder / "ledger.duckdb"
    with LedgerStore.open(db) as store:
        build_clusters(store, DEFAULT_HEURISTICS)
        return {"seed": seed, **score(store, truth), **lead_figures(store, truth)}


# The thresholds and the joining rules (cointrail.services.joins) were set looking at these seeds; the others are
# held out. Seeds 4 and 6 were first run with the rules as they stood before seeds 3 and 5 were looked at (their
# figures only were seen); 7 and 8 were first run once the rules were fixed.
TUNED = (1, 2, 3, 5)
FRESH = (7, 8)


def _role(seed: int) -> str:
    return "tuned on" if seed in TUNED else "held out, new" if seed in FRESH else "held out"


def _table(rows: list[dict[str, Any]], rounds: int) -> str:
    lines = [
        "## Exchanges recognised by behaviour, with no labels (`cointrail services detect`, issue 17)", "",
        f"Measured by {harness.machine('services_accuracy.py')}, on {len(rows)} ground-truth litecoind -regtest "
        f"scenarios ({rounds} rounds each; clustered with the default heuristics; no label imported). A detected "
        "exchange is right when most addresses of its wallets and its hot wallet belong to one exchange of the truth. "
        "Targets: precision >= 0.95, recall >= 0.8.", "",
        "| seed | tuned on / held out | exchanges | detected | right | holding another owner's address "
        "| exchanges named | precision | recall | funded customers | payers' leads (right) "
        "| customers given a right lead |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]  # fmt: skip
    for r in rows:
        cells = [r["seed"], _role(r["seed"]), r["exchanges"], r["detected"], r["right"], r["mixed"], r["named"],
                 f"{r['precision']:.2f}", f"{r['recall']:.2f}", r["funded_customers"],
                 f"{r['leads']} ({r['leads_right']})", r["customers_led"]]  # fmt: skip
        lines.append(harness.table_row(cells))
    lines += ["", _totals(rows), "", _SEEDS, "", _METHOD]
    return "\n".join(lines) + "\n"


def _totals(rows: list[dict[str, Any]]) -> str:
    def part(role: str) -> str:
        picked = [r for r in rows if (r["seed"] in TUNED) == (role == "tuned on")]
        named, there = sum(r["named"] for r in picked), sum(r["exchanges"] for r in picked)
        right, detected = sum(r["right"] for r in picked), sum(r["detected"] for r in picked)
        return f"{role}: {named} of {there} exchanges named, {right} of {detected} detections right"

    return f"Together, {part('tuned on')}; {part('held out')}."


_SEEDS = (
    "Seeds: the rules were set on seeds 1 and 2, run once on 3 to 6, then changed looking at 3 and 5 (tuned on since);"
    " 4 and 6 were held out (only their figures seen), 7 and 8 first run once the rules were fixed. Before wallets "
    "were joined this way (commit 5bc3b9c), recall was 0.33 on seeds 1 to 3 and 0.67 on seed 4, precision 1.00."
)

_METHOD = (
    "In these short economies each exchange sweeps its whole balance into a fresh address and pays withdrawals of 3 "
    "outputs with change to fresh addresses, so the multi-input heuristic splits one exchange into a dozen or more "
    "wallets, most below the thresholds (5 depositors, 5 deposit addresses swept). Detection (not clustering, which is"
    " unchanged) reads them as one service where the exchange's own coin moves from one to the next "
    "(cointrail.services.joins): a withdrawal's change (its largest output, the only one spent by another batch, sweep"
    " or move, at an address used once) spent by the next withdrawal, swept or moved whole; a sweep spent by a "
    "withdrawal; a sweep or move of such a coin going on to an address used once. Never through a CoinJoin or a wallet"
    " that received block rewards (joining through a withdrawal's change swept again, without these rules, joined two "
    "exchanges through the miner's payouts to both), never from a transaction also paying a wallet that behaves like a"
    " service on its own, never joining two such, and never a sweep of other coins into a sweep: the site's cash-outs "
    "into an exchange1 deposit address, swept by exchange1, are such steps on every seed and none is taken. A "
    "detection holding another owner's address would show a wrong join even where most of it is right (the site's or a"
    " customer's wallet joined into an exchange). The exchanges still missed are joined but for their last unspent "
    "coins, and had only 2 or 3 distinct depositing wallets in 24 rounds. The last three columns: the detections kept "
    "(`services detect`) and no label at all, `payers` on the site gives a lead where a payer's trail ends in a "
    "detected exchange; a lead is right when the payer group is one customer's and the lead's wallet is mostly an "
    "exchange that paid out to that customer. The hot/cold-wallet-only labelling is not measured yet."
)


def main() -> None:
    parser = harness.arguments(__doc__, quick={"seeds": [1], "rounds": 6})
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3, 4, 5, 6, 7, 8])
    parser.add_argument("--rounds", type=int, default=24)
    parser.add_argument("--work", type=Path, default=None, help="keep the scenarios here and use them again")
    args = harness.parse(parser)
    with tempfile.TemporaryDirectory() as tmp:
        rows = [run_seed(seed, args.rounds, args.work or Path(tmp)) for seed in args.seeds]
    harness.publish(args, "services", _table(rows, args.rounds), harness.ACCURACY_DOC)


if __name__ == "__main__":
    main()
