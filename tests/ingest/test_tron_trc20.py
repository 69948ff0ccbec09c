"""Tron's USDT (TRC-20) read through an Ethereum-style JSON-RPC (issue 16): no Tron node can run here, so anvil
started with Tron mainnet's JSON-RPC chain id stands in (the Transfer event is the same), with the project's
USDT-like token at the 0x form of Tron's USDT contract TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t. Only the logs are read,
and the coverage says nothing was verified."""

from __future__ import annotations

import json

import pytest
from evm_proxy import proxy
from loopback import serving

from cointrail.addresses.account import tron_from_hex
from cointrail.cases import create_case
from cointrail.chains.ethereum import abi
from cointrail.chains.ethereum.sources.rpc import EvmRpcSource
from cointrail.cli import main
from cointrail.facts import collect_facts
from cointrail.ingest.evm import ingest_token_logs
from cointrail.report import request_packs
from cointrail.simulation import anvil as chain
from cointrail.store.duckdb.account import AccountStore

pytestmark = [pytest.mark.anvil, pytest.mark.skipif(chain.anvil_binary() is None, reason="anvil missing: "
                                                    "run scripts/evm-tools.sh")]  # fmt: skip
TRON_CHAIN_ID = 0x2B6653DC  # what Tron mainnet's JSON-RPC answers to eth_chainId
TRON_USDT = "0xa614f803b6fd780986a42c78ec9c7f77e6ded13c"  # TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t


def test_trc20_payers_from_logs_only(tmp_path, capsys):
    with chain.Anvil(accounts=5, chain_id=TRON_CHAIN_ID) as node:
        issuer, site, alice, bob, mallory = node.accounts()
        chain.place_contract(node, TRON_USDT, chain.contracts()["TetherLike"]["runtime"], {0: int(issuer, 16)})
        send = "transfer(address,uint256)"
        chain.send(node, issuer, TRON_USDT, data=abi.call_data("issue(uint256)", 10**12))
        chain.send(node, issuer, TRON_USDT, data=abi.call_data(send, alice, 100_000_000))
        chain.send(node, issuer, TRON_USDT, data=abi.call_data(send, bob, 100_000_000))
        node.mine()
        chain.send(node, alice, TRON_USDT, data=abi.call_data(send, site, 30_000_000))
        chain.send(node, bob, TRON_USDT, data=abi.call_data(send, site, 45_000_000))
        chain.send(node, mallory, TRON_USDT, data=abi.call_data(send, site, 0))  # poisoning: zero value
        chain.send(node, alice, bob, 10**18)  # native value (TRX on Tron): not read
        node.mine(2)
        db = tmp_path / "tron.duckdb"
        shown = tron_from_hex(site)
        assert shown.startswith("T")
        args = ["ingest", "--chain", "tron", "--network", "mainnet", "--rpc", node.url, "--db", str(db)]
        assert main([*args, "--around", shown, "--json"]) == 0
        report = json.loads(capsys.readouterr().out)
        assert report["mode"] == "addresses" and report["blocks_fetched"] == 1
        assert main([*args, "--around", tron_from_hex(alice), "--around", tron_from_hex(bob)]) == 0
        capsys.readouterr()
    with AccountStore.open(db, read_only=True) as store:
        assert store.chain == "tron"
        assert store.coverage()[0]["verified"] == "nothing" and store.coverage()[0]["chain_id"] == TRON_CHAIN_ID
        assert store.rows("SELECT count(*) AS n FROM evm_value_transfers")[0]["n"] == 0
    assert main(["payers", "--site", shown, "--db", str(db), "--json"]) == 0
    found = json.loads(capsys.readouterr().out)
    assert sorted((p["address"], p["total"]) for p in found["payers"]) == sorted(
        [(tron_from_hex(alice), 30_000_000), (tron_from_hex(bob), 45_000_000)])
    assert [p["sender"] for p in found["poisoning"]] == [tron_from_hex(mallory)]
    issuer_t = tron_from_hex(issuer)
    assert {p["funding"]["path"][-1] for p in found["payers"]} == {issuer_t}  # unlabelled: the trail ends there
    # The court report's facts of a Tron case: accounts as Tron writes them, USDT in its 6 decimals, the funder
    # named from a label kept in the 0x form, and a freeze request to Tether for what the site still holds.
    with AccountStore.open(db) as store:
        store.add_label(issuer, "Exchange T", "exchange", "test")
    case = create_case("tron-case", root=tmp_path / "cases", operator="Test Operator")
    with AccountStore.open(db, read_only=True) as store:
        facts = collect_facts(case, store, site=[shown])
    payers = facts.findings["payers"]
    assert sorted(p["amount_coin"] + " " + p["asset"] for p in payers["payments"]) == ["30.000000 USDT",
                                                                                      "45.000000 USDT"]
    assert {(t["service"], t["hot_wallet"], t["label_source"]) for p in payers["payers"] for t in p["funding"]} == {
        ("Exchange T", issuer_t, "test")}
    assert [p["sender"] for p in payers["poisoning"]] == [tron_from_hex(mallory)]
    assert facts.ledger["tip_height"] == facts.ledger["coverage"][-1]["to_block"]  # no blocks kept: the logs'
    [held] = payers["holdings"]
    assert (held["address"], held["balance_coin"], held["issuer"]) == (shown, "75.000000", "Tether")
    assert [p["exchange"] for p in request_packs(facts)] == ["Exchange T", "Tether"]


def test_trc20_ingest_asks_the_head_and_the_logs_times_and_senders_in_batches(tmp_path):
    """The head (tip, client, chain id) in one JSON-RPC batch, and every block time and transaction sender the logs
    need in one more, not a request for each; a node refusing batches is asked call by call, with the same store."""
    with chain.Anvil(accounts=4, chain_id=TRON_CHAIN_ID) as node:
        issuer, site, alice, bob = node.accounts()
        chain.place_contract(node, TRON_USDT, chain.contracts()["TetherLike"]["runtime"], {0: int(issuer, 16)})
        send = "transfer(address,uint256)"
        chain.send(node, issuer, TRON_USDT, data=abi.call_data("issue(uint256)", 10**12))
        for payer in (alice, bob):
            chain.send(node, issuer, TRON_USDT, data=abi.call_data(send, payer, 100_000_000))
        node.mine()
        for block in range(3):
            for payer in (alice, bob):
                chain.send(node, payer, TRON_USDT, data=abi.call_data(send, site, 1_000_000 * (block + 1)))
            node.mine()
        stored = {}
        for batches in (True, False):
            seen: list[str] = []
            with serving(proxy(node.url, lambda request, answer=None: None, batches=batches, seen=seen)) as url, \
                    EvmRpcSource(url) as source, AccountStore.open(tmp_path / f"{batches}.duckdb", "tron",
                                                                   "mainnet") as store:  # fmt: skip
                report = ingest_token_logs(store, source, [site])
                stored[batches] = store.token_moves(site), store.coverage()[0]["client_version"]
            assert report.blocks_fetched == 3 and len(stored[batches][0]) == 6
            if batches:  # the head; Transfers from, to, issuer actions; 3 block times and 6 senders
                assert seen == ["batch", "eth_getLogs", "eth_getLogs", "eth_getLogs", "batch"]
            else:
                assert seen.count("eth_getTransactionByHash") == 6 and seen.count("batch") == 2
    assert stored[True] == stored[False] and stored[True][1].startswith("anvil/")
