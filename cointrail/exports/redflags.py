"""The red flags that reporting bodies list and the chain can show, each with its evidence (issue 18).

FinCEN's notice FIN-2021-NTC3 (online child sexual exploitation) and advisory FIN-2020-A008 (human trafficking),
and the typologies FIUs share through goAML, name behaviours a bank or an analyst should report. Four of them can be
read off a case's findings:

* ``published-address``: payments to an address published on a site that offers abuse material (the capture
  holds the page and the address);
* ``many-small-payers``: many small payments from several paying wallets into one site (subscription-style);
* ``mixer``: a paying wallet's money, or the site's, went through a mixer or a CoinJoin;
* ``site-to-exchange``: money traced from the site into an exchange (the operator cashing out).

Each flag carries the txids and addresses that show it, and a sentence saying so.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cointrail.facts.assets import payer_key
from cointrail.facts.document import ReportFacts
from cointrail.wording import counted

SMALL_USD = 100  # "about half under 100 dollars" (FIELD_NOTES: Chainalysis crypto-crime reports)
MANY_PAYMENTS, MANY_WALLETS = 3, 2
MIXER_CATEGORIES = {"mixing_service", "mixer"}


@dataclass(frozen=True)
class RedFlag:
    """A red flag: its code, what it is called, the sentence of evidence, and the txids and addresses showing it."""

    code: str
    title: str
    evidence: str
    txids: tuple[str, ...]
    addresses: tuple[str, ...]


def _payments(facts: ReportFacts) -> list[dict[str, Any]]:
    return list((facts.payers or {}).get("payments") or [])


def _same(address: str) -> str:
    """An address as compared: a 0x account in any case (a page shows it EIP-55 checksummed, the store lower-case)."""
    return address.lower() if address.startswith("0x") else address


def published(facts: ReportFacts) -> RedFlag | None:
    captured = {_same(a["address"]): str(c.get("final_url") or c.get("url")) for c in facts.captures
                for a in c["addresses"]}  # fmt: skip
    paid = [p for p in _payments(facts) if _same(p["address"]) in captured]
    if not paid:
        return None
    addresses = tuple(dict.fromkeys(p["address"] for p in paid))
    pages = ", ".join(dict.fromkeys(captured[_same(a)] for a in addresses))
    return RedFlag("published-address", "Payments to an address published on a site offering abuse material",
                   f"{counted(len(paid), 'payment')} went to {counted(len(addresses), 'address', 'addresses')} "
                   f"captured from {pages} (the capture "
                   "is kept as evidence, with its hash, in the case).", tuple(p["txid"] for p in paid), addresses)


def _small(payment: dict[str, Any]) -> bool | None:
    fiat = payment.get("fiat") or {}
    if fiat.get("value") is None or fiat.get("currency") != "USD":
        return None
    return float(fiat["value"]) < SMALL_USD


def many_small_payers(facts: ReportFacts) -> RedFlag | None:
    payments = _payments(facts)
    wallets = {payer_key(p) for p in payments if payer_key(p) is not None}  # clusters, or accounts
    sizes = [_small(p) for p in payments]
    if len(payments) < MANY_PAYMENTS or len(wallets) < MANY_WALLETS or any(s is False for s in sizes):
        return None
    priced = sum(s is not None for s in sizes)
    size = ((f"the 1 priced payment under {SMALL_USD} USD" if priced == 1 else
             f"all {priced} priced payments under {SMALL_USD} USD") if priced
            else "no price was known, so their size in dollars is not judged")
    if 0 < priced < len(sizes):
        size += f"; {len(sizes) - priced} not priced"
    title = "Many small payments from several wallets into one site" if priced else \
        "Many payments from several wallets into one site (size in dollars not known)"
    return RedFlag("many-small-payers", title, f"{counted(len(payments), 'payment')} from "
                   f"{counted(len(wallets), 'paying wallet')} "
                   f"into the site's addresses ({size}).",
                   tuple(p["txid"] for p in payments), tuple(dict.fromkeys(p["address"] for p in payments)))


def _mixed(facts: ReportFacts) -> tuple[list[str], list[str]]:
    """Txids of CoinJoins or mixer transactions on the payers' and the site's trails, and the mixers' addresses."""
    txids: list[str] = []
    addresses: list[str] = []
    for payer in (facts.payers or {}).get("payers") or []:
        txids += [c if isinstance(c, str) else c.get("txid", "") for c in payer.get("coinjoins") or []]
        for funding in payer.get("funding") or []:
            txids += [c if isinstance(c, str) else c.get("txid", "") for c in funding.get("through_coinjoins") or []]
    for flow in facts.findings.get("flows") or []:
        txids += [c if isinstance(c, str) else c.get("txid", "") for c in flow.get("coinjoins") or []]
        for end in flow.get("ends") or []:
            if end.get("category") in MIXER_CATEGORIES:
                txids.append(end["txid"])
                addresses.append(end["address"])
    return [t for t in dict.fromkeys(txids) if t], list(dict.fromkeys(addresses))


def mixer(facts: ReportFacts) -> RedFlag | None:
    txids, addresses = _mixed(facts)
    if not txids:
        return None
    where = (f", and reached the mixer {'address' if len(addresses) == 1 else 'addresses'} {' '.join(addresses)}"
             if addresses else "")  # fmt: skip
    return RedFlag("mixer", "Use of a mixer or CoinJoin", f"money on the traced trails passed through "
                   f"{counted(len(txids), 'CoinJoin or mixer transaction')}{where}; links across "
                   f"{'it are' if len(txids) == 1 else 'them are'} not claimed.",
                   tuple(txids), tuple(addresses))  # fmt: skip


def site_to_exchange(facts: ReportFacts) -> RedFlag | None:
    deposits = [d for e in facts.findings.get("exchanges") or [] for d in e["deposits"]]
    if not deposits:
        return None
    services = ", ".join(dict.fromkeys(d["service"] for d in deposits))
    return RedFlag("site-to-exchange", "Funds traced from the site into exchanges",
                   f"{counted(len(deposits), 'deposit')} of money traced from the site reached {services}.",
                   tuple(d["txid"] for d in deposits), tuple(d["address"] for d in deposits))


DETECTORS = (published, many_small_payers, mixer, site_to_exchange)


def red_flags(facts: ReportFacts) -> list[RedFlag]:
    """The red flags the findings of ``facts`` show, in a fixed order."""
    return [flag for detect in DETECTORS if (flag := detect(facts)) is not None]
