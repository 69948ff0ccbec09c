"""The graph's timeline counts all of an arrow's money: an arrow of more transactions than it lists one by one (the
newest 200) carries the older ones too, and the sums within any dates, in coin and in dollars with every price
source, are the store's. In Debian's Chromium, on a hand-made chain (cointrail.simulation.named_chain): one payer
address paying one shop address 228 times, 19 a day over 12 days, priced from two sources on alternate days."""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from webserver import VIEWPORT, Recorder, Served, serving

from cointrail.cases import create_case
from cointrail.clustering import DEFAULT_HEURISTICS, build_clusters
from cointrail.graph.neighbourhood import MAX_ITEMS
from cointrail.investigation import case_store
from cointrail.prices.table import PriceBook
from cointrail.simulation.named_chain import COIN, ChainBuilder
from cointrail.store.duckdb.price_table import write_prices
from cointrail.store.duckdb.store import LedgerStore
from cointrail.web import Workspace

pytestmark = [pytest.mark.browser]

DAYS, PER_DAY = 12, 19
START = 1_700_006_400  # 2023-11-15 00:00 UTC
SOURCES = ("feed A (test prices)", "feed B (test prices)")


@pytest.fixture(scope="module")
def long_arrow(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Served, str, dict[str, str], Path]]:
    """A case whose store holds the payer's 228 payments to the shop; the workspace serving it, the case, the two
    addresses and the store."""
    root = tmp_path_factory.mktemp("timeline-cases")
    case = create_case("long-arrow", root=root, operator="Timeline Tester")
    chain = ChainBuilder(case_store(case))
    chain.block(miner="payer", time=START - 86_400)  # the payer's 50 coins
    previous, change, number = "cb0", 50 * COIN, 0
    for day in range(DAYS):
        txs = []
        for _ in range(PER_DAY):
            number += 1
            amount = number * 100_000 + number * 37  # every payment a different amount
            change -= amount + 1_000  # a fee of 1,000 base units
            txs.append(chain.tx(f"pay{number}", [(previous, 1 if number > 1 else 0)],
                                [("shop", amount), ("payer", change)]))  # fmt: skip
            previous = f"pay{number}"
        chain.block(*txs, time=START + day * 86_400 + 3_600)
    days = [_dt.datetime.fromtimestamp(START + d * 86_400, _dt.UTC).date() for d in range(-1, DAYS)]
    write_prices(chain.store, [(when, "LTC", "USD", 60 + d * 1.37, SOURCES[d % 2]) for d, when in enumerate(days, -1)])
    build_clusters(chain.store, DEFAULT_HEURISTICS, full=True)
    addresses = {"payer": chain.address("payer"), "shop": chain.address("shop")}
    chain.close()
    with serving(Workspace(root, "Timeline Tester", case.name)) as served:
        yield served, case.name, addresses, case_store(case)


def paid_within(db: Path, shop: str, first: int, last: int) -> dict[str, Any]:
    """What the store says the shop was paid between two times: coins, transactions, dollars and price sources."""
    with LedgerStore.open(db, read_only=True) as store:
        rows = store.rows("SELECT b.time, o.value FROM outputs o JOIN blocks b ON b.height = o.block_height "
                          "JOIN addresses a ON a.address_id = o.address_id WHERE a.address = ? AND b.time "
                          "BETWEEN ? AND ?", [shop, first, last])  # fmt: skip
        book = PriceBook(store, "USD")
        values = [book.value(value, time) for time, value in rows]
    assert all(values)
    return {"amount": sum(v for _, v in rows), "amount_coin": f"{Decimal(sum(v for _, v in rows)) / COIN:.8f}",
            "transactions": len(rows),
            "value": float(sum(Decimal(str(v["value"])) for v in values if v)),
            "source": "; ".join(sorted({v["source"] for v in values if v}))}  # fmt: skip


def within(page: Any, first: int, last: int) -> tuple[int, int]:
    """Move the sliders to ``first`` and ``last`` (the browser keeps them on its steps); the dates they keep."""
    kept: list[int] = page.evaluate("""([first, last]) => {
        const from = document.getElementById("timeline-from"), until = document.getElementById("timeline-until");
        until.value = String(last); from.value = String(first);
        from.dispatchEvent(new Event("input"));
        return [Number(from.value), Number(until.value) + Number(until.step) - 1];
    }""", [first, last])  # fmt: skip
    return kept[0], kept[1]


def test_the_timeline_counts_every_transaction_of_a_long_arrow(browser: Any, recorder: Recorder,
                                                               long_arrow: tuple[Served, str, dict[str, str], Path],
                                                               ) -> None:  # fmt: skip
    served, case, addresses, db = long_arrow
    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    page.set_default_timeout(60_000)
    recorder.attach(page)
    try:
        page.goto(f"{served.url}/cases/{case}/graph?focus=address:{addresses['payer']}")
        page.locator("#node-list tbody tr").first.get_by_role("button", name="forward", exact=False).click()
        page.locator("#graph-status", has_text="paid 1 other wallet").wait_for()
        [edge] = page.evaluate("window.cointrailGraph.view()")["edges"]
        assert edge["transactions"] == DAYS * PER_DAY and len(edge["items"]) == MAX_ITEMS
        assert len(edge["older"]) == DAYS * PER_DAY - MAX_ITEMS  # the 28 not listed one by one still count
        everything = paid_within(db, addresses["shop"], 0, 2**40)
        assert edge["amount_coin"] == everything["amount_coin"] and edge["fiat"]["value"] == everything["value"]
        day = 86_400
        for first, last in ((START, START + day // 2),  # the first day: older transactions only
                            (START + day, START + day + day // 2),  # the second: 9 older, 10 listed
                            (START, START + 3 * day),  # across both
                            (START + 5 * day, START + 7 * day + day // 2)):  # listed ones only  # fmt: skip
            kept = within(page, first, last)
            expected = paid_within(db, addresses["shop"], *kept)
            assert expected["transactions"] >= PER_DAY, (kept, expected)
            [edge] = page.evaluate("window.cointrailGraph.view()")["edges"]
            assert {"amount": edge["amount"], "amount_coin": edge["amount_coin"], "transactions": edge["transactions"],
                    "value": edge["fiat"]["value"], "source": edge["fiat"]["source"]} == expected, kept
            assert len(edge["items"]) + len(edge.get("older", [])) == expected["transactions"]
            assert all(kept[0] <= i["time"] <= kept[1] for i in edge["items"]) and len(edge["txids"]) <= 5
            assert edge["txids"] == [i["txid"] for i in edge["items"][:5]]  # an exported view names only its own
            assert "1 arrow of 1" in page.locator("#timeline-status").inner_text()
        assert SOURCES[0] in expected["source"] and SOURCES[1] in expected["source"]  # both feeds kept
        # Saved with every date and opened again: the older transactions are kept in the case with the arrow.
        within(page, 0, 2**40)
        page.locator("#save-graph").click()
        page.locator("#graph-status", has_text="Saved in the case as").wait_for()
        page.goto(f"{served.url}/cases/{case}/graph")  # no focus: the saved graph
        page.locator("#graph-status", has_text="Opened the graph saved").wait_for()
        first, last = within(page, START, START + day // 2)
        [edge] = page.evaluate("window.cointrailGraph.view()")["edges"]
        assert edge["amount_coin"] == paid_within(db, addresses["shop"], first, last)["amount_coin"]
    finally:
        context.close()
    assert not recorder.errors, recorder.errors

