"""What the case folder itself proves: evidence with hashes, the custody log, the captures and their addresses."""

from __future__ import annotations

import json
from typing import Any

from cointrail.cases import Case, verify_case
from cointrail.cases.verify import is_case_file

# Custody-log actions whose object is a capture summary (cointrail.capture.capture._finish).
CAPTURE_SUMMARY = "capture.summary"


def evidence_list(case: Case) -> list[dict[str, Any]]:
    """Every file of the case the log recorded, once (the first entry that logged it), with SHA-256 and size.

    Log entries that carry a hash but name no file of the case (an export written elsewhere, a label import
    into a store, a verification) are not evidence files: they stay in the custody log, and are not counted.
    """
    items: dict[str, dict[str, Any]] = {}
    for entry in case.log.entries():
        obj = entry["object"]
        if not entry["sha256"] or not isinstance(obj, str) or not is_case_file(obj):
            continue
        if obj in items:
            items[obj]["logged_again"].append(entry["seq"])
            continue
        path = case.folder / obj
        items[obj] = {
            "seq": entry["seq"], "action": entry["action"], "path": obj, "sha256": entry["sha256"],
            "bytes": path.stat().st_size if path.is_file() else None, "present": path.is_file(),
            "time_utc": entry["time_utc"], "operator": entry["operator"], "logged_again": [],
        }  # fmt: skip
    return list(items.values())


def records(case: Case) -> list[dict[str, Any]]:
    """Log entries with a hash that are not files of the case: what was done outside it, and its digest."""
    return [{"seq": e["seq"], "action": e["action"], "object": e["object"], "sha256": e["sha256"],
             "time_utc": e["time_utc"], "operator": e["operator"]}
            for e in case.log.entries() if e["sha256"] and not is_case_file(str(e["object"]))]  # fmt: skip


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


def case_header(case: Case) -> dict[str, Any]:
    meta = case.metadata()
    # No folder: where the case lies on the investigator's computer is no fact of the case (issue 13).
    return {"name": case.name, "created_utc": meta.get("created_utc"), "created_by": meta.get("operator"),
            "reported_by": case.operator}  # fmt: skip
