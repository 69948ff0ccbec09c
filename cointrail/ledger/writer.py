"""Write a batch of blocks into the store in one DuckDB transaction.

The batch is turned into PyArrow tables (one Python pass over the parsed
objects) and inserted with set-based SQL: never one INSERT per row. Inputs are
resolved to the output they spend (its address and value) by a join inside
DuckDB, and the spent outputs are marked with the input that spent them. The
blocks table is itself the "ingested up to" marker, so a batch is either wholly
in the store or not at all: an ingest killed at any moment resumes exactly.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from cointrail.addresses import address_for_script, classify_script
from cointrail.errors import IntegrityError
from cointrail.ledger import address_stats
from cointrail.ledger.model import display_hash
from cointrail.ledger.rawblock import mweb_extension_size

if TYPE_CHECKING:
    from cointrail.ledger.store import LedgerStore, SourcedBlock

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


class _Columns:
    """Column lists of one batch, filled in a single pass over the blocks."""

    def __init__(self) -> None:
        self.blocks: dict[str, list[Any]] = {k: [] for k in _BLOCK_COLUMNS}
        self.txs: dict[str, list[Any]] = {k: [] for k in _TX_COLUMNS}
        self.outs: dict[str, list[Any]] = {k: [] for k in ("tx_id", "vout", "block_height", "value", "address_id")}
        self.ins: dict[str, list[Any]] = {
            k: [] for k in ("tx_id", "vin", "block_height", "prev_txid", "prev_vout", "sequence")
        }
        self.scripts: dict[bytes, int] = {}  # script -> height first seen in this batch
        self.out_scripts: list[bytes] = []


_BLOCK_COLUMNS = (
    "height", "hash", "prev_hash", "merkle_root", "version", "time", "bits", "nonce", "size",
    "tx_count", "mweb_size", "first_tx_id", "source", "txids_recomputed", "merkle_checked",
)  # fmt: skip
_TX_COLUMNS = (
    "tx_id", "txid", "wtxid", "block_height", "position", "version", "locktime", "size", "vsize",
    "input_count", "output_count", "is_coinbase", "has_mweb",
)  # fmt: skip


def _collect(blocks: Sequence[SourcedBlock], next_tx_id: int) -> _Columns:
    cols = _Columns()
    tx_id = next_tx_id
    for sourced in blocks:
        block, height = sourced.block, sourced.height
        header = block.header
        for key, value in zip(_BLOCK_COLUMNS, (
            height, header.hash, header.prev_hash, header.merkle_root, header.version, header.time,
            header.bits, header.nonce, block.size, len(block.transactions), mweb_extension_size(block), tx_id,
            sourced.source,
            True, block.merkle_verified,
        ), strict=True):  # fmt: skip
            cols.blocks[key].append(value)
        for position, tx in enumerate(block.transactions):
            _collect_tx(cols, tx, tx_id, height, position)
            tx_id += 1
    return cols


def _collect_tx(cols: _Columns, tx: Any, tx_id: int, height: int, position: int) -> None:
    for key, value in zip(_TX_COLUMNS, (
        tx_id, tx.txid, tx.wtxid, height, position, tx.version, tx.locktime, tx.size, tx.vsize,
        len(tx.inputs), len(tx.outputs), tx.is_coinbase, tx.has_mweb,
    ), strict=True):  # fmt: skip
        cols.txs[key].append(value)
    outs, ins, scripts = cols.outs, cols.ins, cols.scripts
    for vout, out in enumerate(tx.outputs):
        outs["tx_id"].append(tx_id)
        outs["vout"].append(vout)
        outs["block_height"].append(height)
        outs["value"].append(out.value)
        cols.out_scripts.append(out.script_pubkey)
        scripts.setdefault(out.script_pubkey, height)
    coinbase = tx.is_coinbase
    for vin, txin in enumerate(tx.inputs):
        ins["tx_id"].append(tx_id)
        ins["vin"].append(vin)
        ins["block_height"].append(height)
        ins["prev_txid"].append(None if coinbase else txin.prev_txid)
        ins["prev_vout"].append(txin.prev_vout)
        ins["sequence"].append(txin.sequence)


def _next_id(store: LedgerStore, table: str, column: str) -> int:
    return store.one(f"SELECT coalesce(max({column}) + 1, 0) FROM {table}")[0]  # type: ignore[index]


def describe_scripts(scripts: list[bytes], chain: str, network: str) -> list[tuple[str | None, str]]:
    """(address, script type) of each script.

    Most of the writer's CPU time on a chain of fresh addresses goes here, in the
    pure-Python base58 and bech32 checksums of :mod:`cointrail.addresses.codecs`.
    (Worker processes were tried: under the shared 2 cores they gained 7 %, and
    forkserver/spawn re-import the caller's main script, which breaks unguarded
    scripts; a faster checksum in codecs is the better fix.)
    """
    return [(address_for_script(s, chain, network), script_type(s, chain)) for s in scripts]


def _address_ids(store: LedgerStore, cols: _Columns) -> pa.Table:
    """Give every script of the batch its id; return the new addresses' rows."""
    con = store.con
    con.register("b_scripts", pa.table({"script": pa.array(list(cols.scripts), pa.binary())}))
    known = con.execute(
        "SELECT a.script, a.address_id FROM addresses a SEMI JOIN b_scripts b ON a.script = b.script"
    ).fetchall()
    con.unregister("b_scripts")
    ids: dict[bytes, int] = {bytes(script): address_id for script, address_id in known}
    next_id = _next_id(store, "addresses", "address_id")
    new_scripts = [script for script in cols.scripts if script not in ids]  # in order of first appearance
    described = describe_scripts(new_scripts, store.chain, store.network)
    for offset, script in enumerate(new_scripts):
        ids[script] = next_id + offset
    cols.outs["address_id"] = [ids[script] for script in cols.out_scripts]
    return pa.table({
        "address_id": pa.array(range(next_id, next_id + len(new_scripts)), pa.int64()),
        "script": pa.array(new_scripts, pa.binary()),
        "address": pa.array([d[0] for d in described], pa.string()),
        "script_type": pa.array([d[1] for d in described], pa.string()),
        "first_height": pa.array([cols.scripts[s] for s in new_scripts], pa.int32()),
    })  # fmt: skip


