"""``import_warc``: take a WARC made by another tool into a case and search it."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed

from cointrail import __version__
from cointrail.capture.decode import decode_body, searchable
from cointrail.capture.findings import by_address, findings_in, to_jsonl, with_warc_file
from cointrail.capture.limits import CaptureLimits
from cointrail.capture.warc import RecordInfo
from cointrail.cases.case import Case
from cointrail.cases.custody import utc_now
from cointrail.cases.evidence import sha256_file
from cointrail.errors import InputError

_MEDIA = ("image/", "video/", "audio/", "font/")


def _check_readable(source: Path) -> None:
    if not source.is_file():
        raise InputError(f"there is no file {source}")
    try:
        with open(source, "rb") as stream:
            next(iter(ArchiveIterator(stream)), None)
    except (ArchiveLoadFailed, ValueError, OSError) as error:
        raise InputError(f"{source} is not a readable WARC file ({error})") from None


def _suffix(source: Path) -> str:
    name = source.name.lower()
    return ".warc.gz" if name.endswith(".gz") else ".warc"


def _read_bounded(record: Any, limit: int) -> bytes:
    """Up to ``limit`` payload bytes; the rest is read and dropped so warcio checks the digests."""
    raw = record.raw_stream.read(limit)
    while record.raw_stream.read(1 << 20):
        pass
    return raw


def payload_headers(record: Any) -> tuple[str, str | None]:
    """A response/resource record's whole Content-Type (charset included) and Content-Encoding, if any."""
    if record.http_headers is not None:
        return (record.http_headers.get_header("Content-Type") or "",
                record.http_headers.get_header("Content-Encoding"))  # fmt: skip
    return record.rec_headers.get_header("Content-Type") or "", None


def _payload(record: Any, limits: CaptureLimits) -> tuple[bytes, str, str | None]:
    """Decoded payload of a response/resource record, bounded; (data, content type, problem)."""
    raw = _read_bounded(record, limits.max_response_bytes)
    content_type, encoding = payload_headers(record)
    decoded = decode_body(raw, encoding, limits.max_decoded_bytes)
    return decoded.data, content_type, decoded.problem


def _digest_problem(record: Any, uri: str) -> str | None:
    checker = getattr(record, "digest_checker", None)
    if checker is None:
        return None
    if checker.problems:
        return f"{uri}: the record fails its own digest check, so it is damaged or was altered ({checker.problems[0]})"
    has_digest = record.rec_headers.get_header("WARC-Payload-Digest") or record.rec_headers.get_header(
        "WARC-Block-Digest")
    if has_digest and checker.passed is None:  # warcio checks only a record read to its announced end
        return f"{uri}: the record is cut short (the file is damaged or truncated); what remained was searched"
    return None


def _search(path: Path, limits: CaptureLimits) -> tuple[list[dict[str, Any]], dict[str, int], list[str]]:
    rows: list[dict[str, Any]] = []
    counts = {"records": 0, "searched": 0, "media_skipped": 0}
    problems: list[str] = []
    with open(path, "rb") as stream:
        try:
            for record in ArchiveIterator(stream, check_digests=True):
                counts["records"] += 1
                if record.rec_type not in ("response", "resource"):
                    continue
                uri = record.rec_headers.get_header("WARC-Target-URI") or ""
                data, content_type, problem = _payload(record, limits)
                damaged = _digest_problem(record, uri)
                if damaged:
                    problems.append(damaged)
                if content_type.lower().startswith(_MEDIA):
                    counts["media_skipped"] += 1
                    continue
                info = RecordInfo(record.rec_headers.get_header("WARC-Record-ID"), record.rec_type, uri,
                                  hashlib.sha256(data).hexdigest(), len(data))
                text, basis = searchable(data, content_type)
                rows += findings_in(text, info, "warc-import", basis)
                counts["searched"] += 1
                if problem:
                    problems.append(f"{uri}: {problem}")
        except (ArchiveLoadFailed, ValueError, OSError, EOFError) as error:
            problems.append(f"the WARC is damaged after record {counts['records']} ({error}); "
                            "the records before it were searched")
    return rows, counts, problems


def import_warc(case: Case, source: str | Path, limits: CaptureLimits | None = None) -> dict[str, Any]:
    """Copy a WARC file into ``case`` (write-once, hashed, logged) and extract its addresses.

    Response and resource records are searched (images, video, audio and
    fonts are skipped); the findings file is stored and logged too. Returns
    a summary like :func:`capture_url`'s, itself stored as evidence and logged
    (the original file's path and hash are in it).
    """
    source = Path(source)
    _check_readable(source)
    original_sha = sha256_file(source)
    path, digest = case.evidence.put_copy(source, _suffix(source))
    rel = case.relative(path)
    case.record("import.warc", rel, digest)
    rows, counts, problems = _search(path, limits or CaptureLimits())
    rows = with_warc_file(rows, rel, digest)
    findings_path, findings_sha = case.add_evidence(to_jsonl(rows), ".findings.jsonl", "import.findings")
    summary = {"case": case.name, "operator": case.operator, "source": str(source.resolve()),
               "source_sha256": original_sha, "imported_utc": utc_now(), "warc": {"path": rel, "sha256": digest},
               "records": counts["records"], "records_searched": counts["searched"],
               "media_records_skipped": counts["media_skipped"], "addresses": by_address(rows),
               "findings": len(rows), "findings_file": {"path": case.relative(findings_path), "sha256": findings_sha},
               "warnings": problems, "tool": f"cointrail {__version__}"}
    stored, stored_sha = case.add_evidence(json.dumps(summary, indent=2, ensure_ascii=False).encode("utf-8") + b"\n",
                                           ".import.json", "import.summary")
    summary["summary_file"] = {"path": case.relative(stored), "sha256": stored_sha}
    return summary
