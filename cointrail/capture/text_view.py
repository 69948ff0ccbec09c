"""A captured page as plain text, for reading on screen: never its HTML, never its images or video.

The workspace shows an investigator what a captured page said without ever rendering it: the HTML
(and a rendered DOM) is parsed with lxml, scripts, styles, media and embedded objects are dropped,
and only the text is kept, cut into pieces so that every address the capture found is marked (the
page in :mod:`cointrail.web` escapes each piece). Invisible characters used to hide addresses are
removed and counted, so the reader sees the address the capture found. Images, video and other
binary records of the WARC are listed by type and size only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import lxml.etree
import lxml.html

from cointrail.capture.decode import charset_of, decode_body, decode_text
from cointrail.capture.importer import payload_headers
from cointrail.capture.links import HTML_PARSER
from cointrail.capture.page_places import hidden_places
from cointrail.capture.warc_read import Payload, length_problem, read_payload, records
from cointrail.cases.case import Case
from cointrail.errors import InputError

MAX_TEXT = 200_000  # characters of text shown per page; the WARC keeps everything
MAX_DECODED = 5_000_000
MAX_READ = 5_000_000  # raw bytes of one record read for the view (a 1 MB gzip WARC can hold a 1 GB record)
_DROPPED = ("script", "style", "noscript", "template", "iframe", "object", "embed", "svg", "img", "video", "audio",
            "picture", "canvas", "head")  # fmt: skip
_BLOCKS = ("p", "div", "li", "tr", "br", "h1", "h2", "h3", "h4", "h5", "h6", "section", "article", "pre", "table",
           "ul", "ol", "dd", "dt", "blockquote", "header", "footer", "form", "code")  # fmt: skip
_INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad]")
_TEXT_TYPES = ("text/html", "application/xhtml+xml", "text/plain")


@dataclass
class PageText:
    """One captured page as text pieces; ``pieces`` alternate plain text and addresses found.

    ``elsewhere`` lists the addresses the page holds outside its visible text
    (attributes, payment links, scripts), each with where; ``notes`` say what
    was left out of the view (a record too big to read whole, a cut record).
    """

    uri: str
    record_type: str
    content_type: str
    pieces: list[dict[str, str]] = field(default_factory=list)
    invisible_removed: int = 0
    truncated: bool = False
    elsewhere: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"uri": self.uri, "record_type": self.record_type, "content_type": self.content_type,
                "pieces": self.pieces, "invisible_removed": self.invisible_removed, "truncated": self.truncated,
                "elsewhere": self.elsewhere, "notes": self.notes}  # fmt: skip


def _parse(html: str) -> lxml.html.HtmlElement | None:
    try:
        return lxml.html.fromstring(html.encode("utf-8", "replace"), parser=HTML_PARSER)
    except (lxml.etree.ParserError, ValueError):
        return None


def html_text(html: str | lxml.html.HtmlElement) -> str:
    """The visible text of an HTML document, one line per block, without scripts, styles or media.

    Given a parsed document, it is changed in place (scripts and media dropped).
    """
    root = _parse(html) if isinstance(html, str) else html
    if root is None:
        return ""
    for element in list(root.iter(*_DROPPED)):
        if element.getparent() is not None:
            element.drop_tree()
    for element in root.iter(*_BLOCKS):
        element.tail = "\n" + (element.tail or "")
    lines = (" ".join(line.split()) for line in root.text_content().splitlines())
    return "\n".join(line for line in lines if line)


def marked(text: str, addresses: list[str]) -> list[dict[str, str]]:
    """``text`` cut into ``{"text": …}`` and ``{"address": …}`` pieces, longest addresses first."""
    if not addresses:
        return [{"text": text}] if text else []
    pattern = re.compile("|".join(re.escape(a) for a in sorted(set(addresses), key=len, reverse=True)))
    pieces, at = [], 0
    for match in pattern.finditer(text):
        if match.start() > at:
            pieces.append({"text": text[at:match.start()]})
        pieces.append({"address": match.group(0)})
        at = match.end()
    if at < len(text):
        pieces.append({"text": text[at:]})
    return pieces


def _record_text(body: bytes, content_type: str, kind: str, encoding: str | None,
                 ) -> tuple[str, tuple[list[dict[str, Any]], int] | None]:  # fmt: skip
    """The text of a body, and the addresses of an HTML page outside that text (None for plain text).

    ``content_type`` is the whole header, whose charset decides how the body reads.
    """
    decoded = decode_body(body, encoding, MAX_DECODED)
    # The charset's problems are not shown here, so text_of's second decoding (to count bad bytes) is not needed.
    text = decode_text(decoded.data, charset_of(content_type, decoded.data)[0])
    if "html" not in kind:
        return text, None
    root = _parse(text)
    if root is None:
        return "", None
    places = hidden_places(root)  # before html_text drops the scripts from the tree
    return html_text(root), places


def _read_note(record: Any, payload: Payload) -> list[str]:
    problem = length_problem(record, payload, MAX_READ)
    return [problem] if problem else []


def warc_pages(path: Path, addresses: list[str], problems: list[str] | None = None,
               ) -> tuple[list[PageText], list[dict[str, Any]]]:  # fmt: skip
    """The text pages of a WARC, and the other records (type, URI, size only: never shown).

    Each record is read up to :data:`MAX_READ` bytes (the rest is counted, never
    held); damage to the file ends the reading with a sentence in ``problems``.
    """
    pages, others = [], []
    problems = [] if problems is None else problems
    with open(path, "rb") as stream:
        for record in records(stream, problems):
            if record.rec_type not in ("response", "resource"):
                continue
            uri = record.rec_headers.get_header("WARC-Target-URI") or ""
            content_type, encoding = payload_headers(record)
            kind = content_type.split(";")[0].strip().lower()
            payload = read_payload(record, MAX_READ)
            if not kind.startswith(_TEXT_TYPES):
                others.append({"uri": uri, "record_type": record.rec_type, "content_type": kind,
                               "bytes": payload.size})  # fmt: skip
                continue
            text, places = _record_text(payload.data, content_type, kind, encoding)
            page = _page(uri, record.rec_type, kind, text, addresses, places)
            page.notes += _read_note(record, payload)
            pages.append(page)
    return pages, others


def _page(uri: str, record_type: str, kind: str, text: str, addresses: list[str],
          places: tuple[list[dict[str, Any]], int] | None = None) -> PageText:  # fmt: skip
    cleaned, removed = _INVISIBLE.subn("", text)
    page = PageText(uri, record_type, kind, invisible_removed=removed, truncated=len(cleaned) > MAX_TEXT)
    found, left_out = places or ([], 0)
    page.pieces = marked(cleaned[:MAX_TEXT], addresses + [p["address"] for p in found])
    shown = {piece["address"] for piece in page.pieces if "address" in piece}
    page.elsewhere = [p | {"also_in_text": p["address"] in shown or p["input"] in shown} for p in found]
    if left_out:
        page.notes.append(f"{left_out:,} more places outside the visible text hold addresses; not listed")
    return page


def capture_text(case: Case, warc: str, addresses: list[str]) -> dict[str, Any]:
    """The text view of one WARC of ``case`` (its path relative to the case folder, as logged)."""
    logged = {e["object"] for e in case.log.entries()}
    path = (case.folder / warc).resolve()
    if warc not in logged or not path.is_file() or case.folder.resolve() not in path.parents:
        raise InputError(f"{warc!r} is not a captured file of the case {case.name}")
    problems: list[str] = []
    pages, others = warc_pages(path, addresses, problems)
    return {"warc": warc, "pages": [p.to_dict() for p in pages], "other_records": others, "problems": problems}
