"""Write a batch of blocks into the store in one DuckDB transaction.

The batch arrives as columns (:mod:`cointrail.chains.bitcoin.batch`); its inputs are
resolved to the outputs they spend, and its scripts given their address ids,
by the in-memory :class:`~cointrail.store.duckdb.chainstate.ChainState` of the store.
The rows are handed to DuckDB as Arrow tables over those NumPy arrays and
inserted with set-based SQL (never one INSERT per row); outputs spent inside
the batch are written already marked, those of earlier batches are marked by
one UPDATE. The blocks table is itself the "ingested up to" marker, so a batch
is either wholly in the store or not at all: an ingest killed at any moment
resumes exactly.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from cointrail.addresses import address_for_script, classify_script
from cointrail.chains.bitcoin import batch
from cointrail.chains.bitcoin.batch import TX, Batch, hash_column
from cointrail.chains.bitcoin.model import display_hash
from cointrail.errors import IntegrityError
from cointrail.store.duckdb import address_hash, address_stats, p2pk, scriptcolumns
from cointrail.store.duckdb.chainstate import Resolution

if TYPE_CHECKING:
    from cointrail.store.duckdb.store import LedgerStore

COINBASE_VOUT = 0xFFFFFFFF

# Litecoin MWEB (LIP 0003): peg-ins pay to "OP_9 <kernel id>", the integrating
# transaction's HogAddr is "OP_8 <hash>". Money behind them is private.
MWEB_WITNESS_TYPES = {8: "mweb_hogaddr", 9: "mweb_pegin"}


def script_type(script: bytes, chain: str) -> str:
    """The kind of an output script, naming Litecoin's MWEB scripts as such."""
    kind, body = classify_script(script)
    if kind == "witness_unknown" and chain == "litecoin" and isinstance(body, tuple):
        return MWEB_WITNESS_TYPES.get(body[0], kind)
    return kind


def describe_scripts(scripts: list[bytes], chain: str, network: str) -> list[tuple[str | None, str]]:
    """(address, script type) of each script, one at a time (the reference for :mod:`scriptcolumns`)."""
    return [(address_for_script(s, chain, network), script_type(s, chain)) for s in scripts]


def _insert(store: LedgerStore, table: str, rows: pa.Table) -> None:
    """Append an Arrow table, prefixed by the store's chain and network."""
    store.con.register("b_rows", rows)
    names = ", ".join(rows.column_names)
    store.con.execute(
        f"INSERT INTO {table} (chain, network, {names}) SELECT ?, ?, {names} FROM b_rows",
        [store.chain, store.network],
    )
    store.con.unregister("b_rows")


_MARK_SPENT = """
UPDATE outputs SET spent_by_tx_id = s.tx_id, spent_by_vin = s.vin, spent_height = s.height
FROM b_spends AS s WHERE outputs.tx_id = s.prev_tx_id AND outputs.vout = s.prev_vout
"""


# Addresses stored before the batch that it pays to a bare public key for the first time: their key.
_KEEP_PUBKEYS = """
UPDATE addresses SET pubkey = k.pubkey FROM b_keys AS k
WHERE addresses.address_id = k.address_id AND addresses.pubkey IS NULL
"""


def _check_linkage(store: LedgerStore, rows: batch.BlockRows) -> None:
    tip = store.tip()
    expected_height = tip[0] + 1 if tip else 0
    prev = tip[1] if tip else None
    for height, block_hash, prev_hash, source in zip(rows.height, rows.hash, rows.prev_hash, rows.source,
                                                     strict=True):  # fmt: skip
        if height != expected_height or (prev is not None and prev_hash != prev):
            raise IntegrityError(
                f"block {display_hash(block_hash)} at height {height} from {source} does not "
                f"follow the stored chain (expected height {expected_height}, parent "
                f"{display_hash(prev) if prev else 'none'}, got parent {display_hash(prev_hash)})"
            )
        expected_height, prev = height + 1, block_hash


def _unresolved(b: Batch, tx_index: int, vin: int) -> IntegrityError:
    height = int(b.column("height")[tx_index])
    block = b.blocks.height.index(height)
    offset, prev_vout, _sequence = b.inputs[b.column("first_input")[tx_index] + vin]
    prev_txid = b.data[offset : offset + 32].tobytes()
    return IntegrityError(
        f"block {display_hash(b.blocks.hash[block])} at height {height} from {b.blocks.source[block]}: input {vin} "
        f"of transaction {b.display_txid(tx_index)} spends {display_hash(prev_txid)}:{prev_vout}, an output not in "
        "the store (the source skipped blocks or is not the chain stored here)"
    )


