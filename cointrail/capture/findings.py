"""Addresses found in captured records, each tied to the WARC record it came from."""

from __future__ import annotations

import json
from collections import OrderedDict
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cointrail.capture.warc import RecordInfo
from cointrail.extraction import extract_addresses

if TYPE_CHECKING:
    from cointrail.cases.case import Case


def findings_in(data: bytes, record: RecordInfo, source: str, basis: str,
                extra: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """Every address in ``data`` (the payload of ``record``), with its provenance.

    ``source`` says what was searched ("http-response", "rendered-dom",
    "qr-code", "warc-import"); ``basis`` says what the offsets count.
    """
    rows = []
    for finding in extract_addresses(data):
        # Empty optional fields are left out here already: 100,000 rows of twenty keys are memory too.
        row = {k: v for k, v in finding.to_dict().items() if k in _KEPT_WHEN_EMPTY or v not in (None, [], "")}
        row.update({"source": source, "warc_record_id": record.record_id, "warc_record_type": record.record_type,
                    "target_uri": record.uri, "payload_sha256": record.sha256, "offset_basis": basis})
        row.update(extra or {})
        rows.append(row)
    return rows


def with_warc_file(rows: list[dict[str, Any]], warc_path: str, warc_sha256: str) -> list[dict[str, Any]]:
    """Add the WARC file's case path and hash to every finding (known once it is stored).

    In place: the rows share the two strings, so a page with 100,000 addresses is not copied again.
    """
    for row in rows:
        row["warc_file"] = warc_path
        row["warc_sha256"] = warc_sha256
    return rows


# What every finding of one searched record shares: written once, on the record's own line (issue 22: a page
# with 100,000 addresses made 161 MB of findings, mostly these repeated and empty fields).
RECORD_KEYS = ("warc_file", "warc_sha256", "warc_record_type", "target_uri", "payload_sha256", "offset_basis")
_KEPT_WHEN_EMPTY = {"address", "offset", "length", "chains", "network", "type", "private", "confidence", "context",
                    "source", "warc_record_id"}
MAX_CONTEXT = 200  # characters; the extractor gives 40 bytes each side, this bounds any other producer


def _record_line(row: dict[str, Any]) -> dict[str, Any]:
    return {"record": True, "warc_record_id": row["warc_record_id"], "source": row["source"],
            **{key: row.get(key) for key in RECORD_KEYS}}


def _finding_line(row: dict[str, Any]) -> dict[str, Any]:
    line = {key: value for key, value in row.items()
            if key not in RECORD_KEYS and (key in _KEPT_WHEN_EMPTY or value not in (None, [], "", ()))}
    if line.get("input") == row["address"]:
        del line["input"]  # the text as found is the address itself
    if isinstance(line.get("context"), str) and len(line["context"]) > MAX_CONTEXT:
        line["context"] = line["context"][:MAX_CONTEXT] + "…"
    return line


def jsonl_lines(rows: list[dict[str, Any]]) -> Iterator[bytes]:
    """The findings file, line by line: a record line before each run of findings from one searched record."""
    described: tuple[Any, ...] | None = None
    for row in rows:
        group = (row["warc_record_id"], row["source"], *(row.get(key) for key in RECORD_KEYS))
        if group != described:  # a finding belongs to the record line above it
            described = group
            yield _dumps(_record_line(row))
        yield _dumps(_finding_line(row))


# Characters that Python's str.splitlines() (used by every reader of these files) takes for line ends, and that
# JSON leaves unescaped: a page's text around an address may hold them.
_LINE_BREAKS = str.maketrans({"\x85": "\\u0085", "\u2028": "\\u2028", "\u2029": "\\u2029"})


def _dumps(data: dict[str, Any]) -> bytes:
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":")).translate(_LINE_BREAKS)
    return text.encode("utf-8") + b"\n"


def to_jsonl(rows: list[dict[str, Any]]) -> bytes:
    """The findings file as one piece (see :func:`jsonl_lines`; :func:`store_findings` streams it instead)."""
    return b"".join(jsonl_lines(rows))


def store_findings(case: Case, rows: list[dict[str, Any]], action: str) -> tuple[Path, str]:
    """Write the findings file into the case as evidence, streamed, and log it; (path, sha256)."""
    with case.evidence.new_file(".findings.jsonl") as (handle, scratch):
        for line in jsonl_lines(rows):
            handle.write(line)
    path, digest = case.evidence.commit(scratch, ".findings.jsonl")
    case.record(action, case.relative(path), digest)
    return path, digest


def read_findings(text: str) -> list[dict[str, Any]]:
    """The finding rows of a findings file, each whole again (its record line's fields added back)."""
    rows, record = [], {}
    for line in text.split("\n"):
        data = json.loads(line) if line.strip() else {}
        if data.get("record"):
            record = {key: data.get(key) for key in RECORD_KEYS}
        elif "address" in data:
            rows.append({**record, "input": data["address"], **data})
    return rows


def by_address(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Distinct addresses with where they were seen and any amounts asked, in first-seen order."""
    grouped: OrderedDict[str, dict[str, Any]] = OrderedDict()
    for row in rows:
        entry = grouped.setdefault(row["address"], {
            "address": row["address"], "chains": row["chains"], "network": row["network"], "type": row["type"],
            "private": row["private"], "mentions": 0, "amounts": [], "sources": [], "tricks": [], "seen_in": [],
        })
        entry["mentions"] += 1
        _add_once(entry["sources"], row["source"])
        _add_once(entry["seen_in"], row["target_uri"])
        for trick in row.get("tricks", []):
            _add_once(entry["tricks"], trick)
        if row.get("amount"):
            _add_once(entry["amounts"], f"{row['amount']} {row.get('amount_unit') or ''}".strip())
    return list(grouped.values())


def _add_once(items: list[str], value: str) -> None:
    if value not in items:
        items.append(value)
