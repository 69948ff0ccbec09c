"""Pay-to-public-key outputs, stored under the P2PKH address of their key, as explorers show them (issue 13).

A P2PK output (``<pubkey> OP_CHECKSIG``: nearly every output of Bitcoin's
first years, and old coinbases) names a public key, not an address. Block
explorers and investigators list it under the P2PKH address of that key
(HASH160 of the key as written, compressed or uncompressed), and so does
cointrail: before a batch is resolved, :func:`keyed` points each P2PK output at
the P2PKH script of its key, so that it gets that address's id (a new one, or
the one the key's P2PKH outputs already have). The store keeps what was really
paid: ``outputs.p2pk`` marks the output, ``addresses.pubkey`` holds the bare
key (NULL for an address never paid that way), and answers name it
(:func:`note`).

Stores made before this layout gave a P2PK script an id of its own, with no
address: :func:`upgrade` moves them to this layout when first opened for
writing, in place where the key has no P2PKH id of its own; a key that has both
would need its ids merged, which only a new ingest can do (it says so).
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import numpy as np
import numpy.typing as npt

from cointrail.addresses import address_for_script
from cointrail.addresses.script import hash160, is_pubkey, p2pk_script, p2pkh_script
from cointrail.chains.bitcoin.batch import Batch
from cointrail.errors import InputError
from cointrail.store.duckdb import address_hash, schema

NOTE = "paid to the bare public key {key}, shown under its P2PKH address as explorers do"


def note(pubkey_hex: str) -> str:
    """The words every answer gives an address (or output) paid to a bare public key."""
    return NOTE.format(key=pubkey_hex)


def marker(pubkey: bytes | None) -> dict[str, str] | None:
    """An answer's ``p2pk`` field: the key, its P2PK script and the note; None for an address never paid so."""
    if pubkey is None:
        return None
    key = bytes(pubkey)
    return {"pubkey": key.hex(), "script_pubkey": p2pk_script(key).hex(), "note": note(key.hex())}


def bare_key(script: bytes) -> bytes | None:
    """The public key a P2PK script (``<33 or 65 bytes> OP_CHECKSIG``) pays, or None for any other script: one
    output's test, as :func:`keyed` makes it on a whole batch (the sparse store's writer files one transaction)."""
    if len(script) in (35, 67) and script[0] == len(script) - 2 and script[-1] == 0xAC and is_pubkey(script[1:-1]):
        return script[1:-1]
    return None


def filed_script(script: bytes) -> bytes:
    """The script an output is filed under: its key's P2PKH script for a P2PK output, else the script itself."""
    key = bare_key(script)
    return script if key is None else p2pkh_script(hash160(key))


@dataclass(frozen=True)
class BareKeys:
    """The P2PK outputs of a batch: their positions among its outputs, and their keys."""

    outputs: npt.NDArray[np.int64]
    pubkeys: list[bytes]


def _find(b: Batch) -> npt.NDArray[np.int64]:
    """The outputs whose script is ``<33 or 65 bytes> OP_CHECKSIG`` (vectorised: most batches have none)."""
    lengths = b.outputs[:, 2]
    maybe = np.flatnonzero((lengths == 35) | (lengths == 67))
    if not len(maybe):
        return maybe
    starts, n = b.outputs[maybe, 1], lengths[maybe]
    return maybe[(b.data[starts] == n - 2) & (b.data[starts + n - 1] == 0xAC)]


def keyed(b: Batch) -> tuple[Batch, BareKeys | None]:
    """``b`` with each P2PK output's script replaced by its key's P2PKH script, and those outputs; as is if none."""
    found = _find(b)
    if not len(found):
        return b, None
    data = b.data.tobytes()
    which, keys, scripts = [], [], []
    for o in found.tolist():
        start, length = int(b.outputs[o, 1]), int(b.outputs[o, 2])
        key = data[start + 1 : start + length - 1]
        if is_pubkey(key):
            which.append(o)
            keys.append(key)
            scripts.append(p2pkh_script(hash160(key)))
    if not which:
        return b, None
    outputs = b.outputs.copy()
    outputs[which, 1] = len(b.data) + 25 * np.arange(len(which))
    outputs[which, 2] = 25
    joined = np.concatenate([b.data, np.frombuffer(b"".join(scripts), np.uint8)])
    rekeyed = Batch(b.blocks, joined, b.txid, b.wtxid, b.tx, b.inputs, outputs)
    return rekeyed, BareKeys(np.array(which, np.int64), keys)


