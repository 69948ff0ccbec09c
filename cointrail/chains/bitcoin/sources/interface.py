"""What a source of Bitcoin-family blocks is: the interface ingestion reads.

A source yields the raw blocks (:class:`~cointrail.chains.bitcoin.model.RawBlock`) of
its best chain in height order, or parsed :class:`~cointrail.chains.bitcoin.model.SourcedBlock`
values for other callers, tells its tip height and the block hashes at given
heights (to find the fork point after a reorg), and checks that it serves the
network of the store. :class:`BlockSource` is that interface; ingestion
(:mod:`cointrail.ingest.pipeline`) depends on nothing else. The sources:
a node's JSON-RPC (:class:`~cointrail.chains.bitcoin.sources.rpc.RpcSource`) and
a node's raw block files (:class:`~cointrail.chains.bitcoin.sources.blkfiles.BlockFilesSource`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Protocol

from cointrail.chains.bitcoin.model import RawBlock, SourcedBlock
from cointrail.chains.bitcoin.rawblock import parse_block


class BlockSource(Protocol):
    """What ingestion needs from a source of blocks."""

    name: str

    def check_network(self, chain: str, network: str) -> None: ...

    def tip_height(self) -> int: ...

    def hashes(self, heights: list[int]) -> list[bytes]: ...

    def raw_blocks(self, first: int, last: int) -> Iterator[RawBlock]: ...


def parsed(raws: Iterable[RawBlock]) -> Iterator[SourcedBlock]:
    """Raw blocks parsed into value objects, with their height and source."""
    for raw in raws:
        yield SourcedBlock(parse_block(raw.data, height=raw.height, where=raw.where), raw.height, raw.source)
