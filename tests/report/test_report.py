"""The court-ready report: made from a real capture and a real ledger store, the PDF opened and read back."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from xml.etree import ElementTree

import pytest
from pypdf import PdfReader
from reportcase import EXCHANGE, Story

from cointrail.cases import open_case, sha256_file, verify_case
from cointrail.cli import main
from cointrail.errors import InputError
from cointrail.exports.write import write_exports
from cointrail.facts import ReportFacts, collect_facts
from cointrail.facts.accuracy import parse_figures
from cointrail.facts.methods import family_sentence
from cointrail.report import write_report
from cointrail.report.render import graph_svg
from cointrail.store.duckdb.store import LedgerStore


def _cli(capsys: pytest.CaptureFixture[str], story: Story, *args: str) -> dict:
    root = str(story.case.folder.parent)
    code = main([*args, "--case", story.case.name, "--cases-dir", root, "--json"])
    out = capsys.readouterr().out
    assert code == 0, out
    return json.loads(out)


def _pdf_text(path: Path) -> str:
    """The PDF's text with all white space removed: long hashes are wrapped across lines in the tables."""
    text = "\n".join(page.extract_text() for page in PdfReader(path).pages)
    return "".join(text.split())


@pytest.mark.slow
def test_report_pdf_holds_summary_txids_hashes_and_methods(story: Story, tmp_path: Path,
                                                           capsys: pytest.CaptureFixture[str]) -> None:  # fmt: skip
    result = _cli(capsys, story, "report", "--db", str(story.db), "--out", str(tmp_path))
    pdf = Path(result["files"]["pdf"]["copy"])
    text = _pdf_text(pdf)
    warc = next(e for e in story.case.log.entries() if e["action"] == "capture.warc")
    assert "summary" in text and "Exchangestocontact" in text
    assert "3paymentsfrom2payingwallets,1LTC" in text  # the summary: 3 payments by 2 wallets
    assert "AmountsinLTC" in text and "amount(LTC)" in text and "coins;" not in text  # every amount's unit named
    assert story.txid("pay_b") in text and story.txid("sweep") in text
    assert warc["sha256"] in text  # the evidence list, with the capture's hash
    assert "Appendix:methods" in text and "multi-input" in text and "linkerrorrate" in text
    assert "6.Limitationsandalternativeexplanations" in text and "Sharedorcustodialwallets" in text
    assert "7.Expert'sstatement" in text and "Declaration." in text
    assert "Transactionexhibits" in text and f"litecoin-cligetrawtransaction{story.txid('sweep')}true" in text
    assert "Haircut" in text  # the taint model used, explained
    assert "Findingthepayersandtheexchangesthatfundedthem" in text  # with its figures from docs/accuracy.md
    assert EXCHANGE.replace(" ", "") in text


