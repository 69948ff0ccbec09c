"""The request pack per exchange: CSV read back, letter text, stored in the case."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from reportcase import EXCHANGE, Story

from cointrail.cli import main


def _run(capsys: pytest.CaptureFixture[str], story: Story, *args: str) -> tuple[int, str]:
    code = main(["request-pack", "--case", story.case.name, "--cases-dir", str(story.case.folder.parent), *args])
    return code, capsys.readouterr().out


def test_request_pack_lists_the_withdrawals_and_deposits_to_ask_about(
        story: Story, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:  # fmt: skip
    code, out = _run(capsys, story, "--db", str(story.db), "--out", str(tmp_path), "--json")
    assert code == 0, out
    [pack] = json.loads(out)
    assert pack["exchange"] == EXCHANGE and pack["withdrawals"] == 2 and pack["deposits"] == 1
    with open(pack["files"]["csv"]["copy"], newline="") as handle:
        rows = list(csv.DictReader(handle))
    withdrawals = [r for r in rows if r["kind"] == "withdrawal"]
    [deposit] = [r for r in rows if r["kind"] == "deposit"]
    assert {r["txid"] for r in withdrawals} == {story.txid("w1")}
    assert deposit["txid"] == story.txid("sweep") and deposit["address"] == story.address("exdeposit")
    assert deposit["amount"] == "0.99990000" and deposit["currency"] == "LTC"
    assert deposit["time_utc"] == "2020-09-13 12:36:40 UTC"
    assert (deposit["fiat_value"], deposit["fiat_price_source"]) == ("", "no price")  # the store has no prices
    letter = Path(pack["files"]["letter"]["copy"]).read_text()
    assert letter.startswith(f"To: {EXCHANGE}") and story.txid("sweep") in letter
    assert "0.99990000 LTC (no price)" in letter and "No fiat value is given" in letter
    logged = [e["action"] for e in story.case.log.entries()]
    assert "request-pack.csv" in logged and "request-pack.letter" in logged


def test_unknown_exchange_is_refused_in_one_sentence(story: Story, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["request-pack", "--case", story.case.name, "--cases-dir", str(story.case.folder.parent),
                 "--db", str(story.db), "--exchange", "Nobody"])  # fmt: skip
    assert code == 2
    assert "no exchange named 'Nobody'" in capsys.readouterr().err


def test_request_pack_v2_carries_case_number_dates_preservation_and_urgency(
        story: Story, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:  # fmt: skip
    code, out = _run(capsys, story, "--db", str(story.db), "--out", str(tmp_path), "--case-number", "OPS-2026-17",
                     "--legal-basis", "a production order of 1 Dec 2026", "--urgent", "--json")  # fmt: skip
    assert code == 0, out
    [pack] = json.loads(out)
    assert pack["date_range"] == "2020-09-13 to 2020-09-13" and pack["urgent"] and pack["preservation"]
    assert all(EXCHANGE.replace(" ", "-") in item["path"] for item in pack["files"].values())
    letter = Path(pack["files"]["letter"]["copy"]).read_text()
    assert "URGENT" in letter and "Re: case OPS-2026-17 (cointrail case report-case)" in letter
    assert "under a production order of 1 Dec 2026" in letter and "Preservation request" in letter
    assert "Date range of the transactions: 2020-09-13 to 2020-09-13 (UTC)" in letter
    with open(pack["files"]["csv"]["copy"], newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert {(r["exchange"], r["case_number"], r["urgent"]) for r in rows} == {(EXCHANGE, "OPS-2026-17", "yes")}
    code, out = _run(capsys, story, "--db", str(story.db), "--no-preservation", "--json")
    [pack] = json.loads(out)
    letter = story.case.folder / pack["files"]["letter"]["path"]
    assert "Preservation" not in letter.read_text() and "URGENT" not in letter.read_text()
    code, out = _run(capsys, story, "--db", str(story.db))  # the text names one day once, the JSON keeps the range
    assert code == 0 and "to ask about, on 2020-09-13" in out and "2020-09-13 to 2020-09-13" not in out


def test_a_packs_days_read_as_words() -> None:
    from cointrail.cli.request_pack_cmd import _days_words
    from cointrail.facts.summary import _span

    # One wording for a span of days: the pack's text and the report's summary (was "from … to …" here)
    assert _days_words("2020-09-13 to 2020-09-14") == ", between 2020-09-13 and 2020-09-14" and _days_words(None) == ""
    assert _days_words("2020-09-13 to 2020-09-14") == _span(["2020-09-14", "2020-09-13"])


def test_what_a_pack_asks_about_leaves_out_a_zero_count() -> None:
    from cointrail.report.request_pack import asked_about

    assert asked_about({"withdrawals": 4, "deposits": 1}) == ("4 withdrawals that paid the site's customers and "
                                                              "1 deposit of the site's money")  # fmt: skip
    assert asked_about({"withdrawals": 4, "deposits": 0}) == "4 withdrawals that paid the site's customers"
    assert asked_about({"withdrawals": 0, "deposits": 2}) == "2 deposits of the site's money"


def test_a_pack_in_a_currency_the_store_has_no_price_in_names_it_and_those_it_has(
        story: Story, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:  # fmt: skip
    import shutil

    from cointrail.prices import import_prices_csv
    from cointrail.store.duckdb.store import LedgerStore

    db = tmp_path / "usd.duckdb"
    shutil.copyfile(story.db, db)
    (tmp_path / "prices.csv").write_text("date,coin,fiat,price\n2020-09-13,LTC,USD,50\n")
    with LedgerStore.open(db) as store:
        import_prices_csv(store, tmp_path / "prices.csv")
    code, out = _run(capsys, story, "--db", str(db), "--fiat", "EUR", "--json")
    assert code == 0, out
    [pack] = json.loads(out)
    letter = (story.case.folder / pack["files"]["letter"]["path"]).read_text()
    # was "the case's ledger store has no price for these days", though it has USD prices for them
    assert "No fiat value is given: the case's ledger store has no EUR price for these days (it has USD prices)." \
        in letter
