"""A cheap shape test run before :func:`cointrail.addresses.parse_address`.

A large page holds millions of letter-and-digit runs (words, identifiers,
base64, hashes) and only a handful of addresses. Full parsing costs about a
hundred microseconds per string, so each run first meets this filter: the
right alphabet, length and prefix for some address family and, for Base58Check
(the commonest look-alike), the checksum itself. It only ever says "maybe";
the verdict always comes from ``parse_address``.
"""

from __future__ import annotations

import hashlib
import re

from cointrail.addresses.account import XRP_ALPHABET
from cointrail.addresses.codecs import BASE58_ALPHABET
from cointrail.addresses.privacy import ZCASH_BECH32
from cointrail.chains import UTXO_NETWORKS

MAX_TOKEN = 2048  # as parse_address: Zcash unified addresses are the longest

_XRP_TO_BITCOIN = bytes.maketrans(XRP_ALPHABET.encode("ascii"), BASE58_ALPHABET.encode("ascii"))
_BASE58_VALUE = {byte: value for value, byte in enumerate(BASE58_ALPHABET.encode("ascii"))}
BECH32_HRPS: frozenset[bytes] = frozenset(
    hrp.encode("ascii")
    for network in UTXO_NETWORKS
    for hrp in (network.bech32_hrp, network.mweb_hrp)
    if hrp
) | frozenset(hrp.encode("ascii") for hrp in ZCASH_BECH32)


_B58 = rb"[1-9A-HJ-NP-Za-km-z]"
_B32 = rb"[02-9ac-hj-np-zAC-HJ-NP-Z]"
_HRPS = b"|".join(hrp for _, hrp in sorted(((len(h), h) for h in BECH32_HRPS), reverse=True))  # longest first
# The alphabet, length and prefix of each address family, in C (one fullmatch).
_SHAPE_RE = re.compile(
    # P2PKH/P2SH/Tron (25-34), Zcash t-addresses (35)
    rb"(?P<base58>" + _B58 + rb"{25,35})"
    rb"|(?P<evm>0[xX][0-9a-fA-F]{40})"
    rb"|(?P<bech32>(?i:" + _HRPS + rb")1" + _B32 + rb"{6,%d})" % MAX_TOKEN
    + rb"|(?P<cashaddr>[qpzrQPZR]" + _B32 + rb"{41}(?:" + _B32 + rb"{12}(?:" + _B32 + rb"{7}(?:"
    + _B32 + rb"{6})?)?)?)"
    # Monero (95, 106), Zcash Sprout (95-96)
    rb"|(?P<long_base58>" + _B58 + rb"{95,96}|" + _B58 + rb"{106})"
)


def base58check_ok(token: bytes) -> bool:
    """Whether a Base58 string carries a valid Base58Check checksum (double SHA-256)."""
    number = 0
    for byte in token:
        number = number * 58 + _BASE58_VALUE[byte]
    zeros = len(token) - len(token.lstrip(b"1"))
    raw = b"\0" * zeros + number.to_bytes((number.bit_length() + 7) // 8, "big")
    if len(raw) < 5:
        return False
    body, checksum = raw[:-4], raw[-4:]
    return hashlib.sha256(hashlib.sha256(body).digest()).digest()[:4] == checksum


def maybe_address_at(data: bytes, start: int, end: int) -> bool:
    """Whether ``data[start:end]`` (letters and digits) could be an address.

    Cheap and never wrong about a real address; the verdict is parse_address's.
    Mixed case in Bech32 or CashAddr is left for the parser to reject.
    """
    match = _SHAPE_RE.fullmatch(data, start, end)
    if match is None:
        return False
    if match.lastgroup == "base58":
        token = data[start:end]
        # An XRP Ledger address (r…) is Base58Check in a reordered alphabet.
        return base58check_ok(token) or (token[:1] == b"r" and base58check_ok(token.translate(_XRP_TO_BITCOIN)))
    return True


def maybe_address(token: bytes) -> bool:
    """:func:`maybe_address_at` for a whole token."""
    return maybe_address_at(token, 0, len(token))
