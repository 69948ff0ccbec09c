"""Recognise an address string: try each encoding its shape allows, keep every reading."""

from __future__ import annotations

import functools
from collections.abc import Callable

from cointrail.addresses import account, codecs, privacy, utxo
from cointrail.addresses.model import AddressDecodeError, AddressInfo, Candidate
from cointrail.chains import (
    MAINNET,
    MONERO_NOTE,
    MWEB_NOTE,
    UTXO_NETWORKS,
    ZCASH_SHIELDED_NOTE,
    ZCASH_TRANSPARENT_NOTE,
)

Decoder = Callable[[str], list[Candidate]]

_SEGWIT_HRPS = frozenset(n.bech32_hrp for n in UTXO_NETWORKS if n.bech32_hrp)
_MWEB_HRPS = frozenset(n.mweb_hrp for n in UTXO_NETWORKS if n.mweb_hrp)
_CASHADDR_PREFIXES = frozenset(n.cashaddr_prefix for n in UTXO_NETWORKS if n.cashaddr_prefix)
_BASE58 = frozenset(codecs.BASE58_ALPHABET)
_BECH32 = frozenset(codecs.BECH32_CHARSET)
_XRP = frozenset(account.XRP_ALPHABET)
MAX_ADDRESS_LENGTH = 2048  # Zcash unified addresses run to a few hundred characters

UNCHECKSUMMED_NOTE = (
    "Written all in lower (or upper) case, so it carries no EIP-55 checksum: a mistyped "
    "character would not be detected. Compare it with its source character by character."
)
TEST_NETWORK_NOTE = "A test-network address: it holds no real money."


def _decoders_for(text: str) -> list[Decoder]:
    """The decoders worth trying for a string of this shape, most specific first."""
    lower = text.lower()
    if lower.startswith("0x"):
        return []  # handled separately: EVM parsing also reports the checksum state
    if ":" in text:
        return [utxo.parse_cashaddr] if lower.split(":")[0] in _CASHADDR_PREFIXES else []
    decoders: list[Decoder] = []
    hrp = lower[: lower.rfind("1")] if "1" in lower else ""
    if hrp in _SEGWIT_HRPS:
        decoders.append(utxo.parse_segwit)
    if hrp in _MWEB_HRPS:
        decoders.append(utxo.parse_mweb)
    if hrp in privacy.ZCASH_BECH32:
        decoders.append(privacy.parse_zcash_bech32)
    if lower[:1] in "qpzr" and all(ch in _BECH32 for ch in lower) and len(text) in (42, 54, 61, 67):
        decoders.append(utxo.parse_cashaddr)
    if all(ch in _BASE58 for ch in text):
        if len(text) in privacy.MONERO_LENGTHS:
            decoders.append(privacy.parse_monero)
        decoders.append(_parse_base58check)
    if text[:1] == "r" and all(ch in _XRP for ch in text):
        decoders.append(account.parse_xrp)
    return decoders


def _parse_base58check(text: str) -> list[Candidate]:
    """Decode Base58Check once, then read the payload as each currency that uses it."""
    payload = codecs.base58check_decode(text)
    candidates: list[Candidate] = []
    reasons = []
    for read in (utxo.base58_candidates, account.tron_candidates, privacy.zcash_base58_candidates):
        try:
            candidates += read(payload, text)
        except AddressDecodeError as error:
            reasons.append(error)
    if not candidates:
        raise reasons[0]
    return candidates


def _notes(candidates: list[Candidate], checksummed: bool) -> tuple[str, ...]:
    chains = list(dict.fromkeys(c.chain for c in candidates))
    notes = []
    if any(c.chain == "monero" for c in candidates):
        notes.append(MONERO_NOTE)
    if any(c.type == "mweb" for c in candidates):
        notes.append(MWEB_NOTE)
    if any(c.chain == "zcash" for c in candidates):
        notes.append(ZCASH_SHIELDED_NOTE if any(c.private for c in candidates) else ZCASH_TRANSPARENT_NOTE)
    if len(chains) > 1 and not any(c.type == "account" for c in candidates):
        notes.append(
            f"Valid on several chains ({', '.join(chains)}): the same string can receive money on "
            "each of them, so check every one of these ledgers."
        )
    if all(c.type == "account" and c.chain != "tron" for c in candidates) and len(chains) > 1:
        notes.append(
            "An EVM account address: the same address exists on Ethereum and every EVM chain "
            f"({', '.join(chains)}); check each chain's ledger."
        )
    if not checksummed:
        notes.append(UNCHECKSUMMED_NOTE)
    if all(c.network != MAINNET for c in candidates):
        notes.append(TEST_NETWORK_NOTE)
    return tuple(notes)


