"""The request pack per exchange: exactly which deposits and withdrawals to ask about, as CSV and as a letter.

Each transaction carries its fiat value at its block time, in the report's currency (its ``--fiat``), with the
price's source, where the store's prices give one (:mod:`cointrail.facts.pricing`, both chain families): an
exchange's compliance desk sorts and answers by value. Where none does, the pack says "no price"; a stablecoin
valued at its stated peg says so.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cointrail.cases import Case
from cointrail.errors import InputError
from cointrail.facts.assets import row_currency, row_fixed
from cointrail.facts.document import ReportFacts
from cointrail.facts.kept import CSV_ACTION, LETTER_ACTION, pack_slug
from cointrail.facts.pricing import summed
from cointrail.prices.pegs import peg_note, pegs
from cointrail.wording import counted, listed

CSV_COLUMNS = ("exchange", "kind", "address", "paid_from", "txid", "time_utc", "amount", "currency", "fiat_value",
               "fiat_currency", "fiat_price_source", "traced_amount", "payer_wallet", "confidence", "why",
               "case_number", "urgent")  # fmt: skip
NO_PRICE = "no price"  # a transaction whose block's day the store has no price for
ISSUER_CSV_COLUMNS = ("issuer", "token", "token_contract", "address", "balance", "at_block", "received_from_payers",
                      "fiat_value", "fiat_currency", "fiat_price_source", "payments", "case_number",
                      "urgent")  # fmt: skip
ISSUER = "token issuer"  # the category of a pack to a stablecoin's issuer (Tether, Circle), who can freeze


@dataclass(frozen=True)
class PackOptions:
    """What the sender adds to every pack (issue 18): their case number, the legal basis, urgency, preservation."""

    case_number: str | None = None
    legal_basis: str | None = None
    urgent: bool = False  # a child may be at risk: ask for an answer ahead of the queue
    preserve: bool = True  # ask the exchange to preserve the records now, before legal process arrives


def _fiat_columns(row: dict[str, Any]) -> dict[str, str]:
    fiat = row.get("fiat")
    if not fiat or fiat.get("value") is None:
        return {"fiat_value": "", "fiat_currency": "", "fiat_price_source": NO_PRICE}
    source = f"{fiat['source']} (the coin's stated peg, not a market price)" if fiat.get("peg") else fiat["source"]
    return {"fiat_value": f"{float(fiat['value']):.2f}", "fiat_currency": fiat["currency"],
            "fiat_price_source": f"{source}, price of {fiat.get('price_date') or 'its day'}"}  # fmt: skip


def fiat_words(row: dict[str, Any]) -> str:
    """A transaction's fiat value as the letter gives it: ``about 41.20 USD at the time`` (with the peg where it
    rests on one), or ``no price``."""
    fiat = row.get("fiat")
    if not fiat or fiat.get("value") is None:
        return NO_PRICE
    peg = f", {fiat.get('coin') or 'the coin'} at its stated peg" if fiat.get("peg") else ""
    return f"about {float(fiat['value']):,.2f} {fiat['currency']} at the time{peg}"


def _csv_row(row: dict[str, Any], currency: str, options: PackOptions) -> dict[str, Any]:
    wallet = row.get("payer_wallet", row.get("payer_cluster_id"))  # a cluster id, or an account chain's account
    return {"exchange": row["service"], "kind": row["kind"], "address": row["address"],
            "paid_from": " ".join(row.get("from_addresses") or []), "txid": row["txid"],
            "time_utc": row["time_utc"] or "", "amount": row["amount_coin"] or "",
            "currency": row_currency(row, currency), **_fiat_columns(row),
            "traced_amount": row.get("traced_coin") or "",
            "payer_wallet": "" if wallet is None else wallet,
            "confidence": "" if row.get("confidence") is None else f"{row['confidence']:.2f}",
            "why": row["why"], "case_number": options.case_number or "",
            "urgent": "yes" if options.urgent else ""}  # fmt: skip


def pack_csv(exchange: dict[str, Any], currency: str, options: PackOptions | None = None) -> str:
    """One CSV row per transaction to ask about, withdrawals first."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in exchange["withdrawals"] + exchange["deposits"]:
        writer.writerow(_csv_row(row, currency, options or PackOptions()))
    return buffer.getvalue()


