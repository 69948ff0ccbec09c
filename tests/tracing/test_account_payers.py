"""The payers of a site on Ethereum (issue 16), on a ground-truth economy played on a real anvil: every payment in
ether and USDT found, each payer's funding exchange named, poisoning never counted, the site's cash-out found at
the exchange's deposit address; the same answers from a case-scoped ingest that widens hop by hop."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from cointrail.chains.ethereum.sources.rpc import EvmRpcSource
from cointrail.cli import main
from cointrail.ingest.evm import ingest_evm, ingest_until_payers_traced
from cointrail.simulation import anvil as chain
from cointrail.simulation.evm_economy import EvmEconomyConfig, EvmTruth, accounts_needed, generate
from cointrail.store.duckdb.account import AccountStore
from cointrail.tracing.deposits import deposit_addresses

pytestmark = [pytest.mark.anvil, pytest.mark.skipif(chain.anvil_binary() is None, reason="anvil missing: "
                                                    "run scripts/evm-tools.sh")]  # fmt: skip
CONFIG = EvmEconomyConfig(seed=3, customers=10)


@pytest.fixture(scope="module")
def economy() -> Iterator[tuple[chain.Anvil, EvmTruth]]:
    with chain.Anvil(accounts=accounts_needed(CONFIG), balance_eth=0) as node:
        yield node, generate(node, CONFIG)


def _label_by_cli(db: Path, truth: EvmTruth, cases: Path) -> None:
    """The investigator labels the exchanges' hot wallets in a case, and in the Ethereum store."""
    assert main(["case", "new", "eth-case", "--cases-dir", str(cases)]) == 0
    for name, wallets in truth.exchanges.items():
        assert main(["label", "add", wallets["hot"], "--label", name, "--category", "exchange", "--case", "eth-case",
                     "--cases-dir", str(cases), "--db", str(db)]) == 0  # fmt: skip


def _label(db: Path, truth: EvmTruth) -> None:
    with AccountStore.open(db) as store:
        for name, wallets in truth.exchanges.items():
            store.add_label(wallets["hot"], name, "exchange", "the scenario's truth")


def _score(found: dict, truth: EvmTruth) -> tuple[float, float]:
    paid = {p["tx_hash"] for payer in found["payers"] for p in payer["payments"]}
    true = {str(p["tx_hash"]) for p in truth.payments}
    assert paid <= true and not paid & truth.poisoning_txs and not paid & truth.failed_txs
    right = [truth.funding[(p["address"], p["asset"])] == p["funding"]["exchange"] for p in found["payers"]]
    return len(paid & true) / len(true), sum(right) / len(right)


def test_payers_in_ether_usdt_and_usdc_with_their_funding_exchange(economy, tmp_path, capsys):
    node, truth = economy
    db = tmp_path / "eth.duckdb"
    assert main(["ingest", "--chain", "ethereum", "--network", "devnet", "--rpc", node.url, "--db", str(db)]) == 0
    _label_by_cli(db, truth, tmp_path / "cases")
    capsys.readouterr()
    assert main(["payers", "--site", truth.site, "--db", str(db), "--json"]) == 0
    found = json.loads(capsys.readouterr().out)
    recall, funding_right = _score(found, truth)
    assert recall == 1.0 and funding_right == 1.0
    assert {p["asset"] for p in found["payers"]} == {"ETH", "USDT", "USDC"}
    assert {p["tx_hash"] for p in found["poisoning"]} <= truth.poisoning_txs and found["poisoning"]
    assert [(c["deposit_address"], c["exchange"]) for c in found["cash_outs"]] == list(truth.site_cash_out.items())
    outside = [p for p in found["payers"] if truth.funding[(p["address"], p["asset"])] is None]
    assert outside and all("genesis" in p["funding"]["reason"] for p in outside)
    assert all(p["amount"] == f"{p['value'] / 10**6:g} {p['asset']}" for p in found["poisoning"])  # USDT, USDC
    assert main(["payers", "--site", truth.site, "--db", str(db)]) == 0
    told = capsys.readouterr().out
    assert "never counted as payments" in told
    first = found["poisoning"][0]
    assert f"{first['amount']} from {first['sender']} to {first['receiver']} in {first['tx_hash']}" in told
    with AccountStore.open(db, read_only=True) as store:
        detected = deposit_addresses(store)
    assert detected == {a: detected[a] for a in truth.used_deposits}  # contract deposit wallets too
    assert all(truth.used_deposits[a] == d.exchange for a, d in detected.items())


