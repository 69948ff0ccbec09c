"""Every count the report prints, computed once from the facts (issue 13).

The summary page and the later sections used to count the same things in two ways ("6 logged evidence files" on
page 1, "all 5 evidence files match" on page 4). Now each count has one name here; the summary, the template and
the exports read it from ``facts["figures"]`` and never count again.
"""

from __future__ import annotations

from typing import Any

from cointrail.facts.assets import payer_key


def _evidence(facts: dict[str, Any]) -> dict[str, int]:
    files = facts["evidence"]
    verification = facts["custody"]["verification"]
    changed = {c["file"] for c in verification.get("changed", [])}
    missing = {f["path"] for f in files if not f.get("present", True)} | set(verification.get("missing", []))
    listed = {f["path"] for f in files}
    return {"evidence_files": len(files), "evidence_changed": len(changed & listed),
            "evidence_missing": len(missing & listed), "evidence_matching": len(listed - changed - missing),
            "evidence_unlogged": len(verification.get("added", [])),
            "custody_entries": len(facts["custody"]["entries"]), "logged_records": len(facts.get("records", []))}


def _payers(payers: dict[str, Any] | None) -> dict[str, Any]:
    if not payers:
        return {"payments": None, "paying_wallets": None, "wallets_funded": None, "wallets_possibly_funded": None,
                "wallets_in_coinjoins": None, "suspected_poisoning": None}  # fmt: skip
    totals = payers.get("totals", {})
    rows = payers.get("payers", [])
    # An account that paid in two assets has a row per asset but is one paying wallet: counted by its key.
    funded = {payer_key(p) for p in rows if p.get("funded_by")}
    return {
        "payments": totals.get("payments", len(payers.get("payments", []))),
        "paying_wallets": len({payer_key(p) for p in rows}), "wallets_funded": len(funded),
        "wallets_possibly_funded": len({payer_key(p) for p in rows if p.get("possibly_funded_by")} - funded),
        "wallets_with_unnamed_lead": len({payer_key(p) for p in rows if p.get("leads")} - funded),
        "wallets_in_coinjoins": sum(1 for p in rows if (p.get("unresolved") or {}).get("coinjoin")
                                    or any(a.get("through_coinjoins") for a in p.get("attributions", []))),
        "suspected_poisoning": len(payers.get("poisoning") or []),
    }  # fmt: skip


def report_figures(facts: dict[str, Any]) -> dict[str, Any]:
    """The counts of the report, by name (``facts["figures"]``)."""
    findings = facts["findings"]
    custody = facts["custody"]
    return {
        **_evidence(facts), "custody_intact": bool(custody["chain_intact"] and custody["verification"]["intact"]),
        "captures": len(facts["captures"]), "site_addresses": len(facts["site"]["addresses"]),
        **_payers(findings.get("payers")), "exchanges": len(findings["exchanges"]),
        "transactions": len(findings["txids"]), "flows": len(findings["flows"]),
    }  # fmt: skip
