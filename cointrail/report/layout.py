"""The report laid out for paper (issue 18): long names wrapped at chosen places, and the index of every
transaction and address with the pages it appears on.

Left to itself, the layout engine cuts a txid or an address wherever its column ends, down to one character alone
on the next line ("…wnnl2" over "a"): hard to read out, compare by eye or copy whole. Here a long name is written
in groups of :data:`GROUP` characters counted from its start, with a line-break opportunity (``<wbr>``, which adds
no character to the text) only between two groups and after a separator; so each line of a hash ends at a multiple
of 8 characters, and its text, copied out of the PDF, is the name itself.

The index: each txid and address is marked where it appears, the first time in each section, with an anchor
(``at-N-VALUE``); the index at the end lists each, a paragraph per name, with its exhibit and the sections it
appears in, and the page of each anchor is written there as the PDF is printed (:mod:`cointrail.report.paging`;
CSS ``target-counter`` where the report is printed whole), so the numbers are those of the printed pages. Tables
keep their rows whole (the template's ``break-inside: avoid``). ``ReportIndex(..., marks=False)`` writes no anchor:
the report without the index (``cointrail report --no-index``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from markupsafe import Markup, escape

GROUP = 8
LONG = 17  # a run of letters and digits this long is a name (a hash, an address, a key), not a word of text
WBR = Markup("<wbr>")
# A path, a file name, an action: a line may end after a "/", and after ". : _ -" before a letter (never inside
# a number such as 0.50 or 2026-12-04).
_TOKENS = re.compile(r"(?P<run>[0-9A-Za-z]+)|(?P<cut>/|[.:_-](?=[A-Za-z]))|(?P<other>.)", re.S)
_ISO_TIME = re.compile(r"^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2}.*)$")


def wrap(value: object) -> Markup:
    """``value`` as HTML whose lines can end only between groups of 8 characters of a long name, or after a
    separator (``/``, and ``.``, ``:``, ``_``, ``-`` before a letter); prose keeps its own spaces."""
    parts: list[str] = []
    for found in _TOKENS.finditer(str(value)):
        token = found.group()
        if found.group("run") and len(token) >= LONG:
            parts.append(WBR.join(escape(token[i:i + GROUP]) for i in range(0, len(token), GROUP)))
        else:
            parts.append(escape(token) + (WBR if found.group("cut") else ""))
    return Markup("".join(parts))


def when(value: object) -> Markup:
    """An ISO time (``2026-12-04T19:00:10.965987Z``) that may be cut only after its date, never inside a number."""
    found = _ISO_TIME.match(str(value))
    if found is None:
        return Markup(escape(value))
    return Markup(f"{escape(found.group(1))}T{WBR}{escape(found.group(2))}")


def for_print(html: str) -> str:
    """The HTML as WeasyPrint is given it: each ``<wbr>`` a zero-width space. WeasyPrint 70 lays out a ``<wbr>`` as
    an element of its own (a report took 1.8 s of CPU instead of 1.0); the space breaks the same, prints nothing
    and is not in the PDF's text. The stored HTML keeps ``<wbr>``: a name copied from a browser has no extra
    character."""
    return html.replace("<wbr>", "\u200b")


@dataclass
class Place:
    """A section where a name appears: its title and the anchor at the name's first mention there."""

    title: str
    anchor: str


@dataclass
class Entry:
    """One line of the index: a txid or an address, its exhibit (txids), and where it appears."""

    kind: str  # "transaction" or "address"
    value: str
    exhibit: str | None
    places: list[Place] = field(default_factory=list)


class ReportIndex:
    """Marks the txids and addresses as the template writes them, section by section, and lists them at the end.

    The template calls :meth:`enter` at each section it indexes, :meth:`txid` and :meth:`address` wherever it
    writes one, and :meth:`transactions` and :meth:`addresses` for the index itself (last, once all are marked).
    """

    def __init__(self, exhibits: list[dict[str, Any]], marks: bool = True):
        self.exhibits = {x["txid"]: x["exhibit"] for x in exhibits}
        self.marks = marks  # False: a report without the index (``--no-index``) writes no anchor for it
        self.section = ""
        self.entries: dict[tuple[str, str], Entry] = {}
        self.anchors = 0

    def enter(self, title: str) -> str:
        """Names from here on appear in the section ``title`` (returns nothing to write)."""
        self.section = title
        return ""

    def _mark(self, kind: str, value: str, exhibit_ref: bool) -> Markup:
        entry = self.entries.setdefault((kind, value), Entry(kind, value, self.exhibits.get(value)))
        text = wrap(value)
        if self.marks and self.section and not any(p.title == self.section for p in entry.places):
            self.anchors += 1
            anchor = f"at-{self.anchors}-{value}"
            entry.places.append(Place(self.section, anchor))
            # An empty anchor before the name, not a span around it: WeasyPrint 70 ignores the <wbr>s of a name
            # nested in a span in a table cell, and cuts it anywhere again.
            text = Markup(f'<a id="{escape(anchor)}"></a>') + text
        if exhibit_ref and entry.exhibit:
            text += Markup(f' <a class="exref" href="#exhibit-{escape(entry.exhibit)}">{escape(entry.exhibit)}</a>')
        return text

    def txid(self, value: str | None, exhibit: bool = True) -> Markup:
        """A txid, wrapped and marked; followed by its exhibit number (a link to it) unless ``exhibit`` is false."""
        return Markup("") if not value else self._mark("transaction", value, exhibit)

    def address(self, value: str | None) -> Markup:
        """An address, wrapped and marked."""
        return Markup("") if not value else self._mark("address", value, False)

    def addresses_of(self, values: list[str], sep: str = " ") -> Markup:
        """Several addresses, each wrapped and marked, joined by ``sep``."""
        return Markup(escape(sep)).join(self.address(v) for v in values)

    def transactions(self) -> list[Entry]:
        """The txids, in the order of their exhibits (those without one last, by value)."""
        order = {txid: n for n, txid in enumerate(self.exhibits)}
        found = [e for e in self.entries.values() if e.kind == "transaction" and e.places]
        return sorted(found, key=lambda e: (order.get(e.value, len(order)), e.value))

    def addresses(self) -> list[Entry]:
        """The addresses, in alphabetical order."""
        return sorted((e for e in self.entries.values() if e.kind == "address" and e.places), key=lambda e: e.value)