def _decode(text: str) -> tuple[list[Candidate], bool, list[str]]:
    if text.lower().startswith("0x"):
        try:
            evm, checksummed = account.parse_evm(text)
            return evm, checksummed, []
        except AddressDecodeError as error:
            return [], True, [str(error)]
    candidates: list[Candidate] = []
    reasons = []
    for decoder in _decoders_for(text):
        try:
            candidates += decoder(text)
        except AddressDecodeError as error:
            reasons.append(str(error))
    return candidates, True, reasons


def parse_address(text: str) -> AddressInfo:
    """Recognise, validate and normalise one address string.

    Never raises for bad input: an invalid string gives ``valid == False`` and
    a ``reason`` in plain words.
    """
    cleaned = text.strip()
    if not cleaned:
        return AddressInfo(text, reason="it is empty")
    if len(cleaned) > MAX_ADDRESS_LENGTH:
        return AddressInfo(text, reason="it is far longer than any address")
    candidates, checksummed, reasons = _decode(cleaned)
    if not candidates:
        reason = reasons[0] if reasons else "it does not have the shape of any address cointrail knows"
        return AddressInfo(text, reason=reason)
    return AddressInfo(text, tuple(candidates), None, _notes(candidates, checksummed), checksummed)


_UTXO_CHAINS = frozenset(n.chain for n in UTXO_NETWORKS)
_OTHER_HRPS = _SEGWIT_HRPS | _MWEB_HRPS | frozenset(privacy.ZCASH_BECH32)
# Longer strings may be Monero or CashAddr (_decoders_for); Base58Check P2PKH/P2SH addresses are 25 to 35 characters.
_BASE58_ONLY_MAX = min(40, *privacy.MONERO_LENGTHS, 42)


def base58_readings(text: str, chains: tuple[str, ...]) -> tuple[tuple[str, ...], str] | None:
    """The chains (of ``chains``) and network(s) a valid Base58Check P2PKH/P2SH string reads as there, or None.

    A fast path for bulk label imports (issue 22): the same chains and networks,
    in the same order, as :func:`parse_address`'s candidates on those chains,
    without computing every other spelling of the address (CashAddr etc.), which
    is most of the parser's time. None whenever the full parser must decide:
    another shape, a string other decoders could also read, a failed checksum
    (its reason comes from :func:`parse_address`), chains outside the Bitcoin
    family, a version byte of none of ``chains``.
    """
    cleaned = text.strip()
    if not 0 < len(cleaned) < _BASE58_ONLY_MAX or not _UTXO_CHAINS.issuperset(chains):
        return None
    # The shape test of _decoders_for, for a string only Base58Check can read: Base58 (so no "0x", no ":"), not
    # XRP's "r…", no segwit/MWEB/Zcash prefix before its last "1", too short for CashAddr and Monero.
    if cleaned[0] == "r" or not _BASE58.issuperset(cleaned):
        return None
    lower = cleaned.lower()
    if "1" in lower and lower[: lower.rfind("1")] in _OTHER_HRPS:
        return None
    try:
        payload = codecs.base58check_decode(cleaned)
    except AddressDecodeError:
        return None
    return _version_readings(payload[0], chains) if len(payload) == 21 else None


@functools.lru_cache(maxsize=1024)
def _version_readings(version: int, chains: tuple[str, ...]) -> tuple[tuple[str, ...], str] | None:
    """As utxo.base58_candidates: the networks (in UTXO_NETWORKS order) whose P2PKH or P2SH version it is."""
    found = [n for n in UTXO_NETWORKS if n.chain in chains and (version in n.p2pkh or version in n.p2sh)]
    if not found:
        return None
    return tuple(dict.fromkeys(n.chain for n in found)), "|".join(dict.fromkeys(n.network for n in found))
