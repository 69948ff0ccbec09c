"""goAML suspicious transaction report (STR), for financial intelligence units on UNODC's goAML (issue 18).

The mapping (docs/exports.md): each payment to the site is a ``transaction`` whose ``transactionnumber`` is the
txid, ``date_transaction`` the block time (UTC), ``amount_local`` the fiat value in the profile's currency where the
findings priced it (0 where not, said in the description), and whose description gives the coin amount. The paying
wallet is the ``from_account`` and the site's address the ``to_account`` (institution: none, a self-hosted wallet).
Each withdrawal that funded a paying wallet is its own transaction from an account at the named exchange, and each
deposit of the site's money its own transaction into one. The red flags and the findings go into ``reason``.
Codes (transmission mode, funds type, countries, indicators) come from the FIU's profile
(:mod:`cointrail.exports.goaml_profiles`).
"""

from __future__ import annotations

from typing import Any

from lxml import etree

from cointrail.exports.goaml_profiles import GENERIC, GoamlProfile
from cointrail.exports.reportable import Payment, Reportable, Transfer, fiat_text, reportable
from cointrail.facts.document import ReportFacts
from cointrail.facts.pricing import Prices
from cointrail.times import utc_iso
from cointrail.wording import counted

REASON_LIMIT = 8000  # comments_type


def _sub(parent: etree._Element, tag: str, text: str | int | None = None) -> etree._Element:
    child = etree.SubElement(parent, tag)
    if text is not None:
        child.text = str(text)
    return child


def _date(unix: int | None, fallback: str) -> str:
    """goAML's sql_date: an xs:dateTime without zone, here UTC to the second."""
    return utc_iso(unix, missing=fallback).rstrip("Z")[:19]


def _account(parent: etree._Element, tag: str, address: str, holder: str, institution: str | None,
             p: GoamlProfile) -> None:  # fmt: skip
    account = _sub(parent, tag)
    _sub(account, "institution_name", institution or p.unhosted_institution)
    _sub(account, "institution_code", p.institution_code)
    _sub(account, "non_bank_institution", "true")
    _sub(account, "account", address)
    _sub(account, "account_name", holder[:255])


def _side(parent: etree._Element, side: str, address: str, holder: str, institution: str | None,
          r: Reportable, p: GoamlProfile, currency: str) -> None:  # fmt: skip
    party = _sub(parent, f"t_{side}")
    _sub(party, f"{side}_funds_code", p.funds_code)
    _sub(party, f"{side}_funds_comment", f"virtual currency: {currency} on {r.chain or 'its chain'}")
    _account(party, f"{side}_account", address, holder, institution, p)
    _sub(party, f"{side}_country", p.country_code)


def _amount_local(fiat: dict[str, Any] | None, p: GoamlProfile) -> tuple[str, str]:
    if fiat and fiat.get("value") is not None and fiat.get("currency") == p.currency:
        return f"{float(fiat['value']):.2f}", f"value {fiat_text(fiat)}"
    return "0", f"no {p.currency} price in these findings: amount_local 0 means not known"


def _transaction(parent: etree._Element, txid: str, ref: str, time: int | None, description: str,
                 fiat: dict[str, Any] | None, r: Reportable, p: GoamlProfile,
                 currency: str) -> etree._Element:  # fmt: skip
    tx = _sub(parent, "transaction")
    _sub(tx, "transactionnumber", txid)
    _sub(tx, "internal_ref_number", ref)
    _sub(tx, "transaction_location", f"{r.chain or 'the'} blockchain{f' ({r.network})' if r.network else ''}")
    amount, priced = _amount_local(fiat, p)
    _sub(tx, "transaction_description", f"{description}; {priced}")
    _sub(tx, "date_transaction", _date(time, r.generated_utc))
    _sub(tx, "transmode_code", p.transmode_code)
    _sub(tx, "transmode_comment", f"virtual currency ({currency})")
    _sub(tx, "amount_local", amount)
    return tx


def _payment(parent: etree._Element, n: int, pay: Payment, r: Reportable, p: GoamlProfile, prices: Prices) -> None:
    payer = pay.payer_addresses[0] if pay.payer_addresses else "unknown"
    currency, wallet = pay.currency or r.currency, pay.wallet_name or f"wallet {pay.wallet}"
    text = (f"payment of {pay.amount_coin} {currency} to the site's address {pay.address} from paying {wallet} "
            f"({' '.join(pay.payer_addresses)}), block {pay.height}, {utc_iso(pay.time)}")
    fiat = prices.get((pay.txid, pay.address), pay.fiat)
    tx = _transaction(parent, pay.txid, f"payment-{n}", pay.time, text, fiat, r, p, currency)
    _side(tx, "from", payer, f"paying {wallet} (holder unknown)", None, r, p, currency)
    _side(tx, "to", pay.address, "the site's operator (unknown)", None, r, p, currency)


