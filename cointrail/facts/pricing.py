"""Fiat values of the transactions a report names, from the ledger store's prices table (issue 18).

The payers' payments of a Bitcoin-family case are priced by the tracing package as it finds them
(``payments[].fiat``, in the report's currency); an account-chain (Ethereum) case's are priced here
(:func:`price_account_payers`), each transfer in its own asset (ETH, USDT, USDC) from that asset's prices, so ether
and a token never share a price. The exchanges' rows, the withdrawals that funded the payers and the deposits of the
site's money, are priced here too, at their block time, in the same currency: the court report's exchange tables,
the request packs and the goAML report give them; so are the funding trails and their steps (the report's 1.3). An
FIU's goAML profile may ask for another currency (its local one, ``currency_code_local``): then :func:`prices_in`
prices every transaction of the report in it from the same store, with the price's day and source, and leaves the
facts as the report has them (the red flags judge size in US dollars, whatever the FIU). A row with no price that
day (or within a week before) stays unpriced: the texts say "no price"; nothing is ever priced that the imported
file does not price. A stablecoin's price that the file states as its peg carries ``peg``
(:mod:`cointrail.prices.table`), and :func:`cointrail.prices.pegs.peg_note` says it is an assumption.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from cointrail.amounts import Unit
from cointrail.facts.assets import is_account
from cointrail.facts.document import ReportFacts
from cointrail.prices import PriceBook
from cointrail.prices.pegs import pegs
from cointrail.prices.table import Chained
from cointrail.store.duckdb import price_table

Prices = dict[tuple[str, str], dict[str, Any]]  # (txid, address paid) -> fiat value (currency, value, price, source)


class Books:
    """A store's price books in one fiat currency, one per asset, each read once when first asked: the chain's coin
    for a row that names no asset, else the row's asset (ETH, USDT, USDC) in its own decimals."""

    def __init__(self, store: Chained, fiat: str):
        self.store, self.fiat = store, fiat.upper()
        self._books: dict[str, PriceBook] = {}

    def book(self, row: dict[str, Any]) -> PriceBook:
        asset = str(row.get("asset") or "")
        if asset not in self._books:
            unit = Unit(asset, int(row["decimals"])) if asset and row.get("decimals") is not None else None
            self._books[asset] = PriceBook(self.store, self.fiat, coin=asset or None, unit=unit)
        return self._books[asset]

    def value(self, row: dict[str, Any], key: str = "amount") -> dict[str, Any] | None:
        """The fiat value of ``row[key]`` at the row's block time, None when it is not known or has no price."""
        if row.get(key) is None or row.get("time") is None or (row.get("asset") and row.get("decimals") is None):
            return None
        return self.book(row).value(int(row[key]), int(row["time"]))


def summed(fiats: list[dict[str, Any] | None]) -> dict[str, Any] | None:
    """The sum of fiat values, in their one currency, with every source; None unless every one is priced."""
    if not fiats or any(f is None for f in fiats):
        return None
    known = [f for f in fiats if f is not None]
    total = {"currency": known[0]["currency"], "value": round(sum(f["value"] for f in known), 2),
             "source": "; ".join(sorted({f["source"] for f in known}))}  # fmt: skip
    return {**total, "peg": True} if any(f.get("peg") for f in known) else total


def price_account_payers(payers: dict[str, Any], books: Books) -> None:
    """Price an account-chain case's payments, payers, totals and cash-outs in ``books``' currency, each in its
    own asset at its block time; the payers' ``price_source`` and ``pegs`` say where the prices came from."""
    payments = payers.get("payments") or []
    for row in payments + (payers.get("cash_outs") or []):
        row["fiat"] = books.value(row)
    by_payer: dict[tuple[str, str], list[dict[str, Any] | None]] = {}
    for row in payments:
        by_payer.setdefault((row["payer_addresses"][0], row["asset"]), []).append(row["fiat"])
    for payer in payers.get("payers") or []:
        payer["total_fiat"] = summed(by_payer.get((payer["payer_addresses"][0], payer["asset"]), []))
    fiats = [row["fiat"] for row in payments]
    payers["totals"]["fiat"] = summed(fiats)
    payers["totals"]["priced"] = sum(f is not None for f in fiats)
    payers["parameters"]["fiat"] = books.fiat
    payers["price_source"] = "; ".join(sorted({f["source"] for f in fiats if f})) or None
    payers["pegs"] = pegs(fiats)


