"""Reports for NCMEC, FIUs and SAR filers (issue 18): valid against the public schemas, rejected when broken, and
every txid, address, amount and time read back and checked against the ledger store."""

from __future__ import annotations

import copy
import csv
import io
import json
import re
import shutil
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import xmlschema
from lxml import etree
from reportcase import EXCHANGE, SITE, Story

from cointrail.cli import main
from cointrail.errors import InputError
from cointrail.exports import export
from cointrail.exports.goaml_profiles import load_profile
from cointrail.exports.redflags import red_flags
from cointrail.exports.sar import NARRATIVE_PART, narrative_parts
from cointrail.facts import collect_facts
from cointrail.investigation import Investigation
from cointrail.prices import import_prices_csv
from cointrail.report import request_packs
from cointrail.report.render import render_html
from cointrail.store.duckdb.store import LedgerStore

SCHEMAS = {"cybertip": "ncmec-cybertipline.xsd", "goaml": "goaml-5.0.1.xsd"}
TXID = re.compile(r"\b[0-9a-f]{64}\b")


@pytest.fixture(scope="module")
def schemas(shared_data: Path) -> dict[str, tuple[etree.XMLSchema, xmlschema.XMLSchema11]]:
    """Each schema compiled by libxml2 (lxml) and by xmlschema as XSD 1.1 (goAML declares vc:minVersion 1.1)."""
    folder = shared_data / "reporting-schemas"
    if not folder.is_dir():
        pytest.skip(f"the public reporting schemas are not at {folder} (see its SOURCE.md)")
    return {fmt: (etree.XMLSchema(etree.parse(str(folder / name))), xmlschema.XMLSchema11(str(folder / name)))
            for fmt, name in SCHEMAS.items()}  # fmt: skip


@pytest.fixture(scope="module")
def ledger(story: Story) -> dict[str, Any]:
    """Every transaction of the ledger store by txid: block time, outputs (address → value), input addresses."""
    found: dict[str, Any] = {}
    with LedgerStore.open(story.db, read_only=True) as store:
        engine = Investigation(store)
        for name in ("w1", "pay_a", "pay_b", "pay_a2", "sweep"):
            tx = engine.transaction(story.txid(name))
            found[tx.txid] = {"time": tx.time, "height": tx.block_height,
                              "outputs": {o.address: o.value for o in tx.outputs},
                              "inputs": {i.address for i in tx.inputs}}  # fmt: skip
    return found


def _valid(schemas: dict[str, Any], fmt: str, text: str) -> tuple[bool, bool]:
    libxml, xsd11 = schemas[fmt]
    return libxml.validate(etree.fromstring(text.encode())), xsd11.is_valid(text)


@pytest.mark.parametrize("fmt", list(SCHEMAS))
def test_reports_validate_against_the_public_schemas(facts: dict[str, Any], schemas: dict[str, Any], fmt: str) -> None:
    assert _valid(schemas, fmt, export(facts, fmt)) == (True, True)


def _drop(tree: etree._Element, path: str) -> None:
    node = tree.find(path)
    assert node is not None, path
    node.getparent().remove(node)


def _set(tree: etree._Element, path: str, text: str) -> None:
    node = tree.find(path)
    assert node is not None, path
    node.text = text


# Each mutation breaks a rule of the schema; both validators must then refuse the file.
MUTATIONS = {
    "cybertip": [
        lambda t: _drop(t, "incidentSummary/incidentType"),
        lambda t: _set(t, "incidentSummary/incidentType", "Cryptocurrency"),
        lambda t: _set(t, "incidentSummary/incidentDateTime", "13 September 2020"),
        lambda t: _drop(t, "reporter"),
        lambda t: t.find("internetDetails/webPageIncident").append(etree.Element("txid")),
        lambda t: t.insert(0, t[-1]),  # additionalInfo moved out of order
    ],
    "goaml": [
        lambda t: _drop(t, "transaction/transactionnumber"),
        lambda t: _set(t, "transaction/transactionnumber", "x" * 101),
        lambda t: _set(t, "transaction/date_transaction", "2020-09-13"),
        lambda t: _set(t, "transaction/amount_local", "0.1 LTC"),
        lambda t: _set(t, "currency_code_local", "LTC"),
        lambda t: _set(t, "rentity_id", "0"),
        lambda t: _drop(t, "report_indicators"),
        lambda t: _set(t, "reason", "x" * 8001),
    ],
}