def _transfer(parent: etree._Element, n: int, t: Transfer, r: Reportable, p: GoamlProfile, prices: Prices) -> None:
    possibly = "possibly " if t.possible else ""
    currency = t.currency or r.currency
    fiat = prices.get((t.txid, t.address), t.fiat)
    if t.kind == "withdrawal":
        wallet = t.wallet_name or f"wallet {t.wallet}"
        text = (f"{possibly}withdrawal of {t.amount_coin} {currency} by {t.service} to {t.address}, which funded "
                f"paying {wallet}, {utc_iso(t.time)}: {t.why}")
        tx = _transaction(parent, t.txid, f"withdrawal-{n}", t.time, text, fiat, r, p, currency)
        sender = t.source[0] if t.source else f"an address of {t.service}"
        _side(tx, "from", sender, f"{t.service} (paid out for a customer, unknown)", t.service, r, p, currency)
        _side(tx, "to", t.address, f"paying {wallet} (holder unknown)", None, r, p, currency)
        return
    text = (f"{possibly}deposit of {t.amount_coin} {currency} into {t.service}'s address {t.address}, traced from "
            f"the site, {utc_iso(t.time)}: {t.why}")
    tx = _transaction(parent, t.txid, f"deposit-{n}", t.time, text, fiat, r, p, currency)
    site = t.source[0] if t.source else (r.site_addresses[0] if r.site_addresses else "unknown")
    _side(tx, "from", site, "the site's operator (unknown)", None, r, p, currency)
    _side(tx, "to", t.address, f"the account at {t.service} credited (unknown)", t.service, r, p, currency)


def _payers(r: Reportable) -> str:
    if r.accounts:  # one PayingWallet per account and asset: the accounts counted once
        return counted(len({w.addresses for w in r.wallets}), "paying account")
    return counted(len(r.wallets), "paying wallet")


def reason(r: Reportable) -> str:  # the transactions follow the reason, hence "in this report"
    """The STR's grounds: the red flags with their evidence, then the counts; within goAML's 8,000 characters."""
    lines = [f"Payments to a website offering child sexual abuse material, traced on the {r.chain} blockchain "
             f"(cointrail case {r.case}). {counted(len(r.payments), 'payment')} from {_payers(r)}; "
             f"{counted(len(r.withdrawals), 'funding withdrawal')}; {counted(len(r.deposits), 'deposit')} of the "
             "site's money.",
             *[f"Red flag {f.code}: {f.title}. {f.evidence}" for f in r.flags],
             f"Site addresses: {' '.join(r.site_addresses)}.", r.recheck("in this report")]  # fmt: skip
    return "\n".join(lines)[:REASON_LIMIT]


def report_tree(r: Reportable, p: GoamlProfile = GENERIC, prices: Prices | None = None) -> etree._Element:
    """The goAML ``report`` element of the findings; ``prices`` (by txid and address paid) override the findings'
    own fiat values, to give them in the profile's currency (:func:`cointrail.facts.pricing.prices_in`)."""
    prices = prices or {}
    root = etree.Element("report")
    _sub(root, "rentity_id", p.rentity_id)
    _sub(root, "rentity_branch", p.rentity_branch)
    _sub(root, "submission_code", p.submission_code)
    _sub(root, "report_code", p.report_code)
    _sub(root, "entity_reference", f"cointrail case {r.case}")
    _sub(root, "submission_date", _date(None, r.generated_utc))
    _sub(root, "currency_code_local", p.currency)
    person = _sub(root, "reporting_person")
    first, _, last = (r.reported_by or "- -").rpartition(" ")
    _sub(person, "first_name", first or "-")
    _sub(person, "last_name", last or "-")
    location = _sub(root, "location")
    _sub(location, "address_type", p.address_type)
    _sub(location, "address", p.location.get("address", "-"))
    _sub(location, "city", p.location.get("city", "-"))
    _sub(location, "country_code", p.location.get("country_code", p.country_code))
    _sub(root, "reason", reason(r))
    _sub(root, "action", "Findings from public blockchain data; the exchanges named hold the customers' records.")
    for n, pay in enumerate(r.payments, 1):
        _payment(root, n, pay, r, p, prices)
    for n, t in enumerate(r.withdrawals + r.deposits, 1):
        _transfer(root, n, t, r, p, prices)
    indicators = _sub(root, "report_indicators")
    for code in p.indicator_codes([f.code for f in r.flags]):
        _sub(indicators, "indicator", code)
    return root


def export_goaml(facts: ReportFacts, profile: GoamlProfile = GENERIC, prices: Prices | None = None) -> str:
    """The goAML STR XML of ``facts`` under ``profile`` (the generic goAML 5.0.1 one by default); ``prices`` give
    the transactions' values in the profile's currency where the facts are in another."""
    tree = report_tree(reportable(facts), profile, prices)
    return etree.tostring(tree, xml_declaration=True, encoding="UTF-8", pretty_print=True).decode("utf-8")
