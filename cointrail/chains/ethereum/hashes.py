"""Hashes of Ethereum objects recomputed from the fields a node reports (issue 16).

A transaction's hash is keccak-256 of its signed encoding: legacy transactions are an RLP list, typed ones
(EIP-2718) a type byte then an RLP list (EIP-2930 type 1, EIP-1559 type 2, EIP-4844 type 3, EIP-7702 type 4).
A block's hash is keccak-256 of its header's RLP list, whose fields grew fork by fork (London's base fee,
Shanghai's withdrawals root, Cancun's blob gas and beacon root, Prague's requests hash): the fields a node
reports are encoded in that order and those it omits are left out, as the header itself omits them.
"""

from __future__ import annotations

from typing import Any

from cointrail.addresses.codecs import keccak256
from cointrail.chains.ethereum import rlp


def hexbytes(text: str | None) -> bytes:
    if not text:
        return b""
    return bytes.fromhex(text[2:] if text.startswith("0x") else text)


def hexint(text: str | int | None) -> int:
    if text is None:
        return 0
    return text if isinstance(text, int) else int(text, 16)


def _access_list(entries: list[dict[str, Any]] | None) -> list[Any]:
    return [[hexbytes(e["address"]), [hexbytes(k) for k in e["storageKeys"]]] for e in entries or []]


def _authorizations(entries: list[dict[str, Any]] | None) -> list[Any]:
    return [[rlp.uint(hexint(a["chainId"])), hexbytes(a["address"]), rlp.uint(hexint(a["nonce"])),
             rlp.uint(hexint(a.get("yParity", a.get("v")))), rlp.uint(hexint(a["r"])), rlp.uint(hexint(a["s"]))]
            for a in entries or []]  # fmt: skip


def _signature(tx: dict[str, Any]) -> list[bytes]:
    parity = tx.get("yParity", tx.get("v"))
    return [rlp.uint(hexint(parity)), rlp.uint(hexint(tx["r"])), rlp.uint(hexint(tx["s"]))]


def unsigned_fields(tx: dict[str, Any]) -> tuple[int, list[rlp.Item]]:
    """The transaction's type and its RLP fields without the signature, from a node's transaction object."""
    kind = hexint(tx.get("type", "0x0"))
    to = hexbytes(tx.get("to"))
    common = [rlp.uint(hexint(tx["nonce"]))]
    if kind == 0:
        return kind, [*common, rlp.uint(hexint(tx["gasPrice"])), rlp.uint(hexint(tx["gas"])), to,
                      rlp.uint(hexint(tx["value"])), hexbytes(tx["input"])]  # fmt: skip
    chain = [rlp.uint(hexint(tx["chainId"]))]
    if kind == 1:
        body = [*common, rlp.uint(hexint(tx["gasPrice"])), rlp.uint(hexint(tx["gas"])), to,
                rlp.uint(hexint(tx["value"])), hexbytes(tx["input"]), _access_list(tx.get("accessList"))]  # fmt: skip
    elif kind in (2, 3, 4):
        body = [*common, rlp.uint(hexint(tx["maxPriorityFeePerGas"])), rlp.uint(hexint(tx["maxFeePerGas"])),
                rlp.uint(hexint(tx["gas"])), to, rlp.uint(hexint(tx["value"])), hexbytes(tx["input"]),
                _access_list(tx.get("accessList"))]  # fmt: skip
        if kind == 3:
            body += [rlp.uint(hexint(tx["maxFeePerBlobGas"])), [hexbytes(h) for h in tx["blobVersionedHashes"]]]
        if kind == 4:
            body.append(_authorizations(tx.get("authorizationList")))
    else:
        raise ValueError(f"transaction type {kind} is not known to cointrail")
    return kind, [*chain, *body]


def unsigned_payload(tx: dict[str, Any]) -> tuple[int, bytes]:
    """The transaction's type and the RLP encodings of its unsigned fields, concatenated (the payload of the lists
    both the signed encoding and the signing hash wrap, so that the fields are encoded once for both)."""
    kind, fields = unsigned_fields(tx)
    return kind, b"".join(rlp.encode(field) for field in fields)


def signed_encoding(tx: dict[str, Any], unsigned: tuple[int, bytes] | None = None) -> bytes:
    """The signed transaction's bytes, rebuilt from a node's ``eth_getTransactionByHash``-style object
    (``unsigned``: its :func:`unsigned_payload`, when already built)."""
    kind, payload = unsigned or unsigned_payload(tx)
    if kind == 0:
        signature = [rlp.uint(hexint(tx["v"])), rlp.uint(hexint(tx["r"])), rlp.uint(hexint(tx["s"]))]
        return rlp.wrap_list(payload + b"".join(rlp.encode(part) for part in signature))
    return bytes([kind]) + rlp.wrap_list(payload + b"".join(rlp.encode(part) for part in _signature(tx)))


def transaction_hash(tx: dict[str, Any], unsigned: tuple[int, bytes] | None = None) -> bytes:
    """keccak-256 of the signed encoding rebuilt from the node's fields."""
    return keccak256(signed_encoding(tx, unsigned))


HEADER_FIELDS: tuple[tuple[str, str], ...] = (
    ("parentHash", "b"), ("sha3Uncles", "b"), ("miner", "b"), ("stateRoot", "b"), ("transactionsRoot", "b"),
    ("receiptsRoot", "b"), ("logsBloom", "b"), ("difficulty", "i"), ("number", "i"), ("gasLimit", "i"),
    ("gasUsed", "i"), ("timestamp", "i"), ("extraData", "b"), ("mixHash", "b"), ("nonce", "b"),
    ("baseFeePerGas", "i"), ("withdrawalsRoot", "b"), ("blobGasUsed", "i"), ("excessBlobGas", "i"),
    ("parentBeaconBlockRoot", "b"), ("requestsHash", "b"),
)  # fmt: skip


def block_hash(block: dict[str, Any]) -> bytes:
    """keccak-256 of the header rebuilt from an ``eth_getBlockByNumber`` object's fields."""
    fields: list[rlp.Item] = []
    for name, kind in HEADER_FIELDS:
        if name not in block or block[name] is None:
            break  # later fields exist only after the forks that added them
        fields.append(hexbytes(block[name]) if kind == "b" else rlp.uint(hexint(block[name])))
    return keccak256(rlp.encode(fields))
