"""Bitcoin's hash: double SHA-256, of a header (the block hash), a transaction (txid, wtxid) or a merkle node.

The one scalar hash every other module of the family uses; many byte ranges at
once are hashed by :mod:`cointrail.chains.bitcoin.digests` (compiled).
"""

from __future__ import annotations

import hashlib

_sha256 = hashlib.sha256


def double_sha256(data: bytes | memoryview) -> bytes:
    """SHA-256 applied twice: Bitcoin's hash for txids, block hashes and merkle nodes."""
    return _sha256(_sha256(data).digest()).digest()
