"""The request pack per exchange: exactly which deposits and withdrawals to ask about, as CSV and as a letter."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from typing import Any

from cointrail.amounts import unit_of
from cointrail.cases import Case
from cointrail.chains import CHAINS
from cointrail.errors import InputError

CSV_COLUMNS = ("exchange", "kind", "address", "txid", "time_utc", "amount", "currency", "traced_amount",
               "payer_wallet", "confidence", "why")  # fmt: skip
CSV_ACTION, LETTER_ACTION = "request-pack.csv", "request-pack.letter"


def case_chain(facts: dict[str, Any]) -> str | None:
    """The chain of the case's store (``litecoin``), else of the site's captured addresses; None if neither says."""
    chain = (facts.get("ledger") or {}).get("chain")
    site = set(facts.get("site", {}).get("addresses", []))
    captured = [item.get("chains") or [] for c in facts.get("captures", []) for item in c["addresses"]
                if item["address"] in site]  # fmt: skip
    return chain or next((chains[0] for chains in captured if chains), None)


def symbol(facts: dict[str, Any]) -> str:
    """The coin's ticker for the case's chain (``LTC``), "coins" when no known chain is found."""
    chain = case_chain(facts)
    return unit_of(chain).symbol if chain in CHAINS else "coins"


def _csv_row(row: dict[str, Any], currency: str) -> dict[str, Any]:
    return {"exchange": row["service"], "kind": row["kind"], "address": row["address"], "txid": row["txid"],
            "time_utc": row["time_utc"] or "", "amount": row["amount_coin"] or "", "currency": currency,
            "traced_amount": row.get("traced_coin") or "", "payer_wallet": row.get("payer_cluster_id") or "",
            "confidence": "" if row.get("confidence") is None else f"{row['confidence']:.2f}",
            "why": row["why"]}  # fmt: skip


def pack_csv(exchange: dict[str, Any], currency: str) -> str:
    """One CSV row per transaction to ask about, withdrawals first."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in exchange["withdrawals"] + exchange["deposits"]:
        writer.writerow(_csv_row(row, currency))
    return buffer.getvalue()


def _items(rows: list[dict[str, Any]], currency: str) -> list[str]:
    return [f"  {n}. {r['time_utc'] or 'time unknown'}: {r['amount_coin'] or '?'} {currency}, address "
            f"{r['address']}, transaction {r['txid']}" for n, r in enumerate(rows, start=1)]  # fmt: skip


def pack_letter(exchange: dict[str, Any], facts: dict[str, Any], currency: str) -> str:
    """Short letter-ready text: what is asked, about which transactions, and why; the sender fills the brackets."""
    lines = [f"To: {exchange['service']} (compliance / law-enforcement response team)",
             f"Re: case {facts['case']['name']}: request for customer records", "",
             "We are investigating payments to a website offering child sexual abuse material. Blockchain analysis "
             "links the transactions below to your service. We ask, under [legal basis], for the identity, account "
             "details, KYC records, login IP addresses and transaction history of the account(s) concerned, and that "
             "you preserve these records.", ""]  # fmt: skip
    if exchange["withdrawals"]:
        lines += ["Withdrawals from your service that funded payments to the site (who received them?):",
                  *_items(exchange["withdrawals"], currency), ""]
    if exchange["deposits"]:
        lines += ["Deposits into your service of money traced from the site (whose account did they credit?):",
                  *_items(exchange["deposits"], currency), ""]
    lines += ["Times are UTC block times. Every transaction can be checked on the public blockchain; the method and "
              f"its error rates are in our report ({facts['provenance']['tool']}, case {facts['case']['name']}, "
              f"generated {facts['generated_utc']}).", "", "[Name, unit, contact details, reference number]"]
    return "\n".join(lines) + "\n"


def request_packs(facts: dict[str, Any], exchange: str | None = None) -> list[dict[str, Any]]:
    """Per exchange to contact (or only ``exchange``): its rows, CSV text and letter text."""
    chosen = [x for x in facts["findings"]["exchanges"] if exchange is None or x["service"] == exchange]
    if exchange is not None and not chosen:
        names = ", ".join(x["service"] for x in facts["findings"]["exchanges"]) or "none"
        raise InputError(f"no exchange named {exchange!r} is among those to contact (they are: {names})")
    currency = symbol(facts)
    return [{"exchange": x["service"], "category": x["category"], "withdrawals": len(x["withdrawals"]),
             "deposits": len(x["deposits"]), "csv": pack_csv(x, currency), "letter": pack_letter(x, facts, currency)}
            for x in chosen]  # fmt: skip


def _slug(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-") or "exchange"


def write_request_packs(case: Case, packs: list[dict[str, Any]], out: Path | None = None) -> list[dict[str, Any]]:
    """Store each pack's CSV and letter in the case (logged evidence) and copy them to ``out``."""
    written = []
    for pack in packs:
        files = {}
        for kind, suffix, action in (("csv", ".request.csv", CSV_ACTION), ("letter", ".request.txt", LETTER_ACTION)):
            path, digest = case.add_evidence(pack[kind].encode("utf-8"), suffix, action)
            files[kind] = {"path": case.relative(path), "sha256": digest}
            if out is not None:
                out.mkdir(parents=True, exist_ok=True)
                target = out / f"{_slug(pack['exchange'])}.{'csv' if kind == 'csv' else 'txt'}"
                target.write_text(pack[kind], encoding="utf-8")
                files[kind]["copy"] = str(target)
        written.append({**{k: v for k, v in pack.items() if k not in ("csv", "letter")}, "files": files})
    return written
