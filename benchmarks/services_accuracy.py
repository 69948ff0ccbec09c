"""Exchanges recognised by behaviour (issue 17): precision and recall on ground-truth scenarios, with no labels, with
only the exchanges' hot and cold wallets labelled, and with every exchange address labelled.

Run: ``.venv/bin/python -m benchmarks.services_accuracy [--seeds 1 2 …] [--rounds 24] [--work DIR] [--no-write]``

Each seed's litecoind -regtest economy is clustered with the default heuristics and no label is imported. A
detected exchange is right when its hot wallet and most of its deposit addresses belong to one exchange's wallet in
the truth; recall counts the exchanges of the truth that some right detection names. Then the same store is
labelled three ways (none; the exchanges' hot and cold wallets only, what a public TagPack usually knows; every
exchange address) and, with the detections kept, ``payers`` is scored on how many of the site's customers funded by
an exchange reach the exchange that paid them, named by a label or as a detected lead, and how many reach a wrong one.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

from benchmarks import harness
from benchmarks.payers_accuracy import exchange_addresses, label_exchanges, site_addresses
from benchmarks.scenarios.generate import make_scenario
from cointrail.clustering import DEFAULT_HEURISTICS, build_clusters
from cointrail.services import detect_services, keep_detections
from cointrail.store.duckdb.store import LedgerStore
from cointrail.tracing import payers
from cointrail.wording import counted


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


def _funders(truth: dict[str, Any]) -> dict[str, set[str]]:
    """Each customer's exchanges: those whose batched withdrawals paid it."""
    funders: dict[str, set[str]] = {}
    for w in truth["exchange_withdrawals"]:
        for c in w["customers"]:
            funders.setdefault(c, set()).add(w["exchange"])
    return funders


def reach_figures(store: LedgerStore, truth: dict[str, Any]) -> dict[str, Any]:
    """With the detections kept and whatever labels the store holds: the exchanges ``payers`` says each payer group
    reached, named by a label ("funded by", its actor the exchange's wallet name) or as a lead (a detected wallet, the
    exchange owning most of its addresses). A reach is right when the group is one customer's and the exchange paid
    out to that customer; a customer funded by an exchange is reached when some group of it reaches a right
    exchange and none a wrong one."""
    keep_detections(store, detect_services(store))
    result = payers(store, site_addresses(truth)).to_dict()
    funders = _funders(truth)
    customer_of = {p["txid"]: p["customer"] for p in truth["site_payments"]}
    funded = {c for c in customer_of.values() if funders.get(c)}
    verdicts: dict[str | None, list[bool]] = {}
    counts = Counter[str]()
    for payer in result["payers"]:
        customers = {customer_of.get(t) for t in payer["txids"]}
        owner = next(iter(customers)) if len(customers) == 1 else None
        reached = [("named", payer["funded_by"])] if payer["funded_by"] else []
        for lead in payer["leads"]:
            if lead["status"] != "funded_by":  # a possibility, as "possibly funded by" a labelled one: no reach
                counts["possible_leads"] += 1
                continue
            owners = Counter(truth["owners"].get(a) for a in _wallet_addresses(store, [lead["wallet"]]))
            reached.append(("lead", owners.most_common(1)[0][0] if owners else None))
        for how, exchange in reached:
            ok = owner is not None and exchange in funders.get(owner, set())
            counts[how] += 1
            counts[f"{how}_right"] += ok
            verdicts.setdefault(owner, []).append(ok)
    right = {c for c in funded if verdicts.get(c) and all(verdicts[c])}
    return {"funded_customers": len(funded), "reached": len(right),
            "reached_share": len(right) / len(funded) if funded else 1.0,
            "named": counts["named"], "named_right": counts["named_right"], "leads": counts["lead"],
            "leads_right": counts["lead_right"], "possible_leads": counts["possible_leads"],
            "wrong": counts["named"] + counts["lead"] - counts["named_right"] - counts["lead_right"]}  # fmt: skip


# How the store is labelled before payers runs: nothing; one hot-wallet address per exchange (the one that received
# the most); the exchanges' hot and cold wallets (every exchange address but the deposit addresses it gave its
# customers); every exchange address.
LABELLINGS = {"none": "no labels", "one-hot": "one hot-wallet address each", "hot-cold": "hot and cold wallets",
              "all": "every exchange address"}  # fmt: skip