# A roll-back may remove the only P2PK outputs of an address that stays (paid earlier as P2PKH): its key goes too.
FORGET_ROLLED_BACK = (
    "UPDATE addresses SET pubkey = NULL WHERE pubkey IS NOT NULL "
    "AND address_id NOT IN (SELECT address_id FROM outputs WHERE p2pk)"
)


def is_current(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether the store has this layout's columns (``outputs.p2pk``, ``addresses.pubkey``)."""
    rows = con.execute(
        "SELECT count(*) FROM duckdb_columns() WHERE (table_name, column_name) IN "
        "(('outputs', 'p2pk'), ('addresses', 'pubkey'))"
    ).fetchall()
    return rows[0][0] == 2


def upgrade(con: duckdb.DuckDBPyConnection, chain: str, network: str) -> bool:
    """Bring a store of an earlier layout to this one, in one transaction; whether anything changed.

    Raises :class:`InputError` (nothing changed) when a key was paid both ways, under two ids.
    """
    if is_current(con):
        return False
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute(schema.DROP_INDEXES_DDL)  # DuckDB alters no table an index depends on; the open builds them again
        con.execute("ALTER TABLE outputs ADD COLUMN IF NOT EXISTS p2pk BOOLEAN DEFAULT false")
        con.execute("ALTER TABLE addresses ADD COLUMN IF NOT EXISTS pubkey BLOB")
        merge_legacy(con, chain, network)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return True


def merge_legacy(con: duckdb.DuckDBPyConnection, chain: str, network: str) -> int:
    """Move P2PK rows of the earlier layout (own id, script ``<key> OP_CHECKSIG``) to this one; how many.

    In the caller's transaction. Each keeps its id, which is the one a new ingest gives it, unless its key
    also has a P2PKH id: then the store must be made again.
    """
    rows = con.execute(
        "SELECT address_id, script FROM addresses WHERE script_type = 'p2pk' AND pubkey IS NULL"
    ).fetchall()
    moved = [(i, bytes(s)[1:-1]) for i, s in rows if is_pubkey(bytes(s)[1:-1])]
    if not moved:
        return 0
    updates = []
    for address_id, key in moved:
        script = p2pkh_script(hash160(key))
        updates.append((address_id, script, address_for_script(script, chain, network), key))
    con.execute("CREATE TEMP TABLE p2pk_moves (address_id BIGINT, script BLOB, address VARCHAR, pubkey BLOB)")
    con.executemany("INSERT INTO p2pk_moves VALUES (?, ?, ?, ?)", updates)
    (both,) = con.execute("SELECT count(*) FROM addresses a JOIN p2pk_moves m USING (script)").fetchall()[0]
    if both:
        con.execute("DROP TABLE p2pk_moves")
        raise InputError(
            f"this store was made by an earlier cointrail that kept pay-to-public-key outputs apart from the P2PKH "
            f"address of their key; {both} keys were paid both ways, and their two ids cannot be merged in place. "
            "Ingest the chain again into a new store (cointrail ingest --db NEW ...); this one can still be read."
        )
    con.execute(
        "UPDATE addresses SET script = m.script, address = m.address, script_type = 'p2pkh', pubkey = m.pubkey "
        "FROM p2pk_moves m WHERE addresses.address_id = m.address_id"
    )
    con.execute("UPDATE outputs SET p2pk = true WHERE address_id IN (SELECT address_id FROM p2pk_moves)")
    con.execute("DROP TABLE p2pk_moves")
    if address_hash.has_column(con):  # the moved rows have an address now: their hash too
        address_hash.fill(con)
    return len(moved)


def markers(con: duckdb.DuckDBPyConnection, address_ids: set[int], names: dict[int, str]) -> list[dict[str, str]]:
    """The addresses among ``address_ids`` paid to their bare key, each as ``{"address", **marker}``, by address.

    What a trace or a list of payers names once for all its addresses (``names``: their display names); none in
    a store without the columns (an older one, read-only).
    """
    if not address_ids or not is_current(con):
        return []
    ids = ", ".join(str(int(i)) for i in sorted(address_ids))
    rows = con.execute(f"SELECT address_id, pubkey FROM addresses WHERE address_id IN ({ids}) AND pubkey IS NOT NULL")
    found = [{"address": names.get(i, ""), **(marker(bytes(key)) or {})} for i, key in rows.fetchall()]
    return sorted(found, key=lambda m: m["address"])
