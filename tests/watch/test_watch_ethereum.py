"""``watch run`` on Ethereum against a real anvil: a watched site account's USDT moved into a labelled exchange's
hot wallet raises an urgent alert with the exchange's and Tether's freeze requests; USDT to an unknown account
raises Tether's alone; a payment in is a 'received' alert; nothing is raised twice. And Tron's USDT, read as
logs through Tron's Ethereum-style JSON-RPC."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from cointrail.addresses.account import tron_from_hex
from cointrail.cases import create_case
from cointrail.cases.verify import verify_case
from cointrail.chains.ethereum import abi
from cointrail.cli import main
from cointrail.labels.investigator import add_investigator_label
from cointrail.simulation import anvil
from cointrail.watch import add_watch, case_alerts

pytestmark = [pytest.mark.anvil, pytest.mark.slow]

OPERATOR = "A. Investigator"


@pytest.fixture
def chain(tmp_path: Path) -> Iterator[dict[str, Any]]:
    if anvil.anvil_binary() is None:
        pytest.skip("anvil is not installed (scripts/evm-tools.sh installs it)")
    node = anvil.Anvil(accounts=5).start()
    try:
        issuer, site, hot, stranger, payer = node.accounts()[:5]
        usdt = anvil.place_usdt(node, issuer)
        anvil.send(node, issuer, usdt, data=abi.call_data("issue(uint256)", 10**12), gas=80_000)
        anvil.send(node, issuer, usdt, data=abi.call_data("transfer(address,uint256)", site, 500 * 10**6), gas=80_000)
        node.mine_all()
        case = create_case("op-eth-watch", tmp_path / "cases", OPERATOR)
        add_investigator_label(case, hot, "Exchange A hot wallet", "exchange")
        add_watch(case, [site], note="the site's account")
        yield {"node": node, "usdt": usdt, "site": site.lower(), "hot": hot.lower(), "stranger": stranger.lower(),
               "payer": payer, "case": case, "cases": tmp_path / "cases", "db": tmp_path / "eth.duckdb"}
    finally:
        node.stop()


def _run(c: dict[str, Any]) -> None:
    code = main(["watch", "run", "--case", c["case"].name, "--cases-dir", str(c["cases"]), "--rpc", c["node"].url,
                 "--db", str(c["db"]), "--chain", "ethereum", "--network", "devnet", "--once",
                 "--operator", OPERATOR])  # fmt: skip
    assert code == 0


def _usdt(c: dict[str, Any], to: str, units: int) -> str:
    return anvil.send(c["node"], c["site"], c["usdt"], data=abi.call_data("transfer(address,uint256)", to, units),
                      gas=80_000)  # fmt: skip


def test_usdt_into_an_exchange_and_elsewhere_is_alerted_with_the_freeze_requests(chain: dict[str, Any]) -> None:
    c = chain
    _run(c)  # the first run: from the tip on
    into_exchange = _usdt(c, c["hot"], 300 * 10**6)
    elsewhere = _usdt(c, c["stranger"], 50 * 10**6)
    paid = anvil.send(c["node"], c["payer"], c["site"], 10**17)
    c["node"].mine_all()
    _run(c)
    alerts = {a.txid: a for a in case_alerts(c["case"])}
    assert set(alerts) == {into_exchange, elsewhere, paid}

    urgent = alerts[into_exchange]
    assert urgent.kind == "spent" and urgent.urgent and urgent.amount_text == "300 USDT"
    assert [d["kind"] for d in urgent.destinations] == ["service"]
    assert "Exchange A hot wallet" in urgent.headline
    assert [r["exchange"] for r in urgent.freeze_requests] == ["Exchange A hot wallet", "Tether"]
    assert all("300 USDT" in r["text"] and into_exchange in r["text"] for r in urgent.freeze_requests)

    tether_only = alerts[elsewhere]
    assert tether_only.urgent and [r["exchange"] for r in tether_only.freeze_requests] == ["Tether"]
    assert c["stranger"] in tether_only.freeze_requests[0]["text"]

    incoming = alerts[paid]
    assert incoming.kind == "received" and incoming.amount_text == "0.1 ETH" and not incoming.urgent

    _run(c)  # nothing new: nothing raised twice
    assert len(case_alerts(c["case"])) == 3
    assert verify_case(c["case"]).intact


TRON_CHAIN_ID = 0x2B6653DC  # what Tron mainnet's JSON-RPC answers to eth_chainId
TRON_USDT = "0xa614f803b6fd780986a42c78ec9c7f77e6ded13c"  # TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t, in the 0x form


def test_tron_usdt_leaving_a_watched_account_comes_with_tethers_freeze_request(tmp_path: Path) -> None:
    # No Tron node runs here: anvil with Tron's JSON-RPC chain id stands in (the Transfer event is the same), with
    # the project's USDT-like token at the 0x form of Tron's USDT contract. Only the logs are read.
    if anvil.anvil_binary() is None:
        pytest.skip("anvil is not installed (scripts/evm-tools.sh installs it)")
    with anvil.Anvil(accounts=4, chain_id=TRON_CHAIN_ID) as node:
        issuer, site, hot, _ = node.accounts()
        anvil.place_contract(node, TRON_USDT, anvil.contracts()["TetherLike"]["runtime"], {0: int(issuer, 16)})
        anvil.send(node, issuer, TRON_USDT, data=abi.call_data("issue(uint256)", 10**12), gas=80_000)
        anvil.send(node, issuer, TRON_USDT, data=abi.call_data("transfer(address,uint256)", site, 90 * 10**6),
                   gas=80_000)  # fmt: skip
        node.mine_all()
        case = create_case("op-tron-watch", tmp_path / "cases", OPERATOR)
        site_t, hot_t = tron_from_hex(site), tron_from_hex(hot)
        add_investigator_label(case, hot_t, "Exchange T hot wallet", "exchange")
        add_watch(case, [site_t])
        args = ["watch", "run", "--case", case.name, "--cases-dir", str(tmp_path / "cases"), "--rpc", node.url,
                "--db", str(tmp_path / "tron.duckdb"), "--chain", "tron", "--network", "mainnet", "--once",
                "--operator", OPERATOR]  # fmt: skip
        assert main(args) == 0
        moved = anvil.send(node, site, TRON_USDT, data=abi.call_data("transfer(address,uint256)", hot, 60 * 10**6),
                           gas=80_000)  # fmt: skip
        node.mine_all()
        assert main(args) == 0
    (alert,) = case_alerts(case)
    assert alert.txid == moved and alert.chain == "tron" and alert.urgent and alert.amount_text == "60 USDT"
    assert alert.watched[0]["address"] == site_t and alert.destinations[0]["address"] == hot_t
    assert [r["exchange"] for r in alert.freeze_requests] == ["Exchange T hot wallet", "Tether"]
    assert hot_t in alert.freeze_requests[1]["text"]