@pytest.mark.slow
def test_report_is_stored_as_logged_evidence(story: Story, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    result = _cli(capsys, story, "report", "--db", str(story.db), "--no-pdf")
    case = open_case(story.case.name, story.case.folder.parent)
    logged = {e["action"]: e for e in case.log.entries()}
    for kind, action in (("json", "report.facts"), ("html", "report.html")):
        item = result["files"][kind]
        assert sha256_file(case.folder / item["path"]) == item["sha256"] == logged[action]["sha256"]
        assert (case.folder / item["path"]).stat().st_mode & 0o222 == 0  # written once, read-only
    assert verify_case(case, record=False).intact
    facts = ReportFacts.from_json(json.loads((case.folder / result["files"]["json"]["path"]).read_text()))
    assert facts.ledger["sources"][0]["merkle_checked"] is True  # the store's verification flags are quoted
    # The story's store has no prices: every fiat cell says so, in the words of the Ethereum tables (issue 18).
    page = (case.folder / result["files"]["html"]["path"]).read_text()
    paid = page[page.index("1.2 Payments, one per"):page.index("1.3 Where the payers")]
    assert paid.count("<td>no price</td>") == len(facts.findings["payers"]["payments"]) == 3
    trails = [t for p in facts.findings["payers"]["payers"] for t in p["funding"]]
    funding = page[page.index("1.3 Where the payers"):page.index("1.4 Where the site")]
    assert trails and all(t["fiat"] is None and all(s["fiat"] is None for s in t["steps"]) for t in trails)
    assert funding.count("<td>no price</td>") == sum(len(t["steps"]) for t in trails)
    assert funding.count(" LTC (no price); confidence of the whole trail") == len(trails)
    exchanges = page[page.index("1.5 Exchanges to contact"):page.index('id="graph"')]
    assert "<td>no price</td>" in exchanges and "<td></td></tr>" not in exchanges
    assert facts.ledger["clustering"]["heuristics"] == ["multi-input", "change-round-amount", "change-optimal"]


def test_report_from_payers_built_by_hand(story: Story) -> None:
    """The report is written against the data contract of docs/tracing.md, not against the tracer's code."""
    site = [story.address("site1")]
    payers = {
        "site": {"addresses": site, "cluster_ids": [7]},
        "payments": [{"txid": story.txid("pay_a"), "time": 1_600_000_300, "date": "2020-09-13", "height": 2,
                      "address": site[0], "addresses_paid": site, "amount": 25_000_000, "amount_coin": "0.25000000",
                      "fiat": {"currency": "USD", "value": 20.0, "price": 80.0, "price_date": "2020-09-13",
                               "source": "csv:prices.csv"},
                      "payer_cluster_id": 3, "payer_addresses": [story.address("alice1")], "fresh_address": True}],
        "payers": [{"payer_cluster_id": 3, "payer_addresses": [story.address("alice1")], "payments": 1,
                    "txids": [story.txid("pay_a")], "total": 25_000_000, "total_coin": "0.25000000",
                    "total_fiat": {"currency": "USD", "value": 20.0}, "first_date": "2020-09-13",
                    "last_date": "2020-09-13", "first_time": 1_600_000_300, "last_time": 1_600_000_300,
                    "funded_by": "Hand Exchange", "unresolved": {},
                    "funding": [{"service": "Hand Exchange", "category": "exchange", "label_source": "test",
                                 "label_confidence": "service_data", "service_address": story.address("exhot"),
                                 "withdrawal_txid": story.txid("w1"), "time": 1_600_000_150, "date": "2020-09-13",
                                 "amount": 100_000_000, "confidence": 0.9,
                                 "steps": [{"hop": 1, "txid": story.txid("w1"), "from_addresses": [],
                                            "to_address": story.address("alice1"), "amount": 100_000_000,
                                            "amount_coin": "1.00000000", "confidence": 0.9,
                                            "reason": "paid out by the exchange"}]}]}],
        "services": [], "patterns": [], "price_source": "csv:prices.csv",
        "totals": {"payments": 1, "payers": 1, "amount": 25_000_000, "amount_coin": "0.25000000",
                   "fiat": {"currency": "USD", "value": 20.0, "source": "csv:prices.csv"}, "with_service": 1},
    }  # fmt: skip
    facts = collect_facts(story.case, None, site, findings={"payers": payers, "flows": []})
    [exchange] = facts.findings["exchanges"]
    assert exchange["service"] == "Hand Exchange"
    assert exchange["withdrawals"][0]["address"] == story.address("alice1")
    assert exchange["withdrawals"][0]["time_utc"] == "2020-09-13 12:29:10 UTC"
    assert any("20.00 USD" in line for line in facts.summary)
    html = write_report(story.case, facts, pdf=False)["files"]["html"]
    page = (story.case.folder / html["path"]).read_text()
    assert story.txid("w1") in page and "csv:prices.csv" in page
    assert 'src="http' not in page and 'href="http' not in page  # renders offline: nothing fetched from outside
    assert "data:image/svg+xml;base64," in page  # the flow graph, embedded


def test_flow_graph_draws_each_role_in_its_column(story: Story) -> None:
    with LedgerStore.open(story.db, read_only=True) as store:
        facts = collect_facts(story.case, store)
    svg = graph_svg(facts)
    root = ElementTree.fromstring(svg)  # well-formed SVG
    texts = [t.text for t in root.iter("{http://www.w3.org/2000/svg}text")]
    assert texts.count(EXCHANGE) == 2  # funded the payers, and received the site's money
    assert "the site" in texts and sum(1 for t in texts if t and t.startswith("cluster:")) == 2
    assert len(list(root.iter("{http://www.w3.org/2000/svg}path"))) == 1 + 2 + 2 + 1  # marker + arrows


def test_methods_quote_the_measured_error_rates(story: Story) -> None:
    with LedgerStore.open(story.db, read_only=True) as store:
        facts = collect_facts(story.case, store, findings={"payers": None, "flows": []})
    methods = {h["name"]: h for h in facts.methods["heuristics"]}
    assert set(methods) == {"multi-input", "change-round-amount", "change-optimal"}
    assert methods["multi-input"]["figures"]["link_error_rate"] is not None
    assert "Measured on ground-truth scenarios" in methods["change-optimal"]["measured"]


def test_accuracy_table_is_parsed_between_its_markers() -> None:
    text = ("intro\n<!-- accuracy:start -->\nMeasured today.\n\n| heuristics | pairwise precision | "
            "links right/made, per heuristic |\n|---|---|---|\n| change-x | 0.9000 | change-x: 9/10 |\n"
            "<!-- accuracy:end -->\n")  # fmt: skip
    figures = parse_figures(text)
    assert figures["measured"] == "Measured today."
    assert figures["rows"] == [{"heuristics": "change-x", "pairwise precision": "0.9000",
                                "links right/made, per heuristic": "change-x: 9/10"}]  # fmt: skip


# Loaded first in the child process (sitecustomize): the system loader then fails on pango as on a machine
# without Debian's libpango, while everything else (WeasyPrint included) is the real thing.
_NO_PANGO = '''
import cffi
_dlopen = cffi.FFI.dlopen
def dlopen(self, name, *args, **kwargs):
    if "pango" in str(name):
        raise OSError(f"cannot load library {name!r}: cannot open shared object file: No such file or directory")
    return _dlopen(self, name, *args, **kwargs)
cffi.FFI.dlopen = dlopen
'''


@pytest.mark.slow
def test_without_pango_the_report_is_written_as_html_and_says_how_to_get_the_pdf(story: Story,
                                                                                  tmp_path: Path) -> None:  # fmt: skip
    hide = tmp_path / "no-pango"
    hide.mkdir()
    (hide / "sitecustomize.py").write_text(_NO_PANGO)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(hide), os.environ.get("PYTHONPATH")]))}
    done = subprocess.run([sys.executable, "-m", "cointrail", "report", "--db", str(story.db), "--case",
                           story.case.name, "--cases-dir", str(story.case.folder.parent), "--json"],
                          capture_output=True, text=True, env=env, timeout=300)  # fmt: skip
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)  # stdout stays one JSON document: WeasyPrint's own message is kept off it
    assert "pdf" not in result["files"] and "html" in result["files"]
    assert any("libpango-1.0-0" in w and "scripts/system-deps.sh" in w for w in result["warnings"])
    case = open_case(story.case.name, story.case.folder.parent)
    assert verify_case(case, record=False).intact
    html = (case.folder / result["files"]["html"]["path"]).read_text()
    assert story.txid("pay_b") in html  # the same report, as HTML