def write_batch(store: LedgerStore, b: Batch) -> None:
    """Append a batch of consecutive blocks above the stored tip, in one transaction."""
    if not b.blocks.height:
        return
    _check_linkage(store, b.blocks)
    con = store.con
    began = False
    b, bare = p2pk.keyed(b)  # P2PK outputs get the id of their key's P2PKH address
    try:
        resolved = store.chain_state(b).resolve(b)
        if resolved.unresolved is not None:
            raise _unresolved(b, *resolved.unresolved)
        tables = _tables(store, b, resolved, bare)
        con.execute("BEGIN TRANSACTION")
        began = True
        for name in ("addresses", "blocks", "transactions", "outputs", "inputs"):
            _insert(store, name, tables[name])
        if len(resolved.earlier_spends):
            con.register("b_spends", tables["spends"])
            con.execute(_MARK_SPENT)
            con.unregister("b_spends")
        if "earlier_keys" in tables:
            con.register("b_keys", tables["earlier_keys"])
            con.execute(_KEEP_PUBKEYS)
            con.unregister("b_keys")
        if not store.defers_address_stats:
            address_stats.add_heights(con, store.chain, store.network, *b.heights)
        con.execute("COMMIT")
    except BaseException:
        if began:
            con.execute("ROLLBACK")
        store.forget_chain_state()  # it already holds this batch: load it again from what is committed
        raise
    _add_to_bulk_totals(store, b, resolved)


def _add_to_bulk_totals(store: LedgerStore, b: Batch, r: Resolution) -> None:
    """Add a committed batch to the bulk load's in-memory address totals (if it keeps them)."""
    if store.bulk_totals is None:
        return
    try:
        store.bulk_totals.add(
            r.first_tx_id, b.column("height"), b.column("output_count"), r.outputs[:, 0], b.outputs[:, 0],
            b.column("input_count"), r.inputs[:, 1], r.inputs[:, 2], b.blocks.height, b.blocks.time,
        )  # fmt: skip
    except BaseException:
        store.bulk_totals = None  # part-added: the load's end computes the totals from the rows instead
        raise
    if store.memory_limit is not None and store.bulk_totals.nbytes > store.memory_limit // 8:
        store.bulk_totals = None  # they grow with the addresses: past an eighth of the budget, SQL does them at the end


def _nullable(values: npt.NDArray[np.int64], kind: pa.DataType) -> pa.Array:
    """An Arrow column over ``values`` with NULL where they are -1 (the resolver's "none")."""
    none = values < 0
    return pa.array(values, kind, mask=none) if none.any() else pa.array(values, kind)


def _tables(store: LedgerStore, b: Batch, r: Resolution, bare: p2pk.BareKeys | None) -> dict[str, pa.Table]:
    col = {name: b.column(name) for name in TX}
    n_tx = len(b.tx)
    tx_ids = np.arange(r.first_tx_id, r.first_tx_id + n_tx, dtype=np.int64)
    out_tx = np.repeat(np.arange(n_tx), col["output_count"])
    in_tx = np.repeat(np.arange(n_tx), col["input_count"])
    heights = col["height"]
    pubkeys, earlier_keys = _pubkeys(r, bare)
    tables = {
        "addresses": _addresses(store, r, heights[out_tx[r.new_outputs]], pubkeys),
        "blocks": _blocks(b.blocks, r.first_tx_id),
        "transactions": pa.table({
            "tx_id": tx_ids, "txid": hash_column(b.txid), "wtxid": hash_column(b.wtxid),
            "block_height": pa.array(heights, pa.int32()), "position": pa.array(col["position"], pa.int32()),
            "version": col["version"], "locktime": col["locktime"], "size": pa.array(col["size"], pa.int32()),
            "vsize": pa.array(col["vsize"], pa.int32()), "input_count": pa.array(col["input_count"], pa.int32()),
            "output_count": pa.array(col["output_count"], pa.int32()),
            "is_coinbase": col["is_coinbase"].astype(bool), "has_mweb": col["has_mweb"].astype(bool),
        }),
        "outputs": _outputs(b, r, out_tx, tx_ids, heights, bare),
        "inputs": _inputs(b, r, in_tx, tx_ids, heights),
    }  # fmt: skip
    if earlier_keys is not None:
        tables["earlier_keys"] = earlier_keys
    if len(r.earlier_spends):
        spends = r.earlier_spends
        tables["spends"] = pa.table({
            "prev_tx_id": spends[:, 0], "prev_vout": pa.array(spends[:, 1], pa.int32()), "tx_id": spends[:, 2],
            "vin": pa.array(spends[:, 3], pa.int32()),
            "height": pa.array(heights[spends[:, 2] - r.first_tx_id], pa.int32()),
        })  # fmt: skip
    return tables


