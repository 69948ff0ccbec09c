"""Accuracy of ``payers`` on ground-truth scenarios: the site's customers, and the exchange that funded each.

Run: ``.venv/bin/python -m benchmarks.payers_accuracy [--seeds 1 2 3] [--rounds 24] [--no-write] [--quick]``

For each seed a fresh litecoind -regtest economy is generated
(benchmarks/scenarios), clustered with the default heuristics, and the
exchanges' addresses are labelled from the truth file (as an investigator's
label import would). ``payers`` is run on the site's payment addresses; the
result is scored against the truth and written to docs/accuracy.md between
the ``payers`` markers.
"""

from __future__ import annotations

import hashlib
import json
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

from benchmarks import harness
from benchmarks.scenarios.generate import make_scenario
from cointrail.clustering import DEFAULT_HEURISTICS, build_clusters
from cointrail.labels.model import Label, confidence_named
from cointrail.labels.store import write_labels
from cointrail.store.duckdb.store import LedgerStore
from cointrail.tracing import payers


def exchange_addresses(truth: dict[str, Any], deposits: bool = True) -> dict[str, str]:
    """Every exchange address of the truth with its exchange; without ``deposits``, only its hot and cold wallets
    (every address of an exchange but the deposit addresses it gave its customers): what a public TagPack knows."""
    given = {d["address"] for d in truth["deposit_addresses"]} if not deposits else set()
    return {address: wallet for address, wallet in sorted(truth["owners"].items())
            if truth["roles"].get(wallet) == "exchange" and address not in given}  # fmt: skip


def label_exchanges(store: LedgerStore, truth: dict[str, Any], addresses: dict[str, str] | None = None) -> int:
    """Label every exchange address of the truth as an exchange (what a label import would give), or only
    ``addresses`` (address -> its exchange)."""
    sha = hashlib.sha256(json.dumps(truth["owners"], sort_keys=True).encode()).hexdigest()
    labels = [
        Label(address=address, chains=("litecoin",), currency="LTC", network="regtest", label=f"{wallet} (exchange)",
              source="truth.json", source_sha256=sha, confidence=confidence_named("ownership"), importer="csv",
              category="exchange", actor=wallet)
        for address, wallet in sorted((exchange_addresses(truth) if addresses is None else addresses).items())
    ]  # fmt: skip
    write_labels(store, labels)
    return len(labels)


def prepare(db: Path, truth: dict[str, Any]) -> None:
    """Cluster the scenario's store and label its exchanges."""
    with LedgerStore.open(db) as store:
        build_clusters(store, DEFAULT_HEURISTICS)
        label_exchanges(store, truth)


def site_addresses(truth: dict[str, Any]) -> list[str]:
    return sorted({p["address"] for p in truth["site_payments"]})


def _owner(addresses: list[str], truth: dict[str, Any]) -> str | None:
    owners = Counter(truth["owners"].get(a) for a in addresses)
    return owners.most_common(1)[0][0] if owners else None


def score(result: dict[str, Any], truth: dict[str, Any]) -> dict[str, Any]:
    """Recall and precision of the payers found and of the exchange named for each."""
    customer_of = {p["txid"]: p["customer"] for p in truth["site_payments"]}
    customers = set(customer_of.values())
    funders: dict[str, set[str]] = {}
    for w in truth["exchange_withdrawals"]:
        for c in w["customers"]:
            funders.setdefault(c, set()).add(w["exchange"])
    right_payers, found_customers, named, right_exchange, exchange_customers = 0, set(), 0, 0, set()
    for payer in result["payers"]:
        owner = _owner(payer["payer_addresses"], truth)
        correct = owner in customers and all(customer_of.get(t) == owner for t in payer["txids"])
        right_payers += correct
        if correct:
            found_customers.add(owner)
        if payer["funded_by"]:
            named += 1
            if correct and owner and payer["funded_by"] in funders.get(owner, set()):
                right_exchange += 1
                exchange_customers.add(owner)
    funded = {c for c in customers if funders.get(c)}
    payments_found = {p["txid"] for p in result["payments"]} & set(customer_of)
    return people_figures(result, truth, funders) | {
        "payments": len(customer_of), "payments_found": len(payments_found), "customers": len(customers),
        "payer_groups": len(result["payers"]), "payers_correct": right_payers,
        "payer_recall": len(found_customers) / len(customers) if customers else 1.0,
        "payer_precision": right_payers / len(result["payers"]) if result["payers"] else 1.0,
        "exchange_named": named, "exchange_correct": right_exchange,
        "exchange_recall": len(exchange_customers) / len(funded) if funded else 1.0,
        "exchange_precision": right_exchange / named if named else 1.0,
    }  # fmt: skip


