"""Read a Bitcoin Core blocks directory (``blk*.dat``) as the best chain, in height order.

Bitcoin Core appends each block it receives to ``blk?????.dat`` as a record of
network magic (4 bytes), size (4 bytes, little-endian) and the serialized
block. Blocks arrive out of order and forks leave stale blocks behind, so the
files are not the chain: this module first reads only the 80-byte headers of
every record, links them by ``prev_hash`` from the genesis block, keeps the
branch with the most proof of work (computed from ``bits``, as Bitcoin Core's
``GetBlockProof``), and then reads and parses the blocks of that branch one at
a time. Memory holds the header index and one block, never a whole file.

Since Bitcoin Core 28 the files may be XOR-obfuscated with the 8-byte key in
``xor.dat`` (byte ``i`` of a file is XORed with ``key[i % 8]``); an absent or
all-zero key means plain files.

Litecoin, Dogecoin and Bitcoin Cash keep the same layout with their own magic.
"""

from __future__ import annotations

import re
import struct
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from cointrail.chains.bitcoin.hashes import double_sha256
from cointrail.chains.bitcoin.model import HEADER_SIZE, Block, RawBlock, SourcedBlock, display_hash
from cointrail.chains.bitcoin.rawblock import MalformedDataError, parse_block
from cointrail.chains.bitcoin.sources.interface import parsed
from cointrail.chains.bitcoin.verify import block_work
from cointrail.errors import InputError

# Message start bytes written before each block (chainparams.cpp, pchMessageStart;
# Bitcoin Cash nodes keep Bitcoin's old magic for their block files: diskMagic).
DISK_MAGIC: dict[tuple[str, str], bytes] = {
    ("bitcoin", "mainnet"): bytes.fromhex("f9beb4d9"),
    ("bitcoin", "testnet"): bytes.fromhex("0b110907"),
    ("bitcoin", "testnet4"): bytes.fromhex("1c163f28"),
    ("bitcoin", "signet"): bytes.fromhex("0a03cf40"),
    ("bitcoin", "regtest"): bytes.fromhex("fabfb5da"),
    ("litecoin", "mainnet"): bytes.fromhex("fbc0b6db"),
    ("litecoin", "testnet"): bytes.fromhex("fdd2c8f1"),
    ("litecoin", "regtest"): bytes.fromhex("fabfb5da"),
    ("dogecoin", "mainnet"): bytes.fromhex("c0c0c0c0"),
    ("dogecoin", "testnet"): bytes.fromhex("fcc1b7dc"),
    ("dogecoin", "regtest"): bytes.fromhex("fabfb5da"),
    ("bitcoin-cash", "mainnet"): bytes.fromhex("f9beb4d9"),
    ("bitcoin-cash", "testnet"): bytes.fromhex("0b110907"),
    ("bitcoin-cash", "regtest"): bytes.fromhex("fabfb5da"),
}

_BLK_NAME = re.compile(r"blk(\d{5,})\.dat")
_PREFIX = struct.Struct("<4sI")
_BITS_HASH = struct.Struct("<4x32s32s4xI")  # prev_hash, merkle root, bits from a header
_ZERO_MAGIC = bytes(4)  # Bitcoin Core pre-allocates files with zeros: no more records


@dataclass(frozen=True, slots=True)
class BlockLocation:
    """Where one block's bytes lie, and the header facts needed to order it."""

    file: Path
    offset: int  # of the block itself, after the 8-byte record prefix
    size: int
    hash: bytes  # internal byte order
    prev_hash: bytes
    bits: int


@dataclass(frozen=True)
class ChainIndex:
    """The best chain found in a blocks directory, and what was left out of it."""

    best_chain: tuple[BlockLocation, ...]  # position = height
    chain_work: int
    stale: int  # blocks that link to genesis but lie off the best chain
    orphans: int  # blocks whose ancestry does not reach genesis in these files
    duplicates: int  # records of a block already seen
    incomplete: int  # records cut short at the end of a file (a node still writing, a crash)

    @property
    def tip_height(self) -> int:
        return len(self.best_chain) - 1


def disk_magic(chain: str, network: str) -> bytes:
    """The 4 bytes that start every record in ``chain``/``network`` block files."""
    try:
        return DISK_MAGIC[(chain, network)]
    except KeyError:
        known = ", ".join(f"{c} {n}" for c, n in DISK_MAGIC)
        raise InputError(f"cointrail does not know the block files of {chain} {network} (it knows: {known}).") from None


def blocks_directory(path: Path) -> Path:
    """The folder holding ``blk*.dat``: ``path`` itself or its ``blocks`` subfolder (a data directory)."""
    path = Path(path)
    for candidate in (path, path / "blocks"):
        if candidate.is_dir() and any(candidate.glob("blk*.dat")):
            return candidate
    raise InputError(f"No Bitcoin Core block files (blk*.dat) found in {path} or {path / 'blocks'}.")


