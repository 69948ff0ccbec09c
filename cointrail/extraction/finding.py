"""A :class:`Finding`: one address found in a document, where, and how it was written."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

CONTEXT_BYTES = 40  # on each side of the address

# Invisible characters are shown by name in context snippets, so that a reader
# sees the trick instead of a clean-looking address.
_VISIBLE_NAMES = {
    "\u200b": "[ZWSP]", "\u200c": "[ZWNJ]", "\u200d": "[ZWJ]",
    "\u2060": "[WJ]", "\ufeff": "[BOM]", "\u00ad": "[SHY]",
}
_INVISIBLE_RE = re.compile("[" + "".join(_VISIBLE_NAMES) + "]")
_SPACE_RE = re.compile(r"[\s\x00-\x1f\x7f]+")


@dataclass(frozen=True)
class Finding:
    """One address found in a document.

    ``offset`` and ``length`` are in bytes of the original document (UTF-8 for
    text given as ``str``), so they can be stored against a WARC record.
    ``input`` is the text exactly as written there, obfuscation included;
    ``address`` is its normalised form. ``amount`` is a decimal string in the
    unit named by ``amount_unit`` (never a float). ``tricks`` lists in plain
    words how the address was hidden; ``confidence`` is ``"low"`` only for an
    address put back together without a checksum to confirm it.
    """

    address: str
    input: str
    offset: int
    length: int
    chains: tuple[str, ...]
    network: str | None
    type: str | None
    private: bool
    context: str
    confidence: str = "high"
    uri: str | None = None
    scheme: str | None = None
    role: str | None = None
    amount: str | None = None
    amount_unit: str | None = None
    label: str | None = None
    message: str | None = None
    token_contract: str | None = None
    tricks: tuple[str, ...] = field(default=())
    notes: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        """Plain data with the documented, stable ``--json`` fields."""
        return {
            "address": self.address,
            "input": self.input,
            "offset": self.offset,
            "length": self.length,
            "chains": list(self.chains),
            "network": self.network,
            "type": self.type,
            "private": self.private,
            "confidence": self.confidence,
            "context": self.context,
            "uri": self.uri,
            "scheme": self.scheme,
            "role": self.role,
            "amount": self.amount,
            "amount_unit": self.amount_unit,
            "label": self.label,
            "message": self.message,
            "token_contract": self.token_contract,
            "tricks": list(self.tricks),
            "notes": list(self.notes),
        }


def visible(text: str) -> str:
    """Text on one line, with invisible characters shown by name."""
    text = _INVISIBLE_RE.sub(lambda m: _VISIBLE_NAMES[m.group()], text)
    return _SPACE_RE.sub(" ", text).strip()


def context_snippet(data: bytes, start: int, end: int, width: int = CONTEXT_BYTES) -> str:
    """A short one-line snippet of ``data`` around ``data[start:end]``."""
    left, right = max(0, start - width), min(len(data), end + width)
    # Cut at character boundaries: skip UTF-8 continuation bytes at both edges.
    while left < start and 0x80 <= data[left] < 0xC0:
        left += 1
    while right < len(data) and 0x80 <= data[right] < 0xC0:
        right += 1
    snippet = visible(data[left:right].decode("utf-8", "replace"))
    return ("…" if left > 0 else "") + snippet + ("…" if right < len(data) else "")