def _largest_hot(store: LedgerStore, truth: dict[str, Any]) -> dict[str, str]:
    """Each exchange's hot-wallet address that received the most (the best-known one, as a single public tag)."""
    hot = exchange_addresses(truth, deposits=False)
    rows = store.rows("SELECT a.address, s.received FROM address_stats s JOIN addresses a USING (address_id) "
                      "WHERE a.address IN (SELECT unnest(?))", [sorted(hot)])  # fmt: skip
    best: dict[str, tuple[int, str]] = {}
    for address, received in rows:
        wallet = hot[address]
        best[wallet] = max(best.get(wallet, (-1, "")), (int(received), address))
    return {address: wallet for wallet, (_, address) in best.items()}


def _labelled(store: LedgerStore, truth: dict[str, Any], labelling: str) -> int:
    if labelling == "none":
        return 0
    chosen = {"one-hot": _largest_hot(store, truth), "hot-cold": exchange_addresses(truth, deposits=False),
              "all": exchange_addresses(truth)}[labelling]  # fmt: skip
    return label_exchanges(store, truth, chosen)


def labelled_run(db: Path, truth: dict[str, Any], labelling: str) -> dict[str, Any]:
    """The clustered store at ``db`` copied, labelled as ``labelling`` says, detected and scored."""
    copy = db.with_name(f"labels-{labelling}.duckdb")
    shutil.copyfile(db, copy)
    try:
        with LedgerStore.open(copy) as store:
            labelled = _labelled(store, truth, labelling)
            detected = score(store, truth)
            return {"labelling": labelling, "labelled": labelled, "detection": detected, **reach_figures(store, truth)}
    finally:
        copy.unlink(missing_ok=True)


def run_seed(seed: int, rounds: int, work: Path) -> dict[str, Any]:
    folder = work / f"seed{seed}-rounds{rounds}"  # a kept scenario is used again only for the same seed and rounds
    kept = folder / "truth.json"
    truth = json.loads(kept.read_text()) if kept.is_file() else make_scenario(folder, seed, rounds)
    db = folder / "ledger.duckdb"
    with LedgerStore.open(db) as store:
        build_clusters(store, DEFAULT_HEURISTICS)
        row = {"seed": seed, **score(store, truth), **lead_figures(store, truth)}
    hot = len(exchange_addresses(truth, deposits=False))
    return row | {"exchange_addresses": len(exchange_addresses(truth)), "hot_addresses": hot,
                  "labellings": [labelled_run(db, truth, name) for name in LABELLINGS]}  # fmt: skip


# The thresholds and the joining rules (cointrail.services.joins) were set looking at these seeds; the others are
# held out. Seeds 4 and 6 were first run with the rules as they stood before seeds 3 and 5 were looked at (their
# figures only were seen); 7 and 8 were first run once the rules were fixed, 9 and 10 first with the labels (issue
# 17's hot-and-cold-wallet run), after the unspent-coin step was added looking at seeds 1 and 2. Seeds 11 to 20 were
# made for the rule that recognises an exchange few paid into by its routine repeated, set looking at them (and at 1
# and 2) only: 4 and 6 to 10 are held out from every rule.
NEW_TUNING = tuple(range(11, 21))
TUNED = (1, 2, 3, 5, *NEW_TUNING)


def _role(seed: int) -> str:
    return "tuned on, new" if seed in NEW_TUNING else "tuned on" if seed in TUNED else "held out"


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
    "Seeds: the rules were set on seeds 1 and 2, run once on 3 to 6, then changed looking at 3 and 5 (tuned "
    "on since); 4 and 6 were held out (only their figures seen), 7 and 8 first run once the rules were fixed; "
    "9 and 10 first run with the step that joins a coin not spent yet (an exchange's current hot wallet), "
    "which was added looking at seeds 1 and 2 only. Seeds 11 to 20 were made on 2026-12-04 for the rule that "
    "recognises an exchange few wallets paid into by its routine repeated (3 depositing wallets where it made "
    "3 consolidations and 5 batched withdrawals), set looking at them and at 1 and 2 only: 3 of their 30 "
    "exchanges (seeds 11, 17, 18) had 4 depositing wallets (seed 11's: 3 customers and the miner's refills), "
    "and no wallet there but the exchanges and the miner made more than one consolidation or any batched "
    "withdrawal; 4 and 6 to 10 were then run once. Before that rule: held out, 16 of 18 exchanges named "
    "(seeds 8 and 9 missed one each); seeds 3 and 5 missed one each. Before wallets were joined this way "
    "(commit 5bc3b9c), recall was 0.33 on seeds 1 to 3 and 0.67 on seed 4, precision 1.00."
)