def price_exchange_rows(exchanges: list[dict[str, Any]], books: Books) -> None:
    """Give each withdrawal and deposit row its ``fiat`` value at its block time (None where no price is known)."""
    for entry in exchanges:
        for row in entry["withdrawals"] + entry["deposits"]:
            row["fiat"] = books.value(row)


def price_funding_trails(payers: dict[str, Any] | None, books: Books) -> None:
    """Give each funding trail of the payers (report section 1.3), its withdrawal and every step of it, its ``fiat``
    value at its block time, as the other tables' rows are priced (None where no price is known): a Bitcoin-family
    trail's amount is what was traced to the payout, an account chain's the withdrawal, each in its own asset."""
    for payer in (payers or {}).get("payers") or []:
        for trail in payer.get("funding") or []:
            trail["fiat"] = books.value(trail)
            for step in trail.get("steps") or []:
                step["fiat"] = books.value(step)


def transaction_prices(facts: ReportFacts, books: Books) -> Prices:
    """Every payment, withdrawal and deposit of ``facts`` priced in ``books``' currency, by (txid, address)."""
    payers = facts.payers or {}
    rows = list(payers.get("payments") or [])
    rows += [r for e in facts.findings.get("exchanges") or [] for r in e["withdrawals"] + e["deposits"]]
    found = {(r["txid"], r["address"]): books.value(r) for r in rows if r.get("txid")}
    return {key: value for key, value in found.items() if value is not None}


def prices_in(store: Callable[[], Chained | None], facts: ReportFacts, currency: str) -> Prices | None:
    """The transactions of ``facts`` priced in ``currency`` from the ledger store (of either family) ``store()``
    gives, asked only when needed; None when there is none, or the facts are already in that currency (their own
    values hold)."""
    if (_facts_fiat(facts) or "").upper() == currency.upper():
        return None
    found = store()
    return None if found is None else transaction_prices(facts, Books(found, currency))


def _facts_fiat(facts: ReportFacts) -> str | None:
    """The currency the facts' own values are in: the report's ``--fiat``; None for an account-chain case's facts
    written before its transfers were priced (their payers name no currency), so that they are priced now."""
    payers = facts.payers or {}
    if is_account(payers):
        return (payers.get("parameters") or {}).get("fiat")
    return facts.provenance.parameters.get("fiat") or "USD"



def in_currency(store: Callable[[], Chained | None], facts: ReportFacts, currency: str | None) -> ReportFacts:
    """``facts`` with the exchanges' rows valued in ``currency`` (the request packs' ``--fiat`` or the setting),
    priced again from the ledger store ``store()`` gives where the facts are in another; a row that store has no
    price for in it, or every row when there is no store, is "no price". None or the facts' own currency:
    unchanged."""
    if currency is None or (_facts_fiat(facts) or "").upper() == currency.upper():
        return facts
    prices = prices_in(store, facts, currency) or {}
    found = store()
    # What was asked and what the store has, for the letter to say which price is missing (none: no store)
    asked = {"currency": currency.upper(), "store_fiats": None if found is None else price_table.fiats(found)}
    for entry in facts.findings.get("exchanges") or []:
        entry["fiat_asked"] = asked
        for row in entry["withdrawals"] + entry["deposits"]:
            row["fiat"] = prices.get((row["txid"], row["address"]))
    return facts
