"""The case page answers first (issue 21): the headline findings above the evidence, each linked to its evidence
or page, in Debian's Chromium on the demo case; screenshots kept under tmp_path."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from webserver import Recorder, Served, accessible, fits_width

from cointrail.investigation import Investigation
from cointrail.wording import counted

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.node]


def only_the_workspace(recorder: Recorder, served: Served) -> None:
    """Nothing left the machine and the pages raised no error (a CSP violation would)."""
    assert not [u for u in recorder.urls if u.startswith("http") and not u.startswith(served.url)], recorder.urls
    assert not recorder.errors, recorder.errors


def focus_by_tab(page: Any, selector: str, presses: int = 150) -> None:
    """Press Tab until the element matching ``selector`` has the focus: it is reachable from the keyboard."""
    for _ in range(presses):
        page.keyboard.press("Tab")
        if page.evaluate(f"document.activeElement.matches({selector!r})"):
            return
    raise AssertionError(f"{selector} was never reached with Tab")


def test_the_case_page_answers_first(page: Any, recorder: Recorder, demo_served: Served, demo_case: str,
                                     demo_run: dict[str, Any], tmp_path: Path) -> None:  # fmt: skip
    payers = demo_run["payers"]
    page.goto(f"{demo_served.url}/cases/{demo_case}")
    # The answer comes before the evidence: the first section of the page is the findings, read from the report's
    # facts, not computed from the chain on each visit (how fast it comes is the benchmarks' to say, not a test's).
    assert page.locator("main h2").first.inner_text() == "What the case has found"
    assert "From the report written" in page.locator("#headline-source").inner_text()

    paid = page.locator("#hl-payments").inner_text()
    assert f"{counted(payers['totals']['payments'], 'payment')}, " in paid and "USD" in paid
    assert f"{counted(len({p['address'] for p in payers['payments']}), 'site address', 'site addresses')}:" in paid
    assert "(s)" not in paid and "(es)" not in paid
    assert page.locator("#hl-payments a.addr").count() == len({p["address"] for p in payers["payments"]})
    assert page.locator("#hl-payers a.payer-link").count() == len(payers["payers"])
    assert "funded by Demo Exchange" in page.locator("#hl-payers").inner_text()

    exchanges = {x["exchange"] for x in demo_run["request_packs"]}
    asked = page.locator("#hl-exchanges").inner_text()
    assert exchanges and all(name in asked for name in exchanges)
    assert page.locator("#hl-exchanges a.pack-link").count() == 2 * len(exchanges)  # a CSV and a letter each
    cash_outs = page.locator("#hl-cashouts li")
    assert cash_outs.count() >= 1 and "Demo Exchange" in cash_outs.first.inner_text()
    assert "urgent" in page.locator("#hl-alerts").inner_text()
    fits_width(page)
    page.screenshot(path=str(tmp_path / "1-case-findings.png"), full_page=True)

    # The request pack is one keyboard press away, with its focus shown, and downloads the exchange's letter.
    focus_by_tab(page, "#hl-exchanges a.pack-link")
    assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") != "none"
    page.screenshot(path=str(tmp_path / "2-pack-link-focused.png"))
    with page.expect_download() as info:
        page.keyboard.press("Enter")
    assert any(name in Path(info.value.path()).read_text(encoding="utf-8") for name in exchanges)

    # A payer opens its wallet; the alert opens on the Alerts page.
    page.locator("#hl-payers a.payer-link").first.click()
    assert "/cluster/" in page.url
    page.go_back()
    page.locator("#hl-alerts li a").first.click()
    assert "/alerts#alert-" in page.url
    page.locator(".alert.urgent").first.wait_for()
    only_the_workspace(recorder, demo_served)


def test_the_findings_from_the_engine_match_the_report(demo_run: dict[str, Any]) -> None:
    """Without its report, the case's headline is asked of the engine: the same payments and payers."""
    folder = Path(demo_run["capture"]["case_folder"])
    with Investigation.open(folder.name, cases_dir=folder.parent) as inv:
        kept, asked = inv.headline(), inv.headline(prefer_report=False)
    assert (kept.source, asked.source) == ("report", "engine")
    assert kept.traced and not asked.traced and not asked.cash_outs and kept.cash_outs
    assert [p.txid for p in kept.payments] == [p.txid for p in asked.payments]
    assert kept.total == asked.total == demo_run["payers"]["totals"]["amount"]
    assert {p.payer_cluster_id for p in kept.payers} == {p.payer_cluster_id for p in asked.payers}
    assert kept.newer_blocks == 0
    assert all(x.packs for x in kept.exchanges)  # every exchange reached has its request pack in the case