_METHOD = (
    "In these short economies each exchange sweeps its whole balance into a fresh address and pays "
    "withdrawals of 3 outputs with change to fresh addresses, so the multi-input heuristic splits one "
    "exchange into a dozen or more wallets, most below the thresholds (5 depositors, 5 deposit addresses "
    "swept). Detection (not clustering, which is unchanged) reads them as one service where the exchange's "
    "own coin moves from one to the next (cointrail.services.joins): a withdrawal's change (its largest "
    "output, the only one spent by another batch, sweep or move, at an address used once) spent by the next "
    "withdrawal, swept or moved whole; a sweep spent by a withdrawal; a sweep or move of such a coin going on "
    "to an address used once, spent or not spent yet (the exchange's current hot wallet). Never through a "
    "CoinJoin or a wallet that received block rewards (joining through a withdrawal's change swept again, "
    "without these rules, joined two exchanges through the miner's payouts to both), never from a transaction "
    "also paying a wallet that behaves like a service on its own, never joining two such, and never a sweep "
    "of other coins into a sweep: the site's cash-outs into an exchange1 deposit address, swept by exchange1, "
    "are such steps on every seed and none is taken. A detection holding another owner's address would show a "
    "wrong join even where most of it is right (the site's or a customer's wallet joined into an exchange). "
    "An exchange few distinct wallets paid into (2 or 3 customers in 24 rounds, where looked at) is "
    "recognised by its routine repeated, and its evidence says so; the one still missed (seed 8, held out) "
    "was not looked at. The last three columns: the detections kept (`services detect`) and no label at all, "
    "`payers` on the site gives a lead where a payer's trail ends in a detected exchange; a lead is right "
    "when the payer group is one customer's and the lead's wallet is mostly an exchange that paid out to that "
    "customer. With labels: the next section."
)


# Seeds looked at while making hot-and-cold-wallet labels reach as far as every exchange address labelled (tracing
# and detection mended on what they showed); the others are held out from that work.
LABELS_SEEN = (1, 2, *NEW_TUNING)


def _labels_role(seed: int) -> str:
    detection = "held out" if seed not in TUNED else "tuned on"
    return f"{'looked at' if seed in LABELS_SEEN else 'held out'} (detection: {detection})"


