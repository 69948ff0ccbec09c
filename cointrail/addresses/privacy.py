"""Privacy coins: Monero and Zcash. Recognised, validated and flagged.

What can and cannot be traced is said in plain words in each result's notes
(the texts live in :mod:`cointrail.chains`).
"""

from __future__ import annotations

from cointrail.addresses import codecs
from cointrail.addresses.model import AddressDecodeError, Candidate
from cointrail.addresses.script import p2pkh_script, p2sh_script
from cointrail.chains import MAINNET, STAGENET, TESTNET

# Monero network bytes (cryptonote_config.h): (network, kind) for each prefix.
MONERO_PREFIXES = {
    18: (MAINNET, "standard"), 19: (MAINNET, "integrated"), 42: (MAINNET, "subaddress"),
    53: (TESTNET, "standard"), 54: (TESTNET, "integrated"), 63: (TESTNET, "subaddress"),
    24: (STAGENET, "standard"), 25: (STAGENET, "integrated"), 36: (STAGENET, "subaddress"),
}
MONERO_LENGTHS = {95: 69, 106: 77}  # characters -> bytes (prefix, keys, [payment id], checksum)

# Zcash transparent and Sprout prefixes are two bytes (zcash chainparams.cpp).
ZCASH_BASE58 = {
    b"\x1c\xb8": (MAINNET, "p2pkh"), b"\x1c\xbd": (MAINNET, "p2sh"),
    b"\x1d\x25": (TESTNET, "p2pkh"), b"\x1c\xba": (TESTNET, "p2sh"),
    b"\x16\x9a": (MAINNET, "sprout"), b"\x16\xb6": (TESTNET, "sprout"),
}
ZCASH_BECH32 = {  # hrp: (network, type, encoding, payload bytes or None for any)
    "zs": (MAINNET, "sapling", codecs.BECH32, 43),
    "ztestsapling": (TESTNET, "sapling", codecs.BECH32, 43),
    "u": (MAINNET, "unified", codecs.BECH32M, None),
    "utest": (TESTNET, "unified", codecs.BECH32M, None),
    "tex": (MAINNET, "tex", codecs.BECH32M, 20),
    "textest": (TESTNET, "tex", codecs.BECH32M, 20),
}


def parse_monero(text: str) -> list[Candidate]:
    """Candidates for a Monero standard, integrated or subaddress address."""
    if len(text) not in MONERO_LENGTHS:
        raise AddressDecodeError("a Monero address has 95 or 106 characters")
    raw = codecs.monero_base58_decode(text)
    body, checksum = raw[:-4], raw[-4:]
    if codecs.keccak256(body)[:4] != checksum:
        raise AddressDecodeError(
            "its Monero checksum (Keccak-256) does not match: a character is wrong, missing or swapped"
        )
    if raw[0] not in MONERO_PREFIXES:
        raise AddressDecodeError(f"its network byte {raw[0]} is not a Monero network")
    network, kind = MONERO_PREFIXES[raw[0]]
    if (kind == "integrated") != (len(text) == 106):
        raise AddressDecodeError("its length does not fit its Monero address type")
    return [Candidate("monero", network, kind, text, private=True)]


def parse_zcash_base58(text: str) -> list[Candidate]:
    """Candidates for a Zcash t-address (t1, t3, tm, t2) or Sprout z-address."""
    return zcash_base58_candidates(codecs.base58check_decode(text), text)


def zcash_base58_candidates(payload: bytes, text: str) -> list[Candidate]:
    """Candidates for an already decoded Base58Check payload, if it is Zcash's."""
    prefix, body = payload[:2], payload[2:]
    if prefix not in ZCASH_BASE58:
        raise AddressDecodeError("it is not a Zcash address")
    network, kind = ZCASH_BASE58[prefix]
    if kind == "sprout":
        if len(body) != 64:
            raise AddressDecodeError("a Zcash Sprout address holds 64 bytes")
        return [Candidate("zcash", network, "sprout", text, private=True)]
    if len(body) != 20:
        raise AddressDecodeError("a Zcash transparent address holds a 20-byte hash")
    script = p2pkh_script(body) if kind == "p2pkh" else p2sh_script(body)
    return [Candidate("zcash", network, kind, text, script.hex())]


def parse_zcash_bech32(text: str) -> list[Candidate]:
    """Candidates for a Zcash Sapling (zs1…), unified (u1…) or TEX (tex1…) address."""
    hrp, data, encoding = codecs.bech32_decode_long(text, max_length=None)
    if hrp not in ZCASH_BECH32:
        raise AddressDecodeError("it is not a Zcash shielded or unified address")
    network, kind, expected_encoding, size = ZCASH_BECH32[hrp]
    if encoding != expected_encoding:
        raise AddressDecodeError(f"a Zcash {kind} address uses {expected_encoding}, not {encoding}")
    payload = bytes(codecs.convert_bits(data, 5, 8, False))
    if size is not None and len(payload) != size:
        raise AddressDecodeError(f"a Zcash {kind} address holds {size} bytes, this one {len(payload)}")
    return [Candidate("zcash", network, kind, text.lower(), private=kind in ("sapling", "unified"))]
