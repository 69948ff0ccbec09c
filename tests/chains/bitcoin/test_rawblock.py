"""The raw block and transaction parser, against real chain data and an independent implementation."""

from __future__ import annotations

import contextlib
import io
import json
import struct
from decimal import Decimal
from pathlib import Path

import pytest
from embit.transaction import Transaction as EmbitTransaction
from hypothesis import given, settings
from hypothesis import strategies as st
from node_answers import rebuild_block

from cointrail.chains.bitcoin.hashes import double_sha256
from cointrail.chains.bitcoin.model import Block, BlockHeader, Transaction, TxIn, TxOut, display_hash
from cointrail.chains.bitcoin.rawblock import (
    MalformedDataError,
    UnsupportedDataError,
    mweb_extension_size,
    parse_block,
    parse_header,
    parse_transaction,
    serialize_block,
    serialize_header,
    serialize_parts,
    serialize_transaction,
)
from cointrail.chains.bitcoin.verify import merkle_root, witness_commitment_verified
from cointrail.errors import CointrailError, InputError

BLOCK_413567_HASH = "0000000000000000025aff8be8a55df8f89c77296db6198f272d6577325d4069"
ETL = "bitcoin-etl-rpc/test_export_blocks_job"


@pytest.fixture(scope="module")
def block413567_raw(shared_data: Path) -> bytes:
    return (shared_data / "bitcoin-core" / "block413567.raw").read_bytes()


@pytest.fixture(scope="module")
def block413567(block413567_raw: bytes) -> Block:
    return parse_block(block413567_raw)


def embit_txids(raw_block: bytes) -> list[str]:
    """Txids of a block's transactions computed by embit, an independent parser."""
    stream = io.BytesIO(raw_block[80:])
    count = stream.read(1)[0]
    if count == 0xFD:
        count = struct.unpack("<H", stream.read(2))[0]
    txids = [EmbitTransaction.read_from(stream).txid().hex() for _ in range(count)]
    assert stream.read() == b""
    return txids


def test_mainnet_block_413567_parses_to_its_known_hash_count_and_merkle_root(block413567):
    assert display_hash(block413567.header.hash) == BLOCK_413567_HASH
    assert len(block413567.transactions) == 1557  # the public transaction count of block 413567
    assert block413567.merkle_verified
    assert block413567.size == 999_887
    assert block413567.transactions[0].is_coinbase
    assert not any(tx.is_coinbase for tx in block413567.transactions[1:])


def test_mainnet_block_txids_match_an_independent_parser(block413567, block413567_raw):
    ours = [display_hash(tx.txid) for tx in block413567.transactions]
    assert ours == embit_txids(block413567_raw)
    assert len(set(ours)) == 1557


def test_mainnet_block_merkle_root_is_recomputed_from_txids(block413567):
    root = merkle_root([tx.txid for tx in block413567.transactions])
    assert root == block413567.header.merkle_root


def test_mainnet_block_round_trips_through_the_serializer(block413567, block413567_raw):
    assert serialize_block(block413567) == block413567_raw


def test_a_changed_merkle_root_is_reported_not_verified(block413567_raw):
    raw = bytearray(block413567_raw)
    raw[40] ^= 1  # inside the merkle root field of the header
    block = parse_block(bytes(raw))
    assert not block.merkle_verified
    assert len(block.transactions) == 1557


def etl_json_files(shared_data: Path, pattern: str) -> list[Path]:
    return sorted((shared_data / ETL).glob(f"*/*/{pattern}"))


