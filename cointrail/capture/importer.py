"""``import_warc``: take a WARC made by another tool into a case and search it."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from cointrail import __version__
from cointrail.capture.decode import decode_body, searchable
from cointrail.capture.findings import by_address, findings_in, store_findings, with_warc_file
from cointrail.capture.limits import CaptureLimits
from cointrail.capture.warc import RecordInfo
from cointrail.capture.warc_read import gzip_cut, length_problem, read_payload, records
from cointrail.cases.case import Case
from cointrail.cases.custody import utc_now
from cointrail.cases.evidence import sha256_file
from cointrail.errors import InputError

_MEDIA = ("image/", "video/", "audio/", "font/")


def _check_readable(source: Path) -> None:
    if not source.is_file():
        raise InputError(f"there is no file {source}")
    problems: list[str] = []
    try:
        with open(source, "rb") as stream:
            first = next(records(stream, problems), None)
    except OSError as error:
        raise InputError(f"{source} cannot be read ({error.strerror})") from None
    if first is None:  # not a WARC, or one cut inside its first record's header
        raise InputError(f"{source} is not a readable WARC file ({problems[0] if problems else 'it holds no record'})")


def _suffix(source: Path) -> str:
    name = source.name.lower()
    return ".warc.gz" if name.endswith(".gz") else ".warc"


def payload_headers(record: Any) -> tuple[str, str | None]:
    """A response/resource record's whole Content-Type (charset included) and Content-Encoding, if any."""
    if record.http_headers is not None:
        return (record.http_headers.get_header("Content-Type") or "",
                record.http_headers.get_header("Content-Encoding"))  # fmt: skip
    return record.rec_headers.get_header("Content-Type") or "", None


def _payload(record: Any, uri: str, limits: CaptureLimits) -> tuple[bytes, str, list[str]]:
    """Decoded payload of a response/resource record, bounded; (data, content type, problems)."""
    raw = read_payload(record, limits.max_response_bytes)
    content_type, encoding = payload_headers(record)
    decoded = decode_body(raw.data, encoding, limits.max_decoded_bytes)
    problems = [f"{uri}: {decoded.problem}"] if decoded.problem else []
    length = length_problem(record, raw, limits.max_response_bytes)
    return decoded.data, content_type, problems + ([f"{uri}: {length}"] if length else [])


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


def _search_record(record: Any, limits: CaptureLimits, rows: list[dict[str, Any]], counts: dict[str, int],
                   problems: list[str]) -> None:  # fmt: skip
    uri = record.rec_headers.get_header("WARC-Target-URI") or ""
    data, content_type, found = _payload(record, uri, limits)
    damaged = _digest_problem(record, uri)
    problems += [damaged] if damaged else []
    if content_type.lower().startswith(_MEDIA):
        counts["media_skipped"] += 1
        return
    info = RecordInfo(record.rec_headers.get_header("WARC-Record-ID"), record.rec_type, uri,
                      hashlib.sha256(data).hexdigest(), len(data))
    text, basis = searchable(data, content_type)
    rows += findings_in(text, info, "warc-import", basis)
    counts["searched"] += 1
    problems += found


def _search(path: Path, limits: CaptureLimits) -> tuple[list[dict[str, Any]], dict[str, int], list[str]]:
    rows: list[dict[str, Any]] = []
    counts = {"records": 0, "searched": 0, "media_skipped": 0}
    problems: list[str] = []
    with open(path, "rb") as stream:
        for record in records(stream, problems, check_digests=True):
            counts["records"] += 1
            if record.rec_type in ("response", "resource"):
                _search_record(record, limits, rows, counts, problems)
    cut = gzip_cut(path) if path.name.endswith(".gz") else None  # warcio ends a cut gzip member quietly
    return rows, counts, problems + ([cut] if cut else [])


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
    findings_path, findings_sha = store_findings(case, rows, "import.findings")
    summary = {"case": case.name, "operator": case.operator, "source": str(source.resolve()),
               "source_sha256": original_sha, "imported_utc": utc_now(), "warc": {"path": rel, "sha256": digest},
               "records": counts["records"], "records_searched": counts["searched"],
               "media_records_skipped": counts["media_skipped"], "addresses": by_address(rows),
               "findings": len(rows), "findings_file": {"path": case.relative(findings_path), "sha256": findings_sha},
               "warnings": problems, "tool": f"cointrail {__version__}"}
    kept = case.add_evidence(json.dumps(summary, indent=2, ensure_ascii=False).encode("utf-8") + b"\n",
                             ".import.json", "import.summary")
    summary["summary_file"] = {"path": kept.object, "sha256": kept.sha256}
    return summary