def search(page: Any, text: str) -> None:
    """Type ``text`` into the search box of the page, from the keyboard, and send it."""
    box = page.get_by_role("searchbox", name="Search the case")
    box.focus()
    assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") != "none"
    page.keyboard.type(text)
    with page.expect_navigation():
        page.keyboard.press("Enter")


def test_the_search_box_and_the_transaction_page(page: Any, recorder: Recorder, demo_served: Served,
                                                 demo_case: str, demo_run: dict[str, Any],
                                                 tmp_path: Path) -> None:  # fmt: skip
    cash_out = demo_run["watch"]["cash_out"]
    # A txid typed into the box on the case page opens the transaction: the site's coins into the exchange.
    page.goto(f"{demo_served.url}/cases/{demo_case}")
    focus_by_tab(page, "#search-text")  # the box is reached from the keyboard
    search(page, cash_out)
    assert page.url.endswith(f"/tx/{cash_out}")
    assert "the site" in page.locator("#tx-inputs").inner_text()
    assert "Demo Exchange 2 (exchange)" in page.locator("#tx-outputs").inner_text()
    assert "in block" in page.locator("#tx-summary").inner_text() and "fee" in page.locator("#tx-summary").inner_text()
    fits_width(page)
    accessible(page)
    page.screenshot(path=str(tmp_path / "3-transaction.png"), full_page=True)

    # An input's funding transaction is a link, and that transaction's output names this one as its spender.
    page.locator("#tx-inputs a.txid").first.click()
    assert "/tx/" in page.url and not page.url.endswith(cash_out)
    assert page.locator(f"#tx-outputs a.txid[href$='/tx/{cash_out}']").count() >= 1

    # The CoinJoin says so, with the clustering's evidence.
    page.goto(f"{demo_served.url}/cases/{demo_case}/tx/{demo_run['scenario']['coinjoins'][0]}")
    assert "CoinJoin" in page.locator("#tx-coinjoin").inner_text()

    # An exchange's name lists the addresses its labels name; one opens its address page, whose txids are links.
    search(page, "demo exchange")
    kinds = [t.rsplit("(", 1)[1].rstrip(")") for t in page.locator("#search-hits li").all_inner_texts()]
    assert kinds.count("label") >= 2 and kinds == sorted(kinds, key=lambda k: k != "wallet")  # wallets first
    accessible(page)
    page.screenshot(path=str(tmp_path / "4-search-label.png"), full_page=True)
    page.locator("#search-hits li", has_text="(label)").first.locator("a").click()
    assert "/address/" in page.url
    page.locator("#address-totals a.txid").first.click()
    assert "/tx/" in page.url

    # A wallet's number opens the wallet; text that names nothing says what was tried.
    payer = demo_run["payers"]["payers"][0]["payer_cluster_id"]
    search(page, f"cluster:{payer}")
    assert page.url.endswith(f"/cluster/{payer}")
    search(page, "no such thing")
    assert "Nothing in this case's ledger store matches" in page.locator("#search-summary").inner_text()
    only_the_workspace(recorder, demo_served)