def _pubkeys(r: Resolution, bare: p2pk.BareKeys | None) -> tuple[pa.Array, pa.Table | None]:
    """The bare key of each new address paid to one (NULL for the others), and of earlier addresses (or None)."""
    n = len(r.scripts)
    if bare is None:
        return pa.nulls(n, pa.binary()), None
    keys: dict[int, bytes] = {}
    for address_id, key in zip(r.outputs[bare.outputs, 0].tolist(), bare.pubkeys, strict=True):
        keys.setdefault(address_id, key)  # one key per address: its HASH160 is the address
    new = [keys.get(r.first_address_id + i) for i in range(n)]
    earlier = {a: k for a, k in keys.items() if a < r.first_address_id}
    table = pa.table({"address_id": pa.array(list(earlier), pa.int64()), "pubkey": pa.array(list(earlier.values()),
                                                                                             pa.binary())})  # fmt: skip
    return pa.array(new, pa.binary()), table if earlier else None


def _addresses(store: LedgerStore, r: Resolution, first_heights: npt.NDArray[np.int64], pubkeys: pa.Array) -> pa.Table:
    addresses, types = scriptcolumns.describe(r.scripts, store.chain, store.network)
    n = len(r.scripts)
    return pa.table({
        "address_id": np.arange(r.first_address_id, r.first_address_id + n, dtype=np.int64),
        "script": r.scripts, "address": addresses, "script_type": types,
        "first_height": pa.array(first_heights, pa.int32()), "pubkey": pubkeys,
        "address_hash": address_hash.column(addresses),
    })  # fmt: skip


def _blocks(rows: batch.BlockRows, first_tx_id: int) -> pa.Table:
    first = np.concatenate([[0], np.cumsum(rows.tx_count[:-1], dtype=np.int64)]) + first_tx_id
    return pa.table({
        "height": pa.array(rows.height, pa.int32()), "hash": pa.array(rows.hash, pa.binary()),
        "prev_hash": pa.array(rows.prev_hash, pa.binary()), "merkle_root": pa.array(rows.merkle_root, pa.binary()),
        "version": pa.array(rows.version, pa.int64()), "time": pa.array(rows.time, pa.int64()),
        "bits": pa.array(rows.bits, pa.int64()), "nonce": pa.array(rows.nonce, pa.int64()),
        "size": pa.array(rows.size, pa.int32()), "tx_count": pa.array(rows.tx_count, pa.int32()),
        "mweb_size": pa.array(rows.mweb_size, pa.int32()), "first_tx_id": pa.array(first, pa.int64()),
        "source": pa.array(rows.source, pa.string()), "txids_recomputed": pa.array([True] * len(rows.height)),
        "merkle_checked": pa.array(rows.merkle_checked, pa.bool_()),
    })  # fmt: skip


def _positions(counts: npt.NDArray[np.int64], owner: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """Each row's index within its transaction (vout, vin), from the rows per transaction."""
    starts = np.cumsum(counts) - counts
    return np.arange(len(owner), dtype=np.int64) - starts[owner]


def _outputs(b: Batch, r: Resolution, out_tx: npt.NDArray[np.int64], tx_ids: npt.NDArray[np.int64],
             heights: npt.NDArray[np.int64], bare: p2pk.BareKeys | None) -> pa.Table:  # fmt: skip
    spender = r.outputs[:, 1]
    spent_height = np.where(spender >= 0, heights[np.maximum(spender - r.first_tx_id, 0)], -1)
    paid_to_key = np.zeros(len(b.outputs), np.bool_)
    if bare is not None:
        paid_to_key[bare.outputs] = True
    return pa.table({
        "tx_id": tx_ids[out_tx], "vout": pa.array(_positions(b.column("output_count"), out_tx), pa.int32()),
        "block_height": pa.array(heights[out_tx], pa.int32()), "value": b.outputs[:, 0], "address_id": r.outputs[:, 0],
        "spent_by_tx_id": _nullable(spender, pa.int64()), "spent_by_vin": _nullable(r.outputs[:, 2], pa.int32()),
        "spent_height": _nullable(spent_height, pa.int32()), "p2pk": paid_to_key,
    })  # fmt: skip


def _inputs(b: Batch, r: Resolution, in_tx: npt.NDArray[np.int64], tx_ids: npt.NDArray[np.int64],
            heights: npt.NDArray[np.int64]) -> pa.Table:  # fmt: skip
    return pa.table({
        "tx_id": tx_ids[in_tx], "vin": pa.array(_positions(b.column("input_count"), in_tx), pa.int32()),
        "block_height": pa.array(heights[in_tx], pa.int32()), "prev_tx_id": _nullable(r.inputs[:, 0], pa.int64()),
        "prev_vout": b.inputs[:, 1], "address_id": _nullable(r.inputs[:, 1], pa.int64()),
        "value": _nullable(r.inputs[:, 2], pa.int64()), "sequence": b.inputs[:, 2],
    })  # fmt: skip