def _insert(store: LedgerStore, table: str, rows: pa.Table) -> None:
    """Append an Arrow table, prefixed by the store's chain and network."""
    store.con.register("b_rows", rows)
    names = ", ".join(rows.column_names)
    store.con.execute(
        f"INSERT INTO {table} (chain, network, {names}) SELECT ?, ?, {names} FROM b_rows",
        [store.chain, store.network],
    )
    store.con.unregister("b_rows")


_RESOLVE_INPUTS = """
INSERT INTO inputs (chain, network, tx_id, vin, block_height, prev_tx_id, prev_vout, address_id, value, sequence)
SELECT ?, ?, i.tx_id, i.vin, i.block_height, t.tx_id, i.prev_vout, o.address_id, o.value, i.sequence
FROM b_inputs i
LEFT JOIN transactions t ON t.txid = i.prev_txid AND t.tx_id < i.tx_id
LEFT JOIN outputs o ON o.tx_id = t.tx_id AND o.vout = i.prev_vout
-- a txid can occur twice (Bitcoin's duplicate coinbases, BIP 30): the later one is spent
QUALIFY row_number() OVER (PARTITION BY i.tx_id, i.vin ORDER BY t.tx_id DESC) = 1
"""

_MARK_SPENT = """
UPDATE outputs SET spent_by_tx_id = i.tx_id, spent_by_vin = i.vin, spent_height = i.block_height
FROM (SELECT tx_id, vin, block_height, prev_tx_id, prev_vout FROM inputs
      WHERE block_height BETWEEN ? AND ? AND prev_tx_id IS NOT NULL) AS i
WHERE outputs.tx_id = i.prev_tx_id AND outputs.vout = i.prev_vout
"""

_UNRESOLVED = """
SELECT i.block_height, i.tx_id, i.vin, b.prev_txid, i.prev_vout FROM inputs i
JOIN b_inputs b USING (tx_id, vin)
WHERE i.block_height BETWEEN ? AND ? AND b.prev_txid IS NOT NULL AND i.value IS NULL
ORDER BY i.tx_id, i.vin LIMIT 1
"""


