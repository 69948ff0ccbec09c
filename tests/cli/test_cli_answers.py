"""The CLI's answers on a hand-made chain (no node needed): coins and UTC times, coinbases, empty stores,
the case's operator, and the captured addresses a store can answer for (issue 13)."""

from __future__ import annotations

import json

import pytest

from cointrail.cases import create_case, open_case
from cointrail.cases.site import captured_site_addresses
from cointrail.chains.bitcoin.model import display_hash
from cointrail.cli import main
from cointrail.simulation.named_chain import COIN, ChainBuilder
from cointrail.store.duckdb.store import LedgerStore

TB1 = "tb1qafu0j33wfw34wvs4mgpv83z2xf6mgdc0yd4jhn"  # a Bitcoin testnet address, met on a Litecoin site's page
XMR = "4AdUndXHHZ6cfufTMvppY6JwXNouMBzSkbLYfpAV5Usx3skxNgYeYTRj5UzqtReoS44qo9mtmXCqY45DJ852K5Jv2684Rge"


@pytest.fixture
def chain(tmp_path):
    built = ChainBuilder(tmp_path / "ledger.duckdb")
    built.block(miner="miner")
    built.block(built.tx("pay", [("cb0", 0)], [("site", COIN // 4), ("change", 49 * COIN + COIN // 2)]))
    built.close()
    return built


def _run(capsys, *args):
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_a_coinbase_transaction_is_shown_in_text(chain, capsys):
    code, out, err = _run(capsys, "tx", display_hash(chain.txids["cb0"]), "--db", str(chain.store.path))
    assert code == 0, err
    assert "coinbase (newly mined coins" in out and "fee none (coinbase)" in out and "50 LTC" in out


def test_address_info_gives_coins_and_utc_times_and_json_base_units(chain, capsys):
    args = ("address-info", chain.address("site"), "--db", str(chain.store.path))
    code, out, _ = _run(capsys, *args)
    assert code == 0 and "received: 0.25 LTC in 1 output" in out and "base units" not in out
    assert "first seen: 2020-09-13T12:29:10Z (block 1), transaction" in out
    code, out, _ = _run(capsys, *args, "--json")
    assert json.loads(out)["received"] == COIN // 4 and json.loads(out)["first_seen"]["time"] == 1_600_000_150


def test_trace_and_cluster_show_name_the_coin(chain, capsys):
    db = str(chain.store.path)
    code, out, _ = _run(capsys, "trace", chain.address("site"), "--db", db, "--direction", "backward")
    assert code == 0 and "(0.25 LTC)" in out and " coins" not in out
    assert _run(capsys, "cluster", "build", "--db", db)[0] == 0
    code, out, _ = _run(capsys, "cluster", "show", chain.address("site"), "--db", db)
    assert code == 0 and "received 0.25 LTC, sent 0 LTC, balance 0.25 LTC" in out


@pytest.mark.parametrize("question", [("address-info", "ADDRESS"), ("tx", "ab" * 32), ("block", "0"),
                                      ("cluster", "show", "ADDRESS"), ("trace", "ADDRESS"),
                                      ("payers", "--site", "ADDRESS")])  # fmt: skip
def test_a_store_without_blocks_says_so(tmp_path, capsys, question):
    db = tmp_path / "empty.duckdb"
    LedgerStore.open(db, "litecoin", "regtest").close()
    args = [TB1 if part == "ADDRESS" else part for part in question]
    code, _, err = _run(capsys, *args, "--db", str(db))
    assert code == 2 and "holds no blocks yet: run cointrail ingest --chain litecoin --network regtest" in err


def test_the_case_operator_is_the_default_of_everything_done_in_it(tmp_path, monkeypatch):
    monkeypatch.delenv("COINTRAIL_OPERATOR", raising=False)
    create_case("c1", tmp_path, operator="A. Investigator")
    assert open_case("c1", tmp_path).operator == "A. Investigator"
    assert open_case("c1", tmp_path, "B. Colleague").operator == "B. Colleague"
    monkeypatch.setenv("COINTRAIL_OPERATOR", "C. From Env")
    assert open_case("c1", tmp_path).operator == "C. From Env"


def _findings(case, *addresses):
    rows = b"".join(json.dumps({"address": a, "source": "http-response"}).encode() + b"\n" for a in addresses)
    case.add_evidence(rows, ".findings.jsonl", "capture.findings")


def test_captured_addresses_of_another_chain_or_a_privacy_coin_are_left_out_with_why(chain, tmp_path, capsys):
    case = create_case("site-case", tmp_path / "cases", operator="tester")
    _findings(case, chain.address("site"), TB1, XMR)
    selection = captured_site_addresses(case, "litecoin", "regtest")
    assert selection.addresses == [chain.address("site")]
    assert [i["address"] for i in selection.left_out] == [TB1] and [i["address"] for i in selection.private] == [XMR]
    assert "the store holds litecoin regtest" in selection.note() and "privacy-coin" in selection.note()
    code, out, err = _run(capsys, "payers", "--db", str(chain.store.path), "--case", "site-case", "--cases-dir",
                          str(tmp_path / "cases"))  # fmt: skip
    assert code == 0, err
    assert "1 payment (0.25 LTC)" in out and "left out: the store holds litecoin regtest" in out
