"""``import-warc``: WARC files made by other tools come in hashed, logged and searched."""

from __future__ import annotations

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
