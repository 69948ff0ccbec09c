"""End to end in Debian's Chromium: open the demo case, expand the site's wallet, run the payers analysis,
open a payer, export the report; screenshots checked for what matters; no request to any other host."""

from __future__ import annotations

import html
import io
import json
import shutil
from pathlib import Path
from typing import Any

import networkx
import pytest
from PIL import Image
from webserver import VIEWPORT, Recorder, Served, accessible, fits_width, serving, visible_box

from cointrail.cases import open_case, verify_case
from cointrail.labels.investigator import case_labels
from cointrail.web import Workspace
from cointrail.wording import counted

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.node]
def coloured_pixels(png: bytes) -> int:
    """Pixels of a screenshot that are neither near-white nor grey background: drawn nodes and arrows."""
    image = Image.open(io.BytesIO(png)).convert("RGB").resize((320, 130))
    return sum(1 for r, g, b in image.get_flattened_data() if max(r, g, b) - min(r, g, b) > 40 or max(r, g, b) < 120)


def test_the_investigation_in_the_browser(page: Any, recorder: Recorder, demo_served: Served, demo_case: str,
                                          demo_run: dict[str, Any], tmp_path: Path) -> None:  # fmt: skip
    # Open the workspace: it opens the demo case, intact.
    page.goto(demo_served.url + "/")
    assert page.url.endswith(f"/cases/{demo_case}")
    state = page.locator("#verify-state")
    assert "Intact." in state.inner_text() and "✔" in state.inner_text()  # a symbol and words, not colour alone
    fits_width(page)
    accessible(page)  # axe-core: no serious or critical violation (contrast, names, structure) on each main page
    page.screenshot(path=str(tmp_path / "1-case.png"), full_page=True)

    # The graph: the site is drawn, its wallets as one node; expand it one hop backward, from the keyboard.
    page.get_by_role("link", name="Open the flow graph").click()
    rows = page.locator("#node-list tbody tr")
    rows.first.wait_for()
    before = rows.count()
    assert before == 1
    site_row = page.locator("#node-list tbody tr", has_text="the site: 11 captured addresses in 7 wallets").first
    assert "site" in site_row.inner_text()
    site_row.get_by_role("button", name="expand the site:", exact=False).nth(1).focus()
    page.keyboard.press("Enter")
    rows.nth(before).wait_for()  # a new row per wallet drawn (wait_for_function would need eval, which CSP forbids)
    assert "was paid by" in page.locator("#graph-status").inner_text()
    canvas = page.locator("#cy")
    visible_box(canvas)
    visible_box(page.locator("#panel"))
    picture = canvas.screenshot()
    assert coloured_pixels(picture) > 300, "the graph picture must show the nodes and arrows"
    (tmp_path / "2-graph.png").write_bytes(picture)
    assert rows.count() > before
    fits_width(page)
    accessible(page)

    # The payers analysis, with its progress, then its result.
    page.get_by_role("link", name="Payers", exact=True).click()
    page.locator("#run-payers").click()
    table = page.locator("#payers-table")
    table.wait_for()
    payer_links = page.locator("a.payer-link")
    assert payer_links.count() == len(demo_run["payers"]["payers"])
    summary = page.locator("#payers-summary").inner_text()
    assert counted(len(demo_run["payers"]["payers"]), "payer") in summary and "(s)" not in summary
    visible_box(table)
    accessible(page)
    page.screenshot(path=str(tmp_path / "3-payers.png"), full_page=True)
    assert "stays after the workspace restarts" in page.locator("#result-kept").inner_text()
    page.get_by_role("link", name="Payers", exact=True).click()  # the form lists it, kept in the case
    page.locator("#kept-results a").first.click()
    assert "/results/" in page.url and page.locator("a.payer-link").count() == len(demo_run["payers"]["payers"])

    # Open a payer: its wallet, its labels, and why each member belongs.
    payer_links.first.click()
    assert "/cluster/" in page.url
    members = page.locator("#member-list li")
    assert members.count() >= 1
    visible_box(page.locator("#wallet-totals"))
    accessible(page)

    # Export the report: written into the case, then downloaded.
    page.get_by_role("link", name="Report", exact=True).click()
    page.locator("#pdf").select_option("false")
    page.locator("#run-report").click()
    page.locator("#report-files").wait_for()
    with page.expect_download() as info:
        page.locator("a.download-html").click()
    report = Path(info.value.path()).read_text(encoding="utf-8")
    assert demo_case in report and "SHA-256" in report
    accessible(page)
    page.screenshot(path=str(tmp_path / "4-report.png"), full_page=True)

    # Everything came from the workspace itself, and the pages raised no error (a CSP violation would).
    hosts = {url.split("/")[2] for url in recorder.urls if url.startswith("http")}
    assert hosts == {demo_served.netloc}, hosts
    assert not [u for u in recorder.urls if not u.startswith(demo_served.url)], "only the app's own host:port"
    assert not recorder.errors, recorder.errors


