"""Analysis results kept in the case: each finished payers or trace job of the workspace, as write-once evidence.

A job lives in the server's memory; its result is also written into the case (a JSON document with the analysis,
its options, who ran it and when, and the tool's version), named by its SHA-256 and logged ``analysis.payers`` or
``analysis.trace`` in the custody log. The payers and trace pages list the results kept, newest first, and open
any of them after a restart of the workspace; a result is read back only after its hash is checked against the log.
"""

from __future__ import annotations

import json
from typing import Any

from cointrail import __version__
from cointrail.cases.case import Case
from cointrail.cases.custody import utc_now
from cointrail.cases.evidence import sha256_file
from cointrail.errors import IntegrityError, NotInStoreError

RESULT_FORMAT = "cointrail-analysis/1"
KINDS = ("payers", "trace")
PREFIX = "analysis."


def keep_result(case: Case, kind: str, options: dict[str, Any], result: dict[str, Any],
                seconds: float) -> dict[str, Any]:  # fmt: skip
    """Write a finished analysis into the case and log it; return where, its hash, its log entry and time."""
    document = {"format": RESULT_FORMAT, "kind": kind, "case": case.name, "operator": case.operator,
                "finished_utc": utc_now(), "seconds": round(seconds, 2), "tool": f"cointrail {__version__}",
                "options": options, "result": result}  # fmt: skip
    data = json.dumps(document, ensure_ascii=False, sort_keys=True).encode("utf-8") + b"\n"
    path, digest = case.evidence.put_bytes(data, f".{kind}.analysis.json")
    entry = case.record(PREFIX + kind, case.relative(path), digest)
    return {"sha256": digest, "path": case.relative(path), "log_seq": entry["seq"], "time_utc": entry["time_utc"]}


def kept_results(case: Case, kind: str) -> list[dict[str, Any]]:
    """The results of ``kind`` kept in the case, newest first: the custody-log entries that recorded them."""
    return [{"seq": e["seq"], "time_utc": e["time_utc"], "operator": e["operator"], "sha256": e["sha256"],
             "path": e["object"]} for e in reversed(case.log.entries()) if e["action"] == PREFIX + kind]  # fmt: skip


def read_result(case: Case, sha256: str) -> dict[str, Any]:
    """A kept result by its SHA-256, its file checked against the custody log first."""
    wanted = sha256.strip().lower()
    entry = next((e for e in case.log.entries() if e["action"].startswith(PREFIX) and e["sha256"] == wanted), None)
    if entry is None:
        raise NotInStoreError(f"the case {case.name} keeps no analysis result with SHA-256 {sha256}")
    path = case.folder / entry["object"]
    if not path.is_file() or sha256_file(path) != entry["sha256"]:
        raise IntegrityError(f"the analysis result {entry['object']} no longer matches the SHA-256 in the custody "
                             f"log (entry {entry['seq']}): run `cointrail verify --case {case.name}`")  # fmt: skip
    document: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return {**document, "evidence": {"seq": entry["seq"], "path": entry["object"], "sha256": entry["sha256"]}}