@pytest.mark.parametrize("fmt", list(SCHEMAS))
def test_broken_reports_are_rejected_by_both_validators(facts: dict[str, Any], schemas: dict[str, Any],
                                                         fmt: str) -> None:  # fmt: skip
    text = export(facts, fmt)
    for n, mutate in enumerate(MUTATIONS[fmt]):
        tree = etree.fromstring(text.encode())
        mutate(tree)
        broken = etree.tostring(tree, encoding="unicode")
        assert _valid(schemas, fmt, broken) == (False, False), f"{fmt} mutation {n} was accepted"


def _utc(unix: int) -> str:
    import datetime as _dt

    return _dt.datetime.fromtimestamp(unix, _dt.UTC).strftime("%Y-%m-%dT%H:%M:%S")


def test_cybertip_reads_back_against_the_ledger(facts: dict[str, Any], ledger: dict[str, Any], story: Story) -> None:
    tree = etree.fromstring(export(facts, "cybertip").encode())
    assert tree.tag == "report" and tree.findtext("internetDetails/webPageIncident/url") == facts.captures[0]["url"]
    block = tree.findtext("internetDetails/webPageIncident/additionalInfo")
    for line in block.splitlines():  # "txid | time | amount LTC | fiat | address" and "... txid T | time | amount"
        if "|" not in line or not TXID.search(line):
            continue
        [txid] = TXID.findall(line)
        fields = [f.strip() for f in line.split("|")]
        tx = ledger[txid]
        assert fields[1] == _utc(tx["time"]) + "Z", line
        amount = round(float(fields[2].split()[0]) * 100_000_000)
        paid = re.findall(r"(?:to |\| )(rltc1\w+)", line)[-1]
        assert tx["outputs"][paid] == amount, line
        for source in re.findall(r"from ((?:rltc1\w+ ?)+) to", line):
            assert set(source.split()) <= tx["inputs"], line
    assert set(TXID.findall(block)) == set(ledger)
    assert {story.address(name) for name in SITE} <= set(re.findall(r"rltc1\w+", block))
    assert "image" not in etree.tostring(tree, encoding="unicode").lower().replace("images or videos", "")


def test_goaml_reads_back_against_the_ledger(facts: dict[str, Any], ledger: dict[str, Any], story: Story) -> None:
    tree = etree.fromstring(export(facts, "goaml").encode())
    txs = tree.findall("transaction")
    assert {t.findtext("transactionnumber") for t in txs} == set(ledger)
    for tx in txs:
        txid, truth = tx.findtext("transactionnumber"), ledger[tx.findtext("transactionnumber")]
        assert tx.findtext("date_transaction") == _utc(truth["time"])
        to = tx.findtext("t_to/to_account/account")
        coins = re.search(r"of ([0-9.]+) LTC", tx.findtext("transaction_description"))
        assert coins and truth["outputs"][to] == round(float(coins.group(1)) * 100_000_000), txid
        assert tx.findtext("t_from/from_account/account") in truth["inputs"], txid
        assert tx.findtext("amount_local") == "0"  # no price source in the story: said in the description
    withdrawals = [t for t in txs if t.findtext("internal_ref_number").startswith("withdrawal")]
    assert {t.findtext("t_from/from_account/institution_name") for t in withdrawals} == {EXCHANGE}
    assert [i.text for i in tree.findall("report_indicators/indicator")] == ["-"]


def test_goaml_profile_sets_the_fius_codes(facts: dict[str, Any], schemas: dict[str, Any], tmp_path: Path) -> None:
    path = tmp_path / "fiu.toml"
    path.write_text('name = "test FIU"\ncurrency = "EUR"\nrentity_id = 4711\nindicators = ["-"]\n'
                    'red_flag_indicators = { site-to-exchange = "-" }\nlocation = { address = "1 Main St", '
                    'city = "Vienna", country_code = "AT" }\n')  # fmt: skip
    text = export(facts, "goaml", profile=load_profile(path))
    tree = etree.fromstring(text.encode())
    assert tree.findtext("currency_code_local") == "EUR" and tree.findtext("rentity_id") == "4711"
    assert tree.findtext("location/country_code") == "AT" and _valid(schemas, "goaml", text) == (True, True)
    (tmp_path / "bad.toml").write_text('currency = "EUR"\nfiu_colour = "blue"\n')
    with pytest.raises(InputError, match="unknown keys: fiu_colour"):
        load_profile(tmp_path / "bad.toml")
    with pytest.raises(InputError, match="takes no profile"):
        export(facts, "cybertip", profile=load_profile(path))


