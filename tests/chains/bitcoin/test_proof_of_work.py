"""Proof of work (sha256d, scrypt for Litecoin) and merkle branches, on real mainnet headers and a real block."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest

from cointrail.chains.bitcoin.hashes import double_sha256
from cointrail.chains.bitcoin.model import display_hash
from cointrail.chains.bitcoin.rawblock import parse_block
from cointrail.chains.bitcoin.sources.proving import GENESIS
from cointrail.chains.bitcoin.verify import (
    branch_root,
    merkle_root,
    partial_merkle_matches,
    partial_merkle_root,
    proof_of_work_problem,
    target,
)

# Litecoin's genesis header, field by field (Litecoin Core's chainparams.cpp, CreateGenesisBlock).
LITECOIN_GENESIS = struct.pack(
    "<i32s32sIII", 1, bytes(32),
    bytes.fromhex("97ddfbbae6be97fd6cdf3e7ca13232a3afff2353e29badfab7f73011edd4ced9")[::-1],
    1317972665, 0x1E0FFFF0, 2084524493,
)  # fmt: skip


@pytest.fixture(scope="module")
def block413567(shared_data: Path) -> bytes:
    return (shared_data / "bitcoin-core" / "block413567.raw").read_bytes()


def test_the_compact_target_is_bitcoin_cores() -> None:
    assert target(0x1D00FFFF) == 0xFFFF << 208  # difficulty 1
    assert target(0x207FFFFF) == 0x7FFFFF << 232  # regtest
    assert target(0x1D80FFFF) == 0 and target(0x1D000000) == 0  # negative, zero


def test_litecoin_proves_its_work_with_scrypt() -> None:
    assert display_hash(double_sha256(LITECOIN_GENESIS)) == GENESIS[("litecoin", "mainnet")]
    assert proof_of_work_problem(LITECOIN_GENESIS, "litecoin") is None
    # Its double SHA-256 hash is far above the target: read as a Bitcoin header it proves nothing.
    assert "double SHA-256 hash is above the target" in str(proof_of_work_problem(LITECOIN_GENESIS, "bitcoin"))


def test_a_real_bitcoin_header_proves_its_work_and_a_changed_one_does_not(block413567: bytes) -> None:
    header = block413567[:80]
    assert proof_of_work_problem(header, "bitcoin") is None
    assert "scrypt hash is above" in str(proof_of_work_problem(header, "litecoin"))
    changed = header[:76] + bytes([header[76] ^ 1]) + header[77:]  # the nonce
    assert "proof of work fails" in str(proof_of_work_problem(changed, "bitcoin"))
    negative = header[:72] + b"\x00\x00\x80\x1d" + header[76:]  # bits with the sign bit set
    assert "not a valid target" in str(proof_of_work_problem(negative, "bitcoin"))


def _branch(txids: list[bytes], index: int) -> list[bytes]:
    """The branch of one txid, taken from the levels of the block's tree (built by merkle_root's rule)."""
    level, branch = list(txids), []
    while len(level) > 1:
        if len(level) % 2:
            level.append(level[-1])
        branch.append(level[index ^ 1])
        level = [double_sha256(level[i] + level[i + 1]) for i in range(0, len(level), 2)]
        index //= 2
    return branch


def test_every_transactions_branch_leads_to_the_blocks_merkle_root(block413567: bytes) -> None:
    block = parse_block(block413567)
    txids = [tx.txid for tx in block.transactions]
    assert merkle_root(txids) == block.header.merkle_root
    for index in range(0, len(txids), 97):
        branch = _branch(txids, index)
        assert branch_root(txids[index], branch, index) == block.header.merkle_root
        assert branch_root(txids[index], branch, index ^ 1) != block.header.merkle_root


def _partial_tree(txids: list[bytes], wanted: set[int]) -> tuple[list[bytes], bytes]:
    """A BIP 37 partial tree (hashes, flag bytes) matching ``wanted``, built as Bitcoin Core's TraverseAndBuild."""
    height = max(len(txids) - 1, 0).bit_length()
    hashes: list[bytes] = []
    bits: list[int] = []

    def has_right(level: int, pos: int) -> bool:  # whether the node has a right child of its own
        return pos * 2 + 1 < (len(txids) + (1 << (level - 1)) - 1) >> (level - 1)

    def node(level: int, pos: int) -> bytes:
        if level == 0:
            return txids[pos]
        left = node(level - 1, pos * 2)
        right = node(level - 1, pos * 2 + 1) if has_right(level, pos) else left
        return double_sha256(left + right)

    def build(level: int, pos: int) -> None:
        below = any(pos << level <= i < (pos + 1) << level for i in wanted)
        bits.append(int(below))
        if level == 0 or not below:
            hashes.append(node(level, pos))
            return
        build(level - 1, pos * 2)
        if has_right(level, pos):
            build(level - 1, pos * 2 + 1)

    build(height, 0)
    return hashes, bytes(sum(b << i for i, b in enumerate(bits[k : k + 8])) for k in range(0, len(bits), 8))


def test_a_partial_tree_says_where_each_matched_transaction_is() -> None:
    """Esplora's merkleblock-proof places a transaction: the matched leaf's index is its position in the block."""
    txids = [bytes([n]) * 32 for n in range(1, 8)]  # seven: an odd count, the last node paired with itself
    for index in range(len(txids)):
        hashes, flags = _partial_tree(txids, {index})
        root, matched = partial_merkle_matches(len(txids), hashes, flags)
        assert matched == [(txids[index], index)] and root == partial_merkle_root(len(txids), hashes, flags)[0]
    hashes, flags = _partial_tree(txids, {1, 6})
    assert partial_merkle_matches(len(txids), hashes, flags)[1] == [(txids[1], 1), (txids[6], 6)]


def test_a_partial_tree_of_one_transaction() -> None:
    # Two transactions, the second matched: flags 0b101 (root: descend; left: not matched; right: matched).
    a, b = bytes([1]) * 32, bytes([2]) * 32
    root, matched = partial_merkle_root(2, [a, b], bytes([0b101]))
    assert root == double_sha256(a + b) and matched == [b]
    with pytest.raises(ValueError, match="runs out of hashes"):
        partial_merkle_root(2, [a], bytes([0b101]))
    with pytest.raises(ValueError, match="unused"):
        partial_merkle_root(2, [a, b], bytes([0b101, 0]))
    with pytest.raises(ValueError, match="both children"):
        partial_merkle_root(2, [a, a], bytes([0b101]))
