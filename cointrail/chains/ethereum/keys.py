"""The public key behind an Ethereum account, recovered from a transaction's signature (issue 16: same key, any chain).

A transaction is signed over keccak-256 of its unsigned encoding (legacy: EIP-155's ``[..., chainId, 0, 0]`` when
``v`` is 35 or more; typed: the type byte and the list without the signature). The signature gives back the
signer's secp256k1 public key, and the account is the last 20 bytes of keccak-256 of that key: so recovering it
also proves the sender the node names. One key is also a Bitcoin or Litecoin address (P2PKH of the compressed or
uncompressed key, P2WPKH of the compressed one): no heuristic is needed to say the same person holds both (Stütz et
al., FC 2026, found over 1.6 M keys reused across these chains), though anyone who ever held the key could have
used it on either chain.
"""

from __future__ import annotations

from typing import Any

from embit.util import secp256k1

from cointrail.addresses.codecs import keccak256
from cointrail.addresses.script import address_for_script, hash160, p2pkh_script, witness_script
from cointrail.chains.ethereum import rlp
from cointrail.chains.ethereum.hashes import hexint, unsigned_payload

SAME_KEY_CHAINS = (("bitcoin", "mainnet"), ("litecoin", "mainnet"))


class SignatureError(ValueError):
    """A signature that yields no key, or a key that is not the named sender's."""


def signing_hash(tx: dict[str, Any], unsigned: tuple[int, bytes] | None = None) -> bytes:
    """keccak-256 of what the sender signed (``unsigned``: the transaction's :func:`unsigned_payload`, when built)."""
    kind, payload = unsigned or unsigned_payload(tx)
    if kind == 0:
        v = hexint(tx["v"])
        if v >= 35:  # EIP-155: the chain id is signed too, then two empty strings
            payload += rlp.encode(rlp.uint((v - 35) // 2)) + rlp.encode(b"") * 2
        return keccak256(rlp.wrap_list(payload))
    return keccak256(bytes([kind]) + rlp.wrap_list(payload))


def public_key(tx: dict[str, Any], unsigned: tuple[int, bytes] | None = None) -> bytes:
    """The sender's compressed public key, checked to be the key of ``tx["from"]`` (``unsigned``: the
    transaction's :func:`unsigned_payload`, when already built)."""
    parity = hexint(tx.get("yParity", tx.get("v")))
    recid = parity if hexint(tx.get("type", "0x0")) else (parity - 35) % 2 if parity >= 35 else parity - 27
    compact = hexint(tx["r"]).to_bytes(32, "big") + hexint(tx["s"]).to_bytes(32, "big")
    try:
        signature = secp256k1.ecdsa_recoverable_signature_parse_compact(compact, recid)
        key = secp256k1.ecdsa_recover(signature, signing_hash(tx, unsigned))
    except (ValueError, RuntimeError) as error:
        raise SignatureError(f"transaction {tx['hash']}: its signature yields no public key ({error})") from error
    full = bytes(secp256k1.ec_pubkey_serialize(key, secp256k1.EC_UNCOMPRESSED))
    if "0x" + keccak256(full[1:])[12:].hex() != tx["from"].lower():
        raise SignatureError(f"transaction {tx['hash']}: its signature is not {tx['from']}'s")
    return bytes([2 + (full[64] & 1)]) + full[1:33]  # SEC 1 compressed: the parity of y, then x


def same_key_addresses(compressed: bytes) -> list[dict[str, str]]:
    """The Bitcoin and Litecoin addresses of the same key: P2WPKH and P2PKH of the compressed key, P2PKH of the
    uncompressed one (wallets before 2012 used it)."""
    full = bytes(secp256k1.ec_pubkey_serialize(secp256k1.ec_pubkey_parse(compressed), secp256k1.EC_UNCOMPRESSED))
    found = []
    for chain, network in SAME_KEY_CHAINS:
        for kind, script in (("p2wpkh", witness_script(0, hash160(compressed))),
                             ("p2pkh", p2pkh_script(hash160(compressed))),
                             ("p2pkh-uncompressed", p2pkh_script(hash160(full)))):  # fmt: skip
            address = address_for_script(script, chain, network)
            if address:
                found.append({"chain": chain, "network": network, "type": kind, "address": address})
    return found
