"""What the case folder itself proves: evidence with hashes, the custody log, the captures and their addresses."""

from __future__ import annotations

import json
from typing import Any

from cointrail.cases import Case, verify_case

# Custody-log actions whose object is a capture summary (cointrail.capture.capture._finish).
CAPTURE_SUMMARY = "capture.summary"


def evidence_list(case: Case) -> list[dict[str, Any]]:
    """Every logged file of the case with its SHA-256, size, and the log entry that recorded it."""
    items = []
    for entry in case.log.entries():
        if not entry["sha256"] or entry["object"] == "case":
            continue
        path = case.folder / entry["object"]
        items.append({
            "seq": entry["seq"], "action": entry["action"], "path": entry["object"], "sha256": entry["sha256"],
            "bytes": path.stat().st_size if path.is_file() else None, "time_utc": entry["time_utc"],
            "operator": entry["operator"],
        })  # fmt: skip
    return items


def custody(case: Case) -> dict[str, Any]:
    """The custody log, whether its chain is intact, and a re-check of every evidence file."""
    check = case.log.check()
    verified = verify_case(case, record=False).to_dict()
    return {"entries": check.entries, "chain_intact": check.intact, "problems": check.problems,
            "verification": verified}  # fmt: skip


def _capture(case: Case, path: str) -> dict[str, Any]:
    summary = json.loads((case.folder / path).read_text(encoding="utf-8"))
    return {
        "url": summary.get("url"), "final_url": summary.get("final_url"), "status": summary.get("status"),
        "started_utc": summary.get("started_utc"), "finished_utc": summary.get("finished_utc"),
        "operator": summary.get("operator"), "proxy": summary.get("proxy"), "tool": summary.get("tool"),
        "warc": {k: summary.get("warc", {}).get(k) for k in ("path", "sha256")},
        "findings_file": summary.get("findings_file"), "summary_file": path,
        "addresses": [{k: a.get(k) for k in ("address", "chains", "network", "type", "private", "amounts")}
                      for a in summary.get("addresses", [])],
    }  # fmt: skip


def captures(case: Case) -> list[dict[str, Any]]:
    """The capture summaries stored in the case, oldest first."""
    return [_capture(case, e["object"]) for e in case.log.entries() if e["action"] == CAPTURE_SUMMARY]


def captured_addresses(found: list[dict[str, Any]], chain: str | None = None) -> list[str]:
    """Distinct non-private addresses found by the captures (of ``chain`` when given), first seen first."""
    seen: dict[str, None] = {}
    for capture in found:
        for item in capture["addresses"]:
            if not item.get("private") and (chain is None or chain in (item.get("chains") or [])):
                seen.setdefault(item["address"], None)
    return list(seen)


def case_header(case: Case) -> dict[str, Any]:
    meta = case.metadata()
    return {"name": case.name, "folder": str(case.folder), "created_utc": meta.get("created_utc"),
            "created_by": meta.get("operator"), "reported_by": case.operator}  # fmt: skip
