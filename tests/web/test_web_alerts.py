"""The alerts page in Debian's Chromium: a watched site's money moves, and the alert appears without a reload
(server-sent events from the case's custody log), with its freeze request; the JSON and the stream answer too."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from watching import run_once
from webserver import Served, serving

from cointrail.simulation.watched import WatchedEconomy as Economy
from cointrail.web import Workspace

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.node]


@pytest.fixture
def served(watched: Economy) -> Iterator[Served]:
    with serving(Workspace(watched.cases_dir, "Web Tester", watched.case.name)) as up:
        yield up


def test_an_alert_appears_on_the_open_page_without_a_reload(browser: Any, watched: Economy, served: Served) -> None:
    run_once(watched)  # the first run: from the tip on
    context = browser.new_context()
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    try:
        page.goto(f"{served.url}/cases/{watched.case.name}/alerts")
        assert "No alert yet." in page.inner_text("main") and watched.site in page.inner_text("#watches")
        page.wait_for_function("document.getElementById('live').textContent.startsWith('Live')", timeout=10_000)
        page.evaluate("window.notReloaded = true")

        txid = watched.spend(watched.deposit, "1.5")
        watched.node.mine(1)
        run_once(watched)
        page.wait_for_selector("#alerts li.alert.urgent", timeout=10_000)
        assert page.evaluate("window.notReloaded") is True  # the same page, not a new one
        shown = page.inner_text("#alerts")
        assert "URGENT" in shown and txid in shown and "Exchange A deposit" in shown
        assert "Ready freeze request for" in shown and watched.deposit in shown
        assert page.locator("#no-alerts").count() == 0
        assert not errors, errors  # no script error, no Content-Security-Policy violation
    finally:
        context.close()

    listed = httpx.get(f"{served.url}/api/cases/{watched.case.name}/alerts").json()["alerts"]
    assert [a["txid"] for a in listed] == [txid] and listed[0]["urgent"] is True
    with httpx.stream("GET", f"{served.url}/cases/{watched.case.name}/alerts/stream?after=0", timeout=10) as stream:
        assert stream.headers["content-type"].startswith("text/event-stream")
        lines = []
        for line in stream.iter_lines():
            lines.append(line)
            if line.startswith("data: "):
                break
    assert "event: alert" in lines and txid in lines[-1]
