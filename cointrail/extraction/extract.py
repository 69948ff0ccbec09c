"""Find every cryptocurrency address in a document: text, HTML, JavaScript, JSON.

Two passes over the raw bytes (see :mod:`cointrail.extraction.breaks`):

1. every standalone token of 25 or more letters and digits is a candidate; a
   token is never cut (except after a percent escape such as ``%3A``), so a
   40-hex-digit piece of a 64-hex transaction id, or a Base58 piece of a
   longer word, is never reported;
2. every chain of tokens joined by soft breaks (zero-width characters, markup,
   line breaks) is searched for an address split across consecutive tokens.

Each candidate passes the cheap shape test of :mod:`~cointrail.extraction.shape`
and then :func:`cointrail.addresses.parse_address`, which checks the checksum
of its currency. Payment URIs around a found address add amount, label and
message (:mod:`~cointrail.extraction.uri`).
"""

from __future__ import annotations

import mmap
from itertools import accumulate, chain
from typing import cast

from cointrail.addresses import AddressInfo, parse_address
from cointrail.extraction import breaks, shape, uri
from cointrail.extraction.finding import Finding, context_snippet

MAX_JOINED = 130  # characters: longer than any Monero or MWEB address
MAX_VISIBLE_BREAKS = 5  # a join spans at most 6 words


def _as_bytes(data: bytes | mmap.mmap | str) -> bytes:
    if isinstance(data, mmap.mmap):
        # Searched in place, without a copy: an mmap slices, indexes and is
        # searched by regular expressions exactly like bytes.
        return cast(bytes, data)
    if isinstance(data, str):
        try:
            return data.encode("utf-8", "surrogateescape")  # round-trips bytes decoded that way
        except UnicodeEncodeError:
            return data.encode("utf-8", "surrogatepass")
    return bytes(data)


def _valid(token: bytes) -> AddressInfo | None:
    if not shape.maybe_address(token):
        return None
    info = parse_address(token.decode("ascii"))
    return info if info.valid else None


def _single(data: bytes, start: int, end: int) -> Finding | None:
    """The finding for a lone token that passed the shape test, if it is valid."""
    info = parse_address(data[start:end].decode("ascii"))
    return _finding(data, start, end, info) if info.valid else None


def _with_payment(info: AddressInfo, payment: uri.Payment | None) -> tuple[AddressInfo, list[str], list[str]]:
    """The address read in the light of its URI: (info, chains, notes)."""
    if payment and payment.scheme in uri.CASHADDR_SCHEMES:
        prefixed = parse_address(f"{payment.scheme}:{info.input}")
        info = prefixed if prefixed.valid else info
    chains, notes = info.chains, list(info.notes)
    if payment and payment.chain in chains and len(chains) > 1:
        chains = [payment.chain]
        notes.append(f"The payment link ({payment.scheme}:) names {payment.chain}.")
    return info, chains, notes


def _finding(
    data: bytes, start: int, end: int, info: AddressInfo,
    tricks: tuple[str, ...] = (), confidence: str = "high",
) -> Finding:
    payment = uri.payment_for(data, start, end)
    info, chains, notes = _with_payment(info, payment)
    return Finding(
        address=info.normalized or info.input,
        input=data[start:end].decode("utf-8", "replace"),
        offset=start,
        length=end - start,
        chains=tuple(chains),
        network=info.network,
        type=info.type,
        private=info.private,
        context=context_snippet(data, start, end),
        confidence=confidence,
        uri=payment.uri if payment else None,
        scheme=payment.scheme if payment else None,
        role=payment.role if payment else None,
        amount=payment.amount if payment else None,
        amount_unit=payment.amount_unit if payment else None,
        label=payment.label if payment else None,
        message=payment.message if payment else None,
        token_contract=payment.token_contract if payment else None,
        tricks=tricks,
        notes=tuple(notes),
    )


