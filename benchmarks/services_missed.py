"""Why a payer funded by an exchange reaches it only with labels: the step of the joining that stops (issue 17).

Run: ``.venv/bin/python -m benchmarks.services_missed [--families NAME …] [--seeds N …] [--cache DIR]``, or
``benchmarks/services_families.py --why-missed``; it writes nothing. For every customer whom `payers` brings to
the exchange that funded it with every exchange address labelled, but not with no label at all, it takes the
payouts those labelled trails end at and follows the exchange's own coin onward from each (the truth says which
output is the exchange's) until it reaches a wallet the detection holds. The first link the joining does not take
is the cause, said as the rule that stops it: a transaction of a shape ``service_links._SHAPED`` does not read, a
coin ``service_links._STEPS`` does not keep, or a step ``services.joins`` does not take. A payout whose wallet the
detection holds is missed by the tracing instead (the lead is a possibility, not "funded by").
"""

from __future__ import annotations

import shutil
import tempfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks import harness, payers_accuracy, services_accuracy
from benchmarks.scenarios.cache import scenario
from cointrail.chains.bitcoin.model import display_hash, internal_hash
from cointrail.clustering import DEFAULT_HEURISTICS, build_clusters
from cointrail.services import detect_services, keep_detections
from cointrail.services.detect import _detect, _known
from cointrail.services.joins import Groups, _own_moves, _takes, join_wallets
from cointrail.simulation.families import FAMILIES
from cointrail.store.duckdb import service_links, service_reads
from cointrail.store.duckdb.store import LedgerStore
from cointrail.tracing import payers

# Follow an exchange's coin at most this many transactions onward from a payout.
MAX_LINKS = 60


@dataclass(frozen=True)
class Missed:
    """One customer reached only with labels: the payout its labelled trail ended at and why detection misses it."""

    customer: str
    exchange: str
    payout: str
    cause: str
    at: str  # the link that stops: "txid" or "txid -> txid" (short)
    links: int  # how many links of the exchange's coin were joined before the one that stops


def labelled_payouts(store: LedgerStore, truth: dict[str, Any], sites: list[str]) -> dict[str, set[tuple[str, str]]]:
    """With every exchange address labelled (already in ``store``): per customer, the payouts (exchange, txid)
    that its payer groups are "funded by", where the exchange paid out to that customer."""
    customer_of = {p["txid"]: p["customer"] for p in truth["site_payments"]}
    funders = services_accuracy._funders(truth)
    found: dict[str, set[tuple[str, str]]] = {}
    for payer in payers(store, sites).to_dict()["payers"]:
        customers = {customer_of.get(t) for t in payer["txids"]}
        if len(customers) != 1 or (customer := next(iter(customers))) is None:
            continue
        for trail in payer["funding"]:
            if trail["status"] == "funded_by" and trail["service"] in funders.get(customer, set()):
                found.setdefault(customer, set()).add((trail["service"], trail["withdrawal_txid"]))
    return found


