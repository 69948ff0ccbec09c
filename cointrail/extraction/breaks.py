"""Tokens and "soft breaks": where an address can hide in raw bytes.

The scan works on the raw bytes, so every offset is a byte offset into the
original file (what the capture code stores against WARC records), and bytes
that are not valid UTF-8 cannot trip it up. Addresses are ASCII.

A *token* is a maximal run of ASCII letters and digits. A *soft break* is
something between two tokens that a reader does not see as a gap: an invisible
character (zero-width space/joiners, word joiner, BOM, soft hyphen; raw UTF-8,
HTML entity or JavaScript escape), HTML markup, a line break with indentation,
or a quoted-printable soft line break. A *chain* is a run of tokens joined by
soft breaks; an address split by one is put back together from its tokens.

Two scans: one for long tokens, one for the places where a soft break
follows a letter or digit (where a chain can start). Every pattern is bounded
and possessive (Python 3.11), so the scan is linear even on hostile input.
A line break joins tokens only when it follows the letter or digit directly
(trailing spaces before it part them): scanning every space would cost more
than the rare split address with trailing spaces is worth.
"""

from __future__ import annotations

import heapq
import re
from collections.abc import Iterator
from dataclasses import dataclass

# Which soft breaks are invisible in a browser: they need no markup or layout to hide.
INVISIBLE = ("zero_width", "soft_hyphen")

_INLINE_TAGS = (
    b"span", b"a", b"b", b"i", b"u", b"s", b"em", b"strong", b"small", b"big", b"sub", b"sup", b"font",
    b"mark", b"code", b"tt", b"kbd", b"samp", b"var", b"del", b"ins", b"abbr", b"bdi", b"bdo", b"q",
    b"label", b"wbr", b"br",
)
_SOFT_PARTS = {
    "zero_width": (
        rb"\xe2\x80[\x8b-\x8d]|\xe2\x81\xa0|\xef\xbb\xbf"
        rb"|&(?:#0{0,4}(?:8203|8204|8205|8288|65279)|#[xX]0{0,4}(?:200[bBcCdD]|2060|[fF][eE][fF][fF])"
        rb"|ZeroWidthSpace|zwnj|zwj|NoBreak);"
        rb"|\\u200[bBcCdD]|\\u2060|\\u[fF][eE][fF][fF]"
    ),
    "soft_hyphen": rb"\xc2\xad|&(?:shy|#0{0,4}173|#[xX]0{0,4}[aA][dD]);|\\u00[aA][dD]",
    # Inline elements and comments only: block elements (div, p, td…) lay
    # their pieces out apart, and counting them would chain up a whole page.
    "markup": rb"</?(?i:" + b"|".join(_INLINE_TAGS) + rb")(?:[\s/][^<>]{0,300}+)?>|<!--(?:[^<>-]|-(?!->)){0,300}+-->",
    "line_break": rb"[ \t]{0,200}+(?:\r?\n[ \t]{0,200}+)++",
    "quoted_printable": rb"=\r?\n",
}
TRICKS = {
    "zero_width": "zero-width characters inside",
    "soft_hyphen": "soft hyphen inside",
    "markup": "split by HTML markup",
    "line_break": "split by a line break",
    "quoted_printable": "split by a quoted-printable line break",
}

_ALNUM = rb"[0-9A-Za-z]"
_SOFT = b"|".join(b"(?P<%s>%s)" % (name.encode(), part) for name, part in _SOFT_PARTS.items())
_SOFT_ANY = b"(?:" + b"|".join(_SOFT_PARTS.values()) + b")"
_LINKS = rb"(?:" + _SOFT_ANY + rb"++" + _ALNUM + rb"++)++"
MAX_RUN_BACK = 131  # a token longer than any join (130) cannot take part in one

