"""The one-page summary: what was found, in plain words, for a reader with no crypto background.

Every count comes from ``facts["figures"]`` (cointrail.facts.figures), the same numbers the later sections print.
"""

from __future__ import annotations

from typing import Any

from cointrail.amounts import format_amount
from cointrail.facts.assets import is_account, symbol
from cointrail.facts.pricing import summed
from cointrail.wording import counted, days


def _fiat(value: dict[str, Any] | None) -> str:
    if not value:
        return ""
    return f" (about {value['value']:,.2f} {value['currency']} at the time; prices from {value.get('source')})"


def _custody(facts: dict[str, Any]) -> str:
    figures = facts["figures"]
    state = ("intact: every evidence file still has the hash it was logged with" if figures["custody_intact"] else
             "NOT intact: see the custody section before relying on this report")  # fmt: skip
    files = counted(figures["evidence_files"], "logged evidence file")
    entries = counted(figures["custody_entries"], "entry", "entries")
    return f"The case '{facts['case']['name']}' holds {files}; its custody log has {entries} and is {state}."


def _captures(facts: dict[str, Any]) -> list[str]:
    return [f"The page {c['url']} was captured on {c['started_utc']} by {c['operator']} ({c['status']}); "
            f"{counted(len(c['addresses']), 'cryptocurrency address', 'cryptocurrency addresses')} "
            f"{'was' if len(c['addresses']) == 1 else 'were'} found on it." for c in facts["captures"]]


def _site_received(figures: dict[str, Any]) -> str:
    return (f"The site's {counted(figures['site_addresses'], 'address', 'addresses')} received "
            f"{counted(figures['payments'], 'payment')}")


def _people(payers: dict[str, Any], wallets: int) -> str:
    """Wallets are not people (issue 12): the tracer's sentence, or the same one made now for payers given by hand."""
    note = payers.get("totals", {}).get("people_note")
    if note and f"These are {wallets} " in note:
        return str(note)
    from cointrail.tracing.people import people_note  # imported here: tracing is the heavy part of a report

    return people_note(wallets)


def _threshold(payers: dict[str, Any]) -> float:
    given = payers.get("parameters", {}).get("funded_by_confidence")
    if given is not None:
        return float(given)
    from cointrail.tracing.funding import FUNDED_BY_CONFIDENCE

    return FUNDED_BY_CONFIDENCE


def _span(dates: list[str]) -> str:
    """When the payments were made: ", on 2026-12-04" or ", between 2026-11-30 and 2026-12-04"."""
    if not dates:
        return ""
    return f", {days(min(dates), max(dates))}"


def _payers(payers: dict[str, Any], figures: dict[str, Any], chain: str | None, unit: str) -> list[str]:
    totals = payers.get("totals", {})
    dates = [p["date"] for p in payers.get("payments", [])]
    span = _span(dates)
    wallets = figures["paying_wallets"]
    paid = (f"{_site_received(figures)} from {counted(wallets, 'paying wallet')}, "
            f"{format_amount(totals.get('amount'), chain, symbol=unit)} in all{_fiat(totals.get('fiat'))}{span}.")
    lines = [paid, _people(payers, wallets)]
    if wallets:
        possibly = figures["wallets_possibly_funded"]
        funded = figures["wallets_funded"]
        lines.append(f"{funded} of the {counted(wallets, 'paying wallet')} {'was' if funded == 1 else 'were'} traced "
                     "back to an exchange or another service that knows its customers"
                     + (f"; for {possibly} more, a service is only a possibility" if possibly else "") + ".")
    if figures["wallets_in_coinjoins"]:
        mixed = counted(figures["wallets_in_coinjoins"], "paying wallet")
        lines.append(f"The money of {mixed} went through a CoinJoin, a transaction in which several people mix "
                     "their coins: which coin came from whom cannot be told, so the trail ends there and no exchange "
                     "is named as the funder through it.")
    return lines


