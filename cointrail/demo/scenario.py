"""The demo's chain: a small ground-truth economy on a real regtest node, ingested, clustered and labelled.

A few rounds of :class:`~cointrail.simulation.Economy` give about a dozen
payments into the site's fresh addresses, customers funded by three
exchanges, a CoinJoin and the site's cash-out to an exchange: enough to show
every step of an investigation in well under a minute.
"""

from __future__ import annotations

import csv
import datetime as _dt
from pathlib import Path
from typing import Any

import yaml

from cointrail.cases import Case
from cointrail.chains.bitcoin.sources.rpc import RpcSource, connect
from cointrail.clustering import DEFAULT_HEURISTICS, build_clusters
from cointrail.ingest.pipeline import ingest
from cointrail.labels.store import import_label_file
from cointrail.prices import import_prices_csv
from cointrail.simulation import Economy, RegtestNode
from cointrail.store.duckdb.store import LedgerStore
from cointrail.watch import add_watch
from cointrail.watch.deliver import Outbox
from cointrail.watch.follow import NodeFollower
from cointrail.watch.run import RunOptions, WatchRun

SEED = 1  # seed 1 gives 11 site payments, a CoinJoin and a cash-out in six rounds (measured)
ROUNDS = 6
PARTS = {"exchanges": 3, "customers": 5, "users": 5}
CHAIN, NETWORK = "litecoin", "regtest"
TAGPACK = "demo-exchanges.tagpack.yaml"  # the exchanges' labels, written in the demo's folder


def exchange_name(wallet: str) -> str:
    """The fictitious name of an exchange wallet of the scenario: ``exchange0`` is "Demo Exchange 1"."""
    return f"Demo Exchange {int(wallet.removeprefix('exchange')) + 1}"


def play(node: RegtestNode) -> Economy:
    """Create the scenario's wallets and play its rounds, one block each."""
    economy = Economy(node, SEED, exchanges=PARTS["exchanges"], customers=PARTS["customers"], users=PARTS["users"])
    economy.setup()
    for _ in range(ROUNDS):
        economy.play_round()
    return economy


def site_addresses(economy: Economy) -> list[str]:
    """The site's payment addresses that were paid, in the order of the payments."""
    return list(dict.fromkeys(payment["address"] for payment in economy.site_payments))


def ingest_chain(node: RegtestNode, db: Path) -> dict[str, Any]:
    """Bring the ledger store at ``db`` up to the node's tip over RPC (what ``cointrail ingest`` does)."""
    rpc = connect(node.url, node.cookie, connections=4)
    try:
        with LedgerStore.open(db, CHAIN, NETWORK) as store:
            return ingest(store, RpcSource(rpc, 4)).to_dict()
    finally:
        rpc.close()


def cluster(db: Path) -> dict[str, Any]:
    """Cluster the store with the default heuristics (what ``cointrail cluster build`` does)."""
    with LedgerStore.open(db) as store:
        return build_clusters(store, DEFAULT_HEURISTICS)


def exchange_tagpack(economy: Economy, db: Path) -> str:
    """A GraphSense TagPack naming every exchange address of the scenario (from its ground truth)."""
    with LedgerStore.open(db, read_only=True) as store:
        stored = store.source_reads().address_texts()
    owners = economy.owners(stored)
    tags = [{"address": address, "label": exchange_name(wallet)}
            for address, wallet in sorted(owners.items()) if economy.roles.get(wallet) == "exchange"]  # fmt: skip
    pack = {
        "title": "Demo exchanges (fictitious)", "creator": "cointrail demo",
        "description": "Deposit and hot-wallet addresses of the demo's fictitious exchanges, from the scenario's "
                       "ground truth (in a real case: from the exchanges themselves or a labelling service).",
        "source": "the ground truth of the cointrail demo's scenario (cointrail.simulation)",
        "is_public": False, "currency": "LTC", "category": "exchange", "confidence": "ownership",
        "lastmod": _dt.date.today(), "tags": tags,
    }  # fmt: skip
    return str(yaml.safe_dump(pack, sort_keys=False, allow_unicode=True, width=120))


def label_exchanges(economy: Economy, case: Case, db: Path, folder: Path) -> dict[str, Any]:
    """Write the exchanges' TagPack and import it with the case, so the label file is evidence."""
    path = folder / TAGPACK
    path.write_text(exchange_tagpack(economy, db), encoding="utf-8")
    with LedgerStore.open(db) as store:
        return import_label_file(store, path, "tagpack", case)


DEMO_PRICE_SOURCE = "cointrail demo: fictitious LTC/USD prices, not market data"


def demo_price(day: _dt.date) -> str:
    """A made-up LTC price in USD for ``day``, steady from run to run (the demo is offline: no market data)."""
    return f"{80 + (day.toordinal() % 9) * 1.25:.2f}"


def import_prices(db: Path, folder: Path) -> dict[str, Any]:
    """Write a price CSV for every UTC day the chain has blocks on, and import it (``cointrail prices import``).

    The prices are invented and say so in their source, which every fiat amount of the report quotes.
    """
    with LedgerStore.open(db, read_only=True) as store:
        days = sorted({_dt.datetime.fromtimestamp(t, _dt.UTC).date() for t in store.source_reads().block_times()})
    path = folder / "demo-ltc-usd.csv"
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["date", "coin", "fiat", "price", "source"])
        writer.writerows([day.isoformat(), "LTC", "USD", demo_price(day), DEMO_PRICE_SOURCE] for day in days)
    with LedgerStore.open(db) as store:
        return {"file": str(path), **import_prices_csv(store, path)}


def watch_cash_out(economy: Economy, case: Case, db: Path) -> dict[str, Any]:
    """Watch the site's captured addresses, let the operator cash out, and return the alert the next block raises."""
    from cointrail.cases.site import captured_site_addresses

    site = captured_site_addresses(case, "litecoin", "regtest").addresses
    watch = add_watch(case, site, note="the site's payment addresses, as captured on its page")
    node = economy.node
    source = RpcSource(connect(node.url, node.cookie))
    try:
        def store() -> LedgerStore:
            return LedgerStore.open(db)

        follower = NodeFollower(source)
        WatchRun(case, store, follower, Outbox(case, []), RunOptions(once=True)).run()  # starts at the tip
        txid = economy.site_cash_out()
        node.mine(1)
        summary = WatchRun(case, store, follower, Outbox(case, []), RunOptions(once=True)).run()
    finally:
        source.rpc.close()
    return {"watch": watch.to_json(), "cash_out": txid, "alerts": [a.to_json() for a in summary.alerts]}


def truth(economy: Economy) -> dict[str, Any]:
    """What the scenario really did: each site payment's customer, and the exchanges that funded each customer."""
    funders: dict[str, set[str]] = {}
    for withdrawal in economy.exchange_withdrawals:
        for customer in withdrawal["customers"]:
            funders.setdefault(customer, set()).add(exchange_name(withdrawal["exchange"]))
    return {
        "seed": SEED, "rounds": ROUNDS, **PARTS, "site_payments": economy.site_payments,
        "funders": {customer: sorted(names) for customer, names in sorted(funders.items())},
        "coinjoins": economy.coinjoins, "site_cashouts": economy.site_cashouts,
        "site_operator_account": {"exchange": exchange_name("exchange1"),
                                  "address": economy.deposit[("exchange1", "customer0")]},
    }  # fmt: skip