# Lone tokens of 25 or more letters and digits. Searching left to right, a
# match can only start where a token starts, and the greedy count takes the
# token to its end, so every match is a whole token (no look-behind needed,
# and Python's engine is faster without one).
LONG_TOKEN_RE = re.compile(_ALNUM + rb"{25,}+")
# In a percent-encoded link (a QR-code image URL: ``chl=bitcoin%3A1BvB…``) the
# two hex digits of the escape run into the address; the token after them
# is a candidate too.
PERCENT_TOKEN_RE = re.compile(rb"%[0-9A-Fa-f]{2}(" + _ALNUM + rb"{25,}+)")
# Where a chain may start: a letter or digit right before the first byte of
# a soft break. The pattern starts with a set of rare bytes, which the regex
# engine skips to quickly; the quoted-printable '=' is searched on its own
# (it is common in scripts).
# Markup has its own pattern, which checks the tag name too: '<' after a
# letter is common ("12</td>") and block tags do not count.
_LINK_START_RES = (
    re.compile(rb"[&\\\xe2\xef\xc2\r\n](?<=[0-9A-Za-z].)", re.DOTALL),
    re.compile(rb"<(?<=[0-9A-Za-z]<)(?:/?(?i:" + b"|".join(_INLINE_TAGS) + rb")[\s/>]|!--)"),
    re.compile(rb"=(?<=[0-9A-Za-z]=)\r?\n"),
)
_LINKS_RE = re.compile(_LINKS)
_SOFT_RUN_RE = re.compile(_SOFT_ANY + rb"++")
_RUN_BEFORE_RE = re.compile(_ALNUM + rb"++\Z")
# A chain alternates tokens and soft breaks; matching both keeps markup's own letters out.
_CHAIN_PART_RE = re.compile(rb"(" + _ALNUM + rb"++)|" + _SOFT_ANY + rb"++")
_SOFT_SPLIT_RE = re.compile(rb"(" + _SOFT_ANY + rb"++)")
_SOFT_RE = re.compile(_SOFT)
_VISIBLE_RE = re.compile(b"|".join(part for kind, part in _SOFT_PARTS.items() if kind not in INVISIBLE))


@dataclass(frozen=True)
class Segment:
    """One token of a chain: its bytes and absolute byte span."""

    text: bytes
    start: int
    end: int


@dataclass(frozen=True)
class Word:
    """What a reader sees as one word of a chain: tokens joined by invisible characters only."""

    text: bytes  # its letters and digits, the invisible characters left out
    first: int  # index of its first token in the chain
    last: int  # index of its last token


def chain_segments(data: bytes, start: int, end: int) -> list[Segment]:
    """The tokens of the chain at ``data[start:end]``, with absolute offsets."""
    return [
        Segment(m.group(), m.start(), m.end())
        for m in _CHAIN_PART_RE.finditer(data, start, end)
        if m.group(1) is not None
    ]


def break_kinds(gap: bytes) -> list[str]:
    """The kinds of soft break (keys of :data:`TRICKS`) found in the bytes between tokens."""
    kinds = [m.lastgroup for m in _SOFT_RE.finditer(gap)]
    return list(dict.fromkeys(kind for kind in kinds if kind))


def long_tokens(data: bytes) -> Iterator[tuple[int, int]]:
    """Spans of the tokens of 25 characters or more (and of those after a percent escape)."""
    yield from (match.span() for match in LONG_TOKEN_RE.finditer(data))
    yield from (match.span(1) for match in PERCENT_TOKEN_RE.finditer(data))


def _chain_at(data: bytes, position: int) -> tuple[int, int] | None:
    """The chain whose first soft break starts at ``position``, if one does."""
    links = _LINKS_RE.match(data, position)
    if links is None:
        return None  # not a soft break, or one that leads to no token
    window = max(0, position - MAX_RUN_BACK)
    run = _RUN_BEFORE_RE.search(data, window, position)
    start = run.start() if run else position
    if position - start >= MAX_RUN_BACK:
        # The token before is too long to join: start after it (if anything is left to join).
        start = _SOFT_RUN_RE.match(data, position).end()  # type: ignore[union-attr]
    return start, links.end()


def chains(data: bytes, min_span: int = 25) -> Iterator[tuple[int, int]]:
    """Spans of the chains (tokens joined by soft breaks) long enough to hide an address."""
    starts = heapq.merge(*((m.start() for m in pattern.finditer(data)) for pattern in _LINK_START_RES))
    covered = 0
    for position in starts:
        if position < covered:
            continue  # inside the chain just reported
        span = _chain_at(data, position)
        if span is None:
            continue
        covered = span[1]
        if span[1] - span[0] >= min_span:
            yield span


def chain_words(chain: bytes) -> list[Word]:
    """The words of a chain: invisible characters glue tokens, visible breaks part them.

    An invisible character changes nothing a reader sees, so the tokens it
    separates form one word, as long as any other: an address must be a whole
    word, never a piece of one.
    """
    parts = _SOFT_SPLIT_RE.split(chain)  # token, break, token, break, …, token
    words, pieces, first = [], [parts[0]], 0
    for index in range(1, len(parts) // 2 + 1):
        soft_break, token = parts[2 * index - 1], parts[2 * index]
        if _VISIBLE_RE.search(soft_break):
            words.append(Word(b"".join(pieces), first, index - 1))
            pieces, first = [], index
        pieces.append(token)
    words.append(Word(b"".join(pieces), first, len(parts) // 2))
    return words