def test_limitations_are_written_from_the_cases_facts(story: Story) -> None:
    with LedgerStore.open(story.db, read_only=True) as store:
        facts = collect_facts(story.case, store)
    sections = {item["title"]: item["text"] for item in facts.limitations}
    assert list(sections) == ["Shared or custodial wallets", "A payer that is itself a service", "Label quality",
                              "Coverage gaps", "CoinJoins", "Clocks and prices"]  # fmt: skip
    assert sections["Shared or custodial wallets"].startswith("Each of the 2 paying wallets is a group of addresses")
    assert "2 paying wallets received their money straight from an exchange" in sections[
        "A payer that is itself a service"]
    assert "Exchange One (from test, service_data)" in sections["Label quality"]
    assert "test blocks 0-4 (tip 4)" in sections["Coverage gaps"]
    assert "at most 6 steps back" in sections["Coverage gaps"]
    assert sections["CoinJoins"].startswith("CoinJoins mix") and "0 CoinJoins were set aside" in sections["CoinJoins"]
    assert "and 0 paying wallets had money through one" in sections["CoinJoins"]
    assert not [title for title, text in sections.items() if "(s)" in text or "(es)" in text]
    assert "amounts are in LTC only" in sections["Clocks and prices"]


def test_transaction_exhibits_carry_block_time_link_and_recheck(story: Story) -> None:
    with LedgerStore.open(story.db, read_only=True) as store:
        facts = collect_facts(story.case, store, explorer="https://explorer.example/tx/{txid}")
        plain = collect_facts(story.case, store)
    exhibits = {x["txid"]: x for x in facts.exhibits}
    assert [x["exhibit"] for x in facts.exhibits] == [f"T{n}" for n in range(1, len(exhibits) + 1)]
    sweep = exhibits[story.txid("sweep")]
    assert (sweep["height"], sweep["time"]) == (4, 1600000600)
    assert sweep["link"] == f"https://explorer.example/tx/{story.txid('sweep')}"
    assert sweep["recheck"] == f"litecoin-cli getrawtransaction {story.txid('sweep')} true"
    assert all(x["link"] is None for x in plain.exhibits) or os.environ.get("COINTRAIL_EXPLORER")
    with pytest.raises(InputError, match="must be an http"):
        collect_facts(story.case, None, explorer="explorer.example/{txid}")


def test_the_analysts_own_actions_are_listed_from_the_custody_log(story: Story, tmp_path: Path) -> None:
    with LedgerStore.open(story.db, read_only=True) as store:
        before = collect_facts(story.case, store)
        write_exports(story.case, before, tmp_path, ("goaml",))
        after = collect_facts(story.case, store)
    shared = [a for a in after.actions if a["action"] == "export.goaml"]
    assert len(shared) == len([a for a in before.actions if a["action"] == "export.goaml"]) + 1
    assert shared[-1]["object"] == f"export:{story.case.name}.goaml.xml" and "shared outside" in shared[-1]["meaning"]
    assert not any(a["action"].startswith("capture.") for a in after.actions)


