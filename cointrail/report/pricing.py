"""Fiat values of the transactions a report names, from the ledger store's prices table (issue 18).

The payers' payments are priced by the tracing package as it finds them (``payments[].fiat``, in the report's
currency). The exchanges' rows, the withdrawals that funded the payers and the deposits of the site's money, are
priced here, at their block time, in the same currency: the court report's exchange tables and the goAML report
give them. An FIU's goAML profile may ask for another currency (its local one, ``currency_code_local``): then
:func:`prices_in` prices every transaction of the report in it from the same store, with the price's day and
source, and leaves the facts as the report has them (the red flags judge size in US dollars, whatever the FIU).
An account-chain (Ethereum) case has no prices yet: its rows stay unpriced.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from cointrail.cases import Case
from cointrail.investigation import Investigation
from cointrail.prices import PriceBook
from cointrail.report.assets import is_account

Prices = dict[tuple[str, str], dict[str, Any]]  # (txid, address paid) -> fiat value (currency, value, price, source)


def _value(book: PriceBook, row: dict[str, Any]) -> dict[str, Any] | None:
    if row.get("asset") or row.get("amount") is None or row.get("time") is None:  # a token, or not known
        return None
    return book.value(int(row["amount"]), int(row["time"]))


def price_exchange_rows(exchanges: list[dict[str, Any]], book: PriceBook) -> None:
    """Give each withdrawal and deposit row its ``fiat`` value at its block time (None where no price is known)."""
    for entry in exchanges:
        for row in entry["withdrawals"] + entry["deposits"]:
            row["fiat"] = _value(book, row)


def transaction_prices(facts: dict[str, Any], book: PriceBook) -> Prices:
    """Every payment, withdrawal and deposit of ``facts`` priced in ``book``'s currency, by (txid, address)."""
    payers = facts["findings"].get("payers") or {}
    if is_account(payers):
        return {}
    rows = list(payers.get("payments") or [])
    rows += [r for e in facts["findings"].get("exchanges") or [] for r in e["withdrawals"] + e["deposits"]]
    found = {(r["txid"], r["address"]): _value(book, r) for r in rows if r.get("txid")}
    return {key: value for key, value in found.items() if value is not None}


def prices_in(case: Case, db: str | Path | None, facts: dict[str, Any], currency: str) -> Prices | None:
    """The transactions of ``facts`` priced in ``currency`` from ``db`` (else the case's own store); None when no
    ledger store of a UTXO chain is at hand, or the facts are already in that currency (their own values hold)."""
    if ((facts.get("provenance") or {}).get("parameters") or {}).get("fiat", "USD").upper() == currency.upper():
        return None
    with Investigation.open(case, db) as investigation:
        if not investigation.has_store:
            return None
        return transaction_prices(facts, PriceBook(investigation.store, currency))
