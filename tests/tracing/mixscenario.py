"""A litecoind -regtest economy where customers mix their coins in a CoinJoin before they pay a site.

Two exchanges pay out to customers: ``exA`` to four of them (larger amounts), ``exB`` to ``c4`` (small amounts)
and to ``c5``. Customers c0…c4 put every coin they hold (two each) into one CoinJoin: one equal output each, a
change each, and a coordinator's fee output — the shape issue 12 found undetected, where the multi-input
heuristic merged the participants and tracing named the wrong exchange at "funded by". Then c0 and c4 pay the
site from their mixed coins, and c5 (who never mixed) pays it from its exB payout.

Money backward from c4's payment, split by value over the CoinJoin's inputs, comes mostly from exA's payouts to
other people: naming exA as c4's funder is exactly the wrong answer the proof must rule out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from benchmarks.payers_accuracy import prepare
from benchmarks.scenarios.generate import ingest
from cointrail.simulation import collab, scenario_node
from cointrail.store.duckdb.store import LedgerStore

MIXERS = ("c0", "c1", "c2", "c3", "c4")
DENOMINATION = Decimal("0.2")
COORDINATOR_FEE = Decimal("0.001")
MINER_FEE_SHARE = Decimal("0.0002")  # each participant's share of the mining fee
# Different amounts for everyone, as real payouts are (equal changes would look like a second denomination).
PAYOUTS = {"exA": {f"c{i}": (Decimal("1.31234567") + i * Decimal("0.10101"),
                             Decimal("0.92345678") - i * Decimal("0.0303")) for i in range(4)},
           "exB": {"c4": (Decimal("0.31234567"), Decimal("0.25432109")), "c5": (Decimal("1.21234567"),)}}
PAYMENTS = {"c0": Decimal("0.1"), "c4": Decimal("0.25"), "c5": Decimal("0.5")}


@dataclass
class MixScenario:
    db: Path
    coinjoin: str = ""
    payments: dict[str, str] = field(default_factory=dict)  # customer -> txid of its payment to the site
    site: dict[str, str] = field(default_factory=dict)  # customer -> the site address it paid
    funded_by: dict[str, str] = field(default_factory=dict)  # customer -> the exchange that truly paid it
    truth: dict[str, Any] = field(default_factory=dict)


def _coinjoin(node: Any) -> str:
    """Every coin of every mixer in, one equal output and one change per mixer and the coordinator's fee out."""
    inputs: list[collab.Coin] = []
    outputs: list[tuple[str, Decimal]] = []
    for wallet in MIXERS:
        held = collab.coins(node, wallet)
        inputs += held
        change = sum(c.amount for c in held) - DENOMINATION - MINER_FEE_SHARE - COORDINATOR_FEE / len(MIXERS)
        outputs += [(collab.new_address(node, wallet), DENOMINATION), (collab.new_address(node, wallet), change)]
    outputs.append((collab.new_address(node, "coordinator"), COORDINATOR_FEE))
    return collab.psbt_join(node, inputs, outputs)


def _owners(node: Any, db: Path, wallets: list[str]) -> dict[str, str]:
    with LedgerStore.open(db, read_only=True) as store:
        addresses = [r[0] for r in store.rows("SELECT address FROM addresses WHERE address IS NOT NULL")]
    owners = {}
    for wallet in wallets:
        for address in addresses:
            if address not in owners and node.rpc("getaddressinfo", address, wallet=wallet).get("ismine"):
                owners[address] = wallet
    return owners


def _play(node: Any, scenario: MixScenario) -> None:
    node.mine(101 + 10, node.rpc("getnewaddress", wallet="miner"))
    floats = {node.rpc("getnewaddress", wallet=ex): "20" for ex in PAYOUTS}
    node.rpc("sendmany", "", floats, wallet="miner")
    node.mine(1)
    for exchange, customers in PAYOUTS.items():
        batch = {node.rpc("getnewaddress", wallet=c): str(v) for c, values in customers.items() for v in values}
        node.rpc("sendmany", "", batch, wallet=exchange)
        scenario.funded_by.update(dict.fromkeys(customers, exchange))
    node.mine(1)
    scenario.coinjoin = _coinjoin(node)
    node.mine(1)
    for customer, price in PAYMENTS.items():
        address = node.rpc("getnewaddress", "", "bech32", wallet="site")
        scenario.payments[customer] = node.rpc("sendtoaddress", address, str(price), wallet=customer)
        scenario.site[customer] = address
    node.mine(1)


def make_mix_scenario(out: Path) -> MixScenario:
    """Play the scenario on a fresh node, ingest it, cluster it with the default heuristics, label the exchanges."""
    scenario = MixScenario(out / "ledger.duckdb")
    node = scenario_node(out / "node").start()
    try:
        wallets = ["miner", *PAYOUTS, *MIXERS, "c5", "site", "coordinator"]
        for name in wallets:
            node.rpc("createwallet", name)
        _play(node, scenario)
        ingest(node, scenario.db)
        roles = {w: "exchange" if w in PAYOUTS else "other" for w in wallets}
        scenario.truth = {"owners": _owners(node, scenario.db, list(PAYOUTS)), "roles": roles}
    finally:
        node.stop()
    prepare(scenario.db, scenario.truth)
    return scenario
