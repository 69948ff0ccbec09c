"""The report's figures from one place, no 'None' sizes, rows kept whole across pages, and no path of the
investigator's computer in what the case hands out (issue 13): report, request packs, exports."""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader
from reportcase import Story, make_story

from cointrail.cli import main
from cointrail.exports import EXPORTERS
from cointrail.facts import ReportFacts

pytestmark = pytest.mark.slow
LABEL_IMPORTS = 12  # each one logs the label file and a 'labels.import' entry naming the store: a long custody log


@pytest.fixture(scope="module")
def worked(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Story, Path, dict]]:
    """A case as an investigator leaves it: labels imported (the same file twice), an export written outside the
    case, then the report, with its PDF copied out."""
    root = tmp_path_factory.mktemp("figures")
    story = make_story(root)
    cases = ["--case", story.case.name, "--cases-dir", str(story.case.folder.parent)]
    labels = root / "downloads" / "labels.csv"
    labels.parent.mkdir()
    for n in range(LABEL_IMPORTS):
        labels.write_text(f"address,label,currency,category\n{story.address('site1')},Site {n % 11},LTC,"
                          "child_sexual_abuse\n")  # fmt: skip
        assert main(["labels", "import", str(labels), "--db", str(story.db), *cases, "--json"]) == 0
    (root / "out").mkdir()
    assert main(["export", "--format", "csv", "--out", str(root / "out" / "before.csv"), "--db", str(story.db),
                 *cases]) == 0  # fmt: skip
    out = root / "report-out"
    assert main(["report", "--db", str(story.db), "--out", str(out), *cases, "--json"]) == 0
    result = ReportFacts.from_json(json.loads((out / f"{story.case.name}-report.json").read_text()))
    yield story, root, result


@functools.cache
def _texts(path: Path) -> tuple[str, ...]:
    """Each page's text, read once per PDF (pypdf takes about 0.1 s a page)."""
    return tuple(page.extract_text() for page in PdfReader(path).pages)


def _pages(path: Path) -> list[str]:
    """Each page's text with all white space removed (hashes wrap across lines in the tables)."""
    return ["".join(text.split()) for text in _texts(path)]


def _pdf(story: Story, root: Path) -> Path:
    return root / "report-out" / f"{story.case.name}-report.pdf"


def test_the_evidence_count_is_the_same_on_every_page(worked: tuple[Story, Path, dict]) -> None:
    story, root, facts = worked
    text = "".join(_pages(_pdf(story, root)))
    on_summary = re.findall(r"holds(\d+)loggedevidencefile", text)
    in_custody = re.findall(r"all(\d+)evidencefilesmatch", text)
    assert on_summary and on_summary == in_custody
    before = [e for e in story.case.log.entries() if e["time_utc"] <= facts.generated_utc]
    logged = {e["object"] for e in before if e["object"] == "case.json" or e["object"].startswith("evidence/")}
    assert int(on_summary[0]) == len(logged) < len([e for e in before if e["sha256"]])
    # Every file of the case counted once, even one logged twice; records of things outside it are not files.
    paths = [e["path"] for e in facts.evidence]
    assert len(paths) == len(set(paths)) == facts.figures["evidence_files"] == len(logged)
    assert {r["action"] for r in facts.records} >= {"labels.import", "export.csv"}


def test_the_evidence_table_gives_every_size(worked: tuple[Story, Path, dict]) -> None:
    story, root, facts = worked
    html = next((root / "report-out").glob("*-report.html")).read_text()
    evidence = html[html.index('id="evidence"'):html.index('id="custody"')]
    assert "None" not in evidence
    assert all(isinstance(e["bytes"], int) and e["bytes"] > 0 for e in facts.evidence)


def test_no_table_row_is_split_across_pages(worked: tuple[Story, Path, dict]) -> None:
    story, root, facts = worked
    pages = _pages(_pdf(story, root))
    html = next((root / "report-out").glob("*-report.html")).read_text()
    assert "page-break-inside: avoid" in html
    # The custody log runs over page breaks: every entry's row, all its cells in order, must be whole on one page.
    entries = facts.custody["entries"]
    assert len(entries) > 2 * LABEL_IMPORTS
    rows = ["".join(f"{e['seq']}{e['time_utc']}{e['operator']}{e['action']}{e['object']}{e['sha256'] or ''}"
                    f"{e['entry_hash']}".split()) for e in entries]  # fmt: skip
    on = [[n for n, page in enumerate(pages) if row in page] for row in rows]
    assert [e["seq"] for e, found in zip(entries, on, strict=True) if len(found) != 1] == []
    # The table crosses a page break (its 29 rows start part-way down a page: where depends on the sections before).
    assert len({found[0] for found in on}) >= 2


