"""Collecting every fact of a report into one document (:class:`~cointrail.facts.document.ReportFacts`): the case,
the ledger, the findings, the methods."""

from __future__ import annotations

from typing import Any

from cointrail.cases import Case
from cointrail.cases.custody import utc_now
from cointrail.cases.settings import explorer_template
from cointrail.errors import InputError
from cointrail.facts import case_facts
from cointrail.facts.actions import analyst_actions
from cointrail.facts.assets import case_chain, is_account
from cointrail.facts.document import FACTS_FORMAT, ReportFacts
from cointrail.facts.exhibits import transaction_exhibits
from cointrail.facts.figures import report_figures
from cointrail.facts.findings import DEFAULT_HOPS, DEFAULT_MODEL, exchanges_to_contact, trace_findings, txids
from cointrail.facts.limitations import cited_sources, limitations
from cointrail.facts.methods import methods
from cointrail.facts.pricing import Books, price_account_payers, price_exchange_rows, price_funding_trails
from cointrail.facts.redact import local_paths
from cointrail.facts.sources import account_ledger_facts, label_conflicts, label_sources, ledger_facts, provenance
from cointrail.facts.statement import statement
from cointrail.facts.summary import summary_lines
from cointrail.investigation import Investigation
from cointrail.services import kept_detections
from cointrail.store.duckdb.account import AccountStore
from cointrail.store.duckdb.store import LedgerStore


def _site(investigation: Investigation, site: list[str] | None) -> dict[str, Any]:
    if site:
        return {"addresses": list(dict.fromkeys(site)), "from": "given", "note": None}
    selection = investigation.site()  # the one selection of the CLI, the web and the report
    return {"addresses": selection.addresses, "from": "captures", "note": selection.note()}


def _findings(investigation: Investigation, site: list[str], given: dict[str, Any] | None,
              options: dict[str, Any]) -> dict[str, Any]:  # fmt: skip
    if given is not None:
        return {"payers": given.get("payers"), "flows": list(given.get("flows") or [])}
    if not (investigation.has_store or investigation.accounts is not None) or not site:
        return {"payers": None, "flows": []}
    try:
        if investigation.accounts is not None:  # Ethereum and its tokens: payers per asset (issue 16)
            from cointrail.facts.account_findings import account_findings

            return account_findings(investigation, site, hops=options["hops"])
        return trace_findings(investigation, site, **options)
    except ImportError as error:  # a copy without the tracing package: report the case facts alone
        raise InputError(f"this cointrail cannot trace payments ({error}); give the findings explicitly") from None


def _taint_models(found: dict[str, Any], model: str) -> list[str]:
    names = [flow.get("model", {}).get("name") for flow in found["flows"]]
    names += [(found["payers"] or {}).get("parameters", {}).get("model")] if is_account(found["payers"]) else []
    return list(dict.fromkeys(n for n in names if n)) or ([model] if found["payers"] else [])


def _ledger(store: LedgerStore | AccountStore | None) -> dict[str, Any] | None:
    if store is None:
        return None
    return account_ledger_facts(store) if isinstance(store, AccountStore) else ledger_facts(store)


def collect_facts(case: Case, store: LedgerStore | AccountStore | None = None, site: list[str] | None = None, *,
                  findings: dict[str, Any] | None = None, fiat: str = "USD", hops: int = DEFAULT_HOPS,
                  model: str = DEFAULT_MODEL, explorer: str | None = None, role: str | None = None,
                  instructions: str | None = None) -> ReportFacts:  # fmt: skip
    """Every fact the report, the request packs and the exports are made of:
    :meth:`cointrail.investigation.Investigation.report_facts` of ``case`` over ``store``.

    ``findings`` (``{"payers": PayersResult dict, "flows": [TraceResult dict…]}``,
    docs/tracing.md) is asked of the engine (:class:`cointrail.investigation.Investigation` over ``store``)
    when not given. ``store`` may be an Ethereum (account-chain) store: then the payers are found per asset and
    traced first in, first out (:mod:`cointrail.facts.account_findings`). ``explorer`` (else the ``explorer``
    setting) is the block explorer's URL template for the transaction exhibits; ``role`` and ``instructions`` are
    the preparer's words for the expert's statement.
    """
    accounts = store if isinstance(store, AccountStore) else None
    investigation = Investigation(store if isinstance(store, LedgerStore) else None, case, accounts=accounts)
    return investigation.report_facts(site, findings=findings, fiat=fiat, hops=hops, model=model, explorer=explorer,
                                      role=role, instructions=instructions)  # fmt: skip