class Chain:
    """The store's transactions as the joining reads them, for following one exchange's coin."""

    def __init__(self, store: LedgerStore, truth: dict[str, Any]):
        self.store, self.owners = store, truth["owners"]
        with service_reads.prepared(store):
            alone, self.steps = service_reads.figures(store), service_links.coin_steps(store)
        self.known = _known(store, alone)
        self.own = _own_moves(self.steps, self.known)
        self.groups: Groups = join_wallets(self.steps, self.known)
        self.by_pair = {(s["from_txid"], s["to_txid"]): s for s in self.steps}
        detections = [d for d in detect_services(store) if d.kind == "exchange"]
        self.detected = {w: d.cluster_id for d in detections for w in (d.cluster_id, *d.deposit_wallets)}
        self.alone_service = {c for c, f in alone.items() if _detect(c, f, {})}
        self.miners = {r[0] for r in store.rows(
            "SELECT DISTINCT c.cluster_id FROM outputs o JOIN transactions x USING (tx_id) "
            "JOIN address_clusters c USING (address_id) WHERE x.is_coinbase")}  # fmt: skip
        self.flagged = set()
        for table in ("coinjoins", "collaborative_txs"):
            if store.has_table(table):
                self.flagged |= {r[0] for r in store.rows(f"SELECT tx_id FROM {table}")}

    def tx(self, txid: str) -> dict[str, Any]:
        tx_id, outputs = self.store.one("SELECT tx_id, output_count FROM transactions WHERE txid = ?",
                                        [internal_hash(txid)])  # fmt: skip
        wallets = {r[0] for r in self.store.rows("SELECT DISTINCT c.cluster_id FROM inputs i JOIN address_clusters c "
                                                 "USING (address_id) WHERE i.tx_id = ?", [tx_id])}  # fmt: skip
        outs = [{"vout": v, "value": val, "address": a, "wallet": w, "spent_by": s, "used": n}
                for v, val, a, w, s, n in self.store.rows(
                    "SELECT o.vout, o.value, a.address, c.cluster_id, o.spent_by_tx_id, "
                    "(SELECT count(*) FROM outputs u WHERE u.address_id = o.address_id) FROM outputs o "
                    "JOIN addresses a USING (address_id) JOIN address_clusters c USING (address_id) "
                    "WHERE o.tx_id = ? ORDER BY o.vout", [tx_id])]  # fmt: skip
        return {"txid": txid, "tx_id": tx_id, "output_count": outputs, "wallets": wallets, "outs": outs}

    def txid_of(self, tx_id: int) -> str:
        return display_hash(self.store.one("SELECT txid FROM transactions WHERE tx_id = ?", [tx_id])[0])

    def unshaped(self, tx: dict[str, Any]) -> str | None:
        """Why ``_SHAPED`` does not read ``tx`` (None when it does)."""
        if len(tx["wallets"]) != 1:
            return f"paid from {len(tx['wallets'])} wallets (the steps read transactions paid from one)"
        if tx["tx_id"] in self.flagged:
            return "a CoinJoin or possibly collaborative transaction"
        if next(iter(tx["wallets"])) in self.miners:
            return "paid from a wallet that received block rewards"
        return None

    def why_not_step(self, tx: dict[str, Any], out: dict[str, Any], nxt: dict[str, Any]) -> str:
        """Why ``_STEPS`` keeps no step from ``tx`` through ``out`` to ``nxt`` (both shaped)."""
        onward = [o for o in tx["outs"] if o["spent_by"] is not None and self.unshaped(self.tx(
            self.txid_of(o["spent_by"]))) is None]  # fmt: skip
        if len(onward) != 1 and tx["output_count"] != 2:
            return f"{len(onward)} of its outputs are spent by transactions the steps read (only one may move on)"
        if tx["output_count"] >= 2:
            if out["value"] < max(o["value"] for o in tx["outs"]):
                return "the coin moving on is not its largest output"
            if out["used"] != 1:
                return f"the coin moving on is at an address used {out['used']} times"
            if any(o["wallet"] in tx["wallets"] for o in tx["outs"]):
                return "an output returns to the paying wallet"
        return "no step (unexplained)"

    def why_not_taken(self, step: dict[str, Any]) -> str:
        """Why ``join_wallets`` does not join a step it was given."""
        a, b = self.groups.root(step["from"]), self.groups.root(step["to"])
        if a == b:
            return "joined"
        if any(w in self.known for w in step["paid"] if w != step["to"]):
            return "the transaction also pays a known service (the joining takes no step from it)"
        if not _takes(step, self.known, self.own):
            return (f"a step from a {step['from_shape']} to a {step['to_shape']} whose coins are not known to be the "
                    "service's own (no batch's change before it)")  # fmt: skip
        return "the two sides are known to be two services (each behaves like one on its own, or two labels)"

    def follow(self, payout: str, exchange: str) -> tuple[str, str, int]:
        """From a payout, the first link of the exchange's own coin that the joining does not take, and how many it
        took before; "detected" when the payout's wallet is in a detection."""
        txid, links = payout, 0
        for _ in range(MAX_LINKS):
            tx = self.tx(txid)
            wallet = next(iter(tx["wallets"])) if len(tx["wallets"]) == 1 else None
            if wallet in self.detected:
                return ("detected" if links == 0 else "joined", txid[:12], links)
            own = [o for o in tx["outs"] if self.owners.get(o["address"]) == exchange]
            if not own:
                return ("no output is the exchange's (its coin does not move on)", txid[:12], links)
            moving = [o for o in own if o["spent_by"] is not None]
            if not moving:
                return ("the exchange's coin from it is not spent yet", txid[:12], links)
            out = max(moving, key=lambda o: o["value"])
            nxt = self.tx(self.txid_of(out["spent_by"]))
            if wallet is not None and wallet in nxt["wallets"]:
                txid = nxt["txid"]  # the same wallet: the multi-input heuristic already holds both
                continue
            at = f"{txid[:12]} -> {nxt['txid'][:12]}"
            if why := self.unshaped(tx):
                return (f"not read, {why}", at, links)
            if why := self.unshaped(nxt):
                return (f"what spends its coin is not read, {why}", at, links)
            step = self.by_pair.get((txid, nxt["txid"]))
            if step is None:
                return (self.why_not_step(tx, out, nxt), at, links)
            taken = self.why_not_taken(step)
            if taken != "joined":
                return (taken, at, links)
            links += 1
            txid = nxt["txid"]
        return ("followed too far", txid[:12], links)