def _anchors(reader: PdfReader) -> dict[str, list[tuple[int, int]]]:
    """Per name, the index's anchors of it (``at-N-NAME``): (N, the page it lies on, from 0), in order."""
    found: dict[str, list[tuple[int, int]]] = {}
    for name, dest in reader.named_destinations.items():
        if name.startswith("at-"):
            _, n, value = name.split("-", 2)
            found.setdefault(value, []).append((int(n), reader.get_destination_page_number(dest)))
    return {value: sorted(places) for value, places in found.items()}


def test_the_index_gives_the_pages_where_each_txid_and_address_is(worked: tuple[Story, Path, dict]) -> None:
    story, root, facts = worked
    reader = PdfReader(_pdf(story, root))
    pages = _pages(_pdf(story, root))
    anchors = _anchors(reader)
    payers = facts.findings["payers"]
    named = {*facts.findings["txids"], *facts.site.addresses,
             *(a for p in payers["payers"] for a in p["payer_addresses"])}  # fmt: skip
    assert named <= set(anchors)
    start = next(n for n, page in enumerate(pages) if "Indexoftransactionsandaddresses" in page)
    index = "".join(pages[start:]).split("Indexoftransactionsandaddresses", 1)[1]
    exhibits = {x["txid"]: x["exhibit"] for x in facts.exhibits}
    exhibit_page = {x: reader.get_destination_page_number(d) for x, d in reader.named_destinations.items()
                    if x.startswith("exhibit-")}  # fmt: skip
    where = sorted((index.index(value), value) for value in anchors)  # each name once in the index
    for (at, value), (end, _) in zip(where, [*where[1:], (len(index), "")], strict=True):
        row = index[at + len(value):end]
        printed = [int(exhibit or place) for exhibit, place in re.findall(r"\(p\.(\d+)\)|,p\.(\d+)", row)]
        shown = [exhibit_page[f"exhibit-{exhibits[value]}"]] if value in exhibits else []  # its exhibit's page first
        assert printed == [page + 1 for page in shown + [page for _, page in anchors[value]]], value
        assert all(value in pages[page] for page in shown + [page for _, page in anchors[value]]), value
    txids = [value for _, value in where if value in exhibits]
    assert [exhibits[t] for t in txids] == [f"T{n}" for n in range(1, len(exhibits) + 1)]  # in exhibit order
    assert all(index[index.index(t) + len(t):].startswith(exhibits[t]) for t in txids)
    findings = next(n for n, page in enumerate(pages) if page.startswith("1.Findings"))
    assert f"section1(page{findings + 1})" in pages[0] and f"theindex(page{start + 1})" in pages[0]  # the summary


def test_every_page_is_numbered_page_n_of_m(worked: tuple[Story, Path, dict]) -> None:
    """The footers are laid out apart from the pages and joined to them (report/paging.py): each page still
    carries its own number and the count of all pages, and the case line."""
    story, root, facts = worked
    pages = _pages(_pdf(story, root))
    assert len(pages) > 3
    for number, page in enumerate(pages, start=1):
        assert page.count(f"page{number}of{len(pages)}") == 1, number
        assert f"case{story.case.name}" in page, number


def test_long_names_are_cut_only_between_groups_of_8(worked: tuple[Story, Path, dict]) -> None:
    """A txid, an address or a hash that wraps is cut between two groups of 8 characters from its start, never
    elsewhere, and no character is lost or added (the PDF's text, line breaks aside, is the name)."""
    story, root, facts = worked
    texts = _texts(_pdf(story, root))
    payers = facts.findings["payers"]
    names = {*facts.findings["txids"], *facts.site.addresses, *(e["sha256"] for e in facts.evidence),
             *(a for p in payers["payers"] for a in p["payer_addresses"]),
             *(e["entry_hash"] for e in facts.custody["entries"])}  # fmt: skip
    cuts = 0
    for name in names:
        pattern = re.compile(r"\s*".join(name))
        seen = [match.group() for text in texts for match in pattern.finditer(text)]
        assert seen, name
        for written in seen:
            at = [n for n, c in enumerate(re.sub(r"\s+", " ", written).split(" ")[:-1])]
            offsets = [len("".join(re.split(r"\s+", written)[:k + 1])) for k in at]
            assert all(offset % 8 == 0 for offset in offsets), (name, written)
            cuts += len(offsets)
    assert cuts > 50  # names do wrap in the tables: the check above saw many cuts


