"""The demo runs the whole investigation end to end, offline, as a new user would run it (a real process)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from cointrail.cases import open_case
from cointrail.chains.bitcoin.sources.archive import Replay
from cointrail.simulation import litecoind_available
from cointrail.simulation.anvil import anvil_binary

needs_node = pytest.mark.skipif(not litecoind_available(), reason="litecoind is not installed (scripts/system-deps.sh)")


def _demo(workdir: Path, *options: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "cointrail", "demo", "--workdir", str(workdir), *options],
                          capture_output=True, text=True, timeout=300, env=env)  # fmt: skip


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    if not litecoind_available():
        pytest.skip("litecoind is not installed (scripts/system-deps.sh)")
    result = _demo(tmp_path_factory.mktemp("demo"), "--json")
    assert result.returncode == 0, result.stderr
    data: dict[str, Any] = json.loads(result.stdout)
    return data


@pytest.mark.slow
@pytest.mark.node
def test_the_capture_finds_the_site_addresses_with_their_tricks(demo):
    found = {item["address"]: item for item in demo["capture"]["summary"]["addresses"]}
    site = list(dict.fromkeys(p["address"] for p in demo["scenario"]["site_payments"]))
    assert set(site) <= set(found)
    assert found[site[2]]["amounts"] == ["0.15 LTC"]  # the payment URI
    assert "qr-code" in found[site[2]]["sources"]  # the QR code drawn at run time
    assert found[site[3]]["tricks"]  # hidden with zero-width spaces
    assert all(check["valid"] for check in demo["address_checks"])


@pytest.mark.slow
@pytest.mark.node
def test_every_payment_is_priced_in_dollars_with_prices_that_say_they_are_invented(demo):
    from cointrail.demo.scenario import DEMO_PRICE_SOURCE

    payments = demo["payers"]["payments"]
    assert payments and all(p["fiat"] and p["fiat"]["currency"] == "USD" for p in payments)
    assert {p["fiat"]["source"] for p in payments} == {DEMO_PRICE_SOURCE}
    assert "not market data" in DEMO_PRICE_SOURCE
    total = demo["payers"]["totals"]["fiat"]
    assert total["value"] == pytest.approx(sum(p["fiat"]["value"] for p in payments), abs=0.011)


@pytest.mark.slow
@pytest.mark.node
def test_the_payers_are_the_customers_with_the_exchange_that_funded_them(demo):
    truth = demo["scenario"]
    customer_of = {p["txid"]: p["customer"] for p in truth["site_payments"]}
    found = demo["payers"]
    assert {p["txid"] for p in found["payments"]} == set(customer_of)
    payers_of = [{customer_of[txid] for txid in payer["txids"]} for payer in found["payers"]]
    assert all(len(customers) == 1 for customers in payers_of)  # no payer mixes two customers
    assert set().union(*payers_of) == set(customer_of.values())  # every customer found
    named = [(c.pop(), p["funded_by"]) for c, p in zip(payers_of, found["payers"], strict=True) if p["funded_by"]]
    assert len(named) >= len(found["payers"]) // 2
    assert all(exchange in truth["funders"][customer] for customer, exchange in named)


@pytest.mark.slow
@pytest.mark.node
def test_without_a_node_the_crawl_finds_the_same_payers_and_funding_exchanges(demo):
    truth, light, crawl = demo["scenario"], demo["light"], demo["light"]["crawl"]
    customer_of = {p["txid"]: p["customer"] for p in truth["site_payments"]}
    found = light["payers"]
    assert {p["txid"] for p in found["payments"]} == set(customer_of)
    # clustered as the full store is: the same paying wallets, each one customer's, funded by one of its exchanges
    assert light["same"]["same_wallets"] == len(found["payers"]) == len(demo["payers"]["payers"])
    for payer in found["payers"]:
        (customer,) = {customer_of[txid] for txid in payer["txids"]}
        assert payer["funded_by"] is None or payer["funded_by"] in truth["funders"][customer]
    assert light["same"]["same_funder"] == light["same"]["funded"] >= len(found["payers"]) // 2
    assert crawl["fetched"] < demo["ingest"]["transactions"]  # only what lies around the site
    assert found["coverage"]["sparse"] and light["summary"]["transactions"] == crawl["fetched"]
    # every request and its answer is evidence in the case, custody-logged, and replays offline
    folder = Path(demo["capture"]["case_folder"])
    (archive,) = crawl["archives"]
    logged = [e["object"] for e in open_case(folder.name, root=folder.parent).log.entries()
              if e["action"] == "light-source.warc"]  # fmt: skip
    assert logged == [archive["path"]]
    answers = Replay.read(folder / archive["path"]).http.values()
    assert sum(len(kept) for kept in answers) == crawl["requests"]


def _payer(txids: list[str], funded_by: str | None, **unresolved: int) -> dict[str, Any]:
    return {"txids": txids, "funded_by": funded_by, "payer_addresses": [f"addr-{txids[0]}"], "unresolved": unresolved}


def test_the_no_node_step_says_when_the_crawl_missed_a_payment_or_named_another_exchange():
    from cointrail.cli.demo_cmd import _light_verdict
    from cointrail.demo.light import compare

    full = {"payers": [_payer(["a", "b"], "Exchange 1"), _payer(["c"], None, origin=7)]}
    light = {"payers": [_payer(["a"], "Exchange 2"), _payer(["c"], None, not_fetched=7)]}
    same = compare(full, light)
    assert (same["payments_found"], same["payments_missed"], same["other_funder"]) == (2, ["b"], ["a"])
    assert (same["same_wallets"], same["same_funder"], same["funded"]) == (1, 0, 1)
    assert same["cut_short"] == [{"payer_addresses": ["addr-c"], "not_fetched": 7, "funded_by": None,
                                  "on_full": {"origin": 7}}]  # fmt: skip
    verdict = _light_verdict(same)
    assert "the same 3 payments" not in verdict and "found 2 of the full store's 3 payments" in verdict
    assert "the same exchange behind 0 of the 1 wallet traced to one there" in verdict
    assert "the same 3 payments" in _light_verdict(compare(full, full))
    assert "the same exchange behind the 1 wallet traced to one there" in _light_verdict(compare(full, full))


@pytest.mark.slow
@pytest.mark.node
def test_the_report_and_request_packs_are_evidence_and_the_case_is_intact(demo):
    folder = Path(demo["capture"]["case_folder"])
    case = open_case(folder.name, root=folder.parent)
    logged = {entry["object"] for entry in case.log.entries()}
    files = demo["report"]["files"]
    assert "pdf" in files or any("pango" in warning for warning in demo["report"]["warnings"])
    for item in files.values():
        assert (folder / item["path"]).is_file() and item["path"] in logged
    if "pdf" in files:  # the PDF is opened and read, as a prosecutor would
        text = "".join(page.extract_text() for page in PdfReader(folder / files["pdf"]["path"]).pages)
        assert "Demo Exchange" in text
    operator = demo["scenario"]["site_operator_account"]["exchange"]
    to_ask = {p["funded_by"] for p in demo["payers"]["payers"]} | {operator}
    assert demo["request_packs"] and {pack["exchange"] for pack in demo["request_packs"]} <= to_ask
    assert all(pack["files"]["letter"]["path"] in logged for pack in demo["request_packs"])
    reports = {r["format"]: Path(r["out"]) for r in demo["reports"]}
    assert set(reports) == {"cybertip", "cybertip-sheet", "goaml", "sar-sheet"}
    assert all(f"export:{path.name}" in logged and path.is_file() for path in reports.values())
    assert all(p["txids"][0] in reports["goaml"].read_text() for p in demo["payers"]["payers"])
    assert demo["verification"]["intact"]
    assert demo["tamper_test"]["caught"]
    # The demo's speed is measured in the README from a fresh clone, not asserted here: a timed test fails on a
    # loaded machine and proves nothing. Here only that every step's time is reported.
    assert demo["timings"]["total_seconds"] > 0


@pytest.mark.slow
@pytest.mark.node
@needs_node
def test_the_text_tells_the_story(tmp_path):
    result = _demo(tmp_path)
    assert result.returncode == 0, result.stderr
    for words in ("Step 1: the chain", "zero-width", "who paid the site", "funded by Demo Exchange",
                  "Ask Demo Exchange", "request pack:", ".report.html", "intact", "caught by verify",
                  "from an Esplora server", "found the same 11 payments from the same 8 paying wallets",
                  "Where its coverage is incomplete", "funding transactions lie beyond the 2 hops"):
        assert words in result.stdout, words
    ethereum = ("payers in ETH and USDT", "(USDT): ", "funded by Exchange", "never counted as payments") \
        if anvil_binary() else ("anvil is missing: run scripts/evm-tools.sh",)
    for words in ethereum:
        assert words in result.stdout, words


@pytest.mark.slow
@pytest.mark.node
@pytest.mark.anvil
@pytest.mark.skipif(anvil_binary() is None, reason="anvil missing: run scripts/evm-tools.sh")
def test_the_ethereum_leg_finds_the_payers_in_ether_and_usdt_and_keeps_poisoning_apart(demo):
    eth, truth = demo["ethereum"], demo["ethereum"]["truth"]
    found = eth["payers"]
    paid = {p["tx_hash"] for payer in found["payers"] for p in payer["payments"]}
    assert paid == {p["tx_hash"] for p in truth["payments"]}  # every payment, nothing else
    assert {p["asset"] for p in found["payers"]} == {"ETH", "USDT"}
    funders = {(f["payer"], f["asset"]): f["exchange"] for f in truth["funding"]}
    assert {(p["address"], p["asset"]): p["funding"]["exchange"] for p in found["payers"]} == funders
    for payer in found["payers"]:  # the withdrawal named comes from the exchange's hot wallet
        if payer["funding"]["exchange"]:
            assert payer["funding"]["withdrawal_tx"]
            assert payer["funding"]["hot_wallet"] == truth["exchanges"][payer["funding"]["exchange"]]["hot"]
    poisoning = {p["tx_hash"] for p in found["poisoning"]}
    assert poisoning and poisoning <= set(truth["poisoning_txs"]) and not poisoning & paid
    assert not paid & set(truth["failed_txs"])
    # the hot-wallet labels are evidence in the case, and the case verified intact with them
    folder = Path(demo["capture"]["case_folder"])
    logged = {entry["object"] for entry in open_case(folder.name, root=folder.parent).log.entries()}
    assert len(eth["labels"]) == 2 and all(label["evidence"] in logged for label in eth["labels"])
    assert eth["ingest"]["blocks"] <= eth["ingest"]["tip"] + 1  # case-scoped: only the blocks it needed


def test_without_anvil_the_ethereum_leg_says_so_in_one_line(tmp_path, monkeypatch):
    """anvil's absence, as on a machine where scripts/evm-tools.sh was not run (the program is hidden, not faked)."""
    from cointrail.cases import create_case
    from cointrail.cli.demo_cmd import _render_ethereum
    from cointrail.demo import ethereum
    from cointrail.demo.investigation import Steps

    said: list[str] = []
    monkeypatch.setattr(ethereum.anvil, "anvil_binary", lambda: None)
    case = create_case("no-anvil", root=tmp_path / "cases", operator="test")
    leg = ethereum.ethereum_leg(Steps(said.append), case, tmp_path)
    assert leg == {"missing": "anvil is missing: run scripts/evm-tools.sh"}
    assert said == ["anvil is missing: run scripts/evm-tools.sh (the Ethereum leg is left out)."]
    (line,) = _render_ethereum(leg)
    assert line.strip().startswith("anvil is missing: run scripts/evm-tools.sh")


def test_without_litecoind_the_demo_says_how_to_install_it(tmp_path):
    env = {**os.environ, "PATH": str(tmp_path)}  # no litecoind on this PATH
    result = _demo(tmp_path / "work", env=env)
    assert result.returncode == 3
    assert "litecoind is not installed: run ./scripts/demo" in result.stderr
    assert "Traceback" not in result.stderr
