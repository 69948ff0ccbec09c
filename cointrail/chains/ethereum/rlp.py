"""Recursive Length Prefix, Ethereum's serialisation (Ethereum Yellow Paper, appendix B): encoding only.

cointrail never needs to parse RLP: it re-encodes what a node reports and compares the hash.
"""

from __future__ import annotations

from collections.abc import Sequence

Item = bytes | Sequence["Item"]


def _length_prefix(length: int, offset: int) -> bytes:
    if length < 56:
        return bytes([offset + length])
    size = length.to_bytes((length.bit_length() + 7) // 8, "big")
    return bytes([offset + 55 + len(size)]) + size


def encode(item: Item) -> bytes:
    """The RLP encoding of a byte string or a (nested) list of them."""
    if isinstance(item, bytes | bytearray):
        if len(item) == 1 and item[0] < 0x80:
            return bytes(item)
        return _length_prefix(len(item), 0x80) + bytes(item)
    return wrap_list(b"".join(encode(part) for part in item))


def wrap_list(payload: bytes) -> bytes:
    """A list's encoding from its payload (its items' encodings, concatenated): the transaction checks encode the
    unsigned fields once and wrap them twice, with and without the signature."""
    return _length_prefix(len(payload), 0xC0) + payload


def uint(value: int) -> bytes:
    """An integer as RLP wants it: big-endian, no leading zeros, zero as the empty string."""
    return value.to_bytes((value.bit_length() + 7) // 8, "big") if value else b""
