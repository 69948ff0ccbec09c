"""Values read from an Ethereum node, verified where they can be (issue 16)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from cointrail.chains.ethereum.traces import InternalTransfer


@dataclass(frozen=True)
class SourcedEvmBlock:
    """One block as a node gave it: the block with full transactions, its receipts and its internal transfers.

    ``hash_recomputed``: the block hash was recomputed from its header fields; ``tx_hashes_recomputed``: every
    transaction hash was recomputed from the transaction's fields, and every sender's public key recovered from the
    signature and checked to be the sender's (``keys``: each sender's, from its first transaction here). Taken on
    trust (recorded as such in the store's coverage): that the transactions and receipts listed are the block's (the
    transactions and receipts roots are not recomputed), and the traces, which nothing in a block commits to.
    """

    block: dict[str, Any]
    receipts: list[dict[str, Any]]
    internal: list[InternalTransfer]
    source: str
    trace_style: str
    hash_recomputed: bool
    tx_hashes_recomputed: bool
    keys: dict[str, tuple[str, str]] = field(default_factory=dict)  # sender -> (compressed public key hex, tx hash)
    notes: tuple[str, ...] = field(default=())

    @property
    def number(self) -> int:
        return int(self.block["number"], 16)