def test_keyboard_and_projector(page: Any, recorder: Recorder, demo_served: Served, demo_case: str) -> None:
    page.goto(f"{demo_served.url}/cases/{demo_case}")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip"  # the first stop skips the navigation
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none", "the focused element must show it"
    size = page.evaluate("parseFloat(getComputedStyle(document.documentElement).fontSize)")
    page.locator("#projector-toggle").click()
    assert page.evaluate("document.documentElement.classList.contains('projector')")
    assert page.evaluate("parseFloat(getComputedStyle(document.documentElement).fontSize)") >= size * 1.3
    assert page.locator("#projector-toggle").get_attribute("aria-pressed") == "true"
    page.goto(f"{demo_served.url}/cases/{demo_case}/graph")  # remembered, and the graph still fits
    assert page.evaluate("document.documentElement.classList.contains('projector')")
    page.locator("#node-list tbody tr").first.wait_for()
    visible_box(page.locator("#cy"))
    fits_width(page)
    accessible(page)  # the projector's colours too
    # The picture from the keyboard: Tab reaches it, an arrow key selects a node, B expands it backward.
    page.locator("#add-node-text").focus()
    for _ in range(12):
        if page.evaluate("document.activeElement.id") == "cy":
            break
        page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "cy"
    page.keyboard.press("ArrowRight")
    page.locator("#graph-status", has_text="Selected the site").wait_for()
    page.keyboard.press("b")
    page.locator("#graph-status", has_text="was paid by").wait_for()
    page.keyboard.press("t")  # the transactions of its first arrow
    page.locator("#panel table.edge-transactions").wait_for()
    assert not recorder.errors, recorder.errors


def test_many_counterparties_are_summed_up_and_can_be_added_one_by_one(page: Any, recorder: Recorder,
                                                                       demo_served: Served, demo_case: str) -> None:
    page.goto(f"{demo_served.url}/cases/{demo_case}/graph?focus=cluster:{site_cluster(page, demo_served, demo_case)}")
    page.locator("#node-list tbody tr").first.wait_for()
    page.locator("#hop-limit").select_option("3")
    page.locator("#node-list tbody tr").first.get_by_role("button", name="backward", exact=False).click()
    summary = page.locator("#node-list tbody tr", has_text="smaller wallets")
    summary.wait_for()
    assert page.locator("#node-list tbody tr").count() == 1 + 3  # the site, the 2 biggest payers, the summary
    assert "summary" in summary.inner_text()
    summary.get_by_role("button", name="select", exact=False).click()
    adds = page.locator("#panel .hidden-list button")
    assert adds.count() >= 2
    adds.first.click()
    page.locator("#graph-status", has_text="added from the summary").wait_for()
    assert page.locator("#node-list tbody tr").count() == 1 + 3 + 1
    assert not recorder.errors, recorder.errors


def site_cluster(page: Any, served: Served, case: str) -> str:
    """The number of the site's biggest wallet, read from the graph's node list once the site's node shows them."""
    page.goto(f"{served.url}/cases/{case}/graph")
    page.get_by_role("button", name="show the site's wallets").first.click()
    link = page.locator("#node-list tbody tr", has_text="the site: wallet").first.locator("a").first
    return str(link.get_attribute("href")).rsplit("/", 1)[1]


def test_the_captured_page_shows_no_picture(page: Any, recorder: Recorder, demo_served: Served, demo_case: str) -> None:
    page.goto(f"{demo_served.url}/cases/{demo_case}")
    page.get_by_role("link", name="Read the captured page as text").first.click()
    marks = page.locator("mark.found")
    assert marks.count() >= 3
    assert page.locator("img, video, iframe, object, embed").count() == 0
    assert not [u for u in recorder.urls if u.endswith((".png", ".jpg", ".gif", ".mp4"))]
    accessible(page)  # the captured page as text, then the glossary and the list of cases
    page.get_by_role("link", name="Glossary").first.click()
    accessible(page)
    page.get_by_role("link", name="Cases", exact=True).click()
    accessible(page)
    assert not recorder.errors, recorder.errors


