"""Raw blocks rebuilt from a node's recorded verbose ``getblock`` answers (bitcoin-etl's data in ../shared/data)."""

from __future__ import annotations

import struct

from cointrail.ledger.model import internal_hash


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