def missed_payers(db_none: Path, db_all: Path, truth: dict[str, Any], sites: list[str]) -> list[Missed]:
    """The customers reached with every exchange address labelled (``db_all``) but not with none (``db_none``,
    clustered, nothing labelled), each payout with the cause."""
    with LedgerStore.open(db_all) as store:
        keep_detections(store, detect_services(store))
        wanted = labelled_payouts(store, truth, sites)
    with LedgerStore.open(db_none) as store:
        keep_detections(store, detect_services(store))
        reached = _reached(store, truth, sites)
        chain = Chain(store, truth)
        found = []
        for customer in sorted(set(wanted) - reached):
            for exchange, payout in sorted(wanted[customer]):
                cause, at, links = chain.follow(payout, exchange)
                if cause == "detected":
                    cause = "the payout's wallet is detected: the tracing stops (the lead is not \"funded by\")"
                found.append(Missed(customer, exchange, payout, cause, at, links))
    return found


def _reached(store: LedgerStore, truth: dict[str, Any], sites: list[str]) -> set[str]:
    """The customers whose groups reach a right exchange with no labels, as services_accuracy scores them."""
    customer_of = {p["txid"]: p["customer"] for p in truth["site_payments"]}
    funders = services_accuracy._funders(truth)
    verdicts: dict[str, list[bool]] = {}
    for payer in payers(store, sites).to_dict()["payers"]:
        customers = {customer_of.get(t) for t in payer["txids"]}
        owner = next(iter(customers)) if len(customers) == 1 else None
        for lead in payer["leads"]:
            if lead["status"] == "funded_by" and owner is not None:
                wallet = services_accuracy._wallet_addresses(store, [lead["wallet"]])
                owners = Counter(truth["owners"].get(a) for a in wallet)
                verdicts.setdefault(owner, []).append(owners.most_common(1)[0][0] in funders.get(owner, set()))
    return {c for c, v in verdicts.items() if v and all(v)}


def causes(missed: list[Missed]) -> Counter[str]:
    """How many payouts each cause stops."""
    return Counter(m.cause for m in missed)


def missed_in(db: Path, truth: dict[str, Any], work: Path, name: str) -> list[Missed]:
    """:func:`missed_payers` on a scenario's store ``db``: copied, clustered, and a second copy labelled with
    every exchange address."""
    work.mkdir(parents=True, exist_ok=True)
    none, labelled = work / f"{name}-none.duckdb", work / f"{name}-all.duckdb"
    shutil.copyfile(db, none)
    with LedgerStore.open(none) as store:
        build_clusters(store, DEFAULT_HEURISTICS)
    shutil.copyfile(none, labelled)
    with LedgerStore.open(labelled) as store:
        payers_accuracy.label_exchanges(store, truth)
    try:
        return missed_payers(none, labelled, truth, payers_accuracy.site_addresses(truth))
    finally:
        none.unlink(missing_ok=True)
        labelled.unlink(missing_ok=True)


def report(name: str, missed: list[Missed]) -> str:
    """The missed payouts of one scenario, one line each, and how many each cause stops."""
    lines = [f"{name}: {len({m.customer for m in missed})} customers reached only with labels, "
             f"{len(missed)} payouts"]  # fmt: skip
    lines += [f"  {m.customer} ({m.exchange}) payout {m.payout[:12]}: {m.at}: {m.cause} "
              f"(after {m.links} joined)" for m in missed]  # fmt: skip
    return "\n".join(lines)


def why_missed(picked: list[tuple[str, int]], cache: Path) -> None:
    """Print, per scenario (family, seed), each payout a customer reached only with labels, and the link of the
    exchange's coin that the joining does not take; then how many payouts each cause stops, over all."""
    together: Counter[str] = Counter()
    with tempfile.TemporaryDirectory() as tmp:
        for family, seed in picked:
            db, truth = scenario(cache, family, seed)
            missed = missed_in(db, truth, Path(tmp), f"{family}-{seed}")
            print(report(f"{family} seed {seed}", missed), flush=True)
            together += causes(missed)
    print("Causes, payouts each stops:")
    for cause, n in together.most_common():
        print(f"  {n}: {cause}")


def main() -> None:
    parser = harness.arguments(__doc__, quick={"families": ["batches"], "seeds": [1]})
    parser.add_argument("--families", nargs="+", default=[f for f in FAMILIES if f != "project-economy"],
                        choices=list(FAMILIES))  # fmt: skip
    parser.add_argument("--seeds", type=int, nargs="+", default=None, help="only these seeds of each family")
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "cointrail-accuracy",
                        help="generated scenarios, shared with benchmarks/services_families.py")  # fmt: skip
    args = harness.parse(parser)
    why_missed([(f, s) for f in args.families for s in FAMILIES[f].seeds if args.seeds is None or s in args.seeds],
               args.cache)  # fmt: skip


if __name__ == "__main__":
    main()