def test_a_graph_is_pinned_annotated_saved_and_reopened(browser: Any, recorder: Recorder, demo_run: dict[str, Any],
                                                        tmp_path: Path) -> None:  # fmt: skip
    # A copy of the demo case, so the saved graph does not change what the other tests open.
    source = Path(demo_run["capture"]["case_folder"])
    copy = tmp_path / "cases" / source.name
    shutil.copytree(source, copy)
    with serving(Workspace(copy.parent, "Graph Tester")) as up:
        context = browser.new_context(viewport=VIEWPORT)
        page = context.new_page()
        page.set_default_timeout(60_000)
        recorder.attach(page)
        try:
            page.goto(f"{up.url}/cases/{source.name}/graph")
            page.get_by_role("button", name="show the site's wallets").first.click()
            row = page.locator("#node-list tbody tr", has_text="the site: wallet").first
            row.get_by_role("button", name="select the site", exact=False).click()
            page.locator("#panel").get_by_role("button", name="pin", exact=False).click()
            page.locator("#note-text").fill("operator's main wallet <b>per the forum</b>")
            page.get_by_role("button", name="Keep the note").click()
            row.get_by_role("button", name="expand the site: wallet", exact=False).nth(1).click()
            page.locator("#graph-status", has_text="was paid by").wait_for()
            # The site's cash-out, made after the customers paid: the timeline has a span.
            page.get_by_role("button", name="expand the site: 11 captured addresses in 7 wallets forward").click()
            page.locator("#graph-status", has_text=" paid 1 other wallet").wait_for()
            drawn = page.locator("#node-list tbody tr").count()
            exported = timeline_transactions_and_exports(page)
            page.locator("#save-graph").click()
            page.locator("#graph-status", has_text="Saved in the case as").wait_for()
            page.reload()
            page.locator("#graph-status", has_text="Opened the graph saved").wait_for()
            assert page.locator("#node-list tbody tr").count() == drawn
            noted = page.locator("#node-list tbody tr", has_text="note: operator's main wallet <b>per the forum</b>")
            assert noted.count() == 1
            assert page.locator("#node-list b").count() == 0  # the note is text, never markup
            row = page.locator("#node-list tbody tr", has_text="the site: wallet").first
            row.get_by_role("button", name="select the site: wallet", exact=False).click()
            assert "Money in and out" in page.locator("#panel").inner_text()  # the arrows, in words
            row.get_by_role("button", name="collapse the site", exact=False).click()
            page.locator("#graph-status", has_text="Collapsed:").wait_for()
            assert page.locator("#node-list tbody tr").count() < drawn  # what the expansion added, hidden again
            assert page.locator("#node-list tbody tr", has_text="the site: wallet").count() == 1
            # A label and a note on one of the site's addresses, from the browser, kept in the case.
            address = demo_run["payers"]["payments"][0]["address"]
            page.goto(f"{up.url}/cases/{source.name}/address/{address}")
            page.locator("#label-text").fill("the site's payment address <i>per the forum</i>")
            page.locator("#label-category").select_option("child_sexual_abuse")
            page.locator("#label-note").fill("offered on the checkout page captured in this case")
            page.locator("#add-label").click()
            page.locator("#label-added").wait_for()
            assert "given to the case's ledger store" in page.locator("#label-added").inner_text()
            # the analyses read it at once: the wallet's attribution, from the store's labels, names it
            assert "per the forum" in page.locator("section[aria-labelledby=labels]").inner_text()
            mine = page.locator("#own-label-list").inner_text()
            assert "the site's payment address <i>per the forum</i>" in mine and "investigator:Graph Tester" in mine
            assert "Note: offered on the checkout page" in mine and page.locator("#own-label-list i").count() == 0
            accessible(page)
        finally:
            context.close()
    case = open_case(source.name, root=copy.parent)
    saved = [e for e in case.log.entries() if e["action"] == "graph.save"]
    assert len(saved) == 1 and saved[0]["operator"] == "Graph Tester"
    document = json.loads((copy / saved[0]["object"]).read_text())
    site = next(n for n in document["nodes"] if n["caption"].startswith("the site: wallet"))
    assert site["pinned"] and site["note"] == "operator's main wallet <b>per the forum</b>"
    assert len(document["nodes"]) == drawn and document["edges"]
    assert site["parent"] == "site:captured"  # drawn inside the site's node, and saved so
    exports = [e for e in case.log.entries() if e["action"] == "graph.export"]
    assert [Path(e["object"]).name.split(".", 1)[1] for e in exports] == ["graph.png", "graph.svg", "graphml"]
    check_exports({e["object"].rsplit(".", 1)[1]: (copy / e["object"]).read_bytes() for e in exports}, exported)
    # Rebuilt from the case's evidence alone, as `cointrail label rebuild` does.
    [label] = [lab for lab in case_labels(case) if lab.source == "investigator:Graph Tester"]
    address = demo_run["payers"]["payments"][0]["address"]
    assert label.address == address and label.category == "child_sexual_abuse"
    assert label.notes == ("offered on the checkout page captured in this case",)
    assert [e for e in case.log.entries() if e["action"] == "label.add"][-1]["operator"] == "Graph Tester"
    assert verify_case(case, record=False).intact
    assert not recorder.errors, recorder.errors


