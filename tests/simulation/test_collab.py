"""Each family's builder makes its shape on a real litecoind -regtest node (one node, a few wallets, seconds)."""

from __future__ import annotations

import random
from collections import Counter
from decimal import Decimal

import pytest
from node import litecoind_available

from cointrail.simulation import collab, policies, remix_payjoin
from cointrail.simulation.collab import quantize
from cointrail.simulation.economy import scenario_node
from cointrail.simulation.families import FAMILIES, FamilyEconomy

pytestmark = [pytest.mark.slow, pytest.mark.node]
WALLETS = [f"w{i}" for i in range(10)]


@pytest.fixture(scope="module")
def node(tmp_path_factory: pytest.TempPathFactory):
    if not litecoind_available():
        pytest.skip("litecoind is not installed (scripts/system-deps.sh installs Debian's litecoind)")
    node = scenario_node(tmp_path_factory.mktemp("collab")).start()
    for name in ["miner", *WALLETS]:
        node.rpc("createwallet", name)
    node.mine(130)
    outputs = {}
    for wallet in WALLETS:
        for value in ("1", "2.5", "4", "6", "1.5"):
            outputs[node.rpc("getnewaddress", "", "bech32", wallet=wallet)] = value
    node.rpc("sendmany", "", outputs, wallet="miner")
    node.mine(1)
    yield node
    node.stop()


def _tx(node, txid: str) -> dict:
    node.mine(1)
    tx = node.rpc("getrawtransaction", txid, True)
    assert tx.get("confirmations", 0) >= 1
    return tx


def _values(tx: dict) -> list[Decimal]:
    return [Decimal(str(o["value"])) for o in tx["vout"]]


def test_wasabi1_and_joinmarket(node):
    rng = random.Random(1)
    tx = _tx(node, collab.build_wasabi1(node, rng, WALLETS, Decimal("2"), "w0"))
    counts = Counter(_values(tx))
    assert counts[Decimal("2")] >= 10 and len(tx["vin"]) >= 10
    tx = _tx(node, collab.build_joinmarket(node, rng, "w1", WALLETS[2:7], Decimal("0.73519012")))
    assert Counter(_values(tx))[Decimal("0.73519012")] == 6


def test_whirlpool_with_tx0_and_remixes(node):
    rng = random.Random(2)
    pool = Decimal("1")
    node.rpc("sendmany", "", {node.rpc("getnewaddress", wallet=w): "1" for w in WALLETS[:2]}, wallet="miner")
    for wallet in WALLETS[2:8]:
        assert collab.whirlpool_tx0(node, wallet, pool, 2, "w9", rng)
    node.mine(1)
    tx = _tx(node, collab.build_whirlpool(node, rng, WALLETS, pool, size=7))
    assert len(tx["vin"]) == len(tx["vout"]) == 7 and set(_values(tx)) == {pool}


def test_wabisabi_is_sorted_with_many_inputs_per_wallet(node):
    tx = _tx(node, collab.build_wabisabi(node, random.Random(3), WALLETS, "w0"))
    values = _values(tx)
    assert values == sorted(values, reverse=True) and len(tx["vin"]) > 10
    assert Counter(values).most_common(1)[0][1] >= 2


def test_payjoin_and_a_remix_of_mixed_scripts(node):
    rng = random.Random(4)
    address = node.rpc("getnewaddress", wallet="w2")
    tx = _tx(node, remix_payjoin.build_payjoin(node, rng, "w1", "w2", Decimal("0.5"), address))
    assert len(tx["vin"]) == 2 and max(_values(tx)) > Decimal("0.5")
    kinds = dict(zip(WALLETS, ["legacy", "p2sh-segwit", "bech32"] * 4, strict=False))
    tx = _tx(node, remix_payjoin.build_remix(node, rng, WALLETS, [Decimal("0.4"), Decimal("1.2")], kinds))
    assert len({o["scriptPubKey"]["type"] for o in tx["vout"]}) == 3


def test_change_policies_batches_and_a_consolidation(node):
    rng = random.Random(5)
    for policy in policies.CHANGE_POLICIES:
        address = node.rpc("getnewaddress", "", "legacy", wallet="w3")
        assert policies.pay(node, rng, "w4", address, Decimal("0.1234"), policy), policy
    payees = policies.equal_batch(rng, [node.rpc("getnewaddress", wallet=w) for w in WALLETS[:8]])
    tx = _tx(node, policies.batch_payout(node, rng, "w5", payees, 3))
    assert len(tx["vin"]) >= 3 and Counter(_values(tx)).most_common(1)[0][1] >= 3
    assert _tx(node, policies.consolidate(node, "w6"))["vout"][0]["value"] > 0


def test_a_family_funding_beyond_the_miners_mature_coins_mines_until_it_can_pay(node):
    # The batches family's seeds 11-13, 21 and 22 asked the miner for more than its mature coinbases at setup,
    # and stopped with "Insufficient funds"; the funding must mine until enough coins mature, then pay.
    economy = FamilyEconomy(node, 1)
    height, balance = node.height(), Decimal(str(node.rpc("getbalance", wallet="miner")))
    coin = quantize((balance + 60) / 3)
    economy.fund({"w7": [coin] * 3})
    node.mine(1)
    assert node.height() > height + 1  # it had to mine
    assert Counter(c.amount for c in collab.coins(node, "w7"))[coin] == 3


@pytest.mark.parametrize(
    ("family", "rounds", "shape"), [("payjoin-custodial", 1, "payjoin"), ("whirlpool", 2, "whirlpool")]
)
def test_a_family_economy_plays_its_rounds_and_records_its_truth(tmp_path, family: str, rounds: int, shape: str):
    if not litecoind_available():
        pytest.skip("litecoind is not installed")
    node = scenario_node(tmp_path / "family").start()
    try:
        economy = FAMILIES[family].economy(node, 1, exchanges=2, customers=3, users=3, second_wallets=1)
        economy.setup()
        for _ in range(rounds):
            economy.play_round()
        truth = economy.truth([])
    finally:
        node.stop()
    assert shape in {c["shape"] for c in truth["collaborative"]} and set(truth["coinjoins"]) <= {
        c["txid"] for c in truth["collaborative"]
    }
    assert sum(1 for w, p in truth["people"].items() if w != p) == 1  # one customer keeps a second wallet