def _join_confidence(info: AddressInfo, invisible_only: bool) -> str | None:
    """How sure a join is; None when it should not be reported at all.

    All-lower-case hex has no checksum, so joining EVM pieces could invent an
    address out of any hex split by markup; only an EIP-55 checksum confirms it.
    """
    if info.checksummed:
        return "high"
    return "low" if invisible_only else None


class _Chain:
    """Tokens joined by soft breaks, searched for an address hidden across them.

    A *word* (tokens glued by invisible characters) that validates is
    reported; so is a join of up to six consecutive words across visible
    breaks (markup, line breaks) when no word in it is an address on its own.
    Token offsets are only worked out for the rare chain that holds an
    address, which keeps big HTML pages fast.
    """

    def __init__(self, data: bytes, start: int, end: int) -> None:
        self.data, self.start, self.end = data, start, end
        self.words = breaks.chain_words(data[start:end])
        self.prefix = [0, *accumulate(len(word.text) for word in self.words)]
        self.singles = {k for k, word in enumerate(self.words) if len(word.text) >= 25 and _valid(word.text)}
        self._segments: list[breaks.Segment] | None = None

    def segments(self) -> list[breaks.Segment]:
        if self._segments is None:
            self._segments = breaks.chain_segments(self.data, self.start, self.end)
        return self._segments

    def findings(self) -> list[Finding]:
        found = []  # lone tokens are found by the first pass; here, words and joins
        for k in sorted(self.singles):
            word = self.words[k]
            finding = self._finding(k, k, _valid(word.text)) if word.first < word.last else None
            found += [finding] if finding else []
        first, count = 0, len(self.words)
        while first < count - 1:
            reach = self.prefix[min(count, first + MAX_VISIBLE_BREAKS + 1)] - self.prefix[first]
            hit = self._join_from(first) if reach >= 25 else None
            if hit:
                found.append(hit[1])
            first = hit[0] + 1 if hit else first + 1
        return found

    def _join_from(self, first: int) -> tuple[int, Finding] | None:
        """The address made of words ``first..j`` for the first j that makes one."""
        if first in self.singles:
            return None  # a word that is an address on its own explains the text
        for j in range(first + 1, min(len(self.words), first + MAX_VISIBLE_BREAKS + 1)):
            size = self.prefix[j + 1] - self.prefix[first]
            if j in self.singles or size > MAX_JOINED:
                return None
            info = _valid(b"".join(word.text for word in self.words[first:j + 1])) if size >= 25 else None
            finding = self._finding(first, j, info) if info else None
            if finding:
                return j, finding
        return None

    def _finding(self, first: int, last: int, info: AddressInfo | None) -> Finding | None:
        """The finding for words ``first..last``; None when too unsure to report."""
        if info is None:
            return None
        start = self.segments()[self.words[first].first].start
        end = self.segments()[self.words[last].last].end
        kinds = breaks.break_kinds(self.data[start:end])
        confidence = _join_confidence(info, all(kind in breaks.INVISIBLE for kind in kinds))
        if confidence is None:
            return None
        tricks = tuple(breaks.TRICKS[kind] for kind in kinds)
        return _finding(self.data, start, end, info, tricks, confidence)


def extract_addresses(data: bytes | mmap.mmap | str) -> list[Finding]:
    """Every valid cryptocurrency address in ``data``, in document order.

    ``data`` is the document's raw bytes (any encoding is read; offsets are
    byte offsets into it), a memory-mapped file, or text (offsets into its
    UTF-8 encoding). Each
    address is validated by its currency's checksum; a string that only looks
    like an address is not reported.
    """
    raw = _as_bytes(data)
    found: dict[tuple[str, int], Finding] = {}
    maybe = shape.maybe_address_at
    spans = breaks.long_tokens(raw)  # streamed: a huge file never has all its tokens in memory
    lone = [_single(raw, start, end) for start, end in spans if maybe(raw, start, end)]
    chained = (_Chain(raw, start, end).findings() for start, end in breaks.chains(raw))
    for finding in chain([f for f in lone if f], *chained):
        found.setdefault((finding.address, finding.offset), finding)
    return sorted(found.values(), key=lambda f: (f.offset, f.address))
