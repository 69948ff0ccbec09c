"""The compiled column path of raw ingest gives exactly what the reference parser and encoders give."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cointrail.chains.bitcoin import batch
from cointrail.chains.bitcoin.batch import Batch
from cointrail.chains.bitcoin.model import RawBlock
from cointrail.chains.bitcoin.rawblock import parse_block
from cointrail.chains.bitcoin.sources.blkfiles import read_raw_chain
from cointrail.errors import CointrailError
from cointrail.simulation.block_files import generate_chain
from cointrail.store.duckdb import scriptcolumns
from cointrail.store.duckdb.keyindex import KeyIndex, find, key_hash
from cointrail.store.duckdb.writer import describe_scripts


@pytest.fixture(scope="module")
def real_block(shared_data: Path) -> bytes:
    return (shared_data / "bitcoin-core" / "block413567.raw").read_bytes()


@pytest.fixture(scope="module")
def synthetic_blocks(tmp_path_factory: pytest.TempPathFactory) -> list[RawBlock]:
    made = generate_chain(tmp_path_factory.mktemp("columns"), 3000, seed=5, txs_per_block=80, n_wallets=200)
    return [RawBlock(h, data, "test", f"height {h}") for h, data, _ in read_raw_chain(made.path, "bitcoin", "regtest")]


def _comparable(b: Batch) -> dict[str, object]:
    """A batch's contents without the offsets into its buffer (which differ between the two paths)."""
    data = b.data.tobytes()
    rows = {k: v for k, v in vars(b.blocks).items() if k != "where"}
    return {
        "blocks": rows, "txid": b.txid.tobytes(), "wtxid": b.wtxid.tobytes(), "tx": b.tx.tolist(),
        "inputs": [(data[o : o + 32], vout, seq) for o, vout, seq in b.inputs.tolist()],
        "outputs": [(value, data[o : o + n]) for value, o, n in b.outputs.tolist()],
    }  # fmt: skip


def _reference(raws: list[RawBlock]) -> Batch:
    return batch.from_blocks([(parse_block(r.data, height=r.height, where=r.where), r) for r in raws])


def test_the_walk_reads_a_real_block_as_the_reference_parser(real_block: bytes) -> None:
    raws = [RawBlock(413567, real_block, "test", "test")]
    assert _comparable(batch.from_raw(raws)) == _comparable(_reference(raws))


def test_the_walk_reads_a_synthetic_chain_as_the_reference_parser(synthetic_blocks: list[RawBlock]) -> None:
    assert _comparable(batch.from_raw(synthetic_blocks)) == _comparable(_reference(synthetic_blocks))
    assert all(batch.from_raw(synthetic_blocks).blocks.merkle_checked)


def test_a_block_the_walk_cannot_read_goes_to_the_reference_parser(synthetic_blocks: list[RawBlock]) -> None:
    # Trailing bytes: the walk stops there, and the reference parser refuses the block with its own message.
    odd = synthetic_blocks[3]
    blocks = [*synthetic_blocks[:3], RawBlock(odd.height, odd.data + b"\x00", odd.source, odd.where)]
    with pytest.raises(CointrailError, match=r"unexpected bytes after its last transaction"):
        batch.from_raw(blocks)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.data())
def test_damaged_blocks_are_refused_or_read_as_the_reference_parser(real_block: bytes, data: st.DataObject) -> None:
    raw = bytearray(real_block)
    for _ in range(data.draw(st.integers(1, 3))):
        kind = data.draw(st.sampled_from(["flip", "cut"]))
        at = data.draw(st.integers(80, len(raw) - 1))
        if kind == "flip":
            raw[at] ^= 1 << data.draw(st.integers(0, 7))
        else:
            del raw[at:]
            break
    block = RawBlock(1, bytes(raw), "test", "test")
    try:
        expected = _comparable(_reference([block]))
    except CointrailError as error:
        with pytest.raises(type(error)) as raised:
            batch.from_raw([block])
        assert str(raised.value) == str(error)
    else:
        assert _comparable(batch.from_raw([block])) == expected


def _scripts(real_block: bytes) -> list[bytes]:
    rng = random.Random(1)
    scripts = [o.script_pubkey for t in parse_block(real_block).transactions for o in t.outputs]
    return scripts + [
        bytes([0x76, 0xA9, 0x14]) + bytes(20) + b"\x88\xac", b"\x00\x14" + rng.randbytes(20),
        b"\xa9\x14" + rng.randbytes(20) + b"\x87", b"\x51\x20" + rng.randbytes(32), b"\x00\x20" + rng.randbytes(32),
        b"\x58\x20" + rng.randbytes(32), b"\x59\x21" + rng.randbytes(33), b"\x60\x28" + rng.randbytes(40),
        b"\x52\x02ab", b"\x6a", b"", b"\x21" + rng.randbytes(33) + b"\xac", b"\xaa\x20" + rng.randbytes(32) + b"\x87",
        b"\x00\x15" + rng.randbytes(21), b"\x00\x14" + bytes(20), bytes([0x76, 0xA9, 0x14]) + b"\x00" * 5 + b"\x01" * 15
        + b"\x88\xac",
    ]  # fmt: skip


@pytest.mark.parametrize(("chain", "network"), [
    ("bitcoin", "mainnet"), ("bitcoin", "regtest"), ("litecoin", "mainnet"), ("litecoin", "regtest"),
    ("dogecoin", "mainnet"), ("bitcoin-cash", "mainnet"),
])  # fmt: skip
def test_compiled_addresses_equal_the_reference_encoders(real_block: bytes, chain: str, network: str) -> None:
    scripts = _scripts(real_block)
    addresses, types = scriptcolumns.describe(pa.array(scripts, pa.binary()), chain, network)
    assert list(zip(addresses.to_pylist(), types.to_pylist(), strict=True)) == describe_scripts(scripts, chain, network)


def test_the_key_index_finds_every_key_and_keeps_the_later_of_two_equal_ones() -> None:
    keys = [bytes([i % 251]) * (1 + i % 40) for i in range(5000)] + [b"same", b"same"]
    arena = np.frombuffer(b"".join(keys), np.uint8).copy()
    offsets = np.concatenate([[0], np.cumsum([len(k) for k in keys])]).astype(np.int64)
    index = KeyIndex(arena, offsets)
    index.reserve(10_000, 10_000)  # grows the table and rebuilds it
    assert index.key(5001) == b"same"
    for key_id, key in enumerate(keys):
        buf = np.frombuffer(key, np.uint8)
        found, _slot = find(index.slots, index.hashes, index.arena, index.offsets, buf, 0, len(key),
                            np.uint64(key_hash(buf, 0, len(key))))  # fmt: skip
        assert found == (5001 if key == b"same" else key_id)