def test_goaml_prices_every_transaction_in_the_fius_currency(story: Story, schemas: dict[str, Any],
                                                             ledger: dict[str, Any], tmp_path: Path,
                                                             capsys: pytest.CaptureFixture[str],
                                                             monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    """Payments, funding withdrawals and deposits alike, in US dollars by default and in the local currency of an
    FIU's profile (EUR here), each from the store's prices on its block's day; the facts stay as the report has
    them."""
    db = tmp_path / "priced.duckdb"
    shutil.copyfile(story.db, db)
    (tmp_path / "prices.csv").write_text("date,coin,fiat,price\n2020-09-13,LTC,USD,50\n2020-09-13,LTC,EUR,40.10\n")
    (tmp_path / "eur.toml").write_text('name = "an FIU in euros"\ncurrency = "EUR"\n')
    with LedgerStore.open(db) as store:
        import_prices_csv(store, tmp_path / "prices.csv")
        facts = collect_facts(story.case, store)
    rows = [r for e in facts.findings["exchanges"] for r in e["withdrawals"] + e["deposits"]]
    assert rows and all(r["fiat"]["currency"] == "USD" and r["fiat"]["price"] == 50 for r in rows)
    page = render_html(facts, "0" * 64)
    exchanges = page[page.index("1.5 Exchanges to contact"):page.index('id="graph"')]
    assert f"{rows[0]['fiat']['value']:,.2f} USD" in exchanges  # the court report's exchange table
    # The funding trails (1.3): each payout and each step valued at its block time, at the same price.
    trails = [t for p in facts.findings["payers"]["payers"] for t in p["funding"]]
    funding = page[page.index("1.3 Where the payers"):page.index("1.4 Where the site")]
    assert trails and "no price" not in funding
    for trail in trails:
        assert trail["fiat"]["value"] == float(round(Decimal(trail["amount"]) / 10**8 * 50, 2))
        assert f"LTC ({trail['fiat']['value']:,.2f} USD); confidence" in funding
        for step in trail["steps"]:
            assert step["fiat"]["value"] == float(round(Decimal(step["amount"]) / 10**8 * 50, 2))
            assert f"<td>{step['fiat']['value']:,.2f} USD</td>" in funding
    for pack in request_packs(facts):  # the request packs give each transaction's value too (issue 18)
        listed = list(csv.DictReader(io.StringIO(pack["csv"])))
        assert listed and all(r["fiat_currency"] == "USD" and r["fiat_price_source"].startswith("csv:prices.csv")
                              for r in listed)  # fmt: skip
        by_txid = {(r["txid"], r["address"]): r for r in rows}
        for row in listed:
            value = by_txid[(row["txid"], row["address"])]["fiat"]["value"]
            assert row["fiat_value"] == f"{value:.2f}" and f"about {value:,.2f} USD at the time" in pack["letter"]
        assert "Fiat values are at the price of each block's UTC day, from csv:prices.csv." in pack["letter"]
    common = ["--case", story.case.name, "--cases-dir", str(story.case.folder.parent), "--db", str(db), "--json"]
    for currency, price, extra in (("USD", "50", []), ("EUR", "40.10", ["--profile", str(tmp_path / "eur.toml")])):
        assert main(["export", "--format", "goaml", *extra, *common]) == 0
        text = json.loads(capsys.readouterr().out)["content"]
        assert _valid(schemas, "goaml", text) == (True, True)
        tree = etree.fromstring(text.encode())
        assert tree.findtext("currency_code_local") == currency
        kinds = set()
        for tx in tree.findall("transaction"):
            paid = ledger[tx.findtext("transactionnumber")]["outputs"][tx.findtext("t_to/to_account/account")]
            value = (Decimal(paid) / 10**8 * Decimal(price)).quantize(Decimal("0.01"))
            assert tx.findtext("amount_local") == str(value), tx.findtext("internal_ref_number")
            assert f"value {value} {currency} (csv:prices.csv)" in tx.findtext("transaction_description")
            kinds.add(tx.findtext("internal_ref_number").split("-")[0])
        assert kinds == {"payment", "withdrawal", "deposit"}
    # The request packs in another currency than the report's (--fiat, or $COINTRAIL_FIAT): priced again.
    monkeypatch.setenv("COINTRAIL_FIAT", "eur")
    assert main(["request-pack", *common]) == 0
    [pack] = json.loads(capsys.readouterr().out)
    listed = list(csv.DictReader(io.StringIO((story.case.folder / pack["files"]["csv"]["path"]).read_text())))
    for row in listed:
        coins = Decimal(row["amount"]) * Decimal("40.10")
        assert (row["fiat_value"], row["fiat_currency"]) == (str(coins.quantize(Decimal("0.01"))), "EUR"), row
    assert main(["request-pack", "--fiat", "EURO", *common]) == 2
    assert "three-letter code" in capsys.readouterr().err


def test_red_flags_are_named_with_their_evidence(facts: dict[str, Any], story: Story) -> None:
    flags = {f.code: f for f in red_flags(facts)}
    assert set(flags) == {"published-address", "many-small-payers", "site-to-exchange"}
    assert set(flags["published-address"].addresses) == {story.address(name) for name in SITE}
    assert flags["site-to-exchange"].txids == (story.txid("sweep"),)
    for fmt in ("cybertip", "goaml", "sar-sheet", "cybertip-sheet"):
        text = export(facts, fmt)
        assert all(code in text for code in flags), fmt
    mixed = copy.deepcopy(facts)  # a payer whose trail crossed a CoinJoin, and priced payments
    mixed.findings["payers"]["payers"][0]["coinjoins"] = [{"txid": "ab" * 32}]
    for payment in mixed.findings["payers"]["payments"]:
        payment["fiat"] = {"currency": "USD", "value": 20.0, "source": "test"}
    flags = {f.code: f for f in red_flags(mixed)}
    assert flags["mixer"].txids == ("ab" * 32,)
    assert flags["many-small-payers"].title.startswith("Many small payments")
    mixed.findings["payers"]["payments"][0]["fiat"]["value"] = 500.0
    assert "many-small-payers" not in {f.code for f in red_flags(mixed)}


def test_sar_sheet_has_key_terms_narrative_and_cyber_events(facts: dict[str, Any], story: Story) -> None:
    sheet = export(facts, "sar-sheet")
    assert "Filing Institution Note to FinCEN (FilingInstitutionNotetoFinCEN): OCSE-FIN-2021-NTC3\n" in sheet
    assert "Field 38(z)" in sheet and "FIN-2020-A008" not in sheet
    assert "HUMAN TRAFFICKING FIN-2020-A008" in export(facts, "sar-sheet", trafficking=True)
    narrative = sheet.split("== Part V narrative")[1].split("== Field 44")[0]
    events = sheet.split("== Field 44")[1]
    every = set(facts.findings["txids"]) | set(facts.site.addresses)
    every |= {a for p in facts.findings["payers"]["payers"] for a in p["payer_addresses"]}
    for value in every:
        assert value in narrative and f"value {value} " in events, value
    assert len(narrative_parts(narrative)) <= 5


def test_narrative_parts_keep_every_character_within_the_limit() -> None:
    text = "".join(f"{n} {'x' * 120}\n" for n in range(400)) + "y" * 9000 + "\n"
    parts = narrative_parts(text)
    assert "".join(parts) == text and max(map(len, parts)) <= NARRATIVE_PART


def test_cybertip_sheet_follows_the_web_form_and_carries_no_media(facts: dict[str, Any]) -> None:
    sheet = export(facts, "cybertip-sheet")
    titles = re.findall(r"^== \d+\. (.+)$", sheet, re.M)
    assert titles[0] == "Incident type" and titles[2].startswith("Where it happened")
    assert "NONE: attach no images or videos" in sheet
    assert all(txid in sheet for txid in facts.findings["txids"])


@pytest.mark.slow
def test_export_cli_writes_the_reports(story: Story, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    common = ["--case", story.case.name, "--cases-dir", str(story.case.folder.parent), "--db", str(story.db)]
    out = tmp_path / "case.sar.txt"
    assert main(["export", "--format", "sar-sheet", "--trafficking", "--out", str(out), "--json", *common]) == 0
    assert json.loads(capsys.readouterr().out)["out"] == str(out) and "FIN-2020-A008" in out.read_text()
    assert main(["export", "--format", "cybertip", "--trafficking", *common]) == 2


def test_narrative_parts_keep_a_heading_with_its_lines() -> None:
    text = "x" * 3000 + "\n\n7. HOW TO RE-CHECK\n" + "y" * 1500 + "\n"
    parts = narrative_parts(text)
    assert "".join(parts) == text and max(map(len, parts)) <= NARRATIVE_PART
    assert parts[1].startswith("7. HOW TO RE-CHECK\n") and parts[0].endswith("\n\n")
