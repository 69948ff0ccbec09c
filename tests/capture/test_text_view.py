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


def test_addresses_outside_the_visible_text_are_listed_with_where_and_marked(tmp_path: Path) -> None:
    # Issue 13: of the payment page's addresses, the one in a data- attribute and the one in a bitcoin: link
    # were left unmarked, with no word on where they were; the script's address too.
    import sys

    sys.path.insert(0, str(Path(__file__).parent))
    from capture_site import ADDR, payment_page

    found = [ADDR.text, ADDR.attribute, ADDR.uri, ADDR.script_inline]
    (page,), _ = warc_pages(_warc(tmp_path / "p.warc", payment_page(), "text/html; charset=utf-8"), found)
    assert {"address": ADDR.text} in page.pieces
    where = {place["address"]: place for place in page.elsewhere}
    assert set(where) == {ADDR.attribute, ADDR.uri, ADDR.script_inline}
    assert where[ADDR.attribute]["where"] == "the data-wallet attribute of a <div> element"
    assert where[ADDR.uri]["kind"] == "payment link" and "asking 0.0015" in where[ADDR.uri]["where"]
    assert where[ADDR.uri]["where"].endswith("in the href attribute of a <a> element")
    assert where[ADDR.script_inline]["where"] == "a <script> element"
    assert not any(place["also_in_text"] for place in page.elsewhere)
    text = "".join(p.get("text", "") for p in page.pieces)
    assert "backupWallet" not in text  # the script itself is still never shown


def test_a_huge_record_is_read_in_bounded_chunks_with_a_note(tmp_path: Path) -> None:
    # Issue 22: a 1 MB gzip WARC holding one very compressible record took +1.7 GB in the text view.
    import tracemalloc

    class Repeated(io.RawIOBase):
        def __init__(self, size: int) -> None:
            self.left = size

        def readable(self) -> bool:
            return True

        def readinto(self, buffer) -> int:  # type: ignore[no-untyped-def]
            n = min(len(buffer), self.left)
            buffer[:n] = b"a" * n
            self.left -= n
            return n

    size = 120 * 2**20
    path = tmp_path / "big.warc.gz"
    with open(path, "wb") as out:
        writer = WARCWriter(out, gzip=True)
        headers = StatusAndHeaders("200 OK", [("Content-Type", "text/plain")], protocol="HTTP/1.1")
        writer.write_record(writer.create_warc_record("http://shop.example/big", "response", length=size,
                                                      payload=io.BufferedReader(Repeated(size)),
                                                      http_headers=headers))  # fmt: skip
    assert path.stat().st_size < 2 * 2**20
    tracemalloc.start()
    try:
        (page,), _ = warc_pages(path, [ADDRESS])
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 90 * 2**20, f"peak {peak / 2**20:.0f} MB"  # read whole, the record alone is 120 MB
    assert page.truncated and any(f"holds {size:,} bytes" in note for note in page.notes)