def people_figures(result: dict[str, Any], truth: dict[str, Any], funders: dict[str, set[str]]) -> dict[str, Any]:
    """Wallets are not people: payer groups per paying person, and the exchange named at "funded by" per customer
    (right when some group of the customer names an exchange that paid out to it, and none names another)."""
    person = truth.get("people", {})
    paying_wallets = {p["customer"] for p in truth["site_payments"]}
    people = {person.get(w, w) for w in paying_wallets}
    verdicts: dict[str, list[bool]] = {}
    wrong = 0
    for payer in result["payers"]:
        if not payer.get("funded_by"):
            continue
        owner = _owner(payer["payer_addresses"], truth)
        mine = all(customer_of == owner for customer_of in _customers_of(payer, truth))
        ok = bool(owner) and mine and payer["funded_by"] in funders.get(owner or "", set())
        wrong += not ok
        verdicts.setdefault(owner or "", []).append(ok)
    funded = {w for w in paying_wallets if funders.get(w)}
    right = {w for w in funded if verdicts.get(w) and all(verdicts[w])}
    return {
        "paying_people": len(people), "paying_wallets": len(paying_wallets),
        "groups_per_person": len(result["payers"]) / len(people) if people else 0.0,
        "wallets_per_person": len(paying_wallets) / len(people) if people else 0.0,
        "funded_customers": len(funded), "funding_right": len(right),
        "funding_right_share": len(right) / len(funded) if funded else 1.0, "wrong_exchange_named": wrong,
    }  # fmt: skip


def _customers_of(payer: dict[str, Any], truth: dict[str, Any]) -> list[str | None]:
    customer_of = {p["txid"]: p["customer"] for p in truth["site_payments"]}
    return [customer_of.get(t) for t in payer["txids"]]


def run_seed(seed: int, rounds: int, work: Path) -> dict[str, Any]:
    truth = make_scenario(work / f"seed{seed}", seed, rounds)
    db = work / f"seed{seed}" / "ledger.duckdb"
    prepare(db, truth)
    with LedgerStore.open(db, read_only=True) as store:
        result = payers(store, site_addresses(truth)).to_dict()
    return {"seed": seed, **score(result, truth)}


def _table(rows: list[dict[str, Any]], rounds: int) -> str:
    lines = [
        "## The payers of a site (`cointrail payers`)", "",
        f"Measured {harness.now_utc()} on commit {harness.commit()} by `benchmarks/payers_accuracy.py` on {len(rows)} "
        "ground-truth "
        f"litecoind -regtest scenarios ({rounds} rounds each; clustered with the default heuristics; the exchanges' "
        "addresses labelled from the truth). A payer group is right when its addresses belong to one customer and "
        "every payment in it is that customer's; the exchange named is right when it paid out to that customer.", "",
        "| seed | payments (found) | customers | payer groups | payer recall | payer precision | exchange named "
        "| exchange recall | exchange precision |",
        "|---|---|---|---|---|---|---|---|---|",
    ]  # fmt: skip
    for r in rows:
        cells = [r["seed"], f"{r['payments']} ({r['payments_found']})", r["customers"], r["payer_groups"],
                 f"{r['payer_recall']:.1%}", f"{r['payer_precision']:.1%}", r["exchange_named"],
                 f"{r['exchange_recall']:.1%}", f"{r['exchange_precision']:.1%}"]  # fmt: skip
        lines.append(harness.table_row(cells))
    lines += ["", "Payer recall counts customers found; a customer split over several payer groups (parts of one "
              "wallet the clustering did not join: about 2.8 groups per customer here) still counts once, and each "
              "of its groups counts as right. Exchange recall counts customers with at least one group traced to an "
              "exchange that paid out to them; groups funded only by CoinJoin outputs or by other users within the "
              "hop limit name no exchange. Every exchange address is labelled in these scenarios: on real cases "
              "recall is bounded by the labels available."]  # fmt: skip
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = harness.arguments(__doc__, quick={"seeds": [1], "rounds": 6})
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--rounds", type=int, default=24)
    args = harness.parse(parser)
    with tempfile.TemporaryDirectory() as tmp:
        rows = [run_seed(seed, args.rounds, Path(tmp)) for seed in args.seeds]
    for row in rows:
        print(json.dumps(row))
    harness.publish(args, "payers", _table(rows, args.rounds), harness.ACCURACY_DOC)


if __name__ == "__main__":
    main()
