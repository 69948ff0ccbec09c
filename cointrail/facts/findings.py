"""The findings of a case: the payers of the site, where the site's money went, and the exchanges to contact.

The payers and flows are the tracing package's results as plain data (docs/tracing.md). From them come the rows
of the request packs: each transaction an exchange can be asked about, with the address, the time and the amount.
"""

from __future__ import annotations

import datetime as _dt
from collections import defaultdict
from typing import Any

from cointrail.amounts import fixed_coins
from cointrail.facts.assets import is_account, payer_key, row_fixed
from cointrail.investigation import Investigation
from cointrail.wording import counted

DEFAULT_HOPS = 6
DEFAULT_MODEL = "haircut"


def utc_text(time: int | None) -> str | None:
    """Unix seconds as ``YYYY-MM-DD HH:MM:SS UTC``."""
    if time is None:
        return None
    return _dt.datetime.fromtimestamp(time, _dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def trace_findings(investigation: Investigation, site: list[str], *, fiat: str = "USD", hops: int = DEFAULT_HOPS,
                   model: str = DEFAULT_MODEL) -> dict[str, Any]:  # fmt: skip
    """Ask the engine: the payers of ``site`` and a forward trace of the money from each site cluster."""
    found = investigation.payers(site, from_case=False, fiat=fiat, hops=hops).to_json()
    starts = [f"cluster:{c}" for c in found["site"].get("cluster_ids") or [] if c is not None]
    starts = starts or list(site)
    flows = [investigation.trace(start, direction="forward", hops=hops, model=model).to_json() for start in starts]
    return {"payers": found, "flows": flows}


def _withdrawals(payers: dict[str, Any], chain: str | None) -> list[dict[str, Any]]:
    rows = []
    whose = "account" if is_account(payers) else "wallet"
    for payer in payers.get("payers", []):
        for trail in payer.get("funding", []):
            steps = trail.get("steps") or []
            amount = steps[0]["amount"] if steps else trail.get("amount")  # what the exchange paid that address
            possible = trail.get("status", "funded_by") != "funded_by"
            row = {
                "service": trail["service"], "category": trail.get("category"), "kind": "withdrawal",
                "possible": possible,
                "address": steps[0]["to_address"] if steps else (payer["payer_addresses"] or [None])[0],
                # The exchange's own address that paid it out (its hot wallet), as the request pack names it.
                "from_addresses": list(steps[0].get("from_addresses") or []) if steps else [],
                "txid": trail["withdrawal_txid"], "time": trail.get("time"), "time_utc": utc_text(trail.get("time")),
                "amount": amount, "asset": trail.get("asset"), "decimals": trail.get("decimals"),
                "payer_cluster_id": payer.get("payer_cluster_id"), "payer_wallet": payer_key(payer),
                "confidence": trail.get("confidence"),
                "why": (f"POSSIBLY: {_why_possible(payer, trail)}; " if possible else "")
                + f"the exchange paid this out to a customer whose {whose} then made "
                f"{counted(payer['payments'], 'payment')} to the site: ask who the customer was",
            }  # fmt: skip
            rows.append({**row, "amount_coin": row_fixed(row, "amount", chain)})
    return rows


def _account_deposits(payers: dict[str, Any]) -> list[dict[str, Any]]:
    """An account-chain site's transfers into exchange deposit addresses (``payers["cash_outs"]``)."""
    chain = payers.get("parameters", {}).get("chain")
    rows = []
    for out in payers.get("cash_outs") or []:
        row = {"service": out["exchange"], "category": "exchange", "kind": "deposit",
               "address": out["deposit_address"], "from_addresses": [out["site_address"]], "txid": out["txid"],
               "time": out.get("time"), "time_utc": utc_text(out.get("time")), "amount": out["amount"],
               "asset": out["asset"], "decimals": out["decimals"], "traced": out["amount"],
               "payer_cluster_id": None, "payer_wallet": None, "confidence": None, "possible": False,
               "why": f"the site paid this into a deposit address of {out['exchange']} (it forwards what it receives "
                      "to the exchange's hot wallet): ask whose account it credited"}  # fmt: skip
        rows.append({**row, "amount_coin": row_fixed(row, "amount", chain),
                     "traced_coin": row_fixed(row, "traced", chain)})
    return rows


def _why_possible(payer: dict[str, Any], trail: dict[str, Any]) -> str:
    found = next((a for a in payer.get("attributions", []) if a["service"] == trail["service"]), None)
    return found["reason"] if found else "the trail is not sure enough to name this exchange as the funder"


def edge_into(flow: dict[str, Any], address: str, txid: str | None) -> dict[str, Any]:
    """The traced edge by which ``txid`` paid ``address`` (time, amount), or an empty dict."""
    return next((e for e in flow.get("edges", []) if e["to"] == address and e["txid"] == txid), {})


def _deposits(flows: list[dict[str, Any]], chain: str | None) -> list[dict[str, Any]]:
    rows = []
    for flow in flows:
        for end in flow.get("ends", []):
            if end.get("reason") != "service" or not end.get("service"):
                continue
            edge = edge_into(flow, end["address"], end.get("txid"))
            rows.append({
                "service": end["service"], "category": end.get("category"), "kind": "deposit",
                "address": end["address"], "txid": end.get("txid"), "time": edge.get("time"),
                "time_utc": utc_text(edge.get("time")), "amount": edge.get("amount"),
                "amount_coin": fixed_coins(edge.get("amount"), chain), "traced": end.get("taint"),
                "traced_coin": fixed_coins(end.get("taint"), chain), "payer_cluster_id": None, "payer_wallet": None,
                "confidence": None,
                "possible": bool(end.get("through_coinjoins")),
                "why": f"money traced from the site ({flow.get('model', {}).get('name')} model) was paid into this "
                       "address of the exchange: ask whose account it credited",
            })  # fmt: skip
    return rows


def exchanges_to_contact(payers: dict[str, Any] | None, flows: list[dict[str, Any]],
                         chain: str | None) -> list[dict[str, Any]]:  # fmt: skip
    """Per service: the withdrawals that funded payers and the deposits of the site's money, oldest first; amounts
    in ``chain``'s coin (8 decimals for findings of no known chain)."""
    grouped: dict[str, dict[str, Any]] = defaultdict(lambda: {"withdrawals": [], "deposits": []})
    for row in _withdrawals(payers or {}, chain) + _deposits(flows, chain) + _account_deposits(payers or {}):
        entry = grouped[row["service"]]
        entry.update(service=row["service"], category=row["category"])
        entry["withdrawals" if row["kind"] == "withdrawal" else "deposits"].append(row)
    for entry in grouped.values():
        for key in ("withdrawals", "deposits"):
            entry[key] = _dedupe(sorted(entry[key], key=lambda r: (r["time"] or 0, r["txid"] or "")))
        entry["payers"] = len({r["payer_wallet"] for r in entry["withdrawals"]})
    return sorted(grouped.values(), key=lambda e: (-len(e["withdrawals"]) - len(e["deposits"]), e["service"]))


def _dedupe(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    seen, kept = set(), []
    for row in rows:
        key = (row["txid"], row["address"], row.get("asset"))
        if key not in seen:
            seen.add(key)
            kept.append(row)
    return kept


def txids(payers: dict[str, Any] | None, flows: list[dict[str, Any]]) -> list[str]:
    """Every transaction a finding rests on, to look up on any node or explorer."""
    found: dict[str, None] = {}
    for payment in (payers or {}).get("payments", []):
        found.setdefault(payment["txid"], None)
    for payer in (payers or {}).get("payers", []):
        for trail in payer.get("funding", []):
            for step in trail.get("steps", []):
                found.setdefault(step["txid"], None)
    for flow in flows:
        for edge in flow.get("edges", []):
            found.setdefault(edge["txid"], None)
    for out in (payers or {}).get("cash_outs", []):  # an account-chain site's payments into deposit addresses
        found.setdefault(out["txid"], None)
    return list(found)
