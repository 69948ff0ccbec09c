"""Capturing the benign payment site: WARC contents, addresses found, media policy, custody."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from capture_site import ADDR, Site, payment_page
from warcio.archiveiterator import ArchiveIterator

from cointrail.capture import CaptureOptions, capture_url
from cointrail.capture.findings import read_findings
from cointrail.cases import Case, sha256_file, verify_case


def warc_records(path: Path) -> list[Any]:
    """Every record of a WARC, with its payload read (warcio checks the digests)."""
    out = []
    with open(path, "rb") as stream:
        for record in ArchiveIterator(stream, check_digests="raise"):
            out.append((record.rec_type, record.rec_headers, record.http_headers, record.content_stream().read()))
    return out


def findings_rows(case: Case, summary: dict[str, Any]) -> list[dict[str, Any]]:
    """The findings, each whole (a findings file gives what a record's findings share once, on its record line)."""
    path = case.folder / summary["findings_file"]["path"]
    return read_findings(path.read_text())


def found(summary: dict[str, Any]) -> set[str]:
    return {a["address"] for a in summary["addresses"]}


def test_text_capture_finds_every_address_and_fetches_no_media(case: Case, site: Site) -> None:
    summary = capture_url(case, site.url + "/")
    assert summary["status"] == "complete", summary["warnings"]
    assert found(summary) == {ADDR.text, ADDR.attribute, ADDR.uri, ADDR.zero_width, ADDR.script_inline,
                              ADDR.script_file}
    by = {a["address"]: a for a in summary["addresses"]}
    assert by[ADDR.uri]["amounts"] == ["0.0015 BTC"]
    assert by[ADDR.zero_width]["tricks"]
    # Safe by default: media listed, never requested.
    assert not [p for p in site.log if p.startswith(("/img/", "/media/"))]
    media = {m["url"] for m in summary["media"]["found"]}
    assert {site.url + "/img/qr.png", site.url + "/media/promo.mp4", site.url + "/media/poster.jpg"} <= media
    assert "/faq.html" not in site.log  # depth 0
    assert "https://elsewhere.example/" not in json.dumps(summary["pages"])


def test_warc_holds_exact_request_and_response(case: Case, site: Site) -> None:
    summary = capture_url(case, site.url + "/")
    warc = case.folder / summary["warc"]["path"]
    assert sha256_file(warc) == summary["warc"]["sha256"]
    assert warc.name == summary["warc"]["sha256"] + ".warc.gz"
    assert not warc.stat().st_mode & 0o222, "evidence must be read-only"
    records = warc_records(warc)
    types = [r[0] for r in records]
    assert types[0] == "warcinfo" and types[-1] == "metadata"
    assert types.count("request") == types.count("response") == 2  # the page and its script
    page = next(r for r in records if r[0] == "response" and r[1].get_header("WARC-Target-URI") == site.url + "/")
    assert page[3] == payment_page()
    assert page[2].get_header("Content-Type") == "text/html; charset=utf-8"
    assert page[1].get_header("WARC-Payload-Digest").startswith("sha256:")
    assert page[1].get_header("WARC-IP-Address") == "127.0.0.1"
    request = next(r for r in records if r[0] == "request")
    assert request[2].protocol == "GET" and request[2].get_header("Host") == site.url.split("//")[1]
    meta = json.loads(records[-1][3])
    assert meta["operator"] == "Test Operator" and meta["final_url"] == site.url + "/"
    assert meta["start_url"] == site.url + "/" and meta["proxy"] is None and meta["finished_utc"].endswith("Z")
    assert site.url + "/img/qr.png" in json.dumps(meta["media_found"])


def test_each_finding_points_into_its_warc_record(case: Case, site: Site) -> None:
    summary = capture_url(case, site.url + "/")
    rows = findings_rows(case, summary)
    payloads = {r[1].get_header("WARC-Record-ID"): r[3] for r in warc_records(case.folder / summary["warc"]["path"])}
    assert len(rows) == summary["findings"] >= 6
    for row in rows:
        data = payloads[row["warc_record_id"]]
        assert data[row["offset"]:row["offset"] + row["length"]].decode("utf-8") == row["input"]
        assert row["warc_file"] == summary["warc"]["path"] and row["context"]
    uri = next(r for r in rows if r["address"] == ADDR.uri)
    assert uri["amount"] == "0.0015" and uri["scheme"] == "bitcoin"


def test_capture_is_logged_and_verifies(case: Case, site: Site) -> None:
    summary = capture_url(case, site.url + "/")
    actions = [(e["action"], e["object"]) for e in case.log.entries()]
    assert [a for a, _ in actions] == ["case.create", "capture.warc", "capture.findings", "capture.summary"]
    assert actions[1][1] == summary["warc"]["path"]
    report = verify_case(case)
    assert report.intact and report.files_checked == 4


def test_depth_and_media_fetch_images_and_read_qr_code(case: Case, site: Site) -> None:
    summary = capture_url(case, site.url + "/", CaptureOptions(depth=1, include_media=True))
    assert ADDR.faq in found(summary) and ADDR.qr in found(summary)
    assert "/img/qr.png" in site.log and "/faq.html" in site.log
    assert "/media/promo.mp4" not in site.log, "video is never fetched"
    qr = next(m for m in summary["media"]["fetched"] if m["url"].endswith("/img/qr.png"))
    assert qr["qr_codes"] == [f"bitcoin:{ADDR.qr}?amount=0.002"] and len(qr["sha256"]) == 64
    row = next(r for r in findings_rows(case, summary) if r["address"] == ADDR.qr)
    assert row["source"] == "qr-code" and row["amount"] == "0.002" and row["image_sha256"] == qr["sha256"]


def test_redirects_are_recorded_hop_by_hop(case: Case, site: Site) -> None:
    summary = capture_url(case, site.url + "/old")
    assert summary["final_url"] == site.url + "/"
    assert summary["pages"][0]["redirects"] == [site.url + "/old"]
    assert site.log[:2] == ["/old", "/"]
    assert ADDR.text in found(summary)


def test_an_error_page_is_kept_and_flagged(case: Case, site: Site) -> None:
    summary = capture_url(case, site.url + "/gone")
    assert summary["pages"][0]["status"] == 404
    assert any("HTTP 404" in w for w in summary["warnings"])


def test_redirect_loop_stops_at_the_limit(case: Case, site: Site) -> None:
    summary = capture_url(case, site.url + "/loop")
    assert summary["status"] == "partial"
    assert any("redirected more than 10 times" in w for w in summary["warnings"])
    assert site.log.count("/loop") == 11


def test_gzip_body_is_stored_raw_and_searched_decoded(case: Case, site: Site) -> None:
    summary = capture_url(case, site.url + "/gzip")
    assert ADDR.text in found(summary)
    records = warc_records(case.folder / summary["warc"]["path"])
    response = next(r for r in records if r[0] == "response")
    assert response[2].get_header("Content-Encoding") == "gzip"
    assert response[3] == payment_page()  # warcio decodes it on reading; the record keeps gzip
