"""Bounded decoding of response bodies: content encodings and character sets.

httpx would decode gzip for us, but without a bound on the decoded size; a
gzip bomb of one megabyte expands to gigabytes. So the raw bytes are kept (they
go to the WARC as received) and decoded here with ``zlib``'s ``max_length``,
which never produces more than the limit.
"""

from __future__ import annotations

import codecs
import re
import zlib
from dataclasses import dataclass

from cointrail.wording import counted

_GZIP_OR_ZLIB = 47  # zlib wbits: detect a gzip or zlib header automatically
_RAW_DEFLATE = -15
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
_ASCII_COMPATIBLE = {"utf-8", "ascii", "latin-1", "iso8859-1", "cp1252"}


@dataclass(frozen=True)
class Decoded:
    """A body after content decoding, with any problem in one sentence."""

    data: bytes
    problem: str | None = None
    bomb: bool = False


def _inflate(raw: bytes, wbits: int, limit: int) -> Decoded:
    inflater = zlib.decompressobj(wbits)
    out = inflater.decompress(raw, limit + 1)
    if len(out) > limit or inflater.unconsumed_tail:
        ratio = f"{limit / max(len(raw), 1):.0f}" if raw else "?"
        return Decoded(out[:limit], f"its compressed body expands past the limit of {limit:,} bytes "
                       f"(more than {ratio} times its size: a decompression bomb?); only the first "
                       f"{limit:,} decoded bytes were searched", bomb=True)
    return Decoded(out)


def decode_body(raw: bytes, content_encoding: str | None, limit: int) -> Decoded:
    """Undo gzip/deflate with a bound on the output; other encodings are kept raw."""
    encoding = (content_encoding or "identity").strip().lower()
    if encoding in ("", "identity"):
        return Decoded(raw[:limit])
    if encoding not in ("gzip", "x-gzip", "deflate"):
        return Decoded(b"", f"its body is encoded as {encoding!r}, which cointrail does not decode; "
                       "the raw bytes are kept in the WARC but were not searched")
    try:
        return _inflate(raw, _GZIP_OR_ZLIB, limit)
    except zlib.error:
        pass
    try:  # some servers send raw deflate without the zlib header
        return _inflate(raw, _RAW_DEFLATE, limit)
    except zlib.error:
        return Decoded(b"", f"its {encoding} body is corrupt or cut short and could not be decoded; "
                       "the raw bytes are kept in the WARC")


# The character sets a browser reads a page in (the WHATWG Encoding Standard's, as Python names them), plus
# plain ASCII and Latin-1. Anything else a page declares is not a text encoding a browser would use: Python's
# bytes-to-bytes codecs (base64, hex, zlib, rot13 …) make ``bytes.decode`` raise, and idna, punycode, utf-7 or
# the escape codecs would let a site hide its addresses behind a label no browser honours (issue 22).
TEXT_CHARSETS = frozenset({
    "utf-8", "utf-16", "utf-16-le", "utf-16-be", "ascii", "iso8859-1", "cp866", "koi8-r", "koi8-u", "mac-roman",
    "mac-cyrillic", "cp874", "tis-620", "gbk", "gb2312", "gb18030", "big5", "big5hkscs", "euc_jp", "iso2022_jp",
    "shift_jis", "cp932", "euc_kr", "cp949",
    *(f"iso8859-{n}" for n in (2, 3, 4, 5, 6, 7, 8, 9, 10, 13, 14, 15, 16)),
    *(f"cp{n}" for n in range(1250, 1259)),
})
# WHATWG labels that Python does not know under that name.
_ALIASES = {"windows-874": "cp874", "x-mac-cyrillic": "mac-cyrillic", "x-mac-roman": "mac-roman",
            "iso-8859-8-i": "iso8859-8", "unicode": "utf-16", "ucs-2": "utf-16", "x-sjis": "shift_jis"}


def _known(label: str | None) -> str | None:
    """Python's name for a declared text charset, or None when it is unknown or not a text encoding."""
    if not label:
        return None
    label = label.strip().strip("'\"").lower()
    try:
        info = codecs.lookup(_ALIASES.get(label, label))
    except (LookupError, ValueError, TypeError):  # ValueError: a label with a NUL byte
        return None
    if not getattr(info, "_is_text_encoding", True) or info.name not in TEXT_CHARSETS:
        return None
    return info.name


def charset_of(content_type: str | None, body: bytes) -> tuple[str, str | None]:
    """The character set of a text body and a problem sentence, if any.

    Order: the Content-Type header, a byte-order mark, a ``<meta charset>``
    near the start, else UTF-8 (what browsers assume for modern pages).
    """
    declared = None
    if content_type and "charset=" in content_type.lower():
        declared = content_type.lower().split("charset=", 1)[1].split(";")[0].strip()
    if body.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16", None
    if body.startswith(codecs.BOM_UTF8):
        return "utf-8", None
    if declared is None:
        match = _META_CHARSET.search(body[:4096])
        declared = match.group(1).decode("ascii") if match else None
    name = _known(declared)
    if declared and name is None:
        return "utf-8", (f"it declares an unknown character set {declared[:40]!r} (not a text encoding a "
                         "browser reads); it was read as UTF-8")
    return name or "utf-8", None


def decode_text(body: bytes, charset: str, errors: str = "replace") -> str:
    """``body`` as text in ``charset``, never raising: bad bytes are replaced, a failing codec means UTF-8."""
    try:
        return body.decode(charset, errors=errors)
    except (LookupError, UnicodeError, ValueError, TypeError):  # charset_of gives only text codecs: belt and braces
        return body.decode("utf-8", errors=errors)


def text_of(body: bytes, content_type: str | None) -> tuple[str, str, list[str]]:
    """Decode a body to text for parsing links: (text, charset, problems); never raises."""
    charset, problem = charset_of(content_type, body)
    problems = [problem] if problem else []
    text = decode_text(body, charset)
    bad = text.count("\ufffd") - decode_text(body, charset, "ignore").count("\ufffd")
    if bad:
        problems.append(f"{counted(bad, 'byte sequence')} {'is' if bad == 1 else 'are'} not valid {charset}; "
                        "they were replaced when reading links")
    return text, charset, problems


def searchable(body: bytes, content_type: str | None) -> tuple[bytes, str]:
    """The bytes to search for addresses, and what their offsets count.

    ASCII-compatible bodies are searched as they are, so offsets are byte
    offsets into the decoded payload; others (UTF-16…) are searched as their
    UTF-8 re-encoding, and the basis says so.
    """
    charset, _ = charset_of(content_type, body)
    if charset in _ASCII_COMPATIBLE or charset.startswith("iso8859"):
        return body, "bytes of the decoded payload"
    return decode_text(body, charset).encode("utf-8"), f"bytes of the UTF-8 re-encoding of the {charset} text"
