"""A FinCEN SAR field sheet (text): what a bank or money services business keys into the SAR form (issue 18).

FinCEN's SAR has no virtual-currency field. Its notices ask for key terms: "OCSE-FIN-2021-NTC3" in field 2 (Filing
Institution Note to FinCEN) and "OCSE" under field 38(z) (other suspicious activity: other) for online child sexual
exploitation (FIN-2021-NTC3); "HUMAN TRAFFICKING FIN-2020-A008" and the human trafficking box of field 38 where the
case involves trafficking (FIN-2020-A008; the chain cannot show that, so the analyst says so). Wallets and txids go
into the narrative (at most 5 parts of 4,000 characters, the batch schema's ActivityNarrativeText) and into cyber
event entries (field 44, type "Other", at most 99). The batch element names are given beside the field numbers so
a batch filer can map them; the sheet is not a filing.
"""

from __future__ import annotations

from cointrail.exports.reportable import PayingWallet, Reportable, fiat_text, findings_block, reportable
from cointrail.facts.document import ReportFacts
from cointrail.times import utc_iso
from cointrail.wording import counted

OCSE_NOTE, TRAFFICKING_NOTE = "OCSE-FIN-2021-NTC3", "HUMAN TRAFFICKING FIN-2020-A008"
NARRATIVE_PART, NARRATIVE_PARTS, CYBER_EVENTS = 4000, 5, 99
OTHER_TEXT_LIMIT = 50


def cyber_events(r: Reportable) -> list[dict[str, str]]:
    """One entry per site address, paying wallet address and txid: type Other, what it is, its value, date, time."""
    coin = "ETH" if r.accounts else r.currency  # an account holds every asset of its chain: named by the chain's
    events = [{"other": f"{coin} address (site)", "value": a, "date": "", "time": ""}
              for a in r.site_addresses]  # fmt: skip
    listed = set(r.site_addresses)
    for wallet in r.wallets:
        for address in wallet.addresses:
            if address not in listed:  # an account that paid in two assets is one address: listed once
                listed.add(address)
                events.append({"other": f"{coin} address ({_whose(wallet)})", "value": address, "date": "",
                               "time": ""})  # fmt: skip
    stamped = [(p.txid, p.time, "payment", p.currency or r.currency) for p in r.payments]
    stamped += [(t.txid, t.time, t.kind, t.currency or r.currency) for t in r.withdrawals + r.deposits]
    for txid, time, kind, currency in dict.fromkeys(stamped):
        iso = utc_iso(time, missing="")
        events.append({"other": f"{currency} txid ({kind})", "value": txid,
                       "date": iso[:10].replace("-", ""), "time": iso[11:19]})  # fmt: skip
    return [{**e, "other": e["other"][:OTHER_TEXT_LIMIT]} for e in events]


def _whose(w: PayingWallet) -> str:
    return "paying account" if w.cluster_id is None and w.name.startswith("account") else \
        f"paying wallet {w.cluster_id}"


def narrative_text(r: Reportable, trafficking: bool) -> str:
    """The narrative: the key terms, what was found and how, then the findings block with every address and txid."""
    terms = OCSE_NOTE + (f" and {TRAFFICKING_NOTE}" if trafficking else "")
    priced = [p.fiat for p in r.payments if p.fiat and p.fiat.get("value") is not None]
    fiat = f" ({len(priced)} priced, e.g. {fiat_text(priced[0])})" if priced else ""
    accounts = len({w.addresses for w in r.wallets})  # an account paying in two assets is one payer
    paying = counted(accounts, "paying account") if r.accounts else counted(len(r.wallets), "paying wallet")
    cashed = (f", and {counted(len(r.deposits), 'deposit')} of the site's money reached exchanges"
              if r.deposits else "")  # fmt: skip
    intro = (f"This report is filed under {terms}. Blockchain analysis (cointrail case {r.case}) found "
             f"{counted(len(r.payments), 'payment')} totalling {r.total_of(r.payments)}{fiat} to "
             f"{counted(len(r.site_addresses), 'address', 'addresses')} published on a website offering child sexual "
             f"abuse material, from {paying}; {counted(len(r.withdrawals), 'withdrawal')} from exchanges funded "
             f"{'it' if len(r.payments) == 1 else 'them'}{cashed}. A paying "
             f"{'account' if r.accounts else 'wallet'} is not a person.")
    return intro + "\n\n" + findings_block(r)


