"""What a case keeps of its reports, read back: the newest report's facts and the request packs written from it.

The report writer (:mod:`cointrail.report`) stores these as logged evidence; the engine reads them here without
the renderers: the request packs and the exports are written from the newest facts, the headline shows them.
"""

from __future__ import annotations

import re
from typing import Any

from cointrail.cases import Case
from cointrail.cases.kept import kept, read_document
from cointrail.facts.document import ReportFacts
from cointrail.facts.redact import local_paths

FACTS_ACTION = "report.facts"  # the custody log's action of a report's facts (JSON)
CSV_ACTION, LETTER_ACTION = "request-pack.csv", "request-pack.letter"


def latest_facts(case: Case) -> ReportFacts | None:
    """The facts of the newest report stored in the case, or None before the first report."""
    entries = kept(case, lambda action: action == FACTS_ACTION)
    if not entries:
        return None
    # Checked against the custody log's SHA-256 before use: these facts become the exports and request packs sent
    # to authorities, so an edited file is refused (IntegrityError), never sent on.
    data = read_document(case, entries[-1], "report's facts")
    # Facts stored by an older version may still name this machine's folders: cleaned again as they are read.
    return ReportFacts.from_json(local_paths(data, case.folder))


def pack_slug(name: str) -> str:
    """An exchange's name as it is written into its request pack files' names."""
    return re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-") or "exchange"


def stored_packs(case: Case, exchange: str) -> list[dict[str, Any]]:
    """The newest request pack files the case keeps for ``exchange`` (CSV, then letter): kind, path, SHA-256 and
    custody entry; found by the exchange's name written into each file's name
    (:func:`cointrail.report.write_request_packs`)."""
    newest: dict[str, dict[str, Any]] = {}
    for entry in case.log.entries():
        kind = {CSV_ACTION: "csv", LETTER_ACTION: "letter"}.get(entry["action"])
        suffix = f".{pack_slug(exchange)}.request.{'csv' if kind == 'csv' else 'txt'}"
        if kind and entry["object"].endswith(suffix):
            newest[kind] = {"kind": kind, "path": entry["object"], "sha256": entry["sha256"], "seq": entry["seq"]}
    return [newest[k] for k in ("csv", "letter") if k in newest]