def timeline_transactions_and_exports(page: Any) -> dict[str, Any]:
    """On a graph with a hop drawn: the timeline leaves out what moved before its dates, an arrow's transactions are
    listed with their times and dollars, and the view is exported three ways into the case (then downloaded)."""
    status = page.locator("#timeline-status")
    assert status.inner_text().startswith("All dates, ")
    everything = page.evaluate("window.cointrailGraph.view()")
    page.locator("#timeline-from").focus()
    page.keyboard.press("End")  # from the last moment: only the newest money is left
    assert status.inner_text().startswith("From ")
    view = page.evaluate("window.cointrailGraph.view()")
    assert 0 < len(view["edges"]) < len(everything["edges"]) and len(view["nodes"]) < len(everything["nodes"])
    assert page.locator("#node-list tbody tr.outside-dates").count() == len(everything["nodes"]) - len(view["nodes"])
    page.keyboard.press("Home")  # all dates again
    assert status.inner_text().startswith("All dates, ")
    # An arrow's transactions, from the keyboard: the panel lists each with its time, amount and dollar value.
    page.locator("#panel .edge-open").first.focus()
    page.keyboard.press("Enter")
    table = page.locator("#panel table.edge-transactions")
    assert table.locator("tbody tr").count() >= 1
    first = table.locator("tbody tr").first.inner_text()
    assert "Z" in first and " USD at " in first and "LTC" in table.inner_text()
    assert table.locator("a.txid").first.get_attribute("href").startswith("/cases/")
    page.locator("#timeline-from").focus()
    page.keyboard.press("End")
    for fmt in ("png", "svg", "graphml"):
        page.locator(f"#export-{fmt}").click()
        page.locator("#export-result li", has_text=fmt.upper() + ":").wait_for()
    with page.expect_download() as info:
        page.locator("#export-result a[data-format=svg]").click()
    assert Path(info.value.path()).read_text(encoding="utf-8").startswith("<svg")
    page.keyboard.press("Home")
    return dict(page.evaluate("window.cointrailGraph.view()") | {"filtered": view})


def check_exports(files: dict[str, bytes], exported: dict[str, Any]) -> None:
    """The exported view: the PNG the browser drew, an SVG naming every node and arrow, GraphML for other tools."""
    view = exported["filtered"]
    image = Image.open(io.BytesIO(files["png"]))
    assert image.format == "PNG" and image.width > 200 and coloured_pixels(files["png"]) > 50
    svg = files["svg"].decode("utf-8")
    assert all(html.escape(n["caption"], quote=False) in svg for n in view["nodes"])
    assert svg.count('class="edge"') == len(view["edges"]) and " USD · " in svg and " tx</text>" in svg
    graph = networkx.read_graphml(io.BytesIO(files["graphml"]))
    assert set(graph.nodes) == {n["id"] for n in view["nodes"]} and graph.number_of_edges() == len(view["edges"])
    for edge in view["edges"]:
        data = graph.edges[edge["source"], edge["target"]]
        assert data["amount_coin"] == edge["amount_coin"] and data["fiat_currency"] == "USD"
        assert data["transactions"] == edge["transactions"] and data["first_utc"].endswith("Z")


def test_a_trace_is_shown_on_the_graph(page: Any, recorder: Recorder, demo_served: Served, demo_case: str) -> None:
    cluster = site_cluster(page, demo_served, demo_case)
    page.goto(f"{demo_served.url}/cases/{demo_case}/trace?start=cluster:{cluster}")
    assert page.locator("#start").input_value() == f"cluster:{cluster}"
    page.locator("#hops").fill("3")
    page.locator("#run-trace").click()
    page.locator("#trace-ends").wait_for()
    page.locator("#trace-on-graph").click()
    page.locator("#graph-status", has_text="The trace forward").wait_for()
    drawn = page.locator("#node-list tbody tr").count()
    assert drawn >= 2
    assert "exchange" in page.locator("#node-list").inner_text()
    assert coloured_pixels(page.locator("#cy").screenshot()) > 200
    page.locator("#add-node-text").fill("not-an-address")  # a typing mistake: said plainly, nothing breaks
    page.get_by_role("button", name="Add to the graph").click()
    page.locator("#graph-status", has_text="Could not add it:").wait_for()
    page.locator("#add-node-text").fill(f"cluster:{cluster}")  # already there: selected, not added twice
    page.get_by_role("button", name="Add to the graph").click()
    page.locator("#graph-status", has_text="is already on the graph").wait_for()
    assert page.locator("#node-list tbody tr").count() == drawn
    expected = "Failed to load resource: the server responded with a status of 400 (Bad Request)"  # the mistake
    assert recorder.errors.count(expected) == 1 and not [e for e in recorder.errors if e != expected], recorder.errors