def narrative_parts(text: str) -> list[str]:
    """The narrative cut at line ends into parts of at most 4,000 characters (a longer line is cut where it must);
    a section's start (the lines after a blank line) moves on with the line that did not fit, when they fit
    together, so no part ends on a heading whose lines are in the next."""
    parts: list[str] = []
    current = ""
    for line in text.splitlines(keepends=True):
        if len(current) + len(line) > NARRATIVE_PART:
            head, gap, tail = current.rpartition("\n\n")
            if head and len(tail) + len(line) <= NARRATIVE_PART:
                parts.append(head + gap)
                current = tail
            else:
                parts.append(current)
                current = ""
        while len(line) > NARRATIVE_PART:
            parts.append(line[:NARRATIVE_PART])
            line = line[NARRATIVE_PART:]
        current += line
    return [p for p in [*parts, current] if p]


def _fields(r: Reportable, trafficking: bool) -> list[tuple[str, str]]:
    first = min((p.time for p in r.payments if p.time), default=None)
    last = max((p.time for p in r.payments + r.withdrawals + r.deposits if p.time), default=None)
    note = OCSE_NOTE if not trafficking else f"{OCSE_NOTE} {TRAFFICKING_NOTE}"
    rows = [("Field 2 Filing Institution Note to FinCEN (FilingInstitutionNotetoFinCEN)", note[:OTHER_TEXT_LIMIT]),
            ("Amount involved in this report", f"{r.total_of(r.payments)} in payments to the site "
             "(convert to US dollars at the filer's rate; the field takes dollars)"),
            ("Date or date range of suspicious activity", f"{utc_iso(first)[:10]} to {utc_iso(last)[:10]}"),
            ("Field 38(z) Other suspicious activities: Other (subtype 999, OtherSuspiciousActivityTypeText)", "OCSE")]
    if trafficking:
        rows.append(("Field 38 Other suspicious activities: Human trafficking (subtype 927)", "checked"))
    return rows + [("Red flags shown by the chain", "; ".join(f"{f.code}: {f.title}" for f in r.flags) or "none")]


def export_sar_sheet(facts: ReportFacts, trafficking: bool = False) -> str:
    """The SAR field sheet of ``facts``; ``trafficking`` adds FIN-2020-A008's key term and box."""
    r = reportable(facts)
    parts = narrative_parts(narrative_text(r, trafficking))
    events = cyber_events(r)
    lines = [f"FinCEN SAR field sheet (cointrail case {r.case}; {r.tool}; generated {r.generated_utc})",
             "For the filer to key in: nothing here is filed or sent. Subject fields (Part I) are the filer's own "
             "customer records; cointrail knows wallets, not people.", ""]
    lines += [f"{name}: {value}" for name, value in _fields(r, trafficking)]
    lines += ["", f"== Part V narrative: {counted(len(parts), 'part')} of at most {NARRATIVE_PART:,} characters "
              f"(ActivityNarrativeText; the form takes {NARRATIVE_PARTS})"]
    if len(parts) > NARRATIVE_PARTS:
        lines.append(f"WARNING: the narrative needs {len(parts)} parts; attach the CSV export for the rest.")
    for n, part in enumerate(parts, 1):
        lines += [f"-- narrative part {n} ({len(part):,} characters)", part.rstrip("\n")]
    lines += ["", f"== Field 44 cyber event indicators: {len(events)} entr(ies), type Other (code 999); at most "
              f"{CYBER_EVENTS} per SAR"]
    if len(events) > CYBER_EVENTS:
        lines.append(f"WARNING: {len(events)} entries; the first {CYBER_EVENTS} fit, the rest are in the narrative.")
    lines += [f"{n}. Other: {e['other']} | value {e['value']} | date {e['date'] or '-'} | time {e['time'] or '-'}"
              for n, e in enumerate(events, 1)]  # fmt: skip
    return "\n".join(lines) + "\n"
