"""Reading Bitcoin Core block files: ordering into the best chain, obfuscation, stale blocks, a real node's files."""

from __future__ import annotations

import dataclasses
import json
import shutil
import socket
import struct
import subprocess
import time
from pathlib import Path

import pytest

from cointrail.chains.bitcoin.hashes import double_sha256
from cointrail.chains.bitcoin.model import TxIn, TxOut, display_hash
from cointrail.chains.bitcoin.rawblock import MalformedDataError, parse_block, serialize_block, serialize_parts
from cointrail.chains.bitcoin.sources.blkfiles import (
    blocks_directory,
    disk_magic,
    index_chain,
    raw_records,
    read_chain,
    unxor,
    xor_key,
)
from cointrail.chains.bitcoin.verify import block_work, merkle_root, witness_commitment_verified
from cointrail.errors import InputError
from cointrail.simulation.block_files import generate_chain, load_chain

XOR_KEY = bytes.fromhex("5a17c3e09b2d4f81")


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory):
    """A small chain over several files, obfuscated, with stale and out-of-order blocks."""
    path = tmp_path_factory.mktemp("synthetic")
    return generate_chain(
        path, 4000, seed=7, txs_per_block=60, n_wallets=150, stale_every=9, out_of_order_every=5,
        xor_key=XOR_KEY, max_file_size=96 * 1024,
    )  # fmt: skip


def test_synthetic_chain_is_read_back_in_height_order_without_stale_blocks(synthetic):
    index = index_chain(synthetic.path, "bitcoin", "regtest")
    assert synthetic.n_files > 3
    assert len(index.best_chain) == synthetic.n_blocks
    assert index.stale == len(synthetic.stale_hashes) > 0
    assert (index.orphans, index.duplicates, index.incomplete) == (0, 0, 0)
    blocks = list(read_chain(synthetic.path, "bitcoin", "regtest", index=index))
    assert [b.height for b in blocks] == list(range(synthetic.n_blocks))
    assert all(b.header.prev_hash == a.header.hash for a, b in zip(blocks, blocks[1:], strict=False))
    assert all(b.merkle_verified for b in blocks)
    assert all(witness_commitment_verified(b) is not False for b in blocks)
    assert display_hash(blocks[-1].header.hash) == synthetic.tip_hash
    assert sum(len(b.transactions) for b in blocks) == synthetic.n_transactions
    stale = set(synthetic.stale_hashes)
    assert not any(display_hash(b.header.hash) in stale for b in blocks)


def test_synthetic_chain_spends_only_earlier_outputs_with_witness_commitments(synthetic):
    created: dict[tuple[bytes, int], bytes] = {}
    for block in read_chain(synthetic.path, "bitcoin", "regtest"):
        wtxids = [bytes(32)] + [tx.wtxid for tx in block.transactions[1:]]
        commitment = block.transactions[0].outputs[-1].script_pubkey
        if any(tx.wtxid != tx.txid for tx in block.transactions[1:]):
            assert commitment == bytes.fromhex("6a24aa21a9ed") + double_sha256(merkle_root(wtxids) + bytes(32))
        for tx in block.transactions:
            if not tx.is_coinbase:
                spent = [created.pop((i.prev_txid, i.prev_vout)) for i in tx.inputs]  # KeyError: not spendable
                assert len({synthetic.truth.wallet_of(s) for s in spent}) == 1  # one wallet spends together
            for n, out in enumerate(tx.outputs):
                created[(tx.txid, n)] = out.script_pubkey


def test_changed_witness_data_fails_the_commitment_but_not_the_merkle_root(synthetic):
    block = next(b for b in read_chain(synthetic.path, "bitcoin", "regtest", start_height=5) if len(b.transactions) > 2)
    n, tx = next((n, tx) for n, tx in enumerate(block.transactions) if n and tx.wtxid != tx.txid)
    txin = tx.inputs[0]
    forged_input = dataclasses.replace(txin, witness=(b"\x00" * len(txin.witness[0]), *txin.witness[1:]))
    forged_tx = dataclasses.replace(tx, inputs=(forged_input, *tx.inputs[1:]))
    txs = (*block.transactions[:n], forged_tx, *block.transactions[n + 1 :])
    forged = parse_block(serialize_block(dataclasses.replace(block, transactions=txs)))
    assert forged.merkle_verified
    assert witness_commitment_verified(block) is True
    assert witness_commitment_verified(forged) is False