def _split_rows(html: str) -> list[str]:
    """Table rows WeasyPrint lays out over two pages (read from its layout: the boxes of each page)."""
    import weasyprint
    from weasyprint.formatting_structure import boxes

    pages_of: dict[int, set[int]] = {}
    texts: dict[int, str] = {}

    def walk(box: Any, page: int) -> None:
        if isinstance(box, boxes.TableRowBox):
            pages_of.setdefault(id(box.element), set()).add(page)
            texts[id(box.element)] = "".join(box.element.itertext())[:60]
        for child in getattr(box, "children", None) or []:
            walk(child, page)

    from cointrail.report.layout import for_print

    for number, page in enumerate(weasyprint.HTML(string=for_print(html)).render().pages):  # as render_pdf does
        walk(page._page_box, number)
    return [texts[row] for row, pages in pages_of.items() if len(pages) > 1]


def _long_payers(story: Story, count: int) -> dict[str, Any]:
    """Payers given by hand (the data contract of docs/tracing.md) with tall rows: long reasons in every step."""
    why = "the payer's own wallet moved the money (both addresses in one cluster); " * 5
    steps = [{"hop": h, "txid": story.txid("w1"), "time": 1_600_000_150, "from_addresses": [],
              "to_address": story.address("alice1"), "amount": 100_000_000, "amount_coin": "1.00000000",
              "confidence": 1.0, "reason": why} for h in (1, 2, 3)]  # fmt: skip
    trail = {"service": "Hand Exchange", "category": "exchange", "label_source": "test", "label_confidence": "high",
             "service_address": story.address("exhot"), "withdrawal_txid": story.txid("w1"), "time": 1_600_000_150,
             "date": "2020-09-13", "amount": 100_000_000, "confidence": 1.0, "steps": steps}  # fmt: skip
    payers = [{"payer_cluster_id": n, "payer_addresses": [story.address("alice1")], "payments": 1,
               "txids": [story.txid("pay_a")], "total": 25_000_000, "total_coin": "0.25000000", "total_fiat": None,
               "first_date": "2020-09-13", "last_date": "2020-09-13", "first_time": 1, "last_time": 1,
               "funded_by": "Hand Exchange", "unresolved": {}, "funding": [trail]} for n in range(count)]  # fmt: skip
    return {"site": {"addresses": [story.address("site1")], "cluster_ids": [7]}, "payments": [], "payers": payers,
            "services": [], "patterns": [], "price_source": None,
            "totals": {"payments": count, "payers": count, "amount": 25_000_000 * count, "amount_coin": "",
                       "fiat": None, "with_service": count}}  # fmt: skip


def test_tall_rows_are_never_split_across_pages(worked: tuple[Story, Path, dict]) -> None:
    from cointrail.facts import collect_facts
    from cointrail.report.render import render_html

    story, _, _ = worked
    facts = collect_facts(story.case, None, [story.address("site1")],
                          findings={"payers": _long_payers(story, 12), "flows": []})  # fmt: skip
    html = render_html(facts, "0" * 64)
    assert html.count("own wallet moved the money") >= 36  # many tall rows, over several pages
    assert _split_rows(html) == []


def test_the_appendix_explains_coinjoins_funders_people_and_the_families(worked: tuple[Story, Path, dict]) -> None:
    story, root, _ = worked
    text = "".join(_pages(_pdf(story, root)))
    assert "Whatatrailcannotseethrough,andwhenafunderisnamed" in text and "possiblyfundedby" in text
    assert "onepersoncanholdseveral" in text and "payingwalletsperpayingperson" in text
    assert "Measuredonmanyindependenteconomies" in text and "wabisabi" in text and "held-out" in text


def test_no_path_of_this_computer_in_the_report(worked: tuple[Story, Path, dict]) -> None:
    story, root, facts = worked
    here = "".join(str(root).split())
    pdf_text = "".join(_pages(_pdf(story, root)))
    assert here not in pdf_text and "/tmp/" not in pdf_text
    for name in ("html", "json"):
        text = next((root / "report-out").glob(f"*-report.{name}")).read_text()
        assert str(root) not in text and str(Path.home()) + "/" not in text, name
    assert "evidence/" in pdf_text  # files are named by their path in the case
    assert re.search(r"store:(…/)?ledger\.duckdb", pdf_text)  # a store outside the case: its name only