def _labels_table(rows: list[dict[str, Any]], rounds: int) -> str:
    lines = [
        "## Exchanges reached with only hot and cold wallets labelled (`payers` with `services detect`, issue 17)",
        "", f"Measured by {harness.machine('services_accuracy.py')}, on {len(rows)} ground-truth litecoind -regtest "
        f"scenarios ({rounds} rounds each; clustered with the default heuristics), each store labelled three ways "
        "from the truth: no label; only the exchanges' hot and cold wallets (every address of an exchange but the "
        "deposit addresses it gave its customers: its float, the addresses it sweeps deposits into, its "
        "withdrawals' change; what a public TagPack usually knows); every exchange address. Then `services detect` "
        "(kept) and `payers` on the site. Target: with hot and cold wallets only, the same figures as with every "
        "exchange address labelled; at least 0.9 of the customers funded by an exchange reach the right one, never "
        "a wrong one.", "",
        "| seed | this work / detection | labels | addresses labelled | detections right / made | exchanges detected "
        "| detection precision | detection recall | customers funded by an exchange | reach the right exchange "
        "| named at \"funded by\" (right) | leads at \"funded by\" (right) | possible leads "
        "| wrong exchange reached |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]  # fmt: skip
    for r in rows:
        for run in r["labellings"]:
            d = run["detection"]
            cells = [r["seed"], _labels_role(r["seed"]), LABELLINGS[run["labelling"]],
                     f"{run['labelled']} of {r['exchange_addresses']}", f"{d['right']} / {d['detected']}",
                     f"{d['named']} of {d['exchanges']}", f"{d['precision']:.2f}", f"{d['recall']:.2f}",
                     run["funded_customers"], f"{run['reached']} ({run['reached_share']:.2f})",
                     f"{run['named']} ({run['named_right']})", f"{run['leads']} ({run['leads_right']})",
                     run["possible_leads"], run["wrong"]]  # fmt: skip
            lines.append(harness.table_row(cells))
    lines += ["", _labels_totals(rows), "", _LABELS_READING, "", _LABELS_METHOD]
    return "\n".join(lines) + "\n"


def _labels_totals(rows: list[dict[str, Any]]) -> str:
    def part(picked: list[dict[str, Any]], labelling: str) -> str:
        runs = [run for r in picked for run in r["labellings"] if run["labelling"] == labelling]
        reached, funded = sum(x["reached"] for x in runs), sum(x["funded_customers"] for x in runs)
        wrong = sum(x["wrong"] for x in runs)
        share = f"{reached / funded:.2f}" if funded else "-"
        wrongly = counted(wrong, "wrong reach", "wrong reaches")
        return f"{LABELLINGS[labelling]} {reached} of {funded} ({share}), {wrongly}"

    held = [r for r in rows if r["seed"] not in LABELS_SEEN]
    seen = [r for r in rows if r["seed"] in LABELS_SEEN]
    texts = []
    for name, picked in (("Held out", held), ("Looked at", seen)):
        if picked:
            seeds = ", ".join(str(r["seed"]) for r in picked)
            texts.append(f"{name} (seeds {seeds}), customers funded by an exchange who reach the right one: "
                         + "; ".join(part(picked, labelling) for labelling in LABELLINGS) + ".")
    return " ".join(texts)


_LABELS_READING = (
    "Reading them (2026-12-04, seeds 1 to 20; 3 to 10 held out from this work): with only the hot and cold "
    "wallets labelled, every figure is the same as with every exchange address labelled, on every seed: the "
    "deposit addresses an exchange sweeps join its hot wallet by the multi-input heuristic, and the "
    "withdrawals that fund customers spend the hot wallet's coins. Both reach 0.94 of the customers on the "
    "held-out seeds, none wrongly; the customers missed (looked at on seeds 4, 5, 8 and 9 with every address "
    "labelled) paid with coins that came through a CoinJoin, through another wallet first (\"possibly funded "
    "by\"), or from elsewhere (mined coins, past the hop limit). With no label at all, 0.91 on the held-out "
    "seeds (73 of 80), none wrongly: an exchange few wallets paid into is now recognised by its routine "
    "repeated (seeds 3, 5 and 9: 3 of 3 found, 2 of 3 before; 0.88, 70 of 80, before); where detection still "
    "misses one (seed 8: 2 of 3), a hot-wallet label names it. On the seeds this work looked at (1, 2, 11 to "
    "20), no label reaches as far as every address labelled: 114 of 120 (0.95). One hot-wallet address per "
    "exchange (the one that received the most, often the exchange's last sweep, not spent yet) reaches as far "
    "as no label (0.91): that label names every wallet of the exchange detection joined to it (before an "
    "earlier run, a detection whose hot wallet carried a label was set aside and the trail went on past its "
    "other wallets, and a wallet holding only a coin not spent yet was joined to nothing: one address each "
    "named 15 of seed 1's 24 payer groups, 9 as leads), and the labels of the hot wallet's own wallet are "
    "read with the detection's where the joining keeps it apart (as services detect reads them), but an "
    "exchange detection misses, or a labelled wallet it does not join (seeds 5, 7, 8), stays partly a lead or "
    "unnamed. A lead at \"funded by\" needs, as a label does, half the payer's traced money straight from the "
    "payouts: before, every lead counted, and seed 9 had one wrong (0.2 % of a customer's money, come through "
    "another wallet); seed 9 was looked at for that, the rule itself is the labels' rule."
)

_LABELS_METHOD = (
    "A customer funded by an exchange (one whose address some exchange's batched withdrawal paid, in the truth) "
    "reaches the right exchange when some payer group of it names, at \"funded by\" or as a lead, an exchange that "
    "paid out to it, and none of its groups names another. A name is the label's actor; a lead is a detected wallet "
    "no label names, read as the exchange owning most of its addresses, and counts as a reach only at \"funded by\" "
    "(at least half the payer's traced money straight from its payouts into the payer's own wallet, the rule a label "
    "needs); a possible lead, like \"possibly funded by\", is neither right nor wrong. A wrong reach is a group's "
    "\"funded by\" or lead naming an exchange that never paid its customer, or any name given to a group holding two "
    "customers' payments. Detection is scored as in the sections above, with the labels present (wallets labelled "
    "with two names are never joined; a labelled wallet may join one that behaves like an exchange on its own, and "
    "then names it: cointrail.services.joins)."
)


def main() -> None:
    parser = harness.arguments(__doc__, quick={"seeds": [1], "rounds": 6})
    parser.add_argument("--seeds", type=int, nargs="+", default=list(range(1, 21)))
    parser.add_argument("--rounds", type=int, default=24)
    parser.add_argument("--work", type=Path, default=None, help="keep the scenarios here and use them again")
    args = harness.parse(parser)
    with tempfile.TemporaryDirectory() as tmp:
        rows = [run_seed(seed, args.rounds, args.work or Path(tmp)) for seed in args.seeds]
    harness.publish(args, "services", _table(rows, args.rounds), harness.ACCURACY_DOC)
    harness.publish(args, "services-labels", _labels_table(rows, args.rounds), harness.ACCURACY_DOC)


if __name__ == "__main__":
    main()
