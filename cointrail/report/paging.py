"""Printing the report with its page references filled in from one layout of its body (issue 18).

WeasyPrint fills a CSS ``target-counter`` (the index's "p. 12", the summary's "(page 5)") by laying out each page
that holds one again once the page of its target is known, and matches every anchor against every reference as it
goes: on a 400-payment report, 132 pages with 1,700 references, that was over half the layout's time. Here the
report is printed in parts, each laid out once, and joined:

1. the body without the index (every anchor the references point to is in it), its references left blank;
2. the index alone, starting on a new page as it does in the report: each place a name appears written as plain
   text with the page its anchor lies on in (1) (``1.2 Payments, p. 14``, the text ``target-counter`` gives, without
   the link: 2,700 links took a quarter of a 400-payment report's printing), each exhibit's page as
   ``attr(data-page)`` where the stylesheet had ``target-counter`` (its link kept);
3. the summary alone, likewise, in place of (1)'s summary pages: the summary is its own page (``.page`` breaks after
   it), so what its numbers say cannot move anything after it;
4. the footers ("page N of M" and the case line): empty pages, as many as the report has, each given its margin
   boxes, which replace those of the page of the same number (the only part of WeasyPrint's page boxes touched).

Each number is thus the page of its anchor in the printed PDF. Where a part does not come out as it must (the
summary on another count of pages), or the HTML is not the report's, it is printed whole with ``target-counter``.
A report without the index (``cointrail report --no-index``) is printed the same way, without part (2).
"""

from __future__ import annotations

import re
from typing import Any

INDEX = '<h2 id="index"'
SUMMARY = re.compile(r'<section class="page summary" id="summary">.*?</section>', re.S)
BODY = "<body>"
END = "</body>"
_COUNTER = "target-counter(attr(href), page)"
_REF = re.compile(r'<a class="(?:pageref|exhibitref|sectionref)" href="#([^"]+)"')
_PLACE = re.compile(r'<a class="pageref" href="#([^"]+)">(.*?)</a>', re.S)


def _numbered(part: str, pages: dict[str, int]) -> str:
    """``part`` with each page reference carrying its anchor's page (``data-page``)."""
    return _REF.sub(lambda m: f'{m.group()} data-page="{pages[m.group(1)]}"', part)


def _placed(index: str, pages: dict[str, int]) -> str:
    """The index with each place a name appears as the text ``TITLE, p. N`` (as ``a.pageref::after`` reads), no
    link; its exhibits' references numbered as :func:`_numbered` does."""
    return _numbered(_PLACE.sub(lambda m: f"{m.group(2)}, p. {pages[m.group(1)]}", index), pages)


def _pages_of(document: Any) -> dict[str, int]:
    """Each anchor's page, from 1: the first page it lies on (as ``target-counter`` counts)."""
    found: dict[str, int] = {}
    for number, page in enumerate(document.pages, start=1):
        for name in page.anchors:
            found.setdefault(name, number)
    return found


def render_in_parts(weasyprint: Any, html: str) -> Any:
    """The report's Document, its references filled in from one layout of the body; None where the HTML does not
    have the report's parts (then print it whole)."""
    summary = SUMMARY.search(html)
    if BODY not in html or END not in html or summary is None or html.count(INDEX) > 1:
        return None
    head, rest = html.split(BODY, 1)
    body, tail = rest[:rest.rindex(END)], rest[rest.rindex(END):]
    before, mark, index = body.partition(INDEX)  # no index (--no-index): mark and index are ""
    index = mark + index
    literal = head.replace(_COUNTER, "attr(data-page)")
    fonts = weasyprint.text.fonts.FontConfiguration()

    def render(text: str) -> Any:
        return weasyprint.HTML(string=text, base_url=None).render(font_config=fonts)

    main = render(literal + BODY + before + tail)  # its references blank: it sets no data-page
    pages = {**_pages_of(main), "index": len(main.pages) + 1}  # the index starts a page after the body
    summary_pages = pages.get("findings", 0) - 1
    if summary_pages < 1 or any(name not in pages for name in _REF.findall(index + summary.group())):
        return None
    front = render(literal + BODY + _numbered(summary.group(), pages) + tail)
    if len(front.pages) != summary_pages:
        return None
    index_part = render(literal + BODY + _placed(index, pages) + tail) if index else None
    joined = front.pages + main.pages[summary_pages:] + (index_part.pages if index_part is not None else [])
    total = len(joined)
    footers = render(literal + BODY + '<div></div>' + '<div style="break-before: page"></div>' * (total - 1) + tail)
    if len(footers.pages) != total:
        return None
    margin = weasyprint.formatting_structure.boxes.MarginBox
    for page, footer in zip(joined, footers.pages, strict=True):
        box, other = page._page_box, footer._page_box
        box.children = tuple(c for c in box.children if not isinstance(c, margin)) + tuple(
            c for c in other.children if isinstance(c, margin))
    document = main.copy(joined)
    document._parts = (front, index_part, footers, fonts)  # their fonts stay alive until the PDF is written
    return document