def test_expert_statement_names_preparer_tools_and_leaves_blanks(story: Story) -> None:
    with LedgerStore.open(story.db, read_only=True) as store:
        given = collect_facts(story.case, store, role="Financial investigator, Unit X", instructions="Trace the payers")
        blank = collect_facts(story.case, store)
    assert given.statement["prepared_by"] == "Test Operator"
    assert given.statement["role"] == "Financial investigator, Unit X"
    assert given.statement["tools"].startswith("cointrail ") and "duckdb" in given.statement["tools"]
    assert blank.statement["role"] == blank.statement["instructions"] == "[to be filled in by the preparer]"


def test_error_rates_per_family_read_in_plain_words() -> None:
    row = {"family": "whirlpool", "seeds": "held-out (2)", "false merges": "0", "collaborative caught": "19/19",
           "funding right": "10/13", "wrong exchange": "0"}  # fmt: skip
    assert family_sentence(row) == (
        "In the 'whirlpool' scenarios, which were never used to tune the rules: the rules made 0 wrong joins of two "
        "wallets; of 19 shared transactions (CoinJoins, PayJoins) 19 were recognised; of 13 paying customers, the "
        "exchange that funded them was named right for 10, and a wrong exchange was named 0 times (for the "
        "others, no exchange was named).")
    assert family_sentence({**row, "seeds": "tuning (1)"}) is None


def test_label_quality_says_how_reliable_each_source_and_a_lead_are() -> None:
    """A payer funded through an investigator's label and one only through a detected exchange-like wallet: the
    paragraph quotes the source's reliability and the detection's measured figures, in words."""
    from cointrail.facts.limitations import label_quality

    named = {"funded_by": "Exchange One", "leads": [], "funding": [
        {"service": "Exchange One", "label_source": "investigator:analyst", "label_confidence": "service_data"}]}
    led = {"funded_by": None, "funding": [], "leads": [{"score": 0.71, "wallet": 7}]}
    text = label_quality({"findings": {"payers": {"payers": [named, led]}, "flows": []}})
    assert "the investigator's own, each kept in the case with its evidence" in text
    assert "1 paying wallet reached no labelled exchange but a wallet no label names that behaves like one" in text
    assert "behaviour score 0.71" in text and "a lead to identify, not a named exchange" in text
    assert "recognised only" in text and "an exchange may still be there" in text  # docs/accuracy.md's figures
    assert label_quality({"findings": {"payers": {"payers": [led]}, "flows": []}}).startswith(
        "No service label was used: no exchange is named. 1 paying wallet")


def test_long_names_are_wrapped_in_groups_of_8_and_numbers_never() -> None:
    from cointrail.report.layout import for_print, when, wrap

    assert wrap("ab" * 9 + " 0.50 2026-12-04 and/or x<y") == (
        "abababab<wbr>abababab<wbr>ab 0.50 2026-12-04 and/<wbr>or x&lt;y")  # a run of 17+ is a name
    assert wrap("evidence/" + "f" * 20 + ".warc.gz") == (
        "evidence/<wbr>ffffffff<wbr>ffffffff<wbr>ffff.<wbr>warc.<wbr>gz")
    assert wrap("short words stay") == "short words stay"
    assert when("2026-12-04T19:00:10.965987Z") == "2026-12-04T<wbr>19:00:10.965987Z" and when("now") == "now"
    assert for_print("ab<wbr>cd") == "ab\u200bcd"


def test_the_facts_are_one_typed_document_kept_byte_for_byte(story: Story) -> None:
    """The engine's facts are a ReportFacts read by attribute; its JSON is what the case keeps, byte for byte, and a
    kept file read back (also one of an older version without the sections added since) gives the same bytes."""
    from cointrail.report.write import facts_bytes

    with LedgerStore.open(story.db, read_only=True) as store:
        facts = collect_facts(story.case, store)
    assert isinstance(facts, ReportFacts) and facts.site.addresses and facts.case.name == story.case.name
    kept = facts_bytes(facts)
    again = ReportFacts.from_json(json.loads(kept))
    assert facts_bytes(again) == kept and again == ReportFacts.from_json(json.loads(kept))
    older = {k: v for k, v in json.loads(kept).items() if k not in ("exhibits", "actions", "statement")}
    read = ReportFacts.from_json(older)
    assert read.exhibits == [] and read.statement == {} and read.to_json() == older
