"""When a service is named "funded by" (issue 12), on hand-made chains in a real DuckDB store: only along sure
steps into the payer's own wallet; otherwise a possibility, with the reason in words."""

from __future__ import annotations

import datetime as _dt
from pathlib import Path

from cointrail.clustering import DEFAULT_HEURISTICS, build_clusters
from cointrail.labels.model import Label, confidence_named
from cointrail.labels.store import write_labels
from cointrail.simulation.named_chain import COIN, ChainBuilder
from cointrail.tracing import payers
from cointrail.tracing.people import PAYING_WALLETS_PER_PERSON, people_note


def _label(address: str) -> Label:
    return Label(address=address, chains=("litecoin",), currency="LTC", network="regtest", label="Exchange X",
                 source="test", source_sha256="0" * 64, confidence=confidence_named("ownership"), importer="csv",
                 category="exchange", actor="Exchange X", lastmod=_dt.date(2026, 11, 1))  # fmt: skip


def _chain(path: Path, through_friend: bool) -> ChainBuilder:
    """The exchange pays out to ``friend`` (or straight to ``payer``); ``friend`` pays ``payer``; ``payer`` pays the
    site. The friend's and the payer's wallets are two people: no transaction joins them."""
    chain = ChainBuilder(path)
    chain.block(miner="exhot")
    first = "friend1" if through_friend else "payer1"
    chain.block(chain.tx("payout", [("cb0", 0)], [(first, 2 * COIN), ("exhot2", 47 * COIN)]))
    if through_friend:
        chain.block(chain.tx("gift", [("payout", 0)], [("payer1", COIN + 3), ("friend2", COIN - 10_003)]))
    coin = ("gift", 0) if through_friend else ("payout", 0)
    chain.block(chain.tx("pay", [coin], [("site1", COIN // 2), ("payer2", COIN // 2 - 10_000)]))
    build_clusters(chain.store, DEFAULT_HEURISTICS, full=True)
    write_labels(chain.store, [_label(chain.address(n)) for n in ("exhot", "exhot2")])
    return chain


def test_a_payout_into_the_payers_own_wallet_is_named(tmp_path: Path) -> None:
    chain = _chain(tmp_path / "ledger.duckdb", through_friend=False)
    try:
        [payer] = payers(chain.store, [chain.address("site1")]).to_dict()["payers"]
    finally:
        chain.close()
    assert payer["funded_by"] == "Exchange X" and payer["funded_by_confidence"] >= 0.5
    assert payer["attributions"][0]["status"] == "funded_by"


def test_money_that_came_through_another_persons_wallet_is_only_a_possibility(tmp_path: Path) -> None:
    chain = _chain(tmp_path / "ledger.duckdb", through_friend=True)
    try:
        result = payers(chain.store, [chain.address("site1")]).to_dict()
    finally:
        chain.close()
    [payer] = result["payers"]
    assert payer["funded_by"] is None and payer["possibly_funded_by"] == ["Exchange X"]
    [found] = payer["attributions"]
    assert found["confidence"] >= 0.5 and found["direct_confidence"] == 0  # sure steps, but via the friend
    assert "through another wallet" in found["reason"]
    assert result["totals"]["with_service"] == 0 and result["totals"]["with_possible_service"] == 1
    assert result["services"][0]["payers"] == 0 and result["services"][0]["possible_payers"] == 1


def test_the_people_note_quotes_the_measured_ratio() -> None:
    note = people_note(7)
    assert "7 paying wallets, not 7 people" in note and "one person can hold several wallets" in note
    assert f"{PAYING_WALLETS_PER_PERSON:.1f} paying wallets per paying person" in note
    assert "no way to count the people" in note and "would be about" not in note  # no made-up head count


def test_the_ratio_is_the_one_docs_accuracy_publishes() -> None:
    """One figure in one place: the constant is the measurement docs/accuracy.md publishes (when it is there)."""
    import re

    docs = Path(__file__).resolve().parents[2] / "docs" / "accuracy.md"
    text = docs.read_text(encoding="utf-8")
    section = text.split("<!-- people:start -->")[-1].split("<!-- people:end -->")[0]
    found = re.findall(r"\*\*(\d+(?:\.\d+)?) payer groups per paying person", section)
    assert found, "docs/accuracy.md has no measured 'wallets are not people' figure between its people markers"
    places = len(found[0].partition(".")[2])
    assert float(found[0]) == round(PAYING_WALLETS_PER_PERSON, places)