def _check_linkage(store: LedgerStore, blocks: Sequence[SourcedBlock]) -> None:
    tip = store.tip()
    expected_height = tip[0] + 1 if tip else 0
    prev = tip[1] if tip else None
    for sourced in blocks:
        header = sourced.block.header
        if sourced.height != expected_height or (prev is not None and header.prev_hash != prev):
            raise IntegrityError(
                f"block {display_hash(header.hash)} at height {sourced.height} from {sourced.source} does not "
                f"follow the stored chain (expected height {expected_height}, parent "
                f"{display_hash(prev) if prev else 'none'}, got parent {display_hash(header.prev_hash)})"
            )
        expected_height, prev = sourced.height + 1, header.hash


def _report_unresolved(store: LedgerStore, lo: int, hi: int, blocks: Sequence[SourcedBlock]) -> None:
    row = store.one(_UNRESOLVED, [lo, hi])
    if row is None:
        return
    height, tx_id, vin, prev_txid, prev_vout = row
    sourced = blocks[height - lo]
    position = tx_id - store.one("SELECT min(tx_id) FROM b_txs WHERE block_height = ?", [height])[0]  # type: ignore[index]
    txid = display_hash(sourced.block.transactions[position].txid)
    raise IntegrityError(
        f"block {display_hash(sourced.block.header.hash)} at height {height} from {sourced.source}: input {vin} of "
        f"transaction {txid} spends {display_hash(bytes(prev_txid))}:{prev_vout}, an output not in the store "
        "(the source skipped blocks or is not the chain stored here)"
    )


def write_blocks(store: LedgerStore, blocks: Sequence[SourcedBlock]) -> None:
    """Append consecutive blocks above the stored tip, in one transaction."""
    if not blocks:
        return
    _check_linkage(store, blocks)
    con = store.con
    lo, hi = blocks[0].height, blocks[-1].height
    cols = _collect(blocks, _next_id(store, "transactions", "tx_id"))
    con.execute("BEGIN TRANSACTION")
    try:
        _insert(store, "addresses", _address_ids(store, cols))
        _insert(store, "blocks", _blocks_table(cols))
        txs = _txs_table(cols)
        _insert(store, "transactions", txs)
        _insert(store, "outputs", _outs_table(cols))
        con.register("b_inputs", _ins_table(cols))
        con.register("b_txs", txs)
        con.execute(_RESOLVE_INPUTS, [store.chain, store.network])
        _report_unresolved(store, lo, hi, blocks)
        con.execute(_MARK_SPENT, [lo, hi])
        address_stats.add_heights(con, store.chain, store.network, lo, hi)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    finally:
        for name in ("b_inputs", "b_txs"):
            con.unregister(name)


def _blocks_table(cols: _Columns) -> pa.Table:
    types = {"height": pa.int32(), "size": pa.int32(), "tx_count": pa.int32(), "version": pa.int64(),
             "time": pa.int64(), "bits": pa.int64(), "nonce": pa.int64(), "first_tx_id": pa.int64(),
             "mweb_size": pa.int32()}  # fmt: skip
    return _table(cols.blocks, types)


def _txs_table(cols: _Columns) -> pa.Table:
    types = {"tx_id": pa.int64(), "block_height": pa.int32(), "position": pa.int32(), "version": pa.int64(),
             "locktime": pa.int64(), "size": pa.int32(), "vsize": pa.int32(), "input_count": pa.int32(),
             "output_count": pa.int32()}  # fmt: skip
    return _table(cols.txs, types)


def _outs_table(cols: _Columns) -> pa.Table:
    types = {"tx_id": pa.int64(), "vout": pa.int32(), "block_height": pa.int32(), "value": pa.int64(),
             "address_id": pa.int64()}  # fmt: skip
    return _table(cols.outs, types)


def _ins_table(cols: _Columns) -> pa.Table:
    types = {"tx_id": pa.int64(), "vin": pa.int32(), "block_height": pa.int32(), "prev_txid": pa.binary(),
             "prev_vout": pa.int64(), "sequence": pa.int64()}  # fmt: skip
    return _table(cols.ins, types)


def _table(columns: dict[str, list[Any]], types: dict[str, pa.DataType]) -> pa.Table:
    return pa.table({name: pa.array(values, types.get(name)) for name, values in columns.items()})
