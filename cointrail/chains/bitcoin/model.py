"""The Bitcoin family's value objects: blocks, transactions, inputs and outputs, raw and placed blocks.

Immutable, chain-agnostic within the Bitcoin family. Hashes are kept as raw
bytes in *internal* byte order (as serialized); :func:`display_hash` gives the
reversed hex that nodes and explorers show. Amounts are integers in base units
(satoshis, litoshis): never floats.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from cointrail.chains.bitcoin.hashes import double_sha256

HEADER_SIZE = 80  # bytes of a serialized block header


def display_hash(internal: bytes) -> str:
    """Hex of a txid or block hash as nodes and explorers show it (byte-reversed)."""
    return internal[::-1].hex()


def internal_hash(display: str) -> bytes:
    """Bytes of a displayed txid or block hash, in serialized (internal) order."""
    return bytes.fromhex(display)[::-1]


@dataclass(frozen=True, slots=True)
class TxIn:
    """A spend of an earlier output (``prev_txid``, ``prev_vout``); coinbase inputs have no previous output."""

    prev_txid: bytes  # internal order; 32 zero bytes for a coinbase
    prev_vout: int  # 0xFFFFFFFF for a coinbase
    script_sig: bytes
    sequence: int
    witness: tuple[bytes, ...] = ()

    @property
    def is_coinbase(self) -> bool:
        return self.prev_vout == 0xFFFFFFFF and self.prev_txid == bytes(32)


@dataclass(frozen=True, slots=True)
class TxOut:
    """A new output: an amount locked by a script."""

    value: int  # base units
    script_pubkey: bytes


@dataclass(frozen=True, slots=True)
class Transaction:
    """A transaction as serialized on the chain, with its recomputed ids."""

    txid: bytes  # internal order, double SHA-256 of the non-witness serialization
    wtxid: bytes
    version: int
    inputs: tuple[TxIn, ...]
    outputs: tuple[TxOut, ...]
    locktime: int
    size: int  # bytes, with witness
    vsize: int
    has_mweb: bool = False  # Litecoin: the transaction also moves money inside MWEB

    @property
    def is_coinbase(self) -> bool:
        return len(self.inputs) == 1 and self.inputs[0].is_coinbase


@dataclass(frozen=True, slots=True)
class ResolvedTransaction:
    """A transaction together with the outputs its inputs spend (value and script), in input order."""

    tx: Transaction
    spent: tuple[TxOut, ...]

    def __post_init__(self) -> None:
        if not self.tx.is_coinbase and len(self.spent) != len(self.tx.inputs):
            raise ValueError(f"{len(self.tx.inputs)} inputs but {len(self.spent)} spent outputs given")

    @property
    def input_values(self) -> list[int]:
        return [out.value for out in self.spent]

    @property
    def output_values(self) -> list[int]:
        return [out.value for out in self.tx.outputs]


@dataclass(frozen=True, slots=True)
class BlockHeader:
    """The 80-byte header of a block, with its hash."""

    hash: bytes  # internal order
    version: int
    prev_hash: bytes
    merkle_root: bytes
    time: int  # Unix seconds, as the miner wrote it
    bits: int
    nonce: int


@dataclass(frozen=True, slots=True)
class Block:
    """A block: header, transactions, and whether its merkle root was checked."""

    header: BlockHeader
    transactions: tuple[Transaction, ...]
    size: int
    merkle_verified: bool
    height: int | None = None  # known once the block is placed in the best chain


@dataclass(frozen=True)
class RawBlock:
    """The serialized bytes of a block of the best chain, placed at its height.

    ``source`` is recorded in the store (an RPC URL, a blk file); ``where``
    names the exact place for error messages (a file and byte offset).
    """

    height: int
    data: bytes
    source: str
    where: str

    @functools.cached_property
    def hash(self) -> bytes:
        return double_sha256(self.data[:HEADER_SIZE])

    @property
    def prev_hash(self) -> bytes:
        return self.data[4:36]

    @property
    def tx_count(self) -> int:
        """The declared number of transactions (a batch's size is counted before parsing)."""
        first = self.data[80] if len(self.data) > 80 else 0
        if first < 0xFD:
            return first
        width = {0xFD: 2, 0xFE: 4, 0xFF: 8}[first]
        return int.from_bytes(self.data[81 : 81 + width], "little")


@dataclass(frozen=True, slots=True)
class SourcedBlock:
    """A block placed at its height in the best chain, with where it came from.

    ``source`` names the place it can be checked again: an RPC URL without
    credentials, or a blk file.
    """

    block: Block
    height: int
    source: str