def assert_matches_node_json(tx: Transaction, node: dict) -> None:
    """Every field of a parsed transaction equals what the node said about it."""
    assert display_hash(tx.txid) == node["txid"]
    assert display_hash(tx.wtxid) == node.get("hash", node["txid"])
    size = node.get("size", len(node["hex"]) // 2 if "hex" in node else tx.size)  # old nodes (Dogecoin) omit it
    assert tx.size == size
    assert tx.vsize == node.get("vsize", size)
    assert (tx.version, tx.locktime) == (node["version"], node["locktime"])
    assert len(tx.inputs) == len(node["vin"])
    for txin, vin in zip(tx.inputs, node["vin"], strict=True):
        assert txin.sequence == vin["sequence"]
        if "coinbase" in vin:
            assert txin.is_coinbase and txin.script_sig.hex() == vin["coinbase"]
        else:
            assert (display_hash(txin.prev_txid), txin.prev_vout) == (vin["txid"], vin["vout"])
            assert txin.script_sig.hex() == vin["scriptSig"]["hex"]
    assert len(tx.outputs) == len(node["vout"])
    for n, (txout, vout) in enumerate(zip(tx.outputs, node["vout"], strict=True)):
        assert vout["n"] == n
        assert txout.value == int(Decimal(str(vout["value"])) * 100_000_000)
        assert txout.script_pubkey.hex() == vout["scriptPubKey"]["hex"]


def test_node_getblock_answers_rebuild_into_blocks_that_parse_identically(shared_data):
    checked = 0
    for path in etl_json_files(shared_data, "rpc_response_getblock_*.json"):
        info = json.loads(path.read_text())
        if "zcash" in path.parts or not info["tx"] or not isinstance(info["tx"][0], dict):
            continue  # Zcash serializes differently; some answers list no transactions
        block = parse_block(rebuild_block(info), where=path.name)
        assert display_hash(block.header.hash) == info["hash"], path.name
        assert block.merkle_verified
        assert block.size == info["size"]
        for tx, node in zip(block.transactions, info["tx"], strict=True):
            assert_matches_node_json(tx, node)
        checked += 1
    assert checked >= 7


def test_node_getrawtransaction_answers_parse_identically(shared_data):
    paths = etl_json_files(shared_data, "rpc_response_getrawtransaction_*.json")
    assert len(paths) >= 5
    for path in paths:
        node = json.loads(path.read_text())
        tx = parse_transaction(bytes.fromhex(node["hex"]), where=path.name)
        assert_matches_node_json(tx, node)
        assert path.name.endswith(f"_{node['txid']}.json")
        assert serialize_transaction(tx).hex() == node["hex"]


def test_segwit_taproot_transaction_matches_embit_and_round_trips(shared_data):
    vectors = json.loads((shared_data / "bitcoin-core" / "bip341_wallet_vectors.json").read_text())
    raw = bytes.fromhex(vectors["keyPathSpending"][0]["auxiliary"]["fullySignedTx"])
    tx = parse_transaction(raw)
    reference = EmbitTransaction.parse(raw)
    assert display_hash(tx.txid) == reference.txid().hex()
    assert tx.wtxid == double_sha256(raw) != tx.txid
    stripped = serialize_transaction(tx, witness=False)
    assert tx.txid == double_sha256(stripped)
    assert tx.size == len(raw)
    assert tx.vsize == (len(stripped) * 3 + len(raw) + 3) // 4
    assert any(txin.witness for txin in tx.inputs)
    assert serialize_transaction(tx) == raw


def test_witness_commitment_vouches_for_witness_data(block413567):
    assert witness_commitment_verified(block413567) is None  # before segwit: nothing to check
    block = parse_block(small_block())
    assert block.merkle_verified
    assert witness_commitment_verified(block) is False  # a segwit transaction but no commitment


def test_header_parses_alone_and_round_trips(block413567_raw):
    header = parse_header(block413567_raw)
    assert isinstance(header, BlockHeader)
    assert serialize_header(header) == block413567_raw[:80]
    assert display_hash(header.hash) == BLOCK_413567_HASH


# --- strictness ---


def small_block() -> bytes:
    coinbase = TxIn(bytes(32), 0xFFFFFFFF, b"\x01\x07", 0xFFFFFFFF)
    spend = TxIn(bytes(range(32)), 1, b"\x51", 0xFFFFFFFE, (b"\x30" * 71, b"\x02" * 33))
    txs = [
        serialize_parts(1, [coinbase], [TxOut(5_000_000_000, b"\x51")], 0),
        serialize_parts(2, [spend], [TxOut(1000, b"\x00\x14" + bytes(20)), TxOut(2000, b"\x6a")], 7),
    ]
    txids = [double_sha256(stripped) for stripped, _ in txs]
    header = struct.pack("<i32s32sIII", 0x20000000, bytes(32), merkle_root(txids), 1_700_000_000, 0x207FFFFF, 3)
    return header + bytes((len(txs),)) + b"".join(full for _, full in txs)


def test_every_truncation_of_a_block_is_refused_with_a_clear_error():
    raw = small_block()
    assert parse_block(raw).merkle_verified
    for cut in range(len(raw)):
        with pytest.raises(MalformedDataError) as error:
            parse_block(raw[:cut], where="test data")
        assert "truncated" in str(error.value) or "80 bytes" in str(error.value)


def test_trailing_bytes_are_refused_with_their_offset():
    raw = small_block()
    with pytest.raises(MalformedDataError, match=rf"1 unexpected bytes .*at byte {len(raw)}"):
        parse_block(raw + b"\x00", where="blk00000.dat at byte 8")


def test_errors_name_the_block_and_where_it_came_from():
    raw = small_block()
    with pytest.raises(MalformedDataError) as error:
        parse_block(raw[:-3], where="blk00003.dat at byte 1234")
    message = str(error.value)
    assert display_hash(double_sha256(raw[:80])) in message
    assert "blk00003.dat at byte 1234" in message
    assert "transaction 1" in message
    assert isinstance(error.value, InputError)


def test_unknown_serialization_flags_are_refused():
    raw = bytearray(small_block())
    second_tx = raw.index(b"\x02\x00\x00\x00\x00\x01")
    raw[second_tx + 5] = 0x02
    with pytest.raises(MalformedDataError, match="flags 0x02"):
        parse_block(bytes(raw))


def test_a_witness_flag_without_witness_data_is_refused():
    stripped, _ = serialize_parts(2, [TxIn(bytes(32), 0, b"", 0)], [TxOut(1, b"\x51")], 0)
    flagged = stripped[:4] + b"\x00\x01" + stripped[4:-4] + b"\x00" + stripped[-4:]
    with pytest.raises(MalformedDataError, match="no witness data"):
        parse_transaction(flagged)


# --- Litecoin MWEB ---


def hogex_tx() -> bytes:
    """A HogEx-style transaction: MWEB flag, a null MWEB part, one output."""
    stripped, _ = serialize_parts(
        2, [TxIn(b"\x11" * 32, 0, b"", 0xFFFFFFFF)], [TxOut(10**8, b"\x58\x20" + bytes(32))], 0
    )
    return stripped[:4] + b"\x00\x08" + stripped[4:-4] + b"\x00" + stripped[-4:], stripped


def test_litecoin_hogex_transaction_is_marked_and_its_txid_leaves_out_mweb():
    raw, stripped = hogex_tx()
    tx = parse_transaction(raw)
    assert tx.has_mweb
    assert tx.txid == tx.wtxid == double_sha256(stripped)
    assert tx.size == len(raw)
    assert tx.vsize == len(stripped)  # Litecoin weighs it without the MWEB flag and part
    with pytest.raises(MalformedDataError, match="MWEB"):
        serialize_transaction(tx)


def test_litecoin_witness_and_mweb_flags_give_the_wtxid_without_mweb():
    stripped, full = serialize_parts(
        2, [TxIn(b"\x22" * 32, 1, b"", 0, (b"\x01" * 64,))], [TxOut(5, b"\x59\x20" + bytes(32))], 0
    )
    mweb_part = b"\x01" + bytes(range(40))  # a present, opaque MWEB transaction
    raw = full[:5] + b"\x09" + full[6:-4] + mweb_part + full[-4:]
    tx = parse_transaction(raw)
    assert tx.has_mweb
    assert tx.txid == double_sha256(stripped)
    assert tx.wtxid == double_sha256(full)
    assert (tx.size, tx.vsize) == (len(raw), (len(stripped) * 3 + len(full) + 3) // 4)


def test_litecoin_block_with_mweb_extension_is_parsed_and_the_extension_skipped():
    raw, stripped = hogex_tx()
    coinbase_stripped, _ = serialize_parts(1, [TxIn(bytes(32), 0xFFFFFFFF, b"\x01\x01", 0)], [TxOut(1, b"\x51")], 0)
    txids = [double_sha256(coinbase_stripped), double_sha256(stripped)]
    header = struct.pack("<i32s32sIII", 0x20000000, bytes(32), merkle_root(txids), 1, 0x207FFFFF, 0)
    extension = b"\x01" + b"\xab" * 300
    block = parse_block(header + b"\x02" + coinbase_stripped + raw + extension)
    assert block.merkle_verified and block.transactions[-1].has_mweb
    assert mweb_extension_size(block) == len(extension)
    with pytest.raises(MalformedDataError, match="unexpected bytes"):
        parse_block(header + b"\x02" + coinbase_stripped + coinbase_stripped + extension)


def test_mweb_transaction_data_inside_a_block_is_refused_not_guessed():
    stripped, _ = serialize_parts(2, [TxIn(b"\x22" * 32, 1, b"", 0)], [TxOut(5, b"\x51")], 0)
    raw = stripped[:4] + b"\x00\x08" + stripped[4:-4] + b"\x01" + bytes(50) + stripped[-4:]
    header = struct.pack("<i32s32sIII", 1, bytes(32), bytes(32), 1, 0x207FFFFF, 0)
    with pytest.raises(UnsupportedDataError, match="MWEB transaction data"):
        parse_block(header + b"\x01" + raw)


def test_mweb_only_transactions_are_refused_since_their_id_needs_an_mweb_parser():
    raw = b"\x02\x00\x00\x00" + b"\x00\x08" + b"\x00\x00" + b"\x01" + bytes(40) + b"\x00\x00\x00\x00"
    with pytest.raises(UnsupportedDataError, match="MWEB-only"):
        parse_transaction(raw)


# --- properties ---

hashes = st.binary(min_size=32, max_size=32)
scripts = st.binary(max_size=300)
txins = st.builds(
    TxIn,
    hashes,
    st.integers(0, 2**32 - 1),
    scripts,
    st.integers(0, 2**32 - 1),
    st.lists(st.binary(max_size=80), max_size=3).map(tuple),
)
txouts = st.builds(TxOut, st.integers(-(2**63), 2**63 - 1), scripts)


@settings(deadline=None)
@given(st.integers(-(2**31), 2**31 - 1), st.lists(txins, min_size=1, max_size=4), st.lists(txouts, max_size=4),
       st.integers(0, 2**32 - 1))  # fmt: skip
def test_serialize_then_parse_gives_back_the_same_transaction(version, inputs, outputs, locktime):
    stripped, full = serialize_parts(version, inputs, outputs, locktime)
    tx = parse_transaction(full)
    assert (tx.version, tx.inputs, tx.outputs, tx.locktime) == (version, tuple(inputs), tuple(outputs), locktime)
    assert tx.txid == double_sha256(stripped)
    assert tx.wtxid == double_sha256(full)
    assert serialize_transaction(tx) == full


@settings(deadline=None)  # no timing in unit tests: the CI machine is shared
@given(st.binary(max_size=400))
def test_random_bytes_never_crash_the_parser(data):
    for parse in (parse_block, parse_transaction):
        with contextlib.suppress(CointrailError):
            parse(data)


@pytest.mark.slow
@settings(max_examples=150, deadline=None)
@given(st.data())
def test_mutated_real_blocks_give_a_result_or_a_cointrail_error(data):
    raw = bytearray(small_block() if data.draw(st.booleans()) else _BLOCK_CACHE.setdefault("b", _real_prefix()))
    for _ in range(data.draw(st.integers(1, 4))):
        position = data.draw(st.integers(0, len(raw) - 1))
        action = data.draw(st.sampled_from(("flip", "cut", "insert", "delete")))
        if action == "flip":
            raw[position] ^= 1 << data.draw(st.integers(0, 7))
        elif action == "cut":
            del raw[position:]
        elif action == "insert":
            raw[position:position] = data.draw(st.binary(min_size=1, max_size=9))
        else:
            del raw[position : position + data.draw(st.integers(1, 9))]
        if not raw:
            raw.append(0)
    try:
        block = parse_block(bytes(raw))
    except CointrailError:
        return
    assert isinstance(block, Block)


_BLOCK_CACHE: dict[str, bytes] = {}


def _real_prefix() -> bytes:
    """The real mainnet block cut to its first 40 transactions (keeps each example fast)."""
    path = Path(__file__).resolve().parents[4] / "shared" / "data" / "bitcoin-core" / "block413567.raw"
    if not path.exists():
        return small_block()
    block = parse_block(path.read_bytes())
    head = block.transactions[:40]
    header = struct.pack(
        "<i32s32sIII", block.header.version, block.header.prev_hash, merkle_root([t.txid for t in head]),
        block.header.time, block.header.bits, block.header.nonce,
    )  # fmt: skip
    return header + bytes((len(head),)) + b"".join(serialize_transaction(t) for t in head)
