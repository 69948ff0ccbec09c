"""The text view of a captured page reads it in the character set its server declared."""

from __future__ import annotations

import io
from pathlib import Path

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from cointrail.capture.text_view import warc_pages

ADDRESS = "1BoatSLRHtKNngkdXEeobR76b53LETtpyT"


def _warc(path: Path, body: bytes, content_type: str) -> Path:
    with open(path, "wb") as out:
        writer = WARCWriter(out, gzip=False)
        headers = StatusAndHeaders("200 OK", [("Content-Type", content_type)], protocol="HTTP/1.1")
        writer.write_record(writer.create_warc_record("http://shop.example/pay", "response", length=len(body),
                                                      payload=io.BytesIO(body), http_headers=headers))  # fmt: skip
    return path


def test_a_page_in_a_declared_charset_without_a_meta_tag_is_read_in_that_charset(tmp_path: Path) -> None:
    # Cyrillic in windows-1251, declared only by the HTTP header: read as UTF-8 it would be replacement marks.
    words = "Оплата подписки"
    body = f"<html><body><p>{words}: {ADDRESS}</p></body></html>".encode("cp1251")
    pages, others = warc_pages(_warc(tmp_path / "p.warc", body, "text/html; charset=windows-1251"), [ADDRESS])
    assert not others and len(pages) == 1
    page = pages[0]
    assert page.content_type == "text/html"  # the type shown, without its parameters
    text = "".join(p.get("text", "") for p in page.pieces)
    assert words in text and "\ufffd" not in text
    assert {"address": ADDRESS} in page.pieces
