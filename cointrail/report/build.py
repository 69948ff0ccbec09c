"""Collecting every fact of a report in one JSON-ready dict: the case, the ledger, the findings, the methods."""

from __future__ import annotations

from typing import Any

from cointrail.cases import Case
from cointrail.cases.custody import utc_now
from cointrail.cases.site import captured_site_addresses
from cointrail.errors import InputError
from cointrail.ledger.store import LedgerStore
from cointrail.report import case_facts
from cointrail.report.figures import report_figures
from cointrail.report.findings import DEFAULT_HOPS, DEFAULT_MODEL, exchanges_to_contact, trace_findings, txids
from cointrail.report.methods import methods
from cointrail.report.redact import local_paths
from cointrail.report.request_pack import case_chain
from cointrail.report.sources import ledger_facts, provenance
from cointrail.report.summary import summary_lines

FACTS_FORMAT = "cointrail-report-facts/1"


def site_addresses(case: Case, site: list[str] | None, chain: str | None, network: str | None = None) -> list[str]:
    """The site's addresses: as given, else those the case's captures found that a store of ``chain`` ``network``
    can answer for (the one selection of the CLI, the web and the report: cointrail.cases.site)."""
    if site:
        return list(dict.fromkeys(site))
    return captured_site_addresses(case, chain, network).addresses


def _site(case: Case, site: list[str] | None, store: LedgerStore | None) -> dict[str, Any]:
    chain, network = (store.chain, store.network) if store else (None, None)
    if site:
        return {"addresses": site_addresses(case, site, chain, network), "from": "given", "note": None}
    selection = captured_site_addresses(case, chain, network)
    return {"addresses": selection.addresses, "from": "captures", "note": selection.note()}


def _findings(store: LedgerStore | None, site: list[str], given: dict[str, Any] | None,
              options: dict[str, Any]) -> dict[str, Any]:  # fmt: skip
    if given is not None:
        return {"payers": given.get("payers"), "flows": list(given.get("flows") or [])}
    if store is None or not site:
        return {"payers": None, "flows": []}
    try:
        return trace_findings(store, site, **options)
    except ImportError as error:  # a copy without the tracing package: report the case facts alone
        raise InputError(f"this cointrail cannot trace payments ({error}); give the findings explicitly") from None


def _taint_models(found: dict[str, Any], model: str) -> list[str]:
    names = [flow.get("model", {}).get("name") for flow in found["flows"]]
    return list(dict.fromkeys(n for n in names if n)) or ([model] if found["payers"] else [])


def collect_facts(case: Case, store: LedgerStore | None = None, site: list[str] | None = None, *,
                  findings: dict[str, Any] | None = None, fiat: str = "USD", hops: int = DEFAULT_HOPS,
                  model: str = DEFAULT_MODEL) -> dict[str, Any]:  # fmt: skip
    """Every fact the report, the request packs and the exports are made of, as plain data.

    ``findings`` (``{"payers": PayersResult dict, "flows": [TraceResult dict…]}``,
    docs/tracing.md) is computed from ``store`` when not given.
    """
    site_facts = _site(case, site, store)
    addresses = site_facts["addresses"]
    found = _findings(store, addresses, findings, {"fiat": fiat, "hops": hops, "model": model})
    ledger = ledger_facts(store) if store is not None else None
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
        "methods": methods(heuristics, _taint_models(found, model), with_payers=found["payers"] is not None),
        "provenance": provenance({"site": addresses, "db": store.path.name if store else None, "fiat": fiat,
                                  "hops": hops, "model": model, "findings_given": findings is not None}),
    }  # fmt: skip
    facts["figures"] = report_figures(facts)
    facts["summary"] = summary_lines(facts)
    return local_paths(facts, case.folder, [store.path] if store else [])
