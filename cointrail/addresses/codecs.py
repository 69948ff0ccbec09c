"""Text encodings of addresses: Base58Check, Bech32/Bech32m, CashAddr, Monero Base58.

Bech32/Bech32m come from ``embit`` (a maintained Bitcoin library with BIP 350
support). Three codecs are written here by hand, each small and tested against
the published vectors in ../shared/data:

* Base58: for speed (see the note at its section).

* CashAddr: no maintained Python package implements it (``cashaddress`` was
  last released in 2019); the whole codec is one polymod and a bit conversion.
* Monero's Base58 works on 8-byte blocks, unlike Bitcoin's; the only packages
  that have it pull in dozens of unrelated dependencies.

Bech32 strings longer than 90 characters (Litecoin MWEB, Zcash unified
addresses) are legal in those currencies, but embit's decoder enforces BIP 173's
90-character limit, so :func:`bech32_decode_long` verifies them with embit's own
checksum function instead.
"""

from __future__ import annotations

import functools
import hashlib

from Crypto.Hash import keccak
from embit import bech32 as _bech32

from cointrail.addresses.model import AddressDecodeError

BASE58_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
BECH32_CHARSET = _bech32.CHARSET
BECH32 = "bech32"
BECH32M = "bech32m"


def keccak256(data: bytes) -> bytes:
    """Keccak-256 as Ethereum and Monero use it (not NIST SHA3-256)."""
    return keccak.new(data=data, digest_bits=256).digest()


# --- Base58Check ----------------------------------------------------------
# Base58 is written here rather than taken from embit: extraction validates
# every candidate token of a page, and embit's decoder looks each character up
# with str.index; a dict lookup and int.to_bytes make it several times faster.

_BASE58_INDEX = {ch: i for i, ch in enumerate(BASE58_ALPHABET)}


def base58_encode(data: bytes) -> str:
    """Plain Base58 (Bitcoin alphabet), no checksum."""
    number = int.from_bytes(data, "big")
    chars = []
    while number:
        number, digit = divmod(number, 58)
        chars.append(BASE58_ALPHABET[digit])
    zeros = len(data) - len(data.lstrip(b"\0"))
    return "1" * zeros + "".join(reversed(chars))


