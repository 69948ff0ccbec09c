"""Pages that declare a charset which is not a text encoding (issue 22): read as UTF-8, with a note.

``bytes.decode("base64")`` raises, and idna, punycode or utf-7 are no charset a browser reads: a site could
use such a label to crash the capture or hide its addresses. Every part that decodes a captured body
(capture, WARC import, the workspace's text view) goes through :mod:`cointrail.capture.decode`.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from capture_site import ADDR, Site
from test_capture_site import found

from cointrail.capture import CaptureOptions, capture_url, import_warc
from cointrail.capture.decode import charset_of, searchable, text_of
from cointrail.capture.text_view import capture_text
from cointrail.cases import Case, create_case

HOSTILE = ["base64", "hex", "idna", "rot13", "zlib", "bz2", "uu", "quopri", "punycode", "utf-7", "unicode_escape",
           "undefined", "cp037", "x-user-defined", "\x00", "utf-8\x00"]
PAGE = f"<html><body><p>Pay {ADDR.text}</p><a href='/faq.html'>faq</a></body></html>".encode()


@pytest.mark.parametrize("label", HOSTILE)
def test_decoding_never_raises_and_notes_the_label(label: str) -> None:
    content_type = f"text/html; charset={label}"
    text, charset, problems = text_of(PAGE, content_type)
    assert charset == "utf-8" and ADDR.text in text and "was read as UTF-8" in problems[0]
    assert ADDR.text.encode() in searchable(PAGE, content_type)[0]
    meta = f'<meta charset="{label}">'.encode() + PAGE
    assert charset_of(None, meta)[0] == "utf-8"


def test_real_charsets_are_still_honoured() -> None:
    assert charset_of("text/html; charset=windows-1251", b"")[0] == "cp1251"
    assert charset_of("text/html; charset=Shift_JIS", b"")[0] == "shift_jis"
    assert charset_of(None, b'<meta charset="windows-874">')[0] == "cp874"
    assert charset_of("text/html; charset=\"ISO-8859-1\"", b"") == ("iso8859-1", None)


@pytest.mark.parametrize("label", ["base64", "hex", "idna", "rot13", "zlib", "utf-7"])
def test_capture_import_and_text_view_read_a_page_with_a_non_text_charset(case: Case, site: Site, label: str,
                                                                          tmp_path: Path) -> None:
    site.routes["/header"] = (200, {"Content-Type": f"text/html; charset={label}"}, PAGE)
    site.routes["/meta"] = (200, {"Content-Type": "text/html"}, f'<meta charset="{label}">'.encode() + PAGE)
    for path in ("/header", "/meta"):
        summary = capture_url(case, site.url + path, CaptureOptions(depth=1))
        assert {ADDR.text, ADDR.faq} <= found(summary), "the addresses must still be found, and the links followed"
        assert summary["status"] == "complete"
        assert any(f"unknown character set {label!r}" in w for w in summary["warnings"])
        warc = summary["warc"]["path"]
        view = capture_text(case, warc, [ADDR.text])
        assert any({"address": ADDR.text} in page["pieces"] for page in view["pages"])
        other = create_case(f"import-{label}-{path[1:]}", root=tmp_path / "more", operator="Test Operator")
        imported = import_warc(other, case.folder / warc)
        assert ADDR.text in {a["address"] for a in imported["addresses"]}
