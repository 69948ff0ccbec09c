"""The court report, request packs and reports to the bodies that act, of an Ethereum case (issue 16): a payment page
captured into a case, a ground-truth economy played on a real anvil and ingested, the exchanges' hot wallets
labelled in the case; the report's payers, payments (ETH, USDT, USDC in their own decimals), funding exchanges,
poisoning and coverage checked against the truth, and its PDF opened."""

from __future__ import annotations

import csv
import datetime as _dt
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import xmlschema
from lxml import etree
from pypdf import PdfReader

from cointrail.amounts import Amount, Unit
from cointrail.capture import capture_url, served_directory
from cointrail.cases import Case, create_case
from cointrail.cli import main
from cointrail.exports import export
from cointrail.facts import collect_facts
from cointrail.report.render import render_html
from cointrail.simulation import anvil as chain
from cointrail.simulation.evm_economy import EvmEconomyConfig, EvmTruth, accounts_needed, generate
from cointrail.store.duckdb.account import AccountStore

pytestmark = [pytest.mark.anvil, pytest.mark.skipif(chain.anvil_binary() is None, reason="anvil missing: "
                                                    "run scripts/evm-tools.sh")]  # fmt: skip
CONFIG = EvmEconomyConfig(seed=3, customers=10)
DECIMALS = {"ETH": 18, "USDT": 6, "USDC": 6}


@dataclass
class EthCase:
    case: Case
    db: Path
    truth: EvmTruth
    scoped: Path  # the same chain read case-scoped: only the blocks that touch the site

    def cli(self, capsys: pytest.CaptureFixture[str], *args: str) -> Any:
        capsys.readouterr()
        code = main([*args, "--case", self.case.name, "--cases-dir", str(self.case.folder.parent), "--json"])
        out = capsys.readouterr().out
        assert code == 0, out
        return json.loads(out)


def _captured(root: Path, site: str) -> Case:
    folder = root / "page"
    folder.mkdir()
    (folder / "index.html").write_text(f"<!DOCTYPE html><html><body><h1>Members</h1><p>Pay in ETH or USDT to "
                                       f"<code>{site}</code></p></body></html>", encoding="utf-8")  # fmt: skip
    case = create_case("eth-report", root=root / "cases", operator="Test Operator")
    with served_directory(folder) as (url, _):
        capture_url(case, url)
    return case


@pytest.fixture(scope="module")
def eth(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EthCase]:
    root = tmp_path_factory.mktemp("eth-report")
    with chain.Anvil(accounts=accounts_needed(CONFIG), balance_eth=0) as node:
        truth = generate(node, CONFIG)
        db, scoped = root / "eth.duckdb", root / "scoped.duckdb"
        assert main(["ingest", "--chain", "ethereum", "--network", "devnet", "--rpc", node.url, "--db", str(db)]) == 0
        assert main(["ingest", "--chain", "ethereum", "--network", "devnet", "--rpc", node.url, "--around", truth.site,
                     "--db", str(scoped)]) == 0  # fmt: skip
    case = _captured(root, truth.site)
    for store in (db, scoped):
        for name, wallets in truth.exchanges.items():
            assert main(["label", "add", wallets["hot"], "--label", name, "--category", "exchange", "--case",
                         case.name, "--cases-dir", str(case.folder.parent), "--db", str(store)]) == 0  # fmt: skip
    yield EthCase(case, db, truth, scoped)


def _facts(eth: EthCase) -> dict[str, Any]:
    with AccountStore.open(eth.db, read_only=True) as store:
        return collect_facts(eth.case, store)


def _fixed(value: int, asset: str) -> str:
    return Amount(value, "ethereum", Unit(asset, DECIMALS[asset])).fixed()


