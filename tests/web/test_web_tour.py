"""The guided tour over the bundled demo case, walked end to end in Chromium as a newcomer would; and its steps'
pages picked from a case's findings, or the case page when there are none."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from webserver import Recorder, Served, accessible

from cointrail.model import Headline
from cointrail.web.glossary import TERMS
from cointrail.web.tour import TITLES, opened, steps, tour_bar

SLUGS = {t.slug for t in TERMS}


def what_the_step_opens(page: Any, number: int, demo_run: dict[str, Any]) -> None:
    """The page a step opens shows what the step explains; some steps are done, as a newcomer would."""
    if number == 1:
        assert "Intact." in page.locator("#verify-state").inner_text()
    elif number == 2:
        assert page.locator("#hl-payers a").count() >= 1
    elif number == 3:
        assert "found on the site's page captured in this case" in page.locator("#site-note").inner_text()
    elif number == 4:
        assert demo_run["payers"]["payments"][0]["txid"] in page.url and page.locator("#tx-inputs").count() == 1
    elif number == 5:  # expand the site backward, then open an arrow's transactions
        page.get_by_role("button", name="expand the site: 11 captured addresses in 7 wallets backward").click()
        page.locator("#graph-status", has_text="was paid by").wait_for()
        page.locator("#panel .edge-open").first.click()
        page.locator("#panel table.edge-transactions").wait_for()
    elif number == 6:  # run the payers analysis
        page.locator("#run-payers").click()
        page.locator("#payers-table").wait_for()
        assert page.locator("a.payer-link").count() == len(demo_run["payers"]["payers"])
    elif number == 7:
        assert page.locator("#member-list li").count() >= 1
    elif number == 8:
        assert page.locator("#search-hits li", has_text="(label)").count() >= 1
    elif number == 9:
        assert page.locator("#run-report").count() == 1


@pytest.mark.browser
@pytest.mark.slow
@pytest.mark.node
def test_the_guided_tour_end_to_end(page: Any, recorder: Recorder, demo_served: Served, demo_case: str,
                                    demo_run: dict[str, Any], tmp_path: Path) -> None:  # fmt: skip
    page.goto(f"{demo_served.url}/cases/{demo_case}")
    page.get_by_role("link", name="Guided tour").click()  # in the navigation of every page of a case
    assert page.locator("#tour-steps li").count() == len(TITLES)
    page.locator("#tour-begin").click()
    for number in range(1, len(TITLES) + 1):
        assert page.locator("h1").inner_text() == TITLES[number - 1]
        assert page.locator("#tour-missing").count() == 0  # the demo case has every step's page
        for part in ("#tour-see", "#tour-why", "#tour-cautions li"):
            assert len(page.locator(part).first.locator("xpath=..").inner_text().split()) >= 8, part
        terms = page.locator("#tour-terms dt a")
        assert terms.count() >= 2
        assert all(str(terms.nth(i).get_attribute("href")).split("#")[1] in SLUGS for i in range(terms.count()))
        if number == 5:
            accessible(page)
            page.screenshot(path=str(tmp_path / "tour-step.png"), full_page=True)
        page.locator("#tour-open").click()
        bar = page.locator("#tour-bar")
        assert f"step {number} of {len(TITLES)}: {TITLES[number - 1]}" in bar.inner_text()
        what_the_step_opens(page, number, demo_run)
        if number == len(TITLES):
            assert page.locator("#tour-bar-next").count() == 0
            page.locator("#tour-back").click()
            assert "whole tour" in page.locator("#tour-done").inner_text()
            break
        page.locator("#tour-bar-next").click()
    assert not [u for u in recorder.urls if u.startswith("http") and not u.startswith(demo_served.url)], recorder.urls
    assert not recorder.errors, recorder.errors


def test_a_case_with_nothing_found_yet_says_so_at_each_step_that_needs_it() -> None:
    nothing = Headline(source="none", chain=None, report_seq=None, report_utc=None, newer_blocks=None, traced=False,
                       payments=(), total=0, total_fiat=None, payers=(), exchanges=(), cash_outs=(), alerts=())
    walked = steps("a b", nothing)
    assert [s.title for s in walked] == list(TITLES)
    missing = [s.slug for s in walked if s.missing]
    assert missing == ["address", "payment", "payer", "exchange"]
    assert all(s.target == "/cases/a%20b" for s in walked if s.missing)
    assert all(set(s.terms) <= SLUGS and s.wrong for s in walked)
    assert opened(walked[0], 1) == "/cases/a%20b?tour=1#verification"
    assert tour_bar("x", 9) == {"number": 9, "total": 9, "title": "The report", "explain": "/cases/x/tour/9",
                                "next": None, "next_title": None}  # fmt: skip
    assert tour_bar("x", 0) is None and tour_bar("x", 10) is None

