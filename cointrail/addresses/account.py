"""Account-model addresses: Ethereum and the EVM chains (EIP-55), and Tron."""

from __future__ import annotations

import string

from cointrail.addresses import codecs
from cointrail.addresses.model import AddressDecodeError, Candidate
from cointrail.chains import EVM_CHAINS, MAINNET

HEX_DIGITS = frozenset(string.hexdigits)
# The XRP Ledger uses Base58Check with its own alphabet (xrpl.org, "Base58 Encodings").
XRP_ALPHABET = "rpshnaf39wBUDNEGHJKLM4PQRST7VWXYZ2bcdeCg65jkm8oFqi1tuvAxyz"
_TO_BITCOIN_ALPHABET = str.maketrans(XRP_ALPHABET, codecs.BASE58_ALPHABET)
TRON_VERSION = 0x41


def eip55_checksum(address_hex: str) -> str:
    """The EIP-55 mixed-case spelling of a 40-hex-digit address (with ``0x``)."""
    lower = address_hex.lower()
    digest = codecs.keccak256(lower.encode("ascii")).hex()
    return "0x" + "".join(
        ch.upper() if ch.isalpha() and int(digest[i], 16) >= 8 else ch for i, ch in enumerate(lower)
    )


def parse_evm(text: str) -> tuple[list[Candidate], bool]:
    """Candidates for a ``0x…`` account address on every EVM chain, and whether checksummed.

    All-lower and all-upper hex carry no checksum (EIP-55 allows them); a mixed
    case spelling must match its EIP-55 checksum exactly.
    """
    if len(text) != 42 or text[:2] not in ("0x", "0X"):
        raise AddressDecodeError("an EVM address is 0x followed by 40 hexadecimal digits")
    digits = text[2:]
    if not all(ch in HEX_DIGITS for ch in digits):
        raise AddressDecodeError("it contains characters that are not hexadecimal digits")
    checksummed = eip55_checksum(digits)
    has_checksum = digits != digits.lower() and digits != digits.upper()
    if has_checksum and "0x" + digits != checksummed:
        raise AddressDecodeError(
            "its mixed upper and lower case does not match the EIP-55 checksum: "
            "a character is wrong, or the case was changed"
        )
    return [Candidate(chain, MAINNET, "account", checksummed) for chain in EVM_CHAINS], has_checksum


def parse_tron(text: str) -> list[Candidate]:
    """Candidates for a Tron ``T…`` address (Base58Check, version 0x41)."""
    return tron_candidates(codecs.base58check_decode(text), text)


def tron_candidates(payload: bytes, text: str) -> list[Candidate]:
    """Candidates for an already decoded Base58Check payload, if it is Tron's."""
    if len(payload) != 21 or payload[0] != TRON_VERSION:
        raise AddressDecodeError("it is not a Tron address (21 bytes starting with 0x41)")
    hex_form = "0x" + payload[1:].hex()
    return [Candidate("tron", MAINNET, "account", text, also_written=(hex_form,))]


def parse_xrp(text: str) -> list[Candidate]:
    """Candidates for a classic XRP Ledger account address (``r…``)."""
    if not text.startswith("r") or any(ch not in XRP_ALPHABET for ch in text):
        raise AddressDecodeError("it is not an XRP Ledger address")
    payload = codecs.base58check_decode(text.translate(_TO_BITCOIN_ALPHABET))
    if len(payload) != 21 or payload[0] != 0:
        raise AddressDecodeError("it is not an XRP Ledger account address (21 bytes starting with 0x00)")
    return [Candidate("xrp", MAINNET, "account", text)]


def tron_to_hex(text: str) -> str:
    """A Tron ``T…`` address in the 21-byte hex form Tron's API uses (``41…``, 42 hex digits)."""
    payload = codecs.base58check_decode(text)
    if len(payload) != 21 or payload[0] != TRON_VERSION:
        raise AddressDecodeError("it is not a Tron address (21 bytes starting with 0x41)")
    return payload.hex()


def tron_from_hex(hex_form: str) -> str:
    """The ``T…`` spelling of a Tron address given as ``41``+40 hex digits, or as an EVM-style ``0x``+40 hex digits
    (the same 20-byte account: Tron's JSON-RPC shows it that way)."""
    digits = hex_form.lower().removeprefix("0x")
    if len(digits) == 40:
        digits = f"{TRON_VERSION:02x}" + digits
    if len(digits) != 42 or not digits.startswith("41") or not all(ch in HEX_DIGITS for ch in digits):
        raise AddressDecodeError("a Tron address in hex is 41 followed by 40 hexadecimal digits")
    return codecs.base58check_encode(bytes.fromhex(digits))