def _items(rows: list[dict[str, Any]], currency: str) -> list[str]:
    return [f"  {n}. {r['time_utc'] or 'time unknown'}: {r['amount_coin'] or '?'} {row_currency(r, currency)} "
            f"({fiat_words(r)}), {_paid_from(r)}address {r['address']}, transaction {r['txid']}"
            for n, r in enumerate(rows, start=1)]  # fmt: skip


def _paid_from(row: dict[str, Any]) -> str:
    """Whose address sent it: the exchange's hot wallet for a withdrawal (on an account chain, one account)."""
    sent = row.get("from_addresses") or []
    if row["kind"] != "withdrawal" or not sent:
        return ""
    return f"paid out by your address {' '.join(sent)} to "


def asked_about(pack: dict[str, Any]) -> str:
    """What a pack asks about, in words, a zero count left out: ``4 withdrawals that paid the site's customers and
    1 deposit of the site's money`` (``pack`` as :func:`request_packs` gives it, with the two counts)."""
    freezes = pack.get("freezes")
    parts = [f"{counted(pack['withdrawals'], 'withdrawal')} that paid the site's customers" if pack["withdrawals"]
             else "",
             f"{counted(pack['deposits'], 'deposit')} of the site's money" if pack["deposits"] else "",
             f"a freeze of {counted(freezes, 'address', 'addresses')} of the site holding its token" if freezes
             else ""]  # fmt: skip
    return " and ".join(part for part in parts if part) or "no transaction"


def date_range(exchange: dict[str, Any]) -> str | None:
    """The UTC days of the first and the last transaction asked about: ``2020-09-13 to 2020-09-14``."""
    days = sorted(r["time_utc"][:10] for r in exchange["withdrawals"] + exchange["deposits"] if r.get("time_utc"))
    return f"{days[0]} to {days[-1]}" if days else None


def _heading(exchange: dict[str, Any], facts: ReportFacts, options: PackOptions) -> list[str]:
    number = f"case {options.case_number} (cointrail case {facts.case.name})" if options.case_number else \
        f"case {facts.case.name}"
    lines = [f"To: {exchange['service']} (compliance / law-enforcement response team)"]
    if options.urgent:
        lines.append("URGENT: a child may be at risk. We ask for an answer ahead of the usual queue.")
    lines += [f"Re: {number}: request for customer records"
              f"{' and their preservation' if options.preserve else ''}"]
    span = date_range(exchange)
    return lines + ([f"Date range of the transactions: {span} (UTC)"] if span else [])


def pack_letter(exchange: dict[str, Any], facts: ReportFacts, currency: str,
                options: PackOptions | None = None) -> str:  # fmt: skip
    """Short letter-ready text: what is asked, about which transactions, and why; the sender fills the brackets."""
    options = options or PackOptions()
    basis = options.legal_basis or "[legal basis]"
    lines = [*_heading(exchange, facts, options), "",
             "We are investigating payments to a website offering child sexual abuse material. Blockchain analysis "
             f"links the transactions below to {exchange['service']}. We ask, under {basis}, for the identity, "
             "account details, KYC records, login IP addresses and transaction history of each account concerned.",
             ""]  # fmt: skip
    if options.preserve:
        lines += [f"Preservation request: please preserve now all records of {exchange['service']} about these "
                  "accounts and transactions (identity, KYC, logins with IP addresses, devices, transaction history, "
                  "communications) pending legal process, and do not tell the account holders.", ""]
    if exchange["withdrawals"]:
        lines += [f"Withdrawals from {exchange['service']} that funded payments to the site (who received them?):",
                  *_items(exchange["withdrawals"], currency), ""]
    if exchange["deposits"]:
        lines += [f"Deposits into {exchange['service']} of money traced from the site (whose account did they "
                  "credit?):", *_items(exchange["deposits"], currency), ""]
    lines += ["Times are UTC block times. " + _prices_said(exchange) + "Every transaction can be checked on the "
              f"public blockchain; the method and its error rates are in our report ({facts.provenance.tool}, "
              f"case {facts.case.name}, generated {facts.generated_utc}).", "",
              "[Name, unit, contact details, reference number]"]
    return "\n".join(lines) + "\n"


