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


def _known(label: str | None) -> str | None:
    if not label:
        return None
    try:
        return codecs.lookup(label.strip().strip("'\"")).name
    except LookupError:
        return None


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
        return "utf-8", f"it declares an unknown character set {declared!r}; it was read as UTF-8"
    return name or "utf-8", None


def text_of(body: bytes, content_type: str | None) -> tuple[str, str, list[str]]:
    """Decode a body to text for parsing links: (text, charset, problems)."""
    charset, problem = charset_of(content_type, body)
    problems = [problem] if problem else []
    text = body.decode(charset, errors="replace")
    bad = text.count("\ufffd") - body.decode(charset, errors="ignore").count("\ufffd")
    if bad:
        problems.append(f"{bad} byte sequence(s) are not valid {charset}; they were replaced when reading links")
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
    text = body.decode(charset, errors="replace")
    return text.encode("utf-8"), f"bytes of the UTF-8 re-encoding of the {charset} text"
