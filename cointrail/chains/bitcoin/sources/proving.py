"""Proving what a light source says, with the family's own parser and verification; a clear error when it fails.

Nothing a server sends is believed as sent (issue 15):

- a transaction's raw bytes go through :func:`~cointrail.chains.bitcoin.rawblock.parse_transaction`, and the
  txid it recomputes must be the one asked for;
- its merkle branch (or BIP 37 partial tree) must lead to the merkle root of the block header at its height
  (:func:`~cointrail.chains.bitcoin.verify.branch_root`,
  :func:`~cointrail.chains.bitcoin.verify.partial_merkle_matches`), which also give its position in the block;
- every header must meet its own proof-of-work target (sha256d, or scrypt for Litecoin:
  :func:`~cointrail.chains.bitcoin.verify.proof_of_work_problem`), link by ``prev_hash`` to the headers next to it
  that are known, and, at height 0, be the chain's genesis block (the checkpoint every chain of headers ends at).

What stays unproven is said so: a header not linked to the genesis block through every header between proves
work, not that it is on the best chain; :meth:`HeaderChain.linked_to_genesis` tells which it is.
"""

from __future__ import annotations

from collections.abc import Sequence

from cointrail.chains.bitcoin.model import HEADER_SIZE, BlockHeader, Transaction, display_hash
from cointrail.chains.bitcoin.rawblock import MalformedDataError, UnsupportedDataError, parse_header, parse_transaction
from cointrail.chains.bitcoin.sources.light import ProofError, ProvenTransaction
from cointrail.chains.bitcoin.verify import branch_root, partial_merkle_matches, proof_of_work_problem

# The genesis block of each network: the checkpoint a chain of headers is anchored to (chainparams.cpp of each
# reference implementation). Bitcoin Cash and Bitcoin SV share Bitcoin's.
GENESIS: dict[tuple[str, str], str] = {
    ("bitcoin", "mainnet"): "000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f",
    ("bitcoin", "testnet"): "000000000933ea01ad0ee984209779baaec3ced90fa3f408719526f8d77f4943",
    ("bitcoin", "signet"): "00000008819873e925422c1ff0f99f7cc9bbb232af63a077a480a3633bee1ef6",
    ("bitcoin", "regtest"): "0f9188f13cb7b2c71f2a335e3a4fc328bf5beb436012afca590b1a11466e2206",
    ("bitcoin-cash", "mainnet"): "000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f",
    ("litecoin", "mainnet"): "12a765e31ffd4059bada1e25190f6e98c99d9714d334efa41a195a7e7e04bfe2",
    ("litecoin", "testnet"): "4966625a4b2851d9fdee139e56211a0d88575f59ed816ff5e6a63deb4e3e29a0",
    ("litecoin", "regtest"): "530827f38f93b43ed12af0b3ad25a288dc02ed74d6d7857862df51fc56c416f9",
    ("dogecoin", "mainnet"): "1a91e3dace36e2be3bf030a65679fe821aa1d6ef92e7c9902eb318182c355691",
}


class HeaderChain:
    """The headers a server sent, by height: each proof of work checked, neighbours linked, height 0 the genesis.

    ``checked_before`` holds the hashes of headers whose proof of work an earlier crawl checked (a sparse store
    keeps them, :func:`cointrail.store.duckdb.sparse.checked_headers`): a header with the same hash at that height
    is the same 80 bytes, whose work is not computed again (on Litecoin, scrypt: about 1 ms a header, 2,016 a
    chunk); it is still linked to its neighbours and to the genesis block as any other. ``work_checked`` counts
    the proofs of work computed; ``fresh`` holds those checked here and not stored yet, for the store to keep.
    """

    def __init__(self, server: str, chain: str, network: str) -> None:
        self.server, self.chain, self.network = server, chain, network
        self.headers: dict[int, BlockHeader] = {}
        self.checked_before: dict[int, bytes] = {}
        self.fresh: dict[int, bytes] = {}
        self.work_checked = 0

    def _fail(self, height: int, why: str) -> ProofError:
        return ProofError(f"{self.server} sent a block header at height {height} that {why}")

    def add(self, height: int, raw: bytes, announced: bytes | None = None) -> BlockHeader:
        """Check one raw header at ``height`` and keep it; ``announced`` is the block hash the server gave for it."""
        if len(raw) != HEADER_SIZE:
            raise self._fail(height, f"is {len(raw)} bytes long, not {HEADER_SIZE}")
        header = parse_header(raw)
        if announced is not None and header.hash != announced:
            raise self._fail(height, f"hashes to {display_hash(header.hash)}, not to the block "
                                     f"{display_hash(announced)} it named")  # fmt: skip
        known = self.headers.get(height)
        if known is not None and known.hash == header.hash:  # the same 80 bytes, checked already (each session's
            return known  # tip, a chunk asked again): Litecoin's scrypt is about 1 ms a header
        self._link(height, header)  # first: a header of another chain is named as such, whatever its work
        if self.checked_before.get(height) != header.hash:
            self.work_checked += 1
            if problem := proof_of_work_problem(raw, self.chain):
                raise self._fail(height, problem)
            self.fresh[height] = header.hash
        self.headers[height] = header
        return header

    def take_fresh(self) -> list[tuple[int, bytes]]:
        """(height, hash) of the headers checked since the last call, by height; from then on checked before."""
        fresh, self.fresh = sorted(self.fresh.items()), {}
        self.checked_before.update(fresh)
        return fresh

    def _link(self, height: int, header: BlockHeader) -> None:
        known = self.headers.get(height)
        if known is not None and known.hash != header.hash:
            raise self._fail(height, f"is block {display_hash(header.hash)}, but it sent block "
                                     f"{display_hash(known.hash)} for that height before (a reorg?)")  # fmt: skip
        genesis = GENESIS.get((self.chain, self.network))
        if height == 0 and genesis is not None and display_hash(header.hash) != genesis:
            raise self._fail(0, f"is not the genesis block of {self.chain} {self.network} ({genesis}): "
                                "the server serves another chain")  # fmt: skip
        below, above = self.headers.get(height - 1), self.headers.get(height + 1)
        if below is not None and header.prev_hash != below.hash:
            raise self._fail(height, f"does not link to the header below it ({display_hash(below.hash)})")
        if above is not None and above.prev_hash != header.hash:
            raise self._fail(height, f"is not the one the header above it links to ({display_hash(above.prev_hash)})")

    def linked_to_genesis(self, height: int) -> bool:
        """Whether every header from the genesis block up to ``height`` is here (so each links to the next)."""
        return all(h in self.headers for h in range(height + 1))