def facts_of(investigation: Investigation, site: list[str] | None = None, *, findings: dict[str, Any] | None = None,
             fiat: str = "USD", hops: int = DEFAULT_HOPS, model: str = DEFAULT_MODEL, explorer: str | None = None,
             role: str | None = None, instructions: str | None = None) -> ReportFacts:  # fmt: skip
    """:func:`collect_facts` of the investigation's case over its store (of either family), the engine's
    :meth:`~cointrail.investigation.Investigation.report_facts`."""
    case = investigation.case
    if case is None:
        raise InputError("a report needs a case: give --case (or open the investigation on one)")
    accounts = investigation.accounts
    store = investigation.store if investigation.has_store else accounts
    site_facts = _site(investigation, site)
    addresses = site_facts["addresses"]
    found = _findings(investigation, addresses, findings, {"fiat": fiat, "hops": hops, "model": model})
    books = Books(store, fiat) if store is not None else None
    if books is not None and accounts is not None and is_account(found["payers"]):
        price_account_payers(found["payers"], books)  # each transfer in its own asset (a UTXO case: by the tracer)
    if books is not None:  # the funding trails' withdrawals and steps, both families (1.3)
        price_funding_trails(found["payers"], books)
    ledger = _ledger(store)
    if isinstance(store, LedgerStore) and ledger is not None:  # where the labels naming services were fetched from
        ledger["label_sources"] = label_sources(store, cited_sources(found))
        detections = kept_detections(store)  # read once: for the conflicts and whether behaviour was compared
        ledger["label_conflicts"] = label_conflicts(store, found, detections)  # labels and behaviour that disagree
        ledger["services_detected"] = bool(detections)
    heuristics = ((ledger or {}).get("clustering") or {}).get("heuristics", [])
    captures = case_facts.captures(case)
    chain = case_chain({"ledger": ledger, "site": site_facts, "captures": captures})
    facts: dict[str, Any] = {
        "format": FACTS_FORMAT, "generated_utc": utc_now(), "case": case_facts.case_header(case),
        "site": site_facts,
        "captures": captures, "evidence": case_facts.evidence_list(case),
        "records": case_facts.records(case), "custody": case_facts.custody(case), "ledger": ledger,
        "findings": {**found, "exchanges": exchanges_to_contact(found["payers"], found["flows"], chain),
                     "txids": txids(found["payers"], found["flows"])},
        "methods": methods(heuristics, _taint_models(found, model), with_payers=found["payers"] is not None,
                           accounts=is_account(found["payers"])),
        "provenance": provenance({"site": addresses, "db": store.path.name if store else None, "fiat": fiat,
                                  "hops": hops, "model": model, "findings_given": findings is not None}),
    }  # fmt: skip
    if books is not None:  # the exchanges' rows priced as the payments are, at their own block times
        price_exchange_rows(facts["findings"]["exchanges"], books)
    has_ledger = investigation.has_store or accounts is not None
    facts["exhibits"] = transaction_exhibits(investigation if has_ledger else None,
                                             facts["findings"]["txids"], chain, explorer_template(explorer))
    facts["actions"] = analyst_actions(facts["custody"]["entries"])
    facts["figures"] = report_figures(facts)
    facts["summary"] = summary_lines(facts)
    facts["limitations"] = limitations(facts)
    facts["statement"] = statement(facts, role, instructions)
    return ReportFacts.from_json(local_paths(facts, case.folder, [store.path] if store else []))