def test_facts_of_an_ethereum_case_follow_the_truth(eth: EthCase) -> None:
    facts = _facts(eth)
    truth = eth.truth
    payers = facts.findings["payers"]
    assert [a.lower() for a in facts.site.addresses] == [truth.site] and payers["family"] == "account"
    paid = {p["txid"]: p for p in payers["payments"]}
    assert set(paid) == {str(p["tx_hash"]) for p in truth.payments}  # every payment, nothing else
    assert not set(paid) & truth.poisoning_txs and not set(paid) & truth.failed_txs
    for true in truth.payments:
        row = paid[str(true["tx_hash"])]
        assert (row["asset"], row["decimals"], row["amount"]) == (true["asset"], DECIMALS[str(true["asset"])],
                                                                  true["value"])  # fmt: skip
        assert row["amount_coin"] == _fixed(int(true["value"]), str(true["asset"]))  # never in 10^8 or 10^18
    assert {p["asset"] for p in payers["payments"]} == {"ETH", "USDT", "USDC"}
    for payer in payers["payers"]:
        funder = truth.funding[(payer["payer_addresses"][0], payer["asset"])]
        assert payer["funded_by"] == funder or (funder and payer["possibly_funded_by"] == [funder])
        for trail in payer["funding"]:
            assert trail["hot_wallet"] == truth.exchanges[trail["service"]]["hot"]
            assert trail["steps"][0]["txid"] == trail["withdrawal_txid"]
    poisoned = {x["txid"] for x in payers["poisoning"]}
    assert poisoned and poisoned <= truth.poisoning_txs
    assert facts.figures["suspected_poisoning"] == len(payers["poisoning"])
    assert facts.figures["payments"] == len(truth.payments)
    assert facts.figures["paying_wallets"] == len({str(p["payer"]) for p in truth.payments})
    # The exchanges to contact: the withdrawals that funded payers, from the hot wallet, in each asset's decimals.
    exchanges = {x["service"]: x for x in facts.findings["exchanges"]}
    assert set(exchanges) == {f for f in truth.funding.values() if f}
    for name, entry in exchanges.items():
        for row in entry["withdrawals"]:
            assert row["from_addresses"] == [truth.exchanges[name]["hot"]]
            assert row["amount_coin"] == _fixed(row["amount"], row["asset"])
    deposits = {(d["address"], d["service"]) for x in exchanges.values() for d in x["deposits"]}
    assert deposits == set(truth.site_cash_out.items())
    ledger = facts.ledger
    assert ledger["family"] == "account" and ledger["coverage"][0]["mode"] == "range"
    assert ledger["coverage"][0]["to_block"] == ledger["tip_height"]
    assert all(x["height"] is not None and x["recheck"].startswith("JSON-RPC") for x in facts.exhibits)
    coverage = next(item["text"] for item in facts.limitations if item["title"] == "Coverage gaps")
    assert f"every block from 0 to {ledger['tip_height']}" in coverage


def test_a_case_scoped_store_says_which_blocks_were_read_and_where_trails_stop(eth: EthCase) -> None:
    with AccountStore.open(eth.scoped, read_only=True) as store:
        facts = collect_facts(eth.case, store)
        read = store.stored_numbers(0, 10**9)
    [ingest] = facts.ledger["coverage"]
    assert ingest["mode"] == "addresses" and ingest["addresses"] == [eth.truth.site]
    assert ingest["blocks_fetched"] == len(read) < facts.ledger["tip_height"] + 1  # not every block
    payers = facts.findings["payers"]
    assert {p["txid"] for p in payers["payments"]} == {str(p["tx_hash"]) for p in eth.truth.payments}
    stopped = [p for p in payers["payers"] if p["not_fetched"]]
    assert stopped and payers["not_fetched"] == sorted({p["not_fetched"] for p in stopped})
    assert all(not p["funding"] and "was not fetched" in p["trail_end"] for p in stopped)
    coverage = next(item["text"] for item in facts.limitations if item["title"] == "Coverage gaps")
    assert f"the blocks that touch 1 address between blocks 0 and {ingest['to_block']}" in coverage
    assert f"{len(read)} blocks read" in coverage and "stop at an account whose history was not fetched" in coverage
    assert payers["not_fetched"][0] in coverage


