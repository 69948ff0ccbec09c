"""Hostile and broken sites: every limit holds, and each outcome is said plainly."""

from __future__ import annotations

import gzip
import json
import socket
import zlib
from http.server import BaseHTTPRequestHandler

import pytest
from capture_site import ADDR, Site, dripping
from test_capture_site import found, warc_records

from cointrail.capture import CaptureLimits, CaptureOptions, capture_url
from cointrail.cases import Case, verify_case
from cointrail.errors import ExternalServiceError, InputError

HTML = {"Content-Type": "text/html; charset=utf-8"}
MIB = 1024 * 1024


def gzip_bomb(size: int) -> bytes:
    """``size`` zero bytes behind a small address page, gzip-compressed in pieces."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)
    parts = [packer.compress(f"<p>{ADDR.text}</p>".encode())]
    zeros = b"\0" * MIB
    parts += [packer.compress(zeros) for _ in range(size // MIB)]
    return b"".join(parts) + packer.flush()


def test_oversized_response_is_cut_at_the_limit(case: Case, site: Site) -> None:
    site.routes["/huge"] = (200, HTML, f"<p>{ADDR.text}</p>".encode() + b"x" * (3 * MIB))
    summary = capture_url(case, site.url + "/huge", CaptureOptions(limits=CaptureLimits(max_response_bytes=MIB)))
    page = summary["pages"][0]
    assert summary["status"] == "partial" and page["truncated"] == "length" and page["bytes"] == MIB
    assert any("larger than the per-response limit of 1,048,576 bytes" in w for w in summary["warnings"])
    assert ADDR.text in found(summary)
    response = next(r for r in warc_records(case.folder / summary["warc"]["path"]) if r[0] == "response")
    assert response[1].get_header("WARC-Truncated") == "length"


def test_gzip_bomb_is_not_expanded_past_the_limit(case: Case, site: Site) -> None:
    bomb = gzip_bomb(200 * MIB)
    assert len(bomb) < MIB
    site.routes["/bomb"] = (200, {**HTML, "Content-Encoding": "gzip"}, bomb)
    limits = CaptureLimits(max_decoded_bytes=2 * MIB)
    summary = capture_url(case, site.url + "/bomb", CaptureOptions(limits=limits))
    assert any("decompression bomb" in w for w in summary["warnings"])
    assert ADDR.text in found(summary)
    assert summary["pages"][0]["bytes"] == len(bomb)  # the raw bytes, all kept for the WARC


def test_broken_and_unknown_encodings_are_read_anyway(case: Case, site: Site) -> None:
    site.routes["/"] = (200, HTML, b"<p>\xff\xfe bad bytes \xc3 then " + ADDR.text.encode() + b"</p>")
    site.routes["/faq.html"] = (200, {"Content-Type": "text/html; charset=x-no-such"},
                                f"<p>{ADDR.faq}</p>".encode())
    site.routes["/index"] = (200, HTML, b'<a href="/">a</a><a href="/faq.html">b</a>')
    summary = capture_url(case, site.url + "/index", CaptureOptions(depth=1))
    assert {ADDR.text, ADDR.faq} <= found(summary)
    text = " ".join(summary["warnings"])
    assert "not valid utf-8" in text and "unknown character set 'x-no-such'" in text


def test_malformed_html_is_searched_and_its_links_followed(case: Case, site: Site) -> None:
    junk = (f"<html><body><p>unclosed <a href='/faq.html'>faq<div data-x='{ADDR.text}'<p></b></i> "
            "<script>if (a < b").encode()
    site.routes["/junk"] = (200, HTML, junk + b"\x00\x01\x02" * 100)
    summary = capture_url(case, site.url + "/junk", CaptureOptions(depth=1))
    assert ADDR.text in found(summary) and ADDR.faq in found(summary)


def test_a_site_that_drips_bytes_is_cut_off_in_time(case: Case, site: Site) -> None:
    site.routes["/slow"] = dripping(3.0, b" " * 10, 0.1)
    limits = CaptureLimits(response_time_s=1.0)  # the site would take 3 s
    summary = capture_url(case, site.url + "/slow", CaptureOptions(limits=limits))
    assert summary["pages"][0]["truncated"] == "time" and ADDR.text in found(summary)


def _chunked(handler: BaseHTTPRequestHandler) -> None:
    handler.send_response(200)
    handler.send_header("Content-Type", "text/html")
    handler.send_header("Transfer-Encoding", "chunked")
    handler.end_headers()
    for piece in (b"<p>", ADDR.text.encode(), b"</p>"):
        handler.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
    handler.wfile.write(b"0\r\n\r\n")


def test_chunked_response_stays_a_valid_record(case: Case, site: Site) -> None:
    site.routes["/chunked"] = _chunked
    summary = capture_url(case, site.url + "/chunked")
    response = next(r for r in warc_records(case.folder / summary["warc"]["path"]) if r[0] == "response")
    assert response[3] == f"<p>{ADDR.text}</p>".encode()
    assert ADDR.text in found(summary)


def test_capture_budget_stops_a_crawl_early(case: Case, site: Site) -> None:
    limits = CaptureLimits(max_capture_bytes=len(site.routes["/"][2]) + 10)  # type: ignore[index]
    summary = capture_url(case, site.url + "/", CaptureOptions(depth=1, limits=limits))
    assert summary["status"] == "partial"
    assert any("per-capture" in w or "stopped early" in w for w in summary["warnings"])


def test_media_behind_a_plain_link_is_not_downloaded(case: Case, site: Site) -> None:
    site.routes["/index"] = (200, HTML, b'<a href="/download">get</a>')
    site.routes["/download"] = (200, {"Content-Type": "image/png"}, b"\x89PNG" + b"\0" * 5000)
    summary = capture_url(case, site.url + "/index", CaptureOptions(depth=1))
    download = next(p for p in summary["pages"] if p["url"].endswith("/download"))
    assert download["bytes"] == 0 and "is media" in download["problems"][0]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_unreachable_site_fails_in_one_sentence_and_keeps_the_attempt(case: Case) -> None:
    with pytest.raises(ExternalServiceError, match=r"could not capture .*could not connect"):
        capture_url(case, f"http://127.0.0.1:{free_port()}/")
    assert [e["action"] for e in case.log.entries()][1:] == ["capture.warc", "capture.findings", "capture.summary"]
    assert verify_case(case).intact


@pytest.mark.parametrize("url, options, message", [
    ("ftp://example.org/", CaptureOptions(), "not a web address"),
    ("http://abcdefghijklmnop.onion/", CaptureOptions(), "through Tor"),
    ("http://127.0.0.1/", CaptureOptions(proxy="gopher://x:1"), "proxy"),
])
def test_bad_requests_are_refused_before_fetching(case: Case, url: str, options: CaptureOptions, message: str) -> None:
    with pytest.raises(InputError, match=message):
        capture_url(case, url, options)
    assert len(case.log.entries()) == 1


def test_gzip_helper_really_compresses() -> None:
    assert gzip.decompress(gzip_bomb(MIB))[:3] == b"<p>"


def test_an_interrupted_capture_keeps_and_logs_what_it_had(case: Case, site: Site) -> None:
    fetched: list[str] = []

    def interrupt_on_second_fetch(message: str) -> None:
        fetched.append(message)
        if len(fetched) == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        capture_url(case, site.url + "/", CaptureOptions(depth=1), progress=interrupt_on_second_fetch)
    actions = [e["action"] for e in case.log.entries()]
    assert actions[1:] == ["capture.warc", "capture.findings", "capture.summary", "capture.cut_short"]
    assert "stopped by SIGINT" in case.log.entries()[-1]["object"]
    summary_file = next(e["object"] for e in case.log.entries() if e["action"] == "capture.summary")
    summary = json.loads((case.folder / summary_file).read_text())
    assert summary["status"] == "partial" and "interrupted" in " ".join(summary["warnings"])
    assert ADDR.text in found(summary)
    assert verify_case(case).intact


@pytest.mark.parametrize("ref", ["http://[", "http://127.0.0.1:99999/x", "http://[::1/", "https://a:-1/"])
def test_links_and_redirects_that_do_not_parse_are_skipped(case: Case, site: Site, ref: str) -> None:
    """urllib raises on a bad IPv6 literal or port: a page or redirect holding one must not crash the capture."""
    site.routes["/page"] = (200, HTML, f'<p>{ADDR.text}</p><a href="{ref}">a</a><script src="{ref}"></script>'
                                       f'<img src="{ref}">'.encode())
    site.routes["/go"] = (302, {"Location": ref}, b"")
    summary = capture_url(case, site.url + "/page", CaptureOptions(depth=1, include_media=True))
    assert ADDR.text in found(summary)
    redirected = capture_url(case, site.url + "/go")
    assert any("not a web address" in w for w in redirected["warnings"])