def test_address_info_of_an_account(economy, tmp_path, capsys):
    node, truth = economy
    db = tmp_path / "eth.duckdb"
    assert main(["ingest", "--chain", "ethereum", "--network", "devnet", "--rpc", node.url, "--db", str(db)]) == 0
    capsys.readouterr()
    assert main(["address-info", truth.site, "--db", str(db), "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    ether = next(a for a in info["assets"] if a["asset"] == "ETH")
    paid = sum(int(p["value"]) for p in truth.payments if p["asset"] == "ETH")
    assert ether["received"] == paid and info["suspected_poisoning"] and info["coverage"].endswith("whole history")
    assert main(["address-info", truth.site, "--db", str(db)]) == 0
    assert "suspected poisoning, not counted" in capsys.readouterr().out
    _label(db, truth)
    deposit, exchange = next(iter(truth.site_cash_out.items()))
    assert main(["address-info", truth.site, "--db", str(db), "--json"]) == 0
    assert [(d["deposit_address"], d["exchange"]) for d in json.loads(capsys.readouterr().out)["deposits"]] == [
        (deposit, exchange)]
    assert main(["address-info", deposit, "--db", str(db), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["deposit_of"]["users"] == [truth.site]


def test_case_scoped_ingest_widens_from_the_site_to_the_funders(economy, tmp_path):
    node, truth = economy
    db = tmp_path / "scoped.duckdb"
    with EvmRpcSource(node.url) as source:
        found, rounds = _widen(db, source, truth)
    assert 1 <= rounds <= 3
    assert _score(found, truth) == (1.0, 1.0)


def _widen(db: Path, source: EvmRpcSource, truth: EvmTruth) -> tuple[dict, int]:
    """Ingest around the site, then around each dead end the payers' funding reports as not fetched."""
    with AccountStore.open(db, "ethereum", "devnet") as store:
        ingest_evm(store, source, around=[truth.site])
    _label(db, truth)
    widened = ingest_until_payers_traced(db, source, [truth.site], max_rounds=10)
    return widened.payers.to_json(), widened.rounds


def test_trace_forward_to_the_cash_out_and_back_to_the_funding_exchange(economy, tmp_path, capsys):
    node, truth = economy
    db = tmp_path / "eth.duckdb"
    assert main(["ingest", "--chain", "ethereum", "--network", "devnet", "--rpc", node.url, "--db", str(db)]) == 0
    _label(db, truth)
    deposit, exchange = next(iter(truth.site_cash_out.items()))
    for model in ("fifo", "haircut", "poison"):
        capsys.readouterr()
        assert main(["trace", truth.site, "--db", str(db), "--model", model, "--json"]) == 0
        ends = json.loads(capsys.readouterr().out)["ends"]
        assert [(e["address"], f"a deposit address of {exchange}" in e["why"]) for e in ends] == [(deposit, True)]
    funded = sorted((key, funder) for key, funder in truth.funding.items() if funder is not None)
    some = [f for f in funded if f[0][1] == "ETH"][:3] + [f for f in funded if f[0][1] != "ETH"][:3]
    for (payer, asset), funder in some:
        assert main(["trace", payer, "--db", str(db), "--direction", "backward", "--asset", asset, "--hops", "4",
                     "--json"]) == 0  # fmt: skip
        ends = json.loads(capsys.readouterr().out)["ends"]
        hot = truth.exchanges[funder]["hot"]
        assert any(e["address"] == hot and "legal process" in e["why"] for e in ends), (payer, asset)
    assert main(["trace", truth.site, "--db", str(db)]) == 0
    assert "ends at" in capsys.readouterr().out