def test_ground_truth_names_the_wallet_of_every_generated_script(synthetic):
    block = list(read_chain(synthetic.path, "bitcoin", "regtest", start_height=3))[0]
    assert block.height == 3
    kinds = set()
    for tx in block.transactions[1:]:
        for out in tx.outputs:
            wallet = synthetic.truth.wallet_of(out.script_pubkey)
            assert wallet is not None and 0 <= wallet < 150
            kinds.add(out.script_pubkey[:2])
    assert len(kinds) >= 3
    assert synthetic.truth.wallet_of(b"\x6a\x04abcd") is None
    assert synthetic.truth.wallet_of(b"\x00\x14" + bytes(20)) is None
    assert load_chain(synthetic.path).truth == synthetic.truth


def test_obfuscated_files_need_their_key(synthetic, tmp_path):
    copy = tmp_path / "blocks"
    shutil.copytree(synthetic.path / "blocks", copy)
    assert xor_key(copy) == XOR_KEY
    (copy / "xor.dat").unlink()
    with pytest.raises(MalformedDataError, match="expected the record magic fabfb5da"):
        index_chain(copy, "bitcoin", "regtest")


def test_an_all_zero_key_means_plain_files(tmp_path):
    made = generate_chain(tmp_path, 300, seed=1, txs_per_block=50, n_wallets=30)
    (tmp_path / "blocks" / "xor.dat").write_bytes(bytes(8))
    assert xor_key(tmp_path / "blocks") is None
    assert len(list(read_chain(tmp_path, "bitcoin", "regtest"))) == made.n_blocks


def test_unxor_is_its_own_inverse_at_any_offset():
    data = bytes(range(256)) * 3
    for offset in (0, 1, 7, 8, 13):
        assert unxor(unxor(data, XOR_KEY, offset), XOR_KEY, offset) == data
        assert unxor(data, XOR_KEY, offset)[:1] == bytes((data[0] ^ XOR_KEY[offset % 8],))


def test_wrong_network_is_named_in_the_error(synthetic):
    with pytest.raises(MalformedDataError, match="magic of bitcoin regtest / litecoin regtest"):
        index_chain(synthetic.path, "bitcoin", "mainnet")
    with pytest.raises(InputError, match="does not know"):
        disk_magic("bitcoin", "moonnet")


def test_baseline_reader_splits_every_record(synthetic):
    records = list(raw_records(synthetic.path, "bitcoin", "regtest"))
    assert len(records) == synthetic.n_blocks + len(synthetic.stale_hashes)


def test_block_work_follows_bitcoin_core():
    assert block_work(0x1D00FFFF) == 0x100010001  # the work of a difficulty-1 block
    assert block_work(0x207FFFFF) == 2
    assert block_work(0x1D80FFFF) == 0  # negative target
    assert block_work(0) == 0


# --- hand-made block files: most work, orphans, truncation ---

EASY, HARD = 0x207FFFFF, 0x1F00FFFF  # HARD has far more work than several EASY blocks


def make_block(prev: bytes, bits: int, tag: int) -> tuple[bytes, bytes]:
    stripped, _ = serialize_parts(1, [TxIn(bytes(32), 0xFFFFFFFF, struct.pack("<I", tag), 0)], [TxOut(1, b"\x51")], 0)
    header = struct.pack("<i32s32sIII", 1, prev, double_sha256(stripped), tag, bits, 0)
    return double_sha256(header), header + b"\x01" + stripped


def write_files(directory: Path, blocks: list[bytes], tail: bytes = b"") -> None:
    directory.mkdir(parents=True, exist_ok=True)
    magic = disk_magic("litecoin", "mainnet")
    records = b"".join(magic + struct.pack("<I", len(b)) + b for b in blocks)
    (directory / "blk00000.dat").write_bytes(records + tail + bytes(100))


def test_best_chain_is_the_one_with_most_work_not_the_longest(tmp_path):
    genesis_hash, genesis = make_block(bytes(32), EASY, 0)
    long_chain, prev = [], genesis_hash
    for tag in range(1, 6):
        prev, raw = make_block(prev, EASY, tag)
        long_chain.append(raw)
    hard_hash, hard = make_block(genesis_hash, HARD, 99)
    _, orphan = make_block(b"\x42" * 32, EASY, 100)
    write_files(tmp_path, [hard, orphan, *reversed(long_chain), genesis])
    index = index_chain(tmp_path, "litecoin", "mainnet")
    assert [loc.hash for loc in index.best_chain] == [genesis_hash, hard_hash]
    assert (index.stale, index.orphans) == (5, 1)
    assert index.chain_work == block_work(EASY) + block_work(HARD)