def _exchanges(exchanges: list[dict[str, Any]]) -> list[str]:
    if not exchanges:
        return ["No exchange was reached by the traces: there is no service to serve legal process on yet."]
    names = "; ".join(f"{e['service']} ({counted(len(e['withdrawals']), 'withdrawal')} that funded or possibly "
                      f"funded payers, {counted(len(e['deposits']), 'deposit')} of the site's money)"
                      for e in exchanges)  # fmt: skip
    return [f"Exchanges to contact: {names}. The request pack of each lists exactly which transactions to ask "
            "about (address, transaction id, time in UTC, amount), and says which are only possibilities."]


def _account_fiat(payers: dict[str, Any]) -> str:
    """The fiat total of an account case's payments, or of those priced when the price file lacks an asset."""
    total = (payers.get("totals") or {}).get("fiat")
    if total or not payers.get("price_source"):
        return _fiat(total)
    payments = payers.get("payments") or []
    priced = summed([p["fiat"] for p in payments if p.get("fiat")])
    if priced is None:
        return ""
    known = sum(1 for p in payments if p.get("fiat"))
    missing = ", ".join(sorted({p["asset"] for p in payments if not p.get("fiat")}))
    return (f" (about {priced['value']:,.2f} {priced['currency']} at the time for the {known} of the "
            f"{counted(len(payments), 'payment')} priced, prices from {priced['source']}; no price for {missing})")


def _account_payers(payers: dict[str, Any], figures: dict[str, Any]) -> list[str]:
    """The payers of an account-chain site (Ethereum): amounts per asset, accounts, poisoning set apart."""
    totals = payers["totals"]
    dates = [p["date"] for p in payers.get("payments", [])]
    span = _span(dates)
    accounts = figures["paying_wallets"]
    lines = [f"{_site_received(figures)} from {counted(accounts, 'paying account')}, {totals['amount_text']} in "
             f"all{_account_fiat(payers)}{span}.", totals["people_note"]]
    if accounts:
        possibly = figures["wallets_possibly_funded"]
        lines.append(f"{figures['wallets_funded']} of the {counted(accounts, 'paying account')} were traced back, "
                     "first in, first out, to an exchange's withdrawal: the exchange knows its customer"
                     + (f"; for {possibly} more, an exchange is only a possibility" if possibly else "") + ".")
    poisoned = figures.get("suspected_poisoning") or 0
    if poisoned:
        lines.append(f"{counted(poisoned, 'token transfer')} into the site's addresses look like address poisoning "
                     "(zero value, or logged in someone else's name): they are listed apart and never counted as "
                     "payments.")  # fmt: skip
    least = payers.get("parameters", {}).get("funded_by_confidence", 0.5)
    lines.append(f"An exchange is named as a payer's funder when, first in first out, at least {least:.0%} of the "
                 "payment traces back to its withdrawal; anything less is listed as a possibility (see the methods "
                 "appendix).")  # fmt: skip
    return lines


def summary_lines(facts: dict[str, Any]) -> list[str]:
    """Sentences of the summary page, in order."""
    lines = [_custody(facts), *_captures(facts)]
    findings, figures = facts["findings"], facts["figures"]
    chain = (facts.get("ledger") or {}).get("chain")
    if is_account(findings.get("payers")):
        lines += _account_payers(findings["payers"], figures)
    elif findings.get("payers"):
        lines += _payers(findings["payers"], figures, chain, symbol(facts))
        least = _threshold(findings["payers"])
        lines.append(f"A service is named as a payer's funder only when at least {least:.0%} of the payer's money, "
                     "weighted by how sure each step is, traces back to its payouts and no CoinJoin lies on the way; "
                     "anything less is listed as a possibility (see the methods appendix).")
    else:
        lines.append("The payers of the site were not computed (no ledger store or no site address was given).")
    lines += _exchanges(findings["exchanges"])
    run = (facts.get("ledger") or {}).get("clustering")
    if run:
        lines.append(f"Addresses were grouped into wallets with the heuristics {', '.join(run['heuristics'])}; "
                     "each one's measured error rate is in the methods appendix.")  # fmt: skip
    supported = figures["transactions"]
    lines.append(f"{counted(supported, 'transaction')} {'supports' if supported == 1 else 'support'} these findings; "
                 "each can be looked up on any node or block explorer of the chain, as the section on data sources "
                 "explains.")  # fmt: skip
    return lines
