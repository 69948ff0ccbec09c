"""A case's findings, answer first: who paid the site, how much, which exchanges to ask, where the takings went.

:func:`headline` builds the :class:`cointrail.model.Headline` that
:meth:`cointrail.investigation.Investigation.headline` returns and the workspace's case page shows above the
evidence. It reads the latest report kept in the case when there is one: that is what the request packs and the
court report were written from, and it costs no ledger query (a forward trace of the site's money, which the
cash-outs need, took 2.4 s on the demo's 181 transactions). Without a report it asks the engine for the payers
alone (0.3 s on the demo) and says the site's money was not traced forward yet. Either way the same rows are read:
the payers' ``to_json()`` and :func:`cointrail.facts.findings.exchanges_to_contact`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from cointrail.errors import InputError
from cointrail.model import CashOut, ExchangeToAsk, Headline, Payer, Payment

if TYPE_CHECKING:
    from cointrail.cases import Case
    from cointrail.facts.document import ReportFacts
    from cointrail.investigation import Investigation

ACCOUNT_NOTE = "an account-chain (Ethereum) case: its payments and payers per asset are in the report"


def headline(inv: Investigation, *, prefer_report: bool = True) -> Headline:
    """The case's headline findings: from its latest report (``prefer_report``), else from the payers asked now."""
    from cointrail.facts.kept import latest_facts

    case = inv.case
    facts = latest_facts(case) if case is not None and prefer_report else None
    if facts is not None and facts.payers is not None:
        return _from_report(inv, facts)
    if inv.has_store and case is not None and inv.site().addresses:
        return _from_engine(inv)
    return _empty(inv)


def _report_entry(case: Case) -> dict[str, Any] | None:
    from cointrail.facts.kept import FACTS_ACTION

    return next((e for e in reversed(case.log.entries()) if e["action"] == FACTS_ACTION), None)


def _from_report(inv: Investigation, facts: ReportFacts) -> Headline:
    findings = facts.findings
    chain = (facts.ledger or {}).get("chain") or (inv.chain if inv.has_store else None)
    entry = _report_entry(inv.case) if inv.case is not None else None
    return _built(inv, "report", chain, findings["payers"], findings.get("exchanges") or [], traced=True,
                  entry=entry, newer=_newer_blocks(inv, facts))  # fmt: skip


def _newer_blocks(inv: Investigation, facts: ReportFacts) -> int | None:
    """Blocks the store holds above the report's tip: the report may have missed payments in them."""
    reported = (facts.ledger or {}).get("tip_height")
    tip = inv.store.tip() if inv.has_store else None
    if reported is None or tip is None:
        return None
    return max(0, tip[0] - int(reported))


def _from_engine(inv: Investigation) -> Headline:
    from cointrail.facts.findings import exchanges_to_contact

    try:
        found = inv.payers().to_json()
    except InputError as error:  # e.g. a store not clustered yet: the page still shows the evidence, and says why
        return _empty(inv, str(error))
    exchanges = exchanges_to_contact(found, [], inv.chain)
    return _built(inv, "engine", inv.chain, found, exchanges, traced=False, entry=None, newer=None)


def _empty(inv: Investigation, note: str | None = None) -> Headline:
    chain = inv.chain if inv.has_store else None
    note = note or (inv.site().note() if inv.case is not None and inv.has_store else None)
    return Headline("none", chain, None, None, None, False, (), 0, None, (), (), (), _alerts(inv.case), note)


def _built(inv: Investigation, source: str, chain: str | None, payers: dict[str, Any],
           exchanges: list[dict[str, Any]], *, traced: bool, entry: dict[str, Any] | None,
           newer: int | None) -> Headline:  # fmt: skip
    from cointrail.facts.assets import is_account

    if is_account(payers):  # per-asset rows of another shape: the exchanges and cash-outs still hold
        payers = {"site": {"from_case": {"note": ACCOUNT_NOTE}}}
    totals = payers.get("totals") or {}
    payments = tuple(Payment.from_json(p) for p in payers.get("payments", []))
    return Headline(
        source, chain, entry["seq"] if entry else None, entry["time_utc"] if entry else None, newer, traced,
        payments, int(totals.get("amount") or sum(p.amount for p in payments)), totals.get("fiat"),
        tuple(Payer.from_json(p) for p in payers.get("payers", [])),
        tuple(_exchange(inv.case, x) for x in exchanges), _cash_outs(exchanges), _alerts(inv.case),
        ((payers.get("site") or {}).get("from_case") or {}).get("note"),
    )  # fmt: skip


def _exchange(case: Case | None, found: dict[str, Any]) -> ExchangeToAsk:
    from cointrail.facts.kept import stored_packs

    rows = found["withdrawals"] + found["deposits"]
    packs = tuple(stored_packs(case, found["service"])) if case is not None else ()
    possible = bool(rows) and all(r.get("possible") for r in rows)
    return ExchangeToAsk(found["service"], found.get("category"), len(found["withdrawals"]), len(found["deposits"]),
                         found.get("payers", 0), possible, packs)  # fmt: skip


def _cash_outs(exchanges: list[dict[str, Any]]) -> tuple[CashOut, ...]:
    rows = [r for x in exchanges for r in x["deposits"]]
    return tuple(CashOut(r["service"], r["address"], r.get("txid"), r.get("time"), r.get("amount"),
                         r.get("traced", r.get("amount")), bool(r.get("possible")))
                 for r in sorted(rows, key=lambda r: (r.get("time") or 0, r.get("txid") or "")))  # fmt: skip


def _alerts(case: Case | None) -> tuple[dict[str, Any], ...]:
    """The case's live watch alerts (withdrawn ones left out), newest first."""
    if case is None:
        return ()
    from cointrail.watch import case_alerts
    from cointrail.watch.alerts import live

    return tuple({"alert_id": a.alert_id, "kind": a.kind, "urgent": a.urgent, "headline": a.headline,
                  "txid": a.txid, "height": a.height, "block_time": a.block_time}
                 for a in reversed(live(case_alerts(case))))  # fmt: skip