def test_a_record_cut_short_at_the_end_is_counted_and_left_out(tmp_path):
    genesis_hash, genesis = make_block(bytes(32), EASY, 0)
    _, child = make_block(genesis_hash, EASY, 1)
    magic = disk_magic("litecoin", "mainnet")
    write_files(tmp_path, [genesis], tail=magic + struct.pack("<I", len(child)) + child[:50])
    (tmp_path / "blk00000.dat").write_bytes((tmp_path / "blk00000.dat").read_bytes()[:-100])  # no padding
    index = index_chain(tmp_path, "litecoin", "mainnet")
    assert (len(index.best_chain), index.incomplete) == (1, 1)


def test_duplicates_are_counted_once(tmp_path):
    genesis_hash, genesis = make_block(bytes(32), EASY, 0)
    _, child = make_block(genesis_hash, EASY, 1)
    write_files(tmp_path, [genesis, child, child])
    index = index_chain(tmp_path, "litecoin", "mainnet")
    assert (len(index.best_chain), index.duplicates) == (2, 1)


def test_missing_genesis_and_missing_files_are_input_errors(tmp_path):
    _, child = make_block(b"\x01" * 32, EASY, 1)
    write_files(tmp_path / "a", [child])
    with pytest.raises(InputError, match="0 genesis blocks"):
        index_chain(tmp_path / "a", "litecoin", "mainnet")
    with pytest.raises(InputError, match="No Bitcoin Core block files"):
        blocks_directory(tmp_path / "nothing")


# --- a real node's files ---


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.node
@pytest.mark.slow
def test_litecoind_regtest_files_give_the_nodes_best_chain(tmp_path):
    if shutil.which("litecoind") is None:
        pytest.skip("litecoind is not installed (scripts/system-deps.sh installs it)")
    rpc_port = free_port()
    base = ["-regtest", f"-datadir={tmp_path}", f"-rpcport={rpc_port}"]
    node = subprocess.Popen(
        ["litecoind", *base, f"-port={free_port()}", "-listen=0", "-server", "-fallbackfee=0.0002", "-printtoconsole=0"]
    )

    def cli(*args: str) -> str:
        return subprocess.run(["litecoin-cli", *base, *args], check=True, capture_output=True, text=True).stdout.strip()

    try:
        for _ in range(100):
            if subprocess.run(["litecoin-cli", *base, "getblockcount"], capture_output=True).returncode == 0:
                break
            time.sleep(0.2)
        cli("createwallet", "w")
        address = cli("getnewaddress", "", "bech32")
        cli("generatetoaddress", "105", address)
        cli("sendtoaddress", cli("getnewaddress", "", "legacy"), "2.5")
        cli("sendtoaddress", cli("getnewaddress", "", "p2sh-segwit"), "1.25")
        cli("generatetoaddress", "2", address)
        cli("invalidateblock", cli("getblockhash", "106"))  # leaves blocks 106-107 stale in the files
        cli("generatetoaddress", "3", cli("getnewaddress", "", "legacy"))
        height = int(cli("getblockcount"))
        hashes = [cli("getblockhash", str(h)) for h in range(height + 1)]
        raw_tip = bytes.fromhex(cli("getblock", hashes[-1], "0"))
        payments = json.loads(cli("getblock", hashes[106], "2"))
        cli("stop")
        node.wait(timeout=60)
    finally:
        if node.poll() is None:
            node.terminate()
            node.wait(timeout=30)
    index = index_chain(tmp_path / "regtest", "litecoin", "regtest")
    assert index.stale == 2
    blocks = list(read_chain(tmp_path / "regtest", "litecoin", "regtest", index=index))
    assert [display_hash(b.header.hash) for b in blocks] == hashes
    assert all(b.merkle_verified and witness_commitment_verified(b) for b in blocks[1:])
    assert parse_block(raw_tip) == dataclasses.replace(blocks[-1], height=None)
    assert blocks[-1].size == len(raw_tip)
    assert len(blocks[106].transactions) == 3
    assert [display_hash(tx.txid) for tx in blocks[106].transactions] == [t["txid"] for t in payments["tx"]]
    assert [display_hash(tx.wtxid) for tx in blocks[106].transactions] == [t["hash"] for t in payments["tx"]]
    assert [tx.vsize for tx in blocks[106].transactions] == [t["vsize"] for t in payments["tx"]]
