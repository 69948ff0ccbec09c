"""The findings file stays compact on a page with very many addresses (issue 22: 161 MB for a 2.6 MB WARC).

What all findings of one searched record share (the WARC file and its hash, the record's URI, type and
payload hash, what offsets count) is written once, on a record line before them; empty fields are left out.
Each finding line still names its record and source, and :func:`read_findings` gives whole rows back.
"""

from __future__ import annotations

import hashlib
import json

from capture_site import Site, generated_address

from cointrail.capture import capture_url
from cointrail.cases import Case, verify_case

COUNT = 2_000


def test_many_addresses_make_a_compact_findings_file(case: Case, site: Site) -> None:
    addresses = [generated_address(f"many {n}") for n in range(COUNT)]
    page = "\n".join(f"<li>order {n}: pay {a}</li>" for n, a in enumerate(addresses)).encode()
    site.routes["/many"] = (200, {"Content-Type": "text/html; charset=utf-8"}, b"<ul>" + page + b"</ul>")
    summary = capture_url(case, site.url + "/many")
    assert summary["findings"] == COUNT and len(summary["addresses"]) == COUNT
    path = case.folder / summary["findings_file"]["path"]
    per_finding = path.stat().st_size / COUNT
    assert per_finding < 500, f"{per_finding:.0f} bytes per finding"  # 1,100 before: every field on every line
    from cointrail.capture.findings import RECORD_KEYS, read_findings

    lines = [json.loads(line) for line in path.read_text().splitlines()]
    assert lines[0]["record"] is True and lines[0]["warc_file"] == summary["warc"]["path"]
    assert all(key not in line for line in lines[1:] for key in RECORD_KEYS), "shared fields written once"
    assert all(line["source"] == "http-response" and line["warc_record_id"] == lines[0]["warc_record_id"]
               for line in lines)
    rows = read_findings(path.read_text())
    assert [r["address"] for r in rows] == addresses
    assert rows[0]["warc_sha256"] == summary["warc"]["sha256"] and rows[0]["input"] == addresses[0]
    assert rows[0]["payload_sha256"] == hashlib.sha256(b"<ul>" + page + b"</ul>").hexdigest()
    assert verify_case(case).intact


def test_line_breaks_that_json_leaves_alone_do_not_split_a_finding(case: Case, site: Site) -> None:
    """U+2028, U+2029 and U+0085 end a line for str.splitlines(), which the readers of findings files use.

    A payment URI's label is decoded into its finding, so a page chooses those characters.
    """
    address = generated_address("line breaks")
    body = f'<a href="bitcoin:{address}?label=a%E2%80%A8b%C2%85c%E2%80%A9d">pay</a>'.encode()
    site.routes["/breaks"] = (200, {"Content-Type": "text/html; charset=utf-8"}, body)
    summary = capture_url(case, site.url + "/breaks")
    text = (case.folder / summary["findings_file"]["path"]).read_text()
    lines = [json.loads(line) for line in text.splitlines()]
    assert [line["address"] for line in lines if "address" in line] == [address]
    assert next(line["label"] for line in lines if "address" in line) == "a\u2028b\x85c\u2029d"