def _prices_said(exchange: dict[str, Any]) -> str:
    """Where the letter's fiat values come from, and which rest on a stablecoin's stated peg ("" when none)."""
    fiats = [r.get("fiat") for r in exchange["withdrawals"] + exchange["deposits"]]
    sources = sorted({f["source"] for f in fiats if f and f.get("value") is not None})
    if not sources:
        return f"No fiat value is given: {_no_price(exchange.get('fiat_asked'))}. "
    return (f"Fiat values are at the price of each block's UTC day, from {'; '.join(sources)}. "
            + (peg_note(pegs(fiats)) + " " if pegs(fiats) else ""))


def _no_price(asked: dict[str, Any] | None) -> str:
    """Why no row has a fiat value: no price in the currency asked, and which the store has (``asked`` as
    :func:`cointrail.facts.pricing.in_currency` gives it; None: the report's own currency)."""
    if not asked:
        return "the case's ledger store has no price for these days"
    if asked["store_fiats"] is None:
        return f"there is no ledger store to price them in {asked['currency']} from"
    has = asked["store_fiats"]
    held = f"it has {listed(has)} prices" if has else "it has no prices at all"
    return f"the case's ledger store has no {asked['currency']} price for these days ({held})"


def freezable(facts: ReportFacts) -> dict[str, list[dict[str, Any]]]:
    """Per stablecoin issuer (Tether, Circle), the site's addresses a freeze request can name: those the case's
    store shows still holding the issuer's token at its tip (their history up to it read, not "not fetched"), that
    the site was paid in, and that the issuer has not blacklisted already. The facts support nothing more: a
    holding of zero, money already moved on, or a balance read from part of a history is no ground to ask an issuer
    to freeze anything."""
    payers = facts.payers or {}
    paid: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for payment in payers.get("payments") or []:
        paid.setdefault((payment["address"].lower(), payment.get("asset") or ""), []).append(payment)
    found: dict[str, list[dict[str, Any]]] = {}
    for held in payers.get("holdings") or []:
        frozen = {a["action"] for a in held["issuer_actions"]} & {"AddedBlackList", "Blacklisted"}
        payments = paid.get((held["address"].lower(), held["asset"]), [])
        if held["balance"] > 0 and held.get("history") and payments and not frozen:
            found.setdefault(held["issuer"], []).append({**held, "payments": payments})
    return found


def issuer_csv(issuer: str, held: list[dict[str, Any]], facts: ReportFacts, options: PackOptions) -> str:
    """One CSV row per address to freeze: the token, its contract, the balance and the block it was read at."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=ISSUER_CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for item in held:
        received = {**item, "received": sum(p["amount"] for p in item["payments"])}
        writer.writerow({"issuer": issuer, "token": item["asset"], "token_contract": item["token"],
                         "address": item["address"], "balance": item["balance_coin"], "at_block": item["at_block"],
                         "received_from_payers": row_fixed(received, "received", None),
                         **_fiat_columns({"fiat": _received_fiat(item)}),
                         "payments": " ".join(p["txid"] for p in item["payments"]),
                         "case_number": options.case_number or "",
                         "urgent": "yes" if options.urgent else ""})  # fmt: skip
    return buffer.getvalue()


def _received_fiat(item: dict[str, Any]) -> dict[str, Any] | None:
    """What an address to freeze received from the site's customers in fiat, each payment at its block's day (as
    the payers priced them), with its sources; None unless every payment is priced."""
    return summed([p.get("fiat") for p in item["payments"]])


def issuer_letter(issuer: str, held: list[dict[str, Any]], facts: ReportFacts, options: PackOptions) -> str:
    """The freeze and preservation request to a stablecoin's issuer, naming each address and what it holds."""
    number = f"case {options.case_number} (cointrail case {facts.case.name})" if options.case_number else \
        f"case {facts.case.name}"
    tip = held[0]["at_block"]
    tokens = " and ".join(sorted({item["asset"] for item in held}))
    lines = [f"To: {issuer} (law-enforcement requests)"]
    if options.urgent:
        lines.append("URGENT: a child may be at risk. We ask for an answer ahead of the usual queue.")
    lines += [f"Re: {number}: request to freeze tokens and preserve records", "",
              "We are investigating payments to a website offering child sexual abuse material. The addresses below "
              f"were published on the site and received its customers' payments in {tokens}; at block {tip} "
              f"they still held the balances shown. We ask, under {options.legal_basis or '[legal basis]'}, that "
              f"{issuer} freeze (blacklist) these addresses pending legal process"
              + (", and preserve every record it holds about them" if options.preserve else "") + ".", ""]
    for n, item in enumerate(held, 1):
        lines.append(f"  {n}. {item['address']}: {item['balance_text']} ({item['asset']} contract {item['token']}), "
                     f"having received {counted(len(item['payments']), 'payment')} from the site's customers "
                     f"({fiat_words({'fiat': _received_fiat(item)})}), the first {item['payments'][0]['txid']}")
    lines += ["", "Balances are as the case's ledger store read them from the chain at that block; they can be checked "
              "on any node (the token's balanceOf) before acting. The method and its error rates are in our report "
              f"({facts.provenance.tool}, case {facts.case.name}, generated {facts.generated_utc}).",
              "", "[Name, unit, contact details, reference number]"]  # fmt: skip
    return "\n".join(lines) + "\n"