def test_no_path_of_this_computer_in_request_packs_and_exports(worked: tuple[Story, Path, dict],
                                                               capsys: pytest.CaptureFixture[str]) -> None:  # fmt: skip
    story, root, _ = worked
    cases = ["--case", story.case.name, "--cases-dir", str(story.case.folder.parent)]
    packs = root / "packs"
    assert main(["request-pack", *cases, "--out", str(packs)]) == 0
    capsys.readouterr()
    for path in [*packs.iterdir(), *story.case.folder.joinpath("evidence").glob("*.request.*")]:
        assert str(root) not in path.read_text(), path
    for fmt in EXPORTERS:
        assert main(["export", "--format", fmt, *cases]) == 0  # from the latest report's facts
        assert str(root) not in capsys.readouterr().out, fmt


def test_paths_are_rewritten_case_relative_or_by_name() -> None:
    from cointrail.facts.redact import LocalPaths

    paths = LocalPaths(Path("/srv/jane/cases/c1"), [Path("/srv/jane/ledger.duckdb")])
    assert paths.text("/srv/jane/cases/c1/evidence/ab.csv") == "evidence/ab.csv"
    assert paths.text("store:/srv/jane/ledger.duckdb") == "store:…/ledger.duckdb"
    assert paths.text("blocks from /var/lib/litecoin/blocks, checked") == "blocks from …/blocks, checked"
    assert paths.text("C:\\Users\\jane\\labels.csv") == "…/labels.csv"
    for kept in ("http://127.0.0.1:8332/", "and/or", "1/2", "docs/accuracy.md", "…/ledger.duckdb"):
        assert paths.text(kept) == kept
    assert paths.clean({"a": ["/srv/jane/x.csv", 3]}) == {"a": ["…/x.csv", 3]}


def test_a_possible_funder_is_asked_about_as_a_possibility(worked: tuple[Story, Path, dict]) -> None:
    from cointrail.facts import collect_facts
    from cointrail.report import request_packs
    from cointrail.report.render import render_html

    story, _, _ = worked
    payers = _long_payers(story, 1)
    [payer] = payers["payers"]
    reason = "94% of the payer's traced money came from its payouts (confidence 0.03), but only through 1 CoinJoin"
    payer.update(funded_by=None, possibly_funded_by=["Hand Exchange"], coinjoin_participants=5,
                 unresolved={"coinjoin": 10_000},
                 attributions=[{"service": "Hand Exchange", "category": "exchange", "share": 0.94, "confidence": 0.03,
                                "trails": 1, "through_coinjoins": ["ab" * 32], "status": "possible",
                                "reason": reason}])  # fmt: skip
    payer["funding"][0]["status"] = "possible"
    facts = collect_facts(story.case, None, [story.address("site1")], findings={"payers": payers, "flows": []})
    [pack] = request_packs(facts)
    assert "POSSIBLY: 94% of the payer's traced money" in pack["csv"]
    html = render_html(facts, "0" * 64)
    assert "possibly Hand Exchange" in html and "CoinJoin of 5 participants" in html
    assert "was possibly funded by" in html
    assert facts.figures["wallets_funded"] == 0 and facts.figures["wallets_possibly_funded"] == 1


def test_a_report_without_the_index_keeps_its_page_references(worked: tuple[Story, Path, dict],
                                                              tmp_path: Path) -> None:  # fmt: skip
    """``report --no-index``: no index and no anchor for it, and the page references left (the
    summary's section pages) still the pages of their targets, every footer right."""
    from cointrail.report.render import render_pdf

    story, _, _ = worked
    cases = ["--case", story.case.name, "--cases-dir", str(story.case.folder.parent)]
    assert main(["report", "--db", str(story.db), "--no-index", "--no-pdf", "--out", str(tmp_path), *cases]) == 0
    html = next(tmp_path.glob("*-report.html")).read_text()
    assert 'id="index"' not in html and 'id="at-' not in html and 'href="#exhibit-' in html
    stored = json.loads(next(tmp_path.glob("*-report.json")).read_text())  # the stored facts say how it printed
    assert stored["provenance"]["parameters"]["index"] is False and "index = False" in html
    (tmp_path / "plain.pdf").write_bytes(render_pdf(html))
    reader = PdfReader(tmp_path / "plain.pdf")
    pages = ["".join(page.extract_text().split()) for page in reader.pages]
    assert not any("Indexoftransactions" in p for p in pages)
    assert not [name for name in reader.named_destinations if name.startswith("at-")]
    for number, page in enumerate(pages, start=1):
        assert page.count(f"page{number}of{len(pages)}") == 1, number
    target = {name: reader.get_destination_page_number(d) + 1 for name, d in reader.named_destinations.items()}
    assert f"section1(page{target['findings']})" in pages[0] and "theindex" not in pages[0]
    assert f"theappendix(page{target['methods']})" in pages[0] and target["methods"] > target["findings"] > 1
    assert any(name.startswith("exhibit-T") for name in target)  # each txid still links to its exhibit
