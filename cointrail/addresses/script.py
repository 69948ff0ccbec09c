"""scriptPubKeys: what an address stands for on a Bitcoin-family ledger.

Ledger data speak in scripts, evidence speaks in addresses; both meet here.
:func:`script_for` builds the script of a decoded destination and
:func:`address_for_script` goes back, for one chain and network.
"""

from __future__ import annotations

import hashlib

from cointrail.addresses import codecs
from cointrail.chains import UtxoNetwork, utxo_network

OP_0 = 0x00
OP_1 = 0x51
OP_DUP = 0x76
OP_HASH160 = 0xA9
OP_HASH256 = 0xAA
OP_EQUAL = 0x87
OP_EQUALVERIFY = 0x88
OP_CHECKSIG = 0xAC
OP_RETURN = 0x6A


def p2pkh_script(key_hash: bytes) -> bytes:
    return bytes([OP_DUP, OP_HASH160, 20]) + key_hash + bytes([OP_EQUALVERIFY, OP_CHECKSIG])


# The sizes Bitcoin Core accepts for a public key by its first byte (CPubKey::GetLen): compressed 02/03,
# uncompressed 04, hybrid 06/07. A P2PK script with anything else is not a key's, and gets no address.
PUBKEY_SIZES = {2: 33, 3: 33, 4: 65, 6: 65, 7: 65}


def hash160(data: bytes) -> bytes:
    """RIPEMD-160 of SHA-256: what a P2PKH script commits to (pycryptodome where OpenSSL lacks RIPEMD-160)."""
    digest = hashlib.sha256(data).digest()
    try:
        return hashlib.new("ripemd160", digest).digest()
    except ValueError:
        from Crypto.Hash import RIPEMD160

        return RIPEMD160.new(digest).digest()


def is_pubkey(data: bytes) -> bool:
    """Whether ``data`` has the size its first byte asks of a public key (not whether it is on the curve)."""
    return len(data) > 0 and PUBKEY_SIZES.get(data[0]) == len(data)


def pubkey_from_hex(text: str) -> bytes | None:
    """The public key a hex string spells (33 or 65 bytes, as written in a P2PK script), or None."""
    text = text.strip()
    if len(text) not in (66, 130) or any(c not in "0123456789abcdefABCDEF" for c in text):
        return None
    key = bytes.fromhex(text)
    return key if is_pubkey(key) else None


def p2pk_script(pubkey: bytes) -> bytes:
    """The pay-to-public-key script of a key: the key pushed, then OP_CHECKSIG."""
    return bytes([len(pubkey)]) + pubkey + bytes([OP_CHECKSIG])


def p2sh_script(script_hash: bytes) -> bytes:
    if len(script_hash) == 32:  # Bitcoin Cash P2SH32 (May 2023 upgrade)
        return bytes([OP_HASH256, 32]) + script_hash + bytes([OP_EQUAL])
    return bytes([OP_HASH160, 20]) + script_hash + bytes([OP_EQUAL])


def witness_script(version: int, program: bytes) -> bytes:
    opcode = OP_0 if version == 0 else OP_1 + version - 1
    return bytes([opcode, len(program)]) + program


def witness_type(version: int, program: bytes) -> str:
    """Name of a segwit output type (BIP 141, BIP 341)."""
    if version == 0 and len(program) == 20:
        return "p2wpkh"
    if version == 0 and len(program) == 32:
        return "p2wsh"
    if version == 1 and len(program) == 32:
        return "p2tr"
    return "witness_unknown"


def classify_script(script: bytes) -> tuple[str, bytes | tuple[int, bytes] | None]:
    """Recognise a standard output script: (type, hash or (version, program))."""
    n = len(script)
    if n == 25 and script[:3] == bytes([OP_DUP, OP_HASH160, 20]) and script[23:] == bytes(
        [OP_EQUALVERIFY, OP_CHECKSIG]
    ):
        return "p2pkh", script[3:23]
    if n == 23 and script[:2] == bytes([OP_HASH160, 20]) and script[22] == OP_EQUAL:
        return "p2sh", script[2:22]
    if n == 35 and script[:2] == bytes([OP_HASH256, 32]) and script[34] == OP_EQUAL:
        return "p2sh", script[2:34]
    witness = _witness_program(script)
    if witness is not None:
        return witness_type(*witness), witness
    if n in (35, 67) and script[0] == n - 2 and script[-1] == OP_CHECKSIG:
        return "p2pk", script[1:-1]
    if n >= 1 and script[0] == OP_RETURN:
        return "nulldata", None
    return "nonstandard", None


def _witness_program(script: bytes) -> tuple[int, bytes] | None:
    """(version, program) of a segwit output script (BIP 141), else None."""
    n = len(script)
    if not 4 <= n <= 42 or script[1] != n - 2:
        return None
    if script[0] == OP_0:
        return (0, script[2:]) if n - 2 in (20, 32) else None
    if OP_1 <= script[0] <= OP_1 + 15:
        return script[0] - OP_1 + 1, script[2:]
    return None


def _encode_hash(params: UtxoNetwork, kind: str, digest: bytes) -> str:
    if params.cashaddr_prefix:
        return codecs.cashaddr_encode(params.cashaddr_prefix, 0 if kind == "p2pkh" else 1, digest)
    versions = params.p2pkh if kind == "p2pkh" else params.p2sh
    return codecs.base58check_encode(bytes([versions[0]]) + digest)


def address_for_script(script: bytes, chain: str, network: str) -> str | None:
    """The address an output script pays to on a chain and network, or None.

    P2PK outputs (early coinbases) have no address of their own; like block
    explorers, cointrail does not invent one. Bitcoin Cash addresses are given
    in CashAddr, the form its wallets show.
    """
    params = utxo_network(chain, network)
    kind, body = classify_script(script)
    if kind in ("p2pkh", "p2sh") and isinstance(body, bytes):
        if len(body) == 32 and not params.cashaddr_prefix:
            return None
        return _encode_hash(params, kind, body)
    if isinstance(body, tuple) and params.bech32_hrp:
        version, program = body
        encoding = codecs.BECH32 if version == 0 else codecs.BECH32M
        data = [version] + codecs.convert_bits(program, 8, 5, True)
        return codecs.bech32_encode(params.bech32_hrp, data, encoding)
    return None
