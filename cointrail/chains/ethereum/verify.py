"""Checks on what an Ethereum node reports: recomputed hashes must equal the ones it gives (issue 16)."""

from __future__ import annotations

from typing import Any

from cointrail.chains.ethereum import hashes, keys
from cointrail.errors import CointrailError


class EvmVerificationError(CointrailError):
    """A node's answer does not match its own hashes: a damaged or dishonest source."""


def check_block(block: dict[str, Any]) -> dict[str, tuple[str, str]]:
    """Raise unless the block hash and every transaction hash recompute from the fields given, and every
    transaction's signer is the sender named; returns each sender's compressed public key (hex) with the hash of its
    first transaction in the block."""
    if hashes.block_hash(block).hex() != block["hash"].removeprefix("0x"):
        number = int(block["number"], 16)
        raise EvmVerificationError(f"block {number}: its header fields do not hash to {block['hash']}")
    senders: dict[str, tuple[str, str]] = {}
    for tx in block["transactions"]:
        unsigned = hashes.unsigned_payload(tx)  # encoded once for both checks
        if hashes.transaction_hash(tx, unsigned).hex() != tx["hash"].removeprefix("0x"):
            raise EvmVerificationError(f"transaction {tx['hash']}: its fields do not hash to its hash")
        try:
            key = keys.public_key(tx, unsigned)
        except keys.SignatureError as error:
            raise EvmVerificationError(str(error)) from error
        senders.setdefault(tx["from"].lower(), (key.hex(), tx["hash"]))
    return senders


def check_receipts(block: dict[str, Any], receipts: list[dict[str, Any]]) -> None:
    """Raise unless the receipts are the block's transactions', one each, in order."""
    if [r["transactionHash"] for r in receipts] != [tx["hash"] for tx in block["transactions"]]:
        raise EvmVerificationError(f"block {int(block['number'], 16)}: the receipts are not its transactions'")