def test_report_pdf_of_an_ethereum_case(eth: EthCase, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db, _ = _priced_copy(eth, tmp_path, capsys)  # priced: ETH from the file, USDT at its stated peg, USDC not
    result = eth.cli(capsys, "report", "--db", str(db), "--out", str(tmp_path))
    pages = PdfReader(Path(result["files"]["pdf"]["copy"])).pages
    text = "".join("".join(page.extract_text() for page in pages).split())
    assert "Stablecoinamountsarevaluedattheirpeg" in text and "(peg)" in text and "noprice" in text
    assert "USDT at 1 USD (peg: 1 USDT taken as 1 USD)".replace(" ", "") in text
    usdt = next(p for p in eth.truth.payments if p["asset"] == "USDT")
    assert str(usdt["tx_hash"]) in text
    assert Amount(int(usdt["value"]), "ethereum", Unit("USDT", 6)).number().replace(",", "") + "USDT" in \
        text.replace(",", "")
    assert "Suspectedaddresspoisoning,shownapartandnevercounted" in text
    assert "Findingthepayersonanaccountchain" in text and "eth_getTransactionByHash" in text
    assert "10^8" not in text and "LTC" not in text
    assert any(s.startswith("The site's 1 address received") and "USDT" in s and "ETH" in s
               for s in result["summary"])  # fmt: skip


def test_request_packs_name_the_hot_wallet_and_ask_the_issuer_to_freeze(
        eth: EthCase, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:  # fmt: skip
    packs = {p["exchange"]: p for p in eth.cli(capsys, "request-pack", "--db", str(eth.db), "--out", str(tmp_path),
                                                "--case-number", "OPS-9")}  # fmt: skip
    truth = eth.truth
    funded = {(payer, asset): name for (payer, asset), name in truth.funding.items() if name}
    for name, wallets in truth.exchanges.items():
        with open(packs[name]["files"]["csv"]["copy"], newline="") as handle:
            rows = [r for r in csv.DictReader(handle) if r["kind"] == "withdrawal"]
        assert {(r["address"], r["currency"]) for r in rows} == {k for k, v in funded.items() if v == name}
        assert all(r["paid_from"] == wallets["hot"] and r["txid"].startswith("0x") and r["time_utc"] for r in rows)
        assert all(len(r["amount"].split(".")[1]) == DECIMALS[r["currency"]] for r in rows)
        letter = Path(packs[name]["files"]["letter"]["copy"]).read_text()
        assert f"paid out by your address {wallets['hot']}" in letter and "OPS-9" in letter
    # The site still holds the USDT and USDC it was paid: a freeze request to each issuer, naming the address.
    with AccountStore.open(eth.db, read_only=True) as store:
        held = store.balances(truth.site)
    for issuer, token in (("Tether", "USDT"), ("Circle", "USDC")):
        assert packs[issuer]["category"] == "token issuer" and packs[issuer]["freezes"] == 1
        with open(packs[issuer]["files"]["csv"]["copy"], newline="") as handle:
            [row] = list(csv.DictReader(handle))
        assert (row["address"], row["token"]) == (truth.site, token)
        assert row["balance"] == _fixed(held[token], token)
        assert truth.site in Path(packs[issuer]["files"]["letter"]["copy"]).read_text()


def test_freeze_packs_carry_the_fiat_value_of_what_the_site_received(
        eth: EthCase, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:  # fmt: skip
    """The issuers' packs give the fiat columns of the other packs: what the address received from the payers, each
    payment at its block's day; USDT at the peg the price file states (said so), USDC unpriced ("no price")."""
    db, _ = _priced_copy(eth, tmp_path, capsys)
    packs = {p["exchange"]: p for p in eth.cli(capsys, "request-pack", "--db", str(db), "--out", str(tmp_path))}
    rows = {}
    for issuer in ("Tether", "Circle"):
        with open(packs[issuer]["files"]["csv"]["copy"], newline="") as handle:
            [rows[issuer]] = list(csv.DictReader(handle))
    tether, circle = rows["Tether"], rows["Circle"]
    assert tether["fiat_currency"] == "USD" and "stated peg" in tether["fiat_price_source"]
    assert tether["fiat_value"] == f"{Decimal(tether['received_from_payers']):.2f}"  # 1 USDT taken as 1 USD
    assert (circle["fiat_value"], circle["fiat_price_source"]) == ("", "no price")
    letter = Path(packs["Tether"]["files"]["letter"]["copy"]).read_text()
    assert f"(about {Decimal(tether['fiat_value']):,.2f} USD at the time, the coin at its stated peg)" in letter


def test_no_freeze_request_without_a_balance(eth: EthCase) -> None:
    from cointrail.report.request_pack import freezable

    facts = _facts(eth)
    assert set(freezable(facts)) == {"Tether", "Circle"}
    for held in facts.findings["payers"]["holdings"]:
        held["balance"] = 0  # the tokens moved on: nothing to freeze
    assert freezable(facts) == {}
    facts = _facts(eth)
    for held in facts.findings["payers"]["holdings"]:
        held["history"] = None  # the store never read the address's history: its balance is not known
    assert freezable(facts) == {}


XML_SCHEMAS = {"cybertip": "ncmec-cybertipline.xsd", "goaml": "goaml-5.0.1.xsd"}


def _utc(unix: int) -> str:
    return _dt.datetime.fromtimestamp(unix, _dt.UTC).strftime("%Y-%m-%dT%H:%M:%S")


def _valid(folder: Path, fmt: str, text: str) -> tuple[bool, bool]:
    path = str(folder / XML_SCHEMAS[fmt])
    return (etree.XMLSchema(etree.parse(path)).validate(etree.fromstring(text.encode())),
            xmlschema.XMLSchema11(path).is_valid(text))  # fmt: skip


def test_reports_to_those_who_act_carry_the_ethereum_payments(eth: EthCase, shared_data: Path) -> None:
    folder = shared_data / "reporting-schemas"
    if not folder.is_dir():
        pytest.skip(f"the public reporting schemas are not at {folder} (see its SOURCE.md)")
    facts = _facts(eth)
    truth = {str(p["tx_hash"]): p for p in eth.truth.payments}
    with AccountStore.open(eth.db, read_only=True) as store:
        times = {tx: store.transaction_block(tx)["time"] for tx in facts.findings["txids"]}  # type: ignore[index]
    for fmt in XML_SCHEMAS:
        assert _valid(folder, fmt, export(facts, fmt)) == (True, True), fmt
    tree = etree.fromstring(export(facts, "goaml").encode())
    payments = [t for t in tree.findall("transaction") if t.findtext("internal_ref_number").startswith("payment")]
    assert {t.findtext("transactionnumber") for t in payments} == set(truth)
    for tx in payments:
        true = truth[tx.findtext("transactionnumber")]
        asset = str(true["asset"])
        assert f"of {_fixed(int(true['value']), asset)} {asset} to the site's address" in \
            tx.findtext("transaction_description")
        assert tx.findtext("date_transaction") == _utc(times[tx.findtext("transactionnumber")])
        assert tx.findtext("t_from/from_account/account") == true["payer"]
    withdrawals = [t for t in tree.findall("transaction") if t.findtext("internal_ref_number").startswith("withdr")]
    hots = {w["hot"]: name for name, w in eth.truth.exchanges.items()}
    assert withdrawals and all(hots[t.findtext("t_from/from_account/account")] ==
                               t.findtext("t_from/from_account/institution_name") for t in withdrawals)  # fmt: skip
    block = etree.fromstring(export(facts, "cybertip").encode()).findtext(
        "internetDetails/webPageIncident/additionalInfo")
    for tx, true in truth.items():
        [line] = [line for line in block.splitlines() if line.strip().split(" ")[1:2] == [tx]]
        asset = str(true["asset"])
        assert f"| {_utc(times[tx])}Z | {_fixed(int(true['value']), asset)} {asset} |" in line
    assert "PAYING ACCOUNTS" in block and "eth_getTransactionByHash" in block and "LTC" not in block
    sar = export(facts, "sar-sheet")
    assert all(tx in sar for tx in truth) and "paying account" in sar and "LTC" not in sar
    assert "published-address" in sar and "many-small-payers" in sar  # a checksummed capture is the same account
    assert "USDT txid (payment)" in sar and " and " in sar.split("Amount involved in this report: ")[1].split("\n")[0]
    sheet = export(facts, "cybertip-sheet")
    assert all(tx in sheet for tx in truth) and "NONE: attach no images" in sheet


def test_partner_exports_give_each_amount_in_its_asset(eth: EthCase) -> None:
    facts = _facts(eth)
    truth = {str(p["tx_hash"]): p for p in eth.truth.payments}
    rows = [r for r in csv.DictReader(io.StringIO(export(facts, "csv"))) if r["kind"] == "payment"]
    assert {r["txid"] for r in rows} == set(truth)
    for row in rows:
        asset = str(truth[row["txid"]]["asset"])
        assert (row["currency"], row["amount"]) == (asset, _fixed(int(truth[row["txid"]]["value"]), asset))
    stix = json.loads(export(facts, "stix"))
    paid = {o["value"]: o for o in stix["objects"]
            if o["type"] == "cryptocurrency-transaction" and o["kind"] == "payment"}  # fmt: skip
    assert all((paid[tx]["currency"], paid[tx]["amount"]) == (str(t["asset"]), _fixed(int(t["value"]), str(t["asset"])))
               for tx, t in truth.items())  # fmt: skip


PEG = "peg: 1 USDT taken as 1 USD"


def _priced_copy(eth: EthCase, folder: Path, capsys: pytest.CaptureFixture[str]) -> tuple[Path, dict[_dt.date, str]]:
    """The case's store copied, with a price file imported through the CLI: ETH in USD and EUR on every day the
    chain has blocks, USDT at its stated USD peg, USDC not at all."""
    db = folder / "priced.duckdb"
    db.write_bytes(eth.db.read_bytes())
    with AccountStore.open(db, read_only=True) as store:
        days = sorted({_dt.datetime.fromtimestamp(r["time"], _dt.UTC).date()
                       for r in store.rows("SELECT DISTINCT time FROM evm_blocks")})  # fmt: skip
    prices = {day: f"{2000 + (day.toordinal() % 7) * 12.5:.2f}" for day in days}
    rows = ["date,coin,fiat,price,source"] + [f"{d},ETH,USD,{p},test prices" for d, p in prices.items()] + \
        [f"{d},ETH,EUR,{float(p) * 0.9:.2f},test prices" for d, p in prices.items()] + \
        [f"{d},USDT,USD,1,{PEG}" for d in days]  # fmt: skip
    (folder / "prices.csv").write_text("\n".join(rows) + "\n")
    capsys.readouterr()
    assert main(["prices", "import", str(folder / "prices.csv"), "--db", str(db)]) == 0  # an Ethereum store takes them
    assert "ETH, USDT in EUR, USD" in capsys.readouterr().out
    return db, prices


def _usd(row: dict[str, Any], prices: dict[_dt.date, str]) -> float | None:
    """What a row is worth in USD at its block's day, from the price file above (None: USDC, never priced)."""
    day = _dt.datetime.fromtimestamp(row["time"], _dt.UTC).date()
    price = {"ETH": prices[day], "USDT": "1"}.get(row["asset"])
    if price is None:
        return None
    return float(round(Decimal(row["amount"]) / 10 ** DECIMALS[row["asset"]] * Decimal(price), 2))


def _cell(fiat: dict[str, Any] | None) -> str:
    """A fiat value as the report's tables give it."""
    return "no price" if fiat is None else f"{fiat['value']:,.2f} USD{' (peg)' if fiat.get('peg') else ''}"


def test_an_ethereum_case_is_priced_in_each_asset_where_the_file_prices_it(
        eth: EthCase, tmp_path: Path, shared_data: Path, capsys: pytest.CaptureFixture[str]) -> None:  # fmt: skip
    """ETH at its price of the block's day, USDT at the peg the file states (and said to be an assumption), USDC
    unpriced ("no price"): in the facts, the court report, the goAML report (USD and an FIU in EUR, valid against
    the schema) and the request packs."""
    db, prices = _priced_copy(eth, tmp_path, capsys)
    with AccountStore.open(db, read_only=True) as store:
        facts = collect_facts(eth.case, store)
    payers = facts.findings["payers"]
    assert {p["asset"] for p in payers["payments"]} == {"ETH", "USDT", "USDC"}
    for row in payers["payments"]:
        expected = _usd(row, prices)
        assert (row["fiat"] or {}).get("value") == expected, row
        assert bool((row["fiat"] or {}).get("peg")) == (row["asset"] == "USDT")
    assert payers["totals"]["fiat"] is None  # USDC has no price: no total is claimed
    assert payers["pegs"] == [{"coin": "USDT", "currency": "USD", "price": 1.0, "source": PEG}]
    rows = [r for x in facts.findings["exchanges"] for r in x["withdrawals"] + x["deposits"]]
    assert rows and all((r["fiat"] or {}).get("value") == _usd(r, prices) for r in rows)
    priced = [r for r in payers["payments"] if r["fiat"]]
    paid = next(line for line in facts.summary if line.startswith("The site's 1 address received"))
    assert f"at the time for the {len(priced)} of the {len(payers['payments'])} payments priced" in paid
    assert "; no price for USDC)" in paid
    clocks = next(item["text"] for item in facts.limitations if item["title"] == "Clocks and prices")
    assert "valued at their peg" in clocks and "not a market price" in clocks and '"no price"' in clocks
    # The court report's tables (its PDF is read back in test_report_pdf_of_an_ethereum_case).
    page = render_html(facts, "0" * 64)
    eth_paid = next(r for r in payers["payments"] if r["asset"] == "ETH")
    assert f"<td>{eth_paid['fiat']['value']:,.2f} USD</td>" in page and "<td>1.00 USD (peg)</td>" not in page
    assert "<td>no price</td>" in page and "(peg)</td>" in page and "no fiat\nprices were used" not in page
    # The funding trails (1.3): each withdrawal and step at its block's day in its asset, "no price" for USDC.
    trails = [t for p in payers["payers"] for t in p["funding"]]
    funding = page[page.index("1.3 Where the payers"):page.index("1.3a Suspected")]
    assert trails and {t["asset"] for t in trails} >= {"ETH", "USDC"}
    for trail in trails:
        assert (trail["fiat"] or {}).get("value") == _usd(trail, prices), trail
        assert f"{trail['amount_text']} ({_cell(trail['fiat'])});" in funding
        for step in trail["steps"]:
            assert (step["fiat"] or {}).get("value") == _usd(step, prices), step
            assert f"<td>{_cell(step['fiat'])}</td>" in funding
    with AccountStore.open(eth.db, read_only=True) as store:  # the same case without a price file
        unpriced = render_html(collect_facts(eth.case, store), "0" * 64)
    assert "no fiat\nprices were used" in unpriced and "(peg)" not in unpriced
    # goAML, in USD and in an FIU's EUR (priced again from the same store), valid against the public schema.
    folder = shared_data / "reporting-schemas"
    (tmp_path / "eur.toml").write_text('name = "an FIU in euros"\ncurrency = "EUR"\n')
    for currency, extra in (("USD", []), ("EUR", ["--profile", str(tmp_path / "eur.toml")])):
        goaml = eth.cli(capsys, "export", "--format", "goaml", "--db", str(db), *extra)["content"]
        if folder.is_dir():
            assert _valid(folder, "goaml", goaml) == (True, True)
        tree = etree.fromstring(goaml.encode())
        paid = {r["txid"]: r for r in payers["payments"]}
        for tx in (t for t in tree.findall("transaction") if t.findtext("internal_ref_number").startswith("pay")):
            row, local = paid[tx.findtext("transactionnumber")], float(tx.findtext("amount_local"))
            if currency == "USD":
                assert local == (_usd(row, prices) or 0), row
            else:  # only ether has a EUR price
                assert (local > 0) == (row["asset"] == "ETH") and (row["asset"] != "ETH" or local < _usd(row, prices))
            if local == 0:
                assert f"no {currency} price" in tx.findtext("transaction_description")
            elif row["asset"] == "USDT":
                assert "USDT at its stated peg, an assumption" in tx.findtext("transaction_description")
    # The request packs: each transaction's fiat value in the CSV and the letter.
    packs = {p["exchange"]: p for p in eth.cli(capsys, "request-pack", "--db", str(db), "--out", str(tmp_path))}
    for name in {f for f in eth.truth.funding.values() if f}:
        with open(packs[name]["files"]["csv"]["copy"], newline="") as handle:
            listed = list(csv.DictReader(handle))
        letter = Path(packs[name]["files"]["letter"]["copy"]).read_text()
        for row in listed:
            usd = _usd({"time": _dt.datetime.strptime(row["time_utc"], "%Y-%m-%d %H:%M:%S UTC").replace(
                tzinfo=_dt.UTC).timestamp(), "asset": row["currency"],
                "amount": int(Decimal(row["amount"]) * 10 ** DECIMALS[row["currency"]])}, prices)  # fmt: skip
            assert row["fiat_value"] == ("" if usd is None else f"{usd:.2f}"), row
            assert row["fiat_currency"] == ("" if usd is None else "USD")
            assert (row["fiat_price_source"] == "no price") == (usd is None)
            assert (f"about {usd:,.2f} USD at the time" if usd is not None else "(no price)") in letter
        assert "Fiat values are at the price of each block's UTC day" in letter
