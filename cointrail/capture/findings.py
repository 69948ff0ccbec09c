"""Addresses found in captured records, each tied to the WARC record it came from."""

from __future__ import annotations

import json
from collections import OrderedDict
from typing import Any

from cointrail.capture.warc import RecordInfo
from cointrail.extraction import extract_addresses


def findings_in(data: bytes, record: RecordInfo, source: str, basis: str,
                extra: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """Every address in ``data`` (the payload of ``record``), with its provenance.

    ``source`` says what was searched ("http-response", "rendered-dom",
    "qr-code", "warc-import"); ``basis`` says what the offsets count.
    """
    rows = []
    for finding in extract_addresses(data):
        row = finding.to_dict()
        row.update({"source": source, "warc_record_id": record.record_id, "warc_record_type": record.record_type,
                    "target_uri": record.uri, "payload_sha256": record.sha256, "offset_basis": basis})
        row.update(extra or {})
        rows.append(row)
    return rows


def with_warc_file(rows: list[dict[str, Any]], warc_path: str, warc_sha256: str) -> list[dict[str, Any]]:
    """Add the WARC file's case path and hash to every finding (known once it is stored)."""
    return [{**row, "warc_file": warc_path, "warc_sha256": warc_sha256} for row in rows]


def to_jsonl(rows: list[dict[str, Any]]) -> bytes:
    """The findings file: one JSON object per line."""
    return b"".join(json.dumps(row, ensure_ascii=False, sort_keys=True).encode("utf-8") + b"\n" for row in rows)


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