def test_the_sites_own_addresses_are_named_as_the_site(page: Any, recorder: Recorder, demo_served: Served,
                                                       demo_case: str, demo_run: dict[str, Any],
                                                       tmp_path: Path) -> None:  # fmt: skip
    """The address page of a captured site address, and its wallet's page, say it is the site, as the graph does."""
    address = demo_run["payers"]["payments"][0]["address"]
    page.goto(f"{demo_served.url}/cases/{demo_case}/address/{address}")
    assert "found on the site's page captured in this case" in page.locator("#site-note").inner_text()
    assert "It belongs to the site" in page.locator(".lead").inner_text()
    assert "No label names this wallet, but it is the site's" in page.locator("#site-unlabelled").inner_text()
    assert page.locator("text=nobody has said who controls it").count() == 0
    accessible(page)
    page.screenshot(path=str(tmp_path / "5-site-address.png"), full_page=True)

    page.locator(".lead a").first.click()  # its wallet
    assert "/cluster/" in page.url
    assert "the site: wallet" in page.locator("h1").inner_text().lower()
    assert address in page.locator("#site-note").inner_text()

    # "Show on the graph" draws it as the site, not as an ordinary wallet.
    page.get_by_role("link", name="Show on the graph").click()
    row = page.locator("#node-list tbody tr").first
    row.wait_for()
    assert "the site" in row.inner_text() and "site" in row.inner_text()
    page.screenshot(path=str(tmp_path / "6-site-on-graph.png"))
    only_the_workspace(recorder, demo_served)


def test_graph_nodes_are_named_distinctly(page: Any, recorder: Recorder, demo_served: Served, demo_case: str,
                                          tmp_path: Path) -> None:  # fmt: skip
    """The site's wallets are one node, the site, until shown; every node has a name of its own: its label or role with
    a short id, never "wallet of 2"; no two names overlap on the picture."""
    page.goto(f"{demo_served.url}/cases/{demo_case}/graph")
    rows = page.locator("#node-list tbody tr")
    rows.first.wait_for()
    assert rows.count() == 1 and "the site: 11 captured addresses in 7 wallets" in rows.first.inner_text()
    rows.first.get_by_role("button", name="expand the site:", exact=False).nth(1).click()  # backward: the payers
    page.locator("#graph-status", has_text="was paid by 8 other wallets").wait_for()
    assert rows.count() == 1 + 8
    page.get_by_role("button", name="show the site's wallets").first.click()
    page.locator("#graph-status", has_text="wallets shown inside its node").wait_for()
    inside = page.locator("#node-list tbody tr", has_text="inside the site's node")
    assert rows.count() == 1 + 8 + 7 and inside.count() == 7
    names = [rows.nth(i).locator("th, td").first.inner_text().split(" (inside")[0].strip()
             for i in range(rows.count())]  # fmt: skip
    assert len(set(names)) == len(names), names
    assert not [n for n in names if "wallet of" in n], names
    assert page.evaluate("window.cointrailGraph.overlaps()") == 0, "no node's name may cover another's"
    page.locator("#layout-graph").click()  # arranged again: still apart
    assert page.evaluate("window.cointrailGraph.overlaps()") == 0
    accessible(page)  # with the site's node, its wallets, the payers and their arrows in the panel
    page.locator("#cy").screenshot(path=str(tmp_path / "7-graph-names.png"))
    only_the_workspace(recorder, demo_served)


def test_findings_that_cannot_be_asked_say_why(demo_run: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    """A store the payers cannot be asked of (not clustered yet) leaves the case page showing the evidence."""
    from cointrail.errors import InputError

    def refuse(self: Investigation, *args: Any, **kwargs: Any) -> Any:
        raise InputError("the store has no clusters yet: run cointrail cluster build")

    monkeypatch.setattr(Investigation, "payers", refuse)
    folder = Path(demo_run["capture"]["case_folder"])
    with Investigation.open(folder.name, cases_dir=folder.parent) as inv:
        found = inv.headline(prefer_report=False)
    assert found.source == "none" and "cluster build" in (found.site_note or "") and found.alerts
