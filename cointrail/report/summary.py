"""The one-page summary: what was found, in plain words, for a reader with no crypto background."""

from __future__ import annotations

from typing import Any

from cointrail.report.request_pack import symbol


def _fiat(value: dict[str, Any] | None) -> str:
    if not value:
        return ""
    return f" (about {value['value']:,.2f} {value['currency']} at the time; prices from {value.get('source')})"


def _custody(facts: dict[str, Any]) -> str:
    check = facts["custody"]
    state = ("intact: every evidence file still has the hash it was logged with"
             if check["chain_intact"] and check["verification"]["intact"] else
             "NOT intact: see the custody section before relying on this report")  # fmt: skip
    return (f"The case '{facts['case']['name']}' holds {len(facts['evidence'])} logged evidence file(s); its custody "
            f"log has {len(check['entries'])} entries and is {state}.")  # fmt: skip


def _captures(facts: dict[str, Any]) -> list[str]:
    return [f"The page {c['url']} was captured on {c['started_utc']} by {c['operator']} ({c['status']}); "
            f"{len(c['addresses'])} cryptocurrency address(es) were found on it." for c in facts["captures"]]


def _payers(payers: dict[str, Any], currency: str) -> list[str]:
    totals = payers.get("totals", {})
    dates = [p["date"] for p in payers.get("payments", [])]
    span = f", between {min(dates)} and {max(dates)}" if dates else ""
    lines = [f"The site's {len(payers['site']['addresses'])} address(es) received {totals.get('payments', 0)} "
             f"payment(s) from {totals.get('payers', 0)} paying wallet(s), {totals.get('amount_coin')} {currency} in "
             f"all{_fiat(totals.get('fiat'))}{span}."]  # fmt: skip
    with_service = totals.get("with_service", 0)
    if totals.get("payers"):
        lines.append(f"{with_service} of the {totals['payers']} paying wallet(s) were traced back to an exchange "
                     "or another service that knows its customers.")  # fmt: skip
    return lines


def _exchanges(exchanges: list[dict[str, Any]]) -> list[str]:
    if not exchanges:
        return ["No exchange was reached by the traces: there is no service to serve legal process on yet."]
    names = "; ".join(f"{e['service']} ({len(e['withdrawals'])} withdrawal(s) that funded payers, "
                      f"{len(e['deposits'])} deposit(s) of the site's money)" for e in exchanges)  # fmt: skip
    return [f"Exchanges to contact: {names}. The request pack of each lists exactly which transactions to ask "
            "about (address, transaction id, time in UTC, amount)."]


def summary_lines(facts: dict[str, Any]) -> list[str]:
    """Sentences of the summary page, in order."""
    lines = [_custody(facts), *_captures(facts)]
    findings = facts["findings"]
    if findings.get("payers"):
        lines += _payers(findings["payers"], symbol(facts))
    else:
        lines.append("The payers of the site were not computed (no ledger store or no site address was given).")
    lines += _exchanges(findings["exchanges"])
    run = (facts.get("ledger") or {}).get("clustering")
    if run:
        lines.append(f"Addresses were grouped into wallets with the heuristics {', '.join(run['heuristics'])}; "
                     "each one's measured error rate is in the methods appendix.")  # fmt: skip
    lines.append(f"{len(findings['txids'])} transaction(s) support these findings; each can be looked up on any "
                 "node or block explorer of the chain, as the section on data sources explains.")  # fmt: skip
    return lines