def base58_decode(text: str) -> bytes:
    """Plain Base58 (Bitcoin alphabet), no checksum."""
    number = 0
    index = _BASE58_INDEX
    try:
        for ch in text:
            number = number * 58 + index[ch]
    except KeyError:
        raise AddressDecodeError("it contains characters that Base58 does not use (0, O, I, l or others)") from None
    zeros = len(text) - len(text.lstrip("1"))
    return b"\0" * zeros + number.to_bytes((number.bit_length() + 7) // 8, "big")


def _checksum(payload: bytes) -> bytes:
    return hashlib.sha256(hashlib.sha256(payload).digest()).digest()[:4]


def base58check_decode(text: str) -> bytes:
    """Decode Base58Check text to its payload (version bytes included)."""
    raw = base58_decode(text)
    if len(raw) < 5:
        raise AddressDecodeError("it is too short to carry a Base58Check checksum")
    payload, checksum = raw[:-4], raw[-4:]
    if _checksum(payload) != checksum:
        raise AddressDecodeError(
            "its Base58Check checksum does not match: a character is wrong, missing or swapped"
        )
    return payload


@functools.lru_cache(maxsize=8192)  # one address yields the same spellings on several chains
def base58check_encode(payload: bytes) -> str:
    """Encode a payload (version bytes included) as Base58Check."""
    return base58_encode(payload + _checksum(payload))


# --- Bech32 / Bech32m -----------------------------------------------------

def _bech32_split(text: str, max_length: int | None) -> tuple[str, str]:
    if any(ord(ch) < 33 or ord(ch) > 126 for ch in text):
        raise AddressDecodeError("it contains characters outside the printable ASCII range")
    if text.lower() != text and text.upper() != text:
        raise AddressDecodeError("it mixes upper and lower case, which Bech32 forbids")
    text = text.lower()
    if max_length is not None and len(text) > max_length:
        raise AddressDecodeError(f"it is longer than the {max_length} characters Bech32 allows")
    pos = text.rfind("1")
    if pos < 1:
        raise AddressDecodeError("it has no human-readable part before the separator '1'")
    if pos + 7 > len(text):
        raise AddressDecodeError("it is too short to hold a Bech32 checksum")
    data_part = text[pos + 1:]
    bad = [ch for ch in data_part if ch not in BECH32_CHARSET]
    if bad:
        raise AddressDecodeError(f"it contains {bad[0]!r}, which Bech32 does not use")
    return text[:pos], data_part


def bech32_decode_long(text: str, max_length: int | None = 90) -> tuple[str, list[int], str]:
    """Decode Bech32 or Bech32m text: (hrp, 5-bit data without checksum, encoding)."""
    hrp, data_part = _bech32_split(text, max_length)
    data = [BECH32_CHARSET.find(ch) for ch in data_part]
    encoding = _bech32.bech32_verify_checksum(hrp, data)
    if encoding is None:
        raise AddressDecodeError(
            "its Bech32 checksum does not match: a character is wrong, missing or swapped"
        )
    return hrp, data[:-6], BECH32M if encoding == _bech32.Encoding.BECH32M else BECH32


def bech32_encode(hrp: str, data: list[int], encoding: str) -> str:
    """Encode 5-bit data with an HRP as Bech32 or Bech32m (no length limit)."""
    spec = _bech32.Encoding.BECH32M if encoding == BECH32M else _bech32.Encoding.BECH32
    return _bech32.bech32_encode(spec, hrp, data)


def convert_bits(data: list[int] | bytes, from_bits: int, to_bits: int, pad: bool) -> list[int]:
    """Regroup bits (e.g. 5-bit Bech32 groups to bytes); raises on invalid padding."""
    converted = _bech32.convertbits(list(data), from_bits, to_bits, pad)
    if converted is None:
        raise AddressDecodeError("its data part has invalid padding")
    return list(converted)


# --- CashAddr (Bitcoin Cash) --------------------------------------------------
# Specification: github.com/bitcoincashorg/bitcoincash.org, spec/cashaddr.md

_CASHADDR_GENERATORS = (0x98F2BC8E61, 0x79B76D99E2, 0xF33E5FB3C4, 0xAE2EABE2A8, 0x1E4F43E470)
CASHADDR_SIZES = (20, 24, 28, 32, 40, 48, 56, 64)


def _cashaddr_polymod(values: list[int]) -> int:
    c = 1
    for d in values:
        c0 = c >> 35
        c = ((c & 0x07FFFFFFFF) << 5) ^ d
        for bit, generator in enumerate(_CASHADDR_GENERATORS):
            if (c0 >> bit) & 1:
                c ^= generator
    return c ^ 1


def _cashaddr_prefix_values(prefix: str) -> list[int]:
    return [ord(ch) & 0x1F for ch in prefix] + [0]


def cashaddr_decode(text: str, default_prefix: str) -> tuple[str, int, bytes]:
    """Decode CashAddr text, with or without its prefix: (prefix, type, hash)."""
    if text.lower() != text and text.upper() != text:
        raise AddressDecodeError("it mixes upper and lower case, which CashAddr forbids")
    text = text.lower()
    prefix, _, payload = text.rpartition(":")
    prefix = prefix or default_prefix
    bad = [ch for ch in payload if ch not in BECH32_CHARSET]
    if bad or len(payload) < 9:
        raise AddressDecodeError("it is not a CashAddr payload")
    values = [BECH32_CHARSET.find(ch) for ch in payload]
    if _cashaddr_polymod(_cashaddr_prefix_values(prefix) + values) != 0:
        raise AddressDecodeError(
            "its CashAddr checksum does not match: a character is wrong, missing or swapped"
        )
    body = convert_bits(values[:-8], 5, 8, False)
    version, digest = body[0], bytes(body[1:])
    if version & 0x80:
        raise AddressDecodeError("its CashAddr version byte has the reserved bit set")
    if len(digest) != CASHADDR_SIZES[version & 0x07]:
        raise AddressDecodeError("its CashAddr hash length does not match its version byte")
    return prefix, (version >> 3) & 0x0F, digest


@functools.lru_cache(maxsize=8192)
def cashaddr_encode(prefix: str, kind: int, digest: bytes) -> str:
    """Encode a hash as CashAddr with its prefix (``bitcoincash:q…``)."""
    version = (kind << 3) | CASHADDR_SIZES.index(len(digest))
    values = convert_bits(bytes([version]) + digest, 8, 5, True)
    checksum = _cashaddr_polymod(_cashaddr_prefix_values(prefix) + values + [0] * 8)
    values += [(checksum >> 5 * (7 - i)) & 0x1F for i in range(8)]
    return prefix + ":" + "".join(BECH32_CHARSET[v] for v in values)


# --- Monero Base58 ------------------------------------------------------------
# Monero encodes 8-byte blocks as 11 characters each; a final short block of n
# bytes takes _MONERO_BLOCK_CHARS[n] characters (src/common/base58.cpp).

_MONERO_BLOCK_CHARS = (0, 2, 3, 5, 6, 7, 9, 10, 11)


def monero_base58_decode(text: str) -> bytes:
    """Decode Monero's block-wise Base58 (no checksum check)."""
    if any(ch not in BASE58_ALPHABET for ch in text):
        raise AddressDecodeError("it contains characters that Base58 does not use")
    full, rest = divmod(len(text), 11)
    if rest not in _MONERO_BLOCK_CHARS:
        raise AddressDecodeError("its length is impossible for Monero's Base58")
    out = bytearray()
    for start in range(0, len(text), 11):
        block = text[start:start + 11]
        size = 8 if len(block) == 11 else _MONERO_BLOCK_CHARS.index(len(block))
        number = 0
        for ch in block:
            number = number * 58 + BASE58_ALPHABET.index(ch)
        if number >= 1 << (8 * size):
            raise AddressDecodeError("a block of it overflows Monero's Base58")
        out += number.to_bytes(size, "big")
    return bytes(out)


def monero_base58_encode(data: bytes) -> str:
    """Encode bytes in Monero's block-wise Base58."""
    chars = []
    for start in range(0, len(data), 8):
        block = data[start:start + 8]
        number = int.from_bytes(block, "big")
        width = _MONERO_BLOCK_CHARS[len(block)]
        digits = []
        for _ in range(width):
            number, digit = divmod(number, 58)
            digits.append(BASE58_ALPHABET[digit])
        chars.append("".join(reversed(digits)))
    return "".join(chars)
