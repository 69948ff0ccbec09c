"""JSON documents kept in a case: written once as evidence, logged, listed from the log, read back checked.

A saved graph (:mod:`cointrail.graph.saved`) and an analysis result of the workspace (:mod:`cointrail.web.results`)
are both such documents: each save is a new file named by its SHA-256 and recorded in the custody log under its
action; nothing is overwritten. A document is read back only after its file is checked against the hash the log
recorded, so a changed file is refused, never shown.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any

from cointrail.cases.case import Case
from cointrail.errors import IntegrityError


def keep_document(case: Case, document: dict[str, Any], suffix: str, action: str,
                  indent: int | None = None) -> dict[str, Any]:  # fmt: skip
    """Write ``document`` into the case as new evidence (sorted keys, UTF-8) and log it under ``action``; return
    the custody-log entry that recorded it."""
    data = json.dumps(document, indent=indent, ensure_ascii=False, sort_keys=True).encode("utf-8") + b"\n"
    return case.add_evidence(data, suffix, action).entry


def kept(case: Case, wanted: Callable[[str], bool]) -> list[dict[str, Any]]:
    """The documents whose log action is ``wanted``, oldest first: each log entry's seq, time, operator, path and
    SHA-256."""
    return [{"seq": e["seq"], "time_utc": e["time_utc"], "operator": e["operator"], "path": e["object"],
             "sha256": e["sha256"]} for e in case.log.entries() if wanted(e["action"])]  # fmt: skip


def read_document(case: Case, entry: dict[str, Any], what: str) -> dict[str, Any]:
    """The document a :func:`kept` entry names, after its file is checked against the SHA-256 the log recorded
    (:class:`IntegrityError` otherwise, naming ``what`` it is)."""
    path = case.folder / entry["path"]
    # One read, hashed and parsed: a file swapped between a check and a second read would be served as checked.
    data = path.read_bytes() if path.is_file() else None
    if data is None or hashlib.sha256(data).hexdigest() != entry["sha256"]:
        raise IntegrityError(f"the {what} {entry['path']} no longer matches the SHA-256 in the custody log "
                             f"(entry {entry['seq']}): run `cointrail verify --case {case.name}`")  # fmt: skip
    document: dict[str, Any] = json.loads(data.decode("utf-8"))
    return document