def _issuer_packs(facts: ReportFacts, options: PackOptions) -> list[dict[str, Any]]:
    return [{"exchange": issuer, "category": ISSUER, "withdrawals": 0, "deposits": 0, "freezes": len(held),
             "date_range": None, "case_number": options.case_number, "urgent": options.urgent,
             "preservation": options.preserve, "csv": issuer_csv(issuer, held, facts, options),
             "letter": issuer_letter(issuer, held, facts, options)}
            for issuer, held in sorted(freezable(facts).items())]  # fmt: skip


def request_packs(facts: ReportFacts, exchange: str | None = None,
                  options: PackOptions | None = None) -> list[dict[str, Any]]:  # fmt: skip
    """Per exchange to contact (or only ``exchange``): its rows, CSV text and letter text, with ``options``; and per
    stablecoin issuer whose token the site still holds (:func:`freezable`), a freeze and preservation request."""
    options = options or PackOptions()
    issuers = _issuer_packs(facts, options)
    chosen = [x for x in facts.findings["exchanges"] if exchange is None or x["service"] == exchange]
    if exchange is not None and not chosen and not any(p["exchange"] == exchange for p in issuers):
        names = ", ".join([x["service"] for x in facts.findings["exchanges"]] + [p["exchange"] for p in issuers])
        raise InputError(f"no exchange named {exchange!r} is among those to contact (they are: {names or 'none'})")
    currency = facts.symbol
    return [{"exchange": x["service"], "category": x["category"], "withdrawals": len(x["withdrawals"]),
             "deposits": len(x["deposits"]), "date_range": date_range(x), "case_number": options.case_number,
             "urgent": options.urgent, "preservation": options.preserve,
             "csv": pack_csv(x, currency, options), "letter": pack_letter(x, facts, currency, options)}
            for x in chosen] + [p for p in issuers if exchange is None or p["exchange"] == exchange]  # fmt: skip


def write_request_packs(case: Case, packs: list[dict[str, Any]], out: Path | None = None) -> list[dict[str, Any]]:
    """Store each pack's CSV and letter in the case (logged evidence) and copy them to ``out``."""
    written = []
    for pack in packs:
        files = {}
        slug = pack_slug(pack["exchange"])  # the exchange's name in the evidence file's name, in every list of files
        for kind, suffix, action in (("csv", ".request.csv", CSV_ACTION), ("letter", ".request.txt", LETTER_ACTION)):
            kept = case.add_evidence(pack[kind].encode("utf-8"), f".{slug}{suffix}", action)
            files[kind] = {"path": kept.object, "sha256": kept.sha256}
            if out is not None:
                out.mkdir(parents=True, exist_ok=True)
                target = out / f"{slug}.{'csv' if kind == 'csv' else 'txt'}"
                target.write_text(pack[kind], encoding="utf-8")
                files[kind]["copy"] = str(target)
        written.append({**{k: v for k, v in pack.items() if k not in ("csv", "letter")}, "files": files})
    return written
