"""``import-warc``: WARC files made by other tools come in hashed, logged and searched."""

from __future__ import annotations

import gzip
import io
import json
from pathlib import Path

import pytest
from capture_site import ADDR, payment_page, qr_png
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from cointrail.capture import import_warc
from cointrail.cases import Case, sha256_file, verify_case
from cointrail.errors import InputError


def crawler_warc(path: Path) -> Path:
    """A WARC like a crawler writes: an HTML response, an image response, a JSON resource."""
    with open(path, "wb") as out:
        writer = WARCWriter(out, gzip=True)
        page, image = payment_page(), qr_png(f"bitcoin:{ADDR.qr}")
        html = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1")
        writer.write_record(writer.create_warc_record("http://shop.example/pay", "response", length=len(page),
                                                      payload=io.BytesIO(page), http_headers=html))
        png = StatusAndHeaders("200 OK", [("Content-Type", "image/png")], protocol="HTTP/1.1")
        writer.write_record(writer.create_warc_record("http://shop.example/qr.png", "response", length=len(image),
                                                      payload=io.BytesIO(image), http_headers=png))
        body = json.dumps({"wallet": ADDR.faq}).encode()
        writer.write_record(writer.create_warc_record("http://shop.example/api", "resource",
                                                      payload=io.BytesIO(body), length=len(body),
                                                      warc_content_type="application/json"))
    return path


def test_import_finds_addresses_and_logs_the_copy(case: Case, tmp_path: Path) -> None:
    source = crawler_warc(tmp_path / "crawl.warc.gz")
    result = import_warc(case, source)
    assert result["records"] == 3 and result["records_searched"] == 2 and result["media_records_skipped"] == 1
    addresses = {a["address"] for a in result["addresses"]}
    assert {ADDR.text, ADDR.faq} <= addresses and ADDR.qr not in addresses
    stored = case.folder / result["warc"]["path"]
    assert sha256_file(stored) == result["source_sha256"] == result["warc"]["sha256"]
    assert [e["action"] for e in case.log.entries()][1:] == ["import.warc", "import.findings", "import.summary"]
    rows = [json.loads(x) for x in (case.folder / result["findings_file"]["path"]).read_text().splitlines()]
    assert all(r["source"] == "warc-import" and r["warc_record_id"].startswith("<urn:uuid:") for r in rows)
    assert verify_case(case).intact


def test_a_file_that_is_not_a_warc_is_refused(case: Case, tmp_path: Path) -> None:
    bogus = tmp_path / "notes.txt"
    bogus.write_text("just some notes\n")
    with pytest.raises(InputError, match="not a readable WARC"):
        import_warc(case, bogus)
    assert len(case.log.entries()) == 1


def test_a_truncated_warc_keeps_what_could_be_read(case: Case, tmp_path: Path) -> None:
    whole = crawler_warc(tmp_path / "crawl.warc.gz").read_bytes()
    cut = tmp_path / "cut.warc.gz"
    cut.write_bytes(whole[: len(whole) * 2 // 3])
    result = import_warc(case, cut)
    assert ADDR.text in {a["address"] for a in result["addresses"]}
    assert result["warnings"] and "damaged" in " ".join(result["warnings"])


def _members(path: Path) -> list[int]:
    """Where each gzip member (one per record) of a WARC written by warcio starts."""
    data, starts = path.read_bytes(), []
    at = data.find(b"\x1f\x8b\x08")
    while at != -1:
        starts.append(at)
        at = data.find(b"\x1f\x8b\x08", at + 1)
    return starts


def test_a_cut_inside_a_record_header_is_a_warning_not_a_crash(case: Case, tmp_path: Path) -> None:
    # Issue 22: warcio raises AttributeError on a record header cut before its WARC-Target-URI.
    whole = crawler_warc(tmp_path / "crawl.warc.gz")
    plain = tmp_path / "crawl.warc"
    plain.write_bytes(gzip.decompress(whole.read_bytes()))
    data = plain.read_bytes()
    second = data.index(b"WARC/1.", data.index(b"WARC-Type: response") + 10)
    cut = tmp_path / "cut.warc"
    cut.write_bytes(data[: second + data[second:].index(b"WARC-Target-URI")])
    result = import_warc(case, cut)
    assert ADDR.text in {a["address"] for a in result["addresses"]}  # the first record was kept
    assert any("damaged after record 1" in w and "cut short" in w for w in result["warnings"]), result["warnings"]


def test_a_cut_inside_a_gzip_member_is_warned_about(case: Case, tmp_path: Path) -> None:
    # Issue 22: cut inside a member, warcio ends the file quietly and the records after the cut are lost.
    whole = crawler_warc(tmp_path / "crawl.warc.gz")
    starts = _members(whole)
    cut = tmp_path / "cut.warc.gz"
    cut.write_bytes(whole.read_bytes()[: starts[1] + 20])  # 20 bytes into the second record's member
    result = import_warc(case, cut)
    assert ADDR.text in {a["address"] for a in result["addresses"]}
    assert any("cut short" in w for w in result["warnings"]), result["warnings"]


def test_a_record_claiming_10_gb_is_flagged(case: Case, tmp_path: Path) -> None:
    # Issue 22: a record whose Content-Length claims 10 GB swallowed the rest of the file without a word.
    body = f"<p>Pay {ADDR.text}</p>".encode()
    http = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n" + body
    head = ("WARC/1.0\r\nWARC-Type: response\r\nWARC-Target-URI: http://shop.example/pay\r\n"
            "WARC-Record-ID: <urn:uuid:12345678-1234-1234-1234-123456789abc>\r\nWARC-Date: 2026-01-01T00:00:00Z\r\n"
            "Content-Type: application/http; msgtype=response\r\nContent-Length: 10737418240\r\n\r\n")  # fmt: skip
    warc = tmp_path / "liar.warc"
    warc.write_bytes(head.encode() + http + b"\r\n\r\n")
    result = import_warc(case, warc)
    assert ADDR.text in {a["address"] for a in result["addresses"]}
    assert any("claims 10,737,418,240 bytes" in w for w in result["warnings"]), result["warnings"]


def test_a_file_cut_inside_its_first_record_header_is_refused_clearly(case: Case, tmp_path: Path) -> None:
    plain = tmp_path / "crawl.warc"
    plain.write_bytes(gzip.decompress(crawler_warc(tmp_path / "crawl.warc.gz").read_bytes()))
    cut = tmp_path / "head.warc"
    cut.write_bytes(plain.read_bytes()[:40])
    with pytest.raises(InputError, match="not a readable WARC"):
        import_warc(case, cut)
