"""Where blocks come from: a node's JSON-RPC, or a node's raw block files.

A source yields the raw blocks (:class:`~cointrail.ledger.batch.RawBlock`) of
its best chain in height order, or parsed :class:`~cointrail.ledger.store.SourcedBlock`
values for other callers, tells its tip height and the block hashes at given
heights (to find the fork point after a reorg), and checks that it serves the
network of the store. :class:`BlockSource` is that interface; ingestion
(:mod:`cointrail.ledger.ingest`) depends on nothing else.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Protocol

from cointrail.errors import ExternalServiceError, InputError
from cointrail.ledger import blkfiles
from cointrail.ledger.batch import RawBlock
from cointrail.ledger.model import display_hash, internal_hash
from cointrail.ledger.rawblock import HEADER_SIZE, parse_block
from cointrail.ledger.rpc import NodeRpc
from cointrail.ledger.store import SourcedBlock

# The node's name for each network (getblockchaininfo "chain").
NODE_NETWORK_NAMES = {"main": "mainnet", "test": "testnet", "regtest": "regtest", "signet": "signet"}


class BlockSource(Protocol):
    """What ingestion needs from a source of blocks."""

    name: str

    def check_network(self, chain: str, network: str) -> None: ...

    def tip_height(self) -> int: ...

    def hashes(self, heights: list[int]) -> list[bytes]: ...

    def raw_blocks(self, first: int, last: int) -> Iterator[RawBlock]: ...


class RpcBlockFetcher:
    """Raw blocks of a height range from a node, fetched in parallel, yielded in order.

    Each task asks for the hashes of a chunk of heights, then their raw bytes,
    with two batched requests; at most ``2 x concurrency`` chunks are in flight,
    which bounds memory however far behind the consumer is.
    """

    def __init__(self, rpc: NodeRpc, concurrency: int = 4, chunk: int = 8):
        self.rpc = rpc
        self.concurrency = max(1, concurrency)
        self.chunk = max(1, chunk)

    def _fetch_chunk(self, start: int, stop: int) -> list[tuple[int, bytes, bytes]]:
        heights = list(range(start, stop))
        hashes = self.rpc.batch("getblockhash", [[h] for h in heights])
        raws = self.rpc.batch("getblock", [[h, 0] for h in hashes])
        try:
            return [(h, internal_hash(x), bytes.fromhex(r)) for h, x, r in zip(heights, hashes, raws, strict=True)]
        except (TypeError, ValueError):
            raise ExternalServiceError(
                f"the node at {self.rpc.url} sent a block hash or raw block that is not hex "
                f"(heights {start} to {stop - 1}): is it a Bitcoin-family node?"
            ) from None

    def fetch(self, first: int, last: int) -> Iterator[tuple[int, bytes, bytes]]:
        """(height, hash announced by the node, raw block) for ``first..last`` inclusive."""
        with ThreadPoolExecutor(self.concurrency, thread_name_prefix="cointrail-rpc") as pool:
            pending: deque[Future[list[tuple[int, bytes, bytes]]]] = deque()
            starts = iter(range(first, last + 1, self.chunk))
            try:
                for start in starts:
                    pending.append(pool.submit(self._fetch_chunk, start, min(start + self.chunk, last + 1)))
                    if len(pending) >= 2 * self.concurrency:
                        yield from pending.popleft().result()
                while pending:
                    yield from pending.popleft().result()
            finally:
                for future in pending:
                    future.cancel()


class RpcSource:
    """Blocks of the node's best chain, parsed and checked against the hash it announced."""

    def __init__(self, rpc: NodeRpc, concurrency: int = 4):
        self.rpc = rpc
        self.name = rpc.url
        self.fetcher = RpcBlockFetcher(rpc, concurrency)

    def check_network(self, chain: str, network: str) -> None:
        info = self.rpc.call("getblockchaininfo")
        node_network = NODE_NETWORK_NAMES.get(str(info.get("chain")), str(info.get("chain")))
        if node_network != network:
            raise InputError(f"the node at {self.rpc.url} runs {node_network}, but the store is for {chain} {network}")

    def tip_height(self) -> int:
        return int(self.rpc.call("getblockcount"))

    def hashes(self, heights: list[int]) -> list[bytes]:
        return [internal_hash(h) for h in self.rpc.batch("getblockhash", [[h] for h in heights])]

    def raw_blocks(self, first: int, last: int) -> Iterator[RawBlock]:
        """The raw blocks, each checked against the hash the node announced for its height."""
        for height, announced, raw in self.fetcher.fetch(first, last):
            where = f"getblock at height {height} from {self.rpc.url}"
            if len(raw) < HEADER_SIZE:
                parse_block(raw, height=height, where=where)  # raises: it says how the block is cut short
            block = RawBlock(height, raw, self.rpc.url, where)
            if block.hash != announced:
                raise ExternalServiceError(
                    f"the node at {self.rpc.url} announced block {display_hash(announced)} at height {height} "
                    f"but sent block {display_hash(block.hash)}"
                )
            yield block

    def blocks(self, first: int, last: int) -> Iterator[SourcedBlock]:
        """The blocks, parsed into value objects (ingestion reads :meth:`raw_blocks`)."""
        return parsed(self.raw_blocks(first, last))


def parsed(raws: Iterable[RawBlock]) -> Iterator[SourcedBlock]:
    """Raw blocks parsed into value objects, with their height and source."""
    for raw in raws:
        yield SourcedBlock(parse_block(raw.data, height=raw.height, where=raw.where), raw.height, raw.source)


class BlockFilesSource:
    """The best chain of a node's blk*.dat files (read by :mod:`cointrail.ledger.blkfiles`).

    The headers are indexed once, when the source is made; each block's source
    is recorded as its blk file.
    """

    def __init__(self, blocks_dir: str | Path, chain: str, network: str):
        self.directory = blkfiles.blocks_directory(Path(blocks_dir))
        self.name = str(self.directory)
        self.chain, self.network = chain, network
        self.index = blkfiles.index_chain(self.directory, chain, network)

    def check_network(self, chain: str, network: str) -> None:
        pass  # the reader checks every record's network magic

    def tip_height(self) -> int:
        return self.index.tip_height

    def hashes(self, heights: list[int]) -> list[bytes]:
        return [self.index.best_chain[h].hash for h in heights]

    def raw_blocks(self, first: int, last: int) -> Iterator[RawBlock]:
        for height, data, location in blkfiles.read_raw_chain(self.directory, self.chain, self.network,
                                                              start_height=first, last_height=last,
                                                              index=self.index):  # fmt: skip
            yield RawBlock(height, data, str(location.file), blkfiles.where(location))

    def blocks(self, first: int, last: int) -> Iterator[SourcedBlock]:
        """The blocks, parsed into value objects (ingestion reads :meth:`raw_blocks`)."""
        return parsed(self.raw_blocks(first, last))
