"""Customers mix (CoinJoin) before they pay a site: the trail stops at the mix and says so, and no exchange is
named at "funded by" through it (issue 12), on a real litecoind -regtest chain."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from mixscenario import MixScenario, make_mix_scenario

from cointrail.cli import main
from cointrail.simulation.node import litecoind_available
from cointrail.store.duckdb.store import LedgerStore
from cointrail.tracing import payers

pytestmark = [pytest.mark.slow, pytest.mark.node]


@pytest.fixture(scope="module")
def mixed(tmp_path_factory: pytest.TempPathFactory) -> MixScenario:
    if not litecoind_available():
        pytest.skip("litecoind is not installed (scripts/system-deps.sh installs Debian's litecoind)")
    return make_mix_scenario(tmp_path_factory.mktemp("mix"))


def _payer_of(result: dict, txid: str) -> dict:
    return next(p for p in result["payers"] if txid in p["txids"])


def test_no_exchange_is_named_funded_by_through_the_coinjoin(mixed: MixScenario) -> None:
    with LedgerStore.open(mixed.db, read_only=True) as store:
        result = payers(store, sorted(mixed.site.values())).to_dict()
    for customer in ("c0", "c4"):  # they paid from mixed coins
        payer = _payer_of(result, mixed.payments[customer])
        assert payer["funded_by"] is None, (customer, payer["funding"])
    # c4 was paid by exB only: most of the money behind its mixed coin came from exA's payouts to other people.
    assert _payer_of(result, mixed.payments["c4"])["funded_by"] != "exA"
    # The customer who never mixed is still traced to the exchange that paid it.
    assert _payer_of(result, mixed.payments["c5"])["funded_by"] == mixed.funded_by["c5"] == "exB"


def test_the_trail_ends_in_the_coinjoin_and_says_so(mixed: MixScenario) -> None:
    with LedgerStore.open(mixed.db, read_only=True) as store:
        result = payers(store, sorted(mixed.site.values())).to_dict()
    payer = _payer_of(result, mixed.payments["c4"])
    assert payer["unresolved"].get("coinjoin", 0) > 0 and not payer["funding"]
    assert result["totals"]["ambiguous"] >= 2
    assert "not 3 people" in result["totals"]["people_note"] and "several wallets" in result["totals"]["people_note"]


def test_going_through_the_coinjoin_lists_possibilities_only(mixed: MixScenario) -> None:
    with LedgerStore.open(mixed.db, read_only=True) as store:
        result = payers(store, sorted(mixed.site.values()), through_coinjoins=True).to_dict()
    payer = _payer_of(result, mixed.payments["c4"])
    assert payer["funded_by"] is None
    assert set(payer["possibly_funded_by"]) == {"exA", "exB"}
    for attribution in payer["attributions"]:
        assert attribution["status"] == "possible" and attribution["through_coinjoins"] == [mixed.coinjoin]
        assert "CoinJoin" in attribution["reason"]
    step = next(s for t in payer["funding"] for s in t["steps"] if s["coinjoin"])
    assert step["confidence"] <= 0.2 and "CoinJoin of 5 participants" in step["reason"]


def test_trace_backward_stops_at_the_coinjoin_in_words(mixed: MixScenario, capsys: pytest.CaptureFixture[str]) -> None:
    site = mixed.site["c4"]
    assert main(["trace", site, "--db", str(mixed.db), "--direction", "backward", "--hops", "4"]) == 0
    text = capsys.readouterr().out
    assert re.search(r"the trail ends in a CoinJoin of 5 participants: the money's origin is ambiguous", text)
    assert "exA" not in text
    args = ["trace", site, "--db", str(mixed.db), "--direction", "backward", "--hops", "4", "--through-coinjoins"]
    assert main([*args, "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [c["txid"] for c in data["coinjoins"]] == [mixed.coinjoin] and data["coinjoins"][0]["participants"] == 5
    reached = [e for e in data["ends"] if e["reason"] == "service"]
    assert reached and all(e["ambiguous"] and "only possibly" in e["explanation"] for e in reached)


def test_payers_command_says_wallets_are_not_people(mixed: MixScenario, capsys: pytest.CaptureFixture[str]) -> None:
    args = ["payers", "--db", str(mixed.db)] + [a for s in sorted(mixed.site.values()) for a in ("--site", s)]
    assert main(args) == 0
    text = capsys.readouterr().out
    assert "one person can hold several wallets" in text
    assert "CoinJoin of 5 participants" in text and "funded by exA" not in text
    assert "funded by exB" in text


def test_the_mix_is_the_undetected_shape_of_issue_12(mixed: MixScenario) -> None:
    """Several inputs per participant and a coordinator fee output: the shape the old equal-output rule missed."""
    with LedgerStore.open(mixed.db, read_only=True) as store:
        row = store.one("SELECT input_count, output_count FROM transactions WHERE txid = ?",
                        [bytes.fromhex(mixed.coinjoin)[::-1]])  # fmt: skip
    assert row == (10, 11)
    assert Path(mixed.db).exists()
