"""Raw blocks rebuilt from a node's recorded verbose ``getblock`` answers (bitcoin-etl's data in ../shared/data)."""

from __future__ import annotations

import json
import struct
from pathlib import Path

from cointrail.chains.bitcoin.model import internal_hash


def rebuild_block(info: dict) -> bytes:
    """A node's verbose getblock answer turned back into raw bytes: header fields plus each tx's hex."""
    header = struct.pack(
        "<i32s32sIII",
        info["version"],
        internal_hash(info.get("previousblockhash", "00" * 32)),
        internal_hash(info["merkleroot"]),
        info["time"],
        int(info["bits"], 16),
        info["nonce"],
    )
    count = len(info["tx"])
    varint = bytes((count,)) if count < 0xFD else b"\xfd" + struct.pack("<H", count)
    return header + varint + b"".join(bytes.fromhex(tx["hex"]) for tx in info["tx"])


BITCOIN_MAINNET_MAGIC = bytes.fromhex("f9beb4d9")  # the message start a mainnet node writes before each block
ETL_BITCOIN = "bitcoin-etl-rpc/test_export_blocks_job/bitcoin"  # bitcoin-etl's recorded node answers in ../shared/data


def mainnet_blk_file(shared_data: Path, folder: Path, heights: tuple[int, ...] = (0, 1)) -> Path:
    """``folder`` as a node's blocks directory: a blk00000.dat of the real mainnet blocks at ``heights``."""
    records = []
    for height in heights:
        (answer,) = (shared_data / ETL_BITCOIN / f"block_{height}").glob("rpc_response_getblock_*_2.json")
        raw = rebuild_block(json.loads(answer.read_text()))
        records.append(BITCOIN_MAINNET_MAGIC + struct.pack("<I", len(raw)) + raw)
    (folder / "blk00000.dat").write_bytes(b"".join(records))
    return folder
