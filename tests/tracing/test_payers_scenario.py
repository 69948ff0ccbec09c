"""On a real litecoind -regtest economy with known owners: payers and their exchanges found, the peel chain
and the CoinJoins detected, and the commands work on it end to end."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from node import litecoind_available

from benchmarks.payers_accuracy import prepare, score, site_addresses
from benchmarks.scenarios.generate import make_scenario
from cointrail.cli import main
from cointrail.store.duckdb.store import LedgerStore
from cointrail.tracing import detect_patterns, payers, trace

pytestmark = [pytest.mark.slow, pytest.mark.node]


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    if not litecoind_available():
        pytest.skip("litecoind is not installed (scripts/system-deps.sh installs Debian's litecoind)")
    out = tmp_path_factory.mktemp("payers")
    truth = make_scenario(out, seed=7, rounds=18)
    prepare(out / "ledger.duckdb", truth)
    return out / "ledger.duckdb", truth


def test_payers_finds_the_customers_and_the_exchange_that_funded_each(scenario):
    db, truth = scenario
    with LedgerStore.open(db, read_only=True) as store:
        result = payers(store, site_addresses(truth)).to_dict()
    figures = score(result, truth)
    assert figures["payments_found"] == figures["payments"]
    assert figures["payer_recall"] == 1.0 and figures["payer_precision"] == 1.0
    assert figures["exchange_recall"] >= 0.9 and figures["exchange_precision"] >= 0.9
    trail = next(p for p in result["payers"] if p["funding"])["funding"][0]
    assert trail["steps"][0]["txid"] == trail["withdrawal_txid"] and trail["category"] == "exchange"
    assert result["patterns"][0]["confidence"] >= 0.5  # subscription-style


def test_the_site_cluster_gives_the_same_payments(scenario):
    db, truth = scenario
    with LedgerStore.open(db, read_only=True) as store:
        by_address = payers(store, site_addresses(truth)).to_dict()
        cluster_id = by_address["site"]["cluster_ids"][0]
        by_cluster = payers(store, cluster_id).to_dict()
    paid = {p["txid"] for p in truth["site_payments"]}
    found = {p["txid"] for p in by_cluster["payments"]}
    assert found <= {p["txid"] for p in by_address["payments"]} and len(found & paid) > 0


def test_the_peel_chain_and_the_coinjoins_are_detected(scenario):
    db, truth = scenario
    with LedgerStore.open(db, read_only=True) as store:
        found = detect_patterns(store)
    chains = [set(f.txids) for f in found if f.kind == "peel_chain"]
    assert any(set(truth["peel_chain"]) <= chain for chain in chains)
    assert set(truth["coinjoins"]) <= {t for f in found if f.kind == "coinjoin" for t in f.txids}


def test_cashouts_traced_forward_end_at_the_exchange(scenario):
    db, truth = scenario
    site = truth["site_payments"][0]["address"]
    with LedgerStore.open(db, read_only=True) as store:
        ends = trace(store, site, hops=3).to_dict()["ends"]
    assert {e["service"] for e in ends if e["reason"] == "service"} == {"exchange1"}


def test_payers_command(scenario, capsys):
    db, truth = scenario
    args = ["payers", "--db", str(db), "--json"] + [a for s in site_addresses(truth)[:5] for a in ("--site", s)]
    assert main(args) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["totals"]["payments"] == 5 and data["services"]