def block_files(directory: Path) -> list[Path]:
    """The ``blk*.dat`` files of a blocks directory, in their numeric order."""
    files = [p for p in Path(directory).iterdir() if _BLK_NAME.fullmatch(p.name)]
    return sorted(files, key=lambda p: int(_BLK_NAME.fullmatch(p.name).group(1)))  # type: ignore[union-attr]


def xor_key(directory: Path) -> bytes | None:
    """The obfuscation key of Bitcoin Core 28+ (``xor.dat``); None for plain files."""
    path = Path(directory) / "xor.dat"
    if not path.exists():
        return None
    key = path.read_bytes()
    if len(key) != 8:
        raise MalformedDataError(f"{path} should hold an 8-byte key but holds {len(key)} bytes.")
    return key if any(key) else None


def unxor(data: bytes, key: bytes | None, offset: int) -> bytes:
    """Undo (or apply) the XOR obfuscation of bytes that start at ``offset`` in their file."""
    if key is None or not data:
        return data
    shift = offset % 8
    stream = (key[shift:] + key[:shift]) * (len(data) // 8 + 1)
    # One big-integer XOR runs in C: far faster than a Python loop over bytes (no numpy here).
    mixed = int.from_bytes(data, "little") ^ int.from_bytes(stream[: len(data)], "little")
    return mixed.to_bytes(len(data), "little")


def _records(path: Path, handle: BinaryIO, magic: bytes, key: bytes | None) -> Iterator[tuple[int, int, bytes]]:
    """(offset, size, header bytes) of each record of one file; stops at the zero padding or a cut record."""
    file_size = path.stat().st_size
    offset = 0
    while offset + 8 <= file_size:
        handle.seek(offset)
        raw = handle.read(8 + HEADER_SIZE)
        if raw[:4] == _ZERO_MAGIC:  # checked before un-XORing: pre-allocated space is never obfuscated
            return
        prefix = unxor(raw, key, offset)
        found, size = _PREFIX.unpack_from(prefix)
        if found != magic:
            raise MalformedDataError(_bad_magic(path, offset, found, magic))
        if offset + 8 + size > file_size or size < HEADER_SIZE:
            yield offset + 8, -1, b""  # cut short: the caller counts it
            return
        yield offset + 8, size, prefix[8:]
        offset += 8 + size


def _bad_magic(path: Path, offset: int, found: bytes, expected: bytes) -> str:
    """A message for a record that does not start with the expected magic, naming the likely chain."""
    names = [f"{c} {n}" for (c, n), m in DISK_MAGIC.items() if m == found]
    hint = f" (those bytes are the magic of {' / '.join(names)}: check --chain and --network)" if names else ""
    return f"{path.name} at byte {offset}: expected the record magic {expected.hex()} but found {found.hex()}{hint}."


def scan_locations(directory: Path, chain: str, network: str) -> Iterator[BlockLocation | None]:
    """Every block record in the files, in file order (None for a record cut short), reading headers only."""
    magic, key = disk_magic(chain, network), xor_key(directory)
    for path in block_files(directory):
        with path.open("rb") as handle:
            for offset, size, header in _records(path, handle, magic, key):
                if size < 0:
                    yield None
                    continue
                prev_hash, _merkle, bits = _BITS_HASH.unpack_from(header)
                yield BlockLocation(path, offset, size, double_sha256(header), prev_hash, bits)


def index_chain(directory: Path, chain: str, network: str) -> ChainIndex:
    """Find the best chain in a blocks directory from the headers of its records."""
    directory = blocks_directory(directory)
    by_hash: dict[bytes, BlockLocation] = {}
    children: dict[bytes, list[bytes]] = {}
    duplicates = incomplete = 0
    for location in scan_locations(directory, chain, network):
        if location is None:
            incomplete += 1
        elif location.hash in by_hash:
            duplicates += 1
        else:
            by_hash[location.hash] = location
            children.setdefault(location.prev_hash, []).append(location.hash)
    genesis = children.get(bytes(32), [])
    if len(genesis) != 1:
        raise InputError(
            f"The block files in {directory} hold {len(genesis)} genesis blocks, not one: cointrail needs the "
            "complete files of one chain from its first block (pruned nodes are not supported)."
        )
    work, best = _cumulative_work(genesis[0], by_hash, children)
    chain_blocks = _walk_back(best, by_hash)
    return ChainIndex(
        best_chain=tuple(chain_blocks),
        chain_work=work[best],
        stale=len(work) - len(chain_blocks),
        orphans=len(by_hash) - len(work),
        duplicates=duplicates,
        incomplete=incomplete,
    )


def _cumulative_work(
    genesis: bytes, by_hash: dict[bytes, BlockLocation], children: dict[bytes, list[bytes]]
) -> tuple[dict[bytes, int], bytes]:
    """Chain work of every block reachable from genesis, and the tip with the most.

    Ties go to the block first in the files, as Bitcoin Core keeps the first
    of two equal tips it received.
    """
    work = {genesis: block_work(by_hash[genesis].bits)}
    best, pending = genesis, [genesis]
    order = {h: i for i, h in enumerate(by_hash)}
    while pending:
        parent = pending.pop()
        for child in children.get(parent, ()):
            work[child] = work[parent] + block_work(by_hash[child].bits)
            pending.append(child)
            if work[child] > work[best] or (work[child] == work[best] and order[child] < order[best]):
                best = child
    return work, best


def _walk_back(tip: bytes, by_hash: dict[bytes, BlockLocation]) -> list[BlockLocation]:
    """The blocks from genesis to ``tip``, genesis first."""
    path = []
    current: BlockLocation | None = by_hash[tip]
    while current is not None:
        path.append(current)
        current = by_hash.get(current.prev_hash)
    path.reverse()
    return path


class BlockReader:
    """Reads single blocks by location, keeping one file open at a time."""

    def __init__(self, key: bytes | None) -> None:
        self._key = key
        self._path: Path | None = None
        self._handle: BinaryIO | None = None

    def read(self, location: BlockLocation) -> bytes:
        """The raw (de-obfuscated) bytes of one block."""
        if location.file != self._path:
            self.close()
            self._handle, self._path = location.file.open("rb"), location.file
        assert self._handle is not None
        self._handle.seek(location.offset)
        return unxor(self._handle.read(location.size), self._key, location.offset)

    def close(self) -> None:
        if self._handle is not None:
            self._handle.close()
        self._handle = self._path = None

    def __enter__(self) -> BlockReader:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


def read_raw_chain(
    directory: Path,
    chain: str,
    network: str,
    *,
    start_height: int = 0,
    last_height: int | None = None,
    index: ChainIndex | None = None,
) -> Iterator[tuple[int, bytes, BlockLocation]]:
    """(height, raw bytes, location) of each block of the best chain in height order, unparsed.

    Each block's header hash is checked against the index (the files may have
    changed since it was made). Arguments as :func:`read_chain`.
    """
    directory = blocks_directory(directory)
    index = index or index_chain(directory, chain, network)
    last = index.tip_height if last_height is None else min(last_height, index.tip_height)
    with BlockReader(xor_key(directory)) as reader:
        for height in range(start_height, last + 1):
            location = index.best_chain[height]
            data = reader.read(location)
            if double_sha256(data[:HEADER_SIZE]) != location.hash:  # the file changed under us
                raise MalformedDataError(f"{where(location)} no longer holds block {display_hash(location.hash)}.")
            yield height, data, location


def read_chain(
    directory: Path,
    chain: str,
    network: str,
    *,
    start_height: int = 0,
    last_height: int | None = None,
    index: ChainIndex | None = None,
) -> Iterator[Block]:
    """Yield the blocks of the best chain in height order, parsed and merkle-checked.

    From ``start_height`` to ``last_height`` (inclusive; default the tip). Pass an
    ``index`` from :func:`index_chain` to reuse it (to size a progress bar, or to
    read the chain in ranges without scanning the headers again).
    """
    for height, data, location in read_raw_chain(directory, chain, network, start_height=start_height,
                                                 last_height=last_height, index=index):  # fmt: skip
        yield parse_block(data, height=height, where=where(location))


def where(location: BlockLocation) -> str:
    """A block's place in the files, for messages."""
    return f"{location.file.name} at byte {location.offset}"


def raw_records(directory: Path, chain: str, network: str) -> Iterator[bytes]:
    """Every record's block bytes in file order, unparsed: reading one whole file at a time.

    The baseline of the raw-ingest benchmark (what merely reading the files costs).
    """
    directory = blocks_directory(directory)
    magic, key = disk_magic(chain, network), xor_key(directory)
    for path in block_files(directory):
        data = unxor(path.read_bytes(), key, 0)
        offset = 0
        while offset + 8 <= len(data):
            found, size = _PREFIX.unpack_from(data, offset)
            if found != magic or offset + 8 + size > len(data):
                break
            yield data[offset + 8 : offset + 8 + size]
            offset += 8 + size


class BlockFilesSource:
    """The best chain of a node's blk*.dat files (read by the functions above).

    The headers are indexed once, when the source is made; each block's source
    is recorded as its blk file.
    """

    def __init__(self, blocks_dir: str | Path, chain: str, network: str):
        self.directory = blocks_directory(Path(blocks_dir))
        self.name = str(self.directory)
        self.chain, self.network = chain, network
        self.index = index_chain(self.directory, chain, network)

    def check_network(self, chain: str, network: str) -> None:
        pass  # the reader checks every record's network magic

    def tip_height(self) -> int:
        return self.index.tip_height

    def hashes(self, heights: list[int]) -> list[bytes]:
        return [self.index.best_chain[h].hash for h in heights]

    def raw_blocks(self, first: int, last: int) -> Iterator[RawBlock]:
        for height, data, location in read_raw_chain(self.directory, self.chain, self.network,
                                                     start_height=first, last_height=last,
                                                     index=self.index):  # fmt: skip
            yield RawBlock(height, data, str(location.file), where(location))

    def blocks(self, first: int, last: int) -> Iterator[SourcedBlock]:
        """The blocks, parsed into value objects (ingestion reads :meth:`raw_blocks`)."""
        return parsed(self.raw_blocks(first, last))
