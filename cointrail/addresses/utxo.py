"""Addresses of the Bitcoin family: Bitcoin, Litecoin, Dogecoin, Bitcoin Cash, Dash.

Legacy Base58Check (P2PKH, P2SH), segwit Bech32/Bech32m (BIP 173/350),
Litecoin MWEB stealth addresses, and Bitcoin Cash CashAddr.
"""

from __future__ import annotations

from cointrail.addresses import codecs
from cointrail.addresses.model import AddressDecodeError, Candidate
from cointrail.addresses.script import p2pkh_script, p2sh_script, witness_script, witness_type
from cointrail.chains import MWEB_NOTE, UTXO_NETWORKS, UtxoNetwork, utxo_networks

# A Litecoin MWEB address is two compressed public keys (scan, spend).
MWEB_PAYLOAD_BYTES = 66
MWEB_MAX_LENGTH = 1024  # Litecoin's key_io decodes MWEB with a raised limit


def _other_encodings(params: UtxoNetwork, kind: str, digest: bytes, written: str) -> tuple[str, ...]:
    forms = []
    versions = params.p2pkh if kind == "p2pkh" else params.p2sh
    if len(digest) == 20:
        forms += [codecs.base58check_encode(bytes([v]) + digest) for v in versions]
    if params.cashaddr_prefix:
        forms.append(codecs.cashaddr_encode(params.cashaddr_prefix, 0 if kind == "p2pkh" else 1, digest))
    return tuple(form for form in forms if form != written)


def _hash_candidate(params: UtxoNetwork, kind: str, digest: bytes, written: str) -> Candidate:
    script = p2pkh_script(digest) if kind == "p2pkh" else p2sh_script(digest)
    return Candidate(
        chain=params.chain,
        network=params.network,
        type=kind,
        normalized=written,
        script_pubkey=script.hex(),
        also_written=_other_encodings(params, kind, digest, written),
    )


def parse_base58(text: str) -> list[Candidate]:
    """Candidates for a Base58Check P2PKH/P2SH address on every Bitcoin-family chain."""
    return base58_candidates(codecs.base58check_decode(text), text)


def base58_candidates(payload: bytes, text: str) -> list[Candidate]:
    """Candidates for an already decoded Base58Check payload (version byte + hash)."""
    if len(payload) != 21:
        raise AddressDecodeError(
            f"it decodes to {len(payload)} bytes, but a P2PKH or P2SH address holds 21"
        )
    version, digest = payload[0], payload[1:]
    found = []
    for params in UTXO_NETWORKS:
        if version in params.p2pkh:
            found.append(_hash_candidate(params, "p2pkh", digest, text))
        elif version in params.p2sh:
            found.append(_hash_candidate(params, "p2sh", digest, text))
    if not found:
        raise AddressDecodeError(f"its version byte 0x{version:02x} belongs to no currency cointrail knows")
    return found


def _networks_with_hrp(hrp: str, attribute: str) -> list[UtxoNetwork]:
    return [n for n in UTXO_NETWORKS if getattr(n, attribute) == hrp]


def parse_segwit(text: str) -> list[Candidate]:
    """Candidates for a Bech32/Bech32m segwit address (BIP 173, BIP 350)."""
    hrp, data, encoding = codecs.bech32_decode_long(text, max_length=90)
    networks = _networks_with_hrp(hrp, "bech32_hrp")
    if not networks:
        raise AddressDecodeError(f"its prefix {hrp!r} is not a segwit prefix cointrail knows")
    if not data:
        raise AddressDecodeError("it carries no witness version")
    version, program = data[0], bytes(codecs.convert_bits(data[1:], 5, 8, False))
    _check_witness_program(version, program, encoding)
    normalized = text.lower()
    script = witness_script(version, program).hex()
    kind = witness_type(version, program)
    return [Candidate(n.chain, n.network, kind, normalized, script) for n in networks]


def _check_witness_program(version: int, program: bytes, encoding: str) -> None:
    if version > 16:
        raise AddressDecodeError(f"its witness version {version} does not exist (0 to 16)")
    if not 2 <= len(program) <= 40:
        raise AddressDecodeError(f"its witness program is {len(program)} bytes (2 to 40 allowed)")
    if version == 0 and len(program) not in (20, 32):
        raise AddressDecodeError("a version 0 witness program must be 20 or 32 bytes")
    expected = codecs.BECH32 if version == 0 else codecs.BECH32M
    if encoding != expected:
        raise AddressDecodeError(
            f"a version {version} segwit address must use {expected}, not {encoding} (BIP 350)"
        )


def parse_mweb(text: str) -> list[Candidate]:
    """Candidates for a Litecoin MWEB stealth address (ltcmweb1…, tmweb1…)."""
    hrp, data, encoding = codecs.bech32_decode_long(text, max_length=MWEB_MAX_LENGTH)
    networks = _networks_with_hrp(hrp, "mweb_hrp")
    if not networks or encoding != codecs.BECH32:
        raise AddressDecodeError("it is not a Litecoin MWEB address")
    if not data or data[0] != 0:
        raise AddressDecodeError("its MWEB address version is not 0")
    payload = bytes(codecs.convert_bits(data[1:], 5, 8, False))
    if len(payload) != MWEB_PAYLOAD_BYTES:
        raise AddressDecodeError(f"an MWEB address holds {MWEB_PAYLOAD_BYTES} bytes, this one {len(payload)}")
    return [Candidate(n.chain, n.network, "mweb", text.lower(), None, private=True) for n in networks]


MWEB_NOTES = (MWEB_NOTE,)

_CASHADDR_KINDS = {0: "p2pkh", 1: "p2sh", 2: "p2pkh", 3: "p2sh"}  # 2, 3: CashTokens-aware


def parse_cashaddr(text: str) -> list[Candidate]:
    """Candidates for a Bitcoin Cash CashAddr address, with or without its prefix."""
    bch = utxo_networks("bitcoin-cash")
    has_prefix = ":" in text
    errors = []
    for params in bch:
        assert params.cashaddr_prefix
        if has_prefix and text.lower().split(":")[0] != params.cashaddr_prefix:
            continue
        try:
            prefix, kind, digest = codecs.cashaddr_decode(text, params.cashaddr_prefix)
        except AddressDecodeError as error:
            errors.append(error)
            continue
        if kind not in _CASHADDR_KINDS:
            raise AddressDecodeError(f"its CashAddr type {kind} is not a known address type")
        normalized = f"{prefix}:{text.lower().rpartition(':')[2]}"
        script = (p2pkh_script(digest) if _CASHADDR_KINDS[kind] == "p2pkh" else p2sh_script(digest)).hex()
        legacy: tuple[str, ...] = ()
        if len(digest) == 20:
            versions = params.p2pkh if _CASHADDR_KINDS[kind] == "p2pkh" else params.p2sh
            legacy = (codecs.base58check_encode(bytes([versions[0]]) + digest),)
        return [Candidate("bitcoin-cash", params.network, _CASHADDR_KINDS[kind], normalized, script,
                          also_written=legacy)]
    if errors:
        raise errors[0]
    raise AddressDecodeError("its prefix is not a Bitcoin Cash CashAddr prefix")
