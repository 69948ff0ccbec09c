"""Analysis results kept in the case: each finished payers or trace job of the workspace, as write-once evidence.

A job lives in the server's memory; its result is also written into the case (a JSON document with the analysis,
its options, who ran it and when, and the tool's version), named by its SHA-256 and logged ``analysis.payers`` or
``analysis.trace`` in the custody log. The payers and trace pages list the results kept, newest first, and open
any of them after a restart of the workspace; a result is read back only after its hash is checked against the log.
"""

from __future__ import annotations

from typing import Any

from cointrail import __version__
from cointrail.cases.case import Case
from cointrail.cases.custody import utc_now
from cointrail.cases.kept import keep_document, kept, read_document
from cointrail.errors import NotInStoreError

RESULT_FORMAT = "cointrail-analysis/1"
KINDS = ("payers", "trace")
PREFIX = "analysis."


def keep_result(case: Case, kind: str, options: dict[str, Any], result: dict[str, Any],
                seconds: float) -> dict[str, Any]:  # fmt: skip
    """Write a finished analysis into the case and log it; return where, its hash, its log entry and time."""
    document = {"format": RESULT_FORMAT, "kind": kind, "case": case.name, "operator": case.operator,
                "finished_utc": utc_now(), "seconds": round(seconds, 2), "tool": f"cointrail {__version__}",
                "options": options, "result": result}  # fmt: skip
    entry = keep_document(case, document, f".{kind}.analysis.json", PREFIX + kind)
    return {"sha256": entry["sha256"], "path": entry["object"], "log_seq": entry["seq"], "time_utc": entry["time_utc"]}


def kept_results(case: Case, kind: str) -> list[dict[str, Any]]:
    """The results of ``kind`` kept in the case, newest first: the custody-log entries that recorded them."""
    return kept(case, lambda action: action == PREFIX + kind)[::-1]


def read_result(case: Case, sha256: str) -> dict[str, Any]:
    """A kept result by its SHA-256, its file checked against the custody log first."""
    wanted = sha256.strip().lower()
    entry = next((e for e in kept(case, lambda action: action.startswith(PREFIX)) if e["sha256"] == wanted), None)
    if entry is None:
        raise NotInStoreError(f"the case {case.name} keeps no analysis result with SHA-256 {sha256}")
    document = read_document(case, entry, "analysis result")
    return {**document, "evidence": {"seq": entry["seq"], "path": entry["path"], "sha256": entry["sha256"]}}