class Prover:
    """Proves a server's transactions and headers; every failure is a :class:`ProofError` naming the server."""

    def __init__(self, server: str, chain: str, network: str) -> None:
        self.server = server
        self.chain = HeaderChain(server, chain, network)

    def transaction(self, txid: bytes, raw: bytes) -> Transaction:
        """The transaction parsed from ``raw``, whose recomputed txid must be ``txid``."""
        where = f"transaction {display_hash(txid)} from {self.server}"
        try:
            tx = parse_transaction(raw, where=where)
        except (MalformedDataError, UnsupportedDataError) as error:
            raise ProofError(f"{error} The txid cannot be checked.") from None
        if tx.txid != txid:
            raise ProofError(f"{self.server} sent bytes for transaction {display_hash(txid)} that hash to "
                             f"{display_hash(tx.txid)}: the txid check fails")  # fmt: skip
        return tx

    def placed(self, tx: Transaction, raw: bytes, height: int, branch: Sequence[bytes],
               position: int) -> ProvenTransaction:  # fmt: skip
        """``tx`` placed by an Electrum/Esplora merkle branch into the (already added) header at ``height``."""
        header = self._header_at(height)
        root = branch_root(tx.txid, branch, position)
        if root != header.merkle_root or position >> len(branch):
            raise ProofError(f"{self.server} sent a merkle proof for transaction {display_hash(tx.txid)} that does "
                             f"not lead to the merkle root of block {display_hash(header.hash)} at height {height}: "
                             "the merkle check fails")  # fmt: skip
        return ProvenTransaction(tx, raw, height, header, position)

    def placed_by_tree(self, tx: Transaction, raw: bytes, height: int, merkleblock: bytes) -> ProvenTransaction:
        """``tx`` placed by a BIP 37 merkle block (its header, then the partial tree), as Esplora's
        ``merkleblock-proof`` and Bitcoin Core's ``gettxoutproof`` give it."""
        header = self.chain.add(height, merkleblock[:HEADER_SIZE])
        try:
            total, hashes, flags = _tree_parts(merkleblock[HEADER_SIZE:])
            root, matched = partial_merkle_matches(total, hashes, flags)
        except (ValueError, IndexError) as error:
            raise ProofError(f"{self.server} sent a malformed merkle block for transaction "
                             f"{display_hash(tx.txid)}: {error}; the merkle check fails") from None  # fmt: skip
        positions = [pos for txid, pos in matched if txid == tx.txid]
        if root != header.merkle_root or not positions:
            raise ProofError(f"{self.server} sent a merkle block for transaction {display_hash(tx.txid)} that does "
                             f"not lead to the merkle root of block {display_hash(header.hash)} at height {height} "
                             "with that transaction in it: the merkle check fails")  # fmt: skip
        return ProvenTransaction(tx, raw, height, header, positions[0])

    def _header_at(self, height: int) -> BlockHeader:
        header = self.chain.headers.get(height)
        if header is None:
            raise ProofError(f"no checked header of height {height} from {self.server} to prove a transaction with")
        return header


def _tree_parts(data: bytes) -> tuple[int, list[bytes], bytes]:
    """The transaction count, hashes and flag bytes of a serialized partial merkle tree, refusing trailing bytes."""
    total = int.from_bytes(data[0:4], "little")
    count, pos = _compact(data, 4)
    hashes = [data[pos + 32 * i : pos + 32 * (i + 1)] for i in range(count)]
    pos += 32 * count
    length, pos = _compact(data, pos)
    flags = data[pos : pos + length]
    if len(flags) != length or any(len(h) != 32 for h in hashes) or pos + length != len(data):
        raise ValueError("its partial merkle tree is cut short or followed by other bytes")
    return total, hashes, flags


def _compact(data: bytes, pos: int) -> tuple[int, int]:
    first = data[pos]
    if first < 0xFD:
        return first, pos + 1
    width = {0xFD: 2, 0xFE: 4, 0xFF: 8}[first]
    return int.from_bytes(data[pos + 1 : pos + 1 + width], "little"), pos + 1 + width
