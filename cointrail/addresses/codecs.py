"""Text encodings of addresses: Base58Check, Bech32/Bech32m, CashAddr, Monero Base58.

These codecs are written here by hand, each small and tested against the
published vectors in ../shared/data (embit, a maintained Bitcoin library, is
kept for Bech32's bit regrouping on decode and as a cross-check in the tests):

* the Base58Check checksum and the Bech32/Bech32m checksum: for speed and plain
  reasons (see the note at each section; Base58 itself is ``based58``'s).
* CashAddr: no maintained Python package implements it (``cashaddress`` was
  last released in 2019); the whole codec is one polymod and a bit conversion.
* Monero's Base58 works on 8-byte blocks, unlike Bitcoin's; the only packages
  that have it pull in dozens of unrelated dependencies.

Bech32 strings longer than 90 characters (Litecoin MWEB, Zcash unified
addresses) are legal in those currencies, so :func:`bech32_decode_long` takes the
length limit as an argument.
"""

from __future__ import annotations

import base64
import functools
import hashlib

import based58
from Crypto.Hash import keccak
from embit import bech32 as _bech32

from cointrail.addresses.model import AddressDecodeError

BASE58_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_BASE58_SET = frozenset(BASE58_ALPHABET)
BECH32_CHARSET = _bech32.CHARSET
BECH32 = "bech32"
BECH32M = "bech32m"


def keccak256(data: bytes) -> bytes:
    """Keccak-256 as Ethereum and Monero use it (not NIST SHA3-256)."""
    return keccak.new(data=data, digest_bits=256).digest()


# --- Base58Check ----------------------------------------------------------
# Base58 itself comes from ``based58`` (a compiled implementation): ingest
# encodes the address of every new output script and extraction decodes every
# candidate token, and the pure-Python big-integer loop was most of their time.
# The checksum is checked here so that each failure has its own plain reason.


def base58_encode(data: bytes) -> str:
    """Plain Base58 (Bitcoin alphabet), no checksum."""
    return based58.b58encode(data).decode("ascii")


def base58_decode(text: str) -> bytes:
    """Plain Base58 (Bitcoin alphabet), no checksum."""
    if not _BASE58_SET.issuperset(text):
        raise AddressDecodeError("it contains characters that Base58 does not use (0, O, I, l or others)")
    return bytes(based58.b58decode(text.encode("ascii")))


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
# The checksum (BIP 173, BIP 350) is computed here with a lookup table rather
# than with embit's reference loop: ingest encodes the address of every new
# output script, and the table makes that about five times faster. Results are
# checked against the BIP 173/350 vectors and against embit in the tests.

_BECH32_GENERATORS = (0x3B6A57B2, 0x26508E6D, 0x1EA119FA, 0x3D4233DD, 0x2A1462B3)
_BECH32_TABLE = tuple(
    functools.reduce(lambda acc, g: acc ^ g, (g for i, g in enumerate(_BECH32_GENERATORS) if b >> i & 1), 0)
    for b in range(32)
)
_BECH32_CONSTANTS = {BECH32: 1, BECH32M: 0x2BC830A3}
_BECH32_INDEX = {ch: i for i, ch in enumerate(BECH32_CHARSET)}


def _steps(high: int, count: int) -> int:
    """The reduction of ``count`` checksum steps for the top 5×count bits of the state (the checksum is linear)."""
    state = high << (30 - 5 * count)
    for _ in range(count):
        state = ((state & 0x1FFFFFF) << 5) ^ _BECH32_TABLE[state >> 25]
    return state


_BECH32_TRIPLE_TABLE = tuple(_steps(high, 3) for high in range(1 << 15))


def _bech32_polymod(values: list[int] | bytes, state: int = 1) -> int:
    """BIP 173's checksum state after ``values``, three symbols per step."""
    triples, table = _BECH32_TRIPLE_TABLE, _BECH32_TABLE
    whole = len(values) - len(values) % 3
    for i in range(0, whole, 3):
        symbols = (values[i] << 10) ^ (values[i + 1] << 5) ^ values[i + 2]
        state = ((state & 0x7FFF) << 15) ^ symbols ^ triples[state >> 15]
    for value in values[whole:]:
        state = ((state & 0x1FFFFFF) << 5) ^ value ^ table[state >> 25]
    return state


@functools.lru_cache(maxsize=64)
def _hrp_state(hrp: str) -> int:
    """The checksum state after the human-readable part (the same for every address of a network)."""
    return _bech32_polymod([ord(ch) >> 5 for ch in hrp] + [0] + [ord(ch) & 31 for ch in hrp])


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
    bad = [ch for ch in data_part if ch not in _BECH32_INDEX]
    if bad:
        raise AddressDecodeError(f"it contains {bad[0]!r}, which Bech32 does not use")
    return text[:pos], data_part


def bech32_decode_long(text: str, max_length: int | None = 90) -> tuple[str, list[int], str]:
    """Decode Bech32 or Bech32m text: (hrp, 5-bit data without checksum, encoding)."""
    hrp, data_part = _bech32_split(text, max_length)
    data = [_BECH32_INDEX[ch] for ch in data_part]
    check = _bech32_polymod(data, _hrp_state(hrp))
    for encoding, constant in _BECH32_CONSTANTS.items():
        if check == constant:
            return hrp, data[:-6], encoding
    raise AddressDecodeError(
        "its Bech32 checksum does not match: a character is wrong, missing or swapped"
    )


def bech32_encode(hrp: str, data: list[int], encoding: str) -> str:
    """Encode 5-bit data with an HRP as Bech32 or Bech32m (no length limit)."""
    check = _bech32_polymod([*data, 0, 0, 0, 0, 0, 0], _hrp_state(hrp)) ^ _BECH32_CONSTANTS[encoding]
    symbols = bytes(data) + bytes((check >> 5 * (5 - i)) & 31 for i in range(6))
    return hrp + "1" + symbols.translate(_VALUE_TO_BECH32).decode("ascii")


def convert_bits(data: list[int] | bytes, from_bits: int, to_bits: int, pad: bool) -> list[int]:
    """Regroup bits (e.g. 5-bit Bech32 groups to bytes); raises on invalid padding."""
    if from_bits == 8 and to_bits == 5 and pad:
        return bytes_to_5bit(bytes(data))
    converted = _bech32.convertbits(list(data), from_bits, to_bits, pad)
    if converted is None:
        raise AddressDecodeError("its data part has invalid padding")
    return list(converted)


def bytes_to_5bit(data: bytes) -> list[int]:
    """Bytes as 5-bit groups, zero-padded at the end.

    This is exactly RFC 4648 Base32 without its padding characters, which the
    standard library does in C; only the alphabet differs.
    """
    return list(base64.b32encode(data).rstrip(b"=").translate(_BASE32_TO_VALUE))


_BASE32_TO_VALUE = bytes.maketrans(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", bytes(range(32)))
_VALUE_TO_BECH32 = bytes.maketrans(bytes(range(32)), BECH32_CHARSET.encode("ascii"))


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
