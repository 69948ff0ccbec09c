"""The sparse store mode (issue 15): only the transactions around some addresses, fetched from a light source.

A sparse store has the tables of a full one, so clustering, tracing, ``payers`` and the report read it unchanged,
and a few of its own:

- ``sparse_transactions``: each transaction's raw bytes, where it came from and which hop of the crawl found it;
  its ``tx_id`` is keyed by the transaction itself, not by the order it was fetched in: height in the high bits,
  the first four bytes of its txid below (:func:`tx_key`), the same whatever the source or the crawl's order;
- ``sparse_outpoints``: the outpoint every input spends, kept even when the funding transaction was not fetched
  (then ``inputs.prev_tx_id``, ``address_id`` and ``value`` are NULL and ``verified`` is false); once it is,
  :func:`cointrail.store.duckdb.sparse_links.link` fills them from its proven outputs (``verified`` true);
- ``sparse_coverage`` and ``sparse_history``: per address, what the server listed, at which tip, complete or
  truncated and why, and whether the crawl expanded it;
- ``sparse_spend_checks``: the transactions whose every spender was asked for and stored (at which tip).

An output with no spender in a sparse store is known unspent only if its transaction's spends were checked or its
address's whole history was listed and fetched (:data:`SPENDING_UNKNOWN`); otherwise what happened to it next was
not fetched, and tracing says so rather than "unspent".

The blocks table holds only the checked headers of the blocks those transactions are in (``tx_count`` 0,
``first_tx_id`` -1): a sparse store is never a chain prefix, so a full ingest into it is refused, and so is a crawl
into a full store (:func:`require_mode`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import pyarrow as pa

from cointrail.chains.bitcoin.model import display_hash
from cointrail.chains.bitcoin.sources.light import ProvenTransaction
from cointrail.errors import InputError, IntegrityError
from cointrail.store.duckdb import address_hash, p2pk, scriptcolumns, sparse_links
from cointrail.store.duckdb.store import LedgerStore
from cointrail.wording import counted

MODE_KEY = "mode"
SPARSE = "sparse"
NO_ADDRESS_SCRIPT_TYPES = ("nulldata",)

SPARSE_DDL = """
CREATE TABLE IF NOT EXISTS sparse_transactions (
    chain VARCHAR NOT NULL, network VARCHAR NOT NULL, tx_id BIGINT NOT NULL, txid BLOB NOT NULL,
    raw BLOB NOT NULL, source VARCHAR NOT NULL, hop INTEGER NOT NULL, merkle_checked BOOLEAN NOT NULL
);
CREATE TABLE IF NOT EXISTS sparse_outpoints (
    chain VARCHAR NOT NULL, network VARCHAR NOT NULL, tx_id BIGINT NOT NULL, vin INTEGER NOT NULL,
    prev_txid BLOB NOT NULL, prev_vout BIGINT NOT NULL, verified BOOLEAN NOT NULL
);
CREATE TABLE IF NOT EXISTS sparse_coverage (
    chain VARCHAR NOT NULL, network VARCHAR NOT NULL, address VARCHAR NOT NULL, complete BOOLEAN NOT NULL,
    tip_height INTEGER NOT NULL, truncated VARCHAR, server_count INTEGER, listed INTEGER NOT NULL,
    expanded BOOLEAN NOT NULL, source VARCHAR NOT NULL
);
CREATE TABLE IF NOT EXISTS sparse_spend_checks (
    chain VARCHAR NOT NULL, network VARCHAR NOT NULL, txid BLOB NOT NULL, tip_height INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS sparse_history (
    chain VARCHAR NOT NULL, network VARCHAR NOT NULL, address VARCHAR NOT NULL, txid BLOB NOT NULL,
    height INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS sparse_headers (
    chain VARCHAR NOT NULL, network VARCHAR NOT NULL, height INTEGER NOT NULL, hash BLOB NOT NULL
);
"""


def mode(store: LedgerStore) -> str | None:
    """``"sparse"`` for a crawled store, ``"full"`` for one with blocks from a node, None while empty."""
    found = store.one("SELECT value FROM meta WHERE key = ?", [MODE_KEY])
    if found:
        return str(found[0])
    return "full" if store.tip() is not None else None


def is_sparse(store: LedgerStore) -> bool:
    return mode(store) == SPARSE


def require_mode(store: LedgerStore, wanted: str) -> None:
    """Refuse mixing: a crawl into a full store, or a full ingest into a sparse one (InputError, exit code 2)."""
    found = mode(store)
    if found is None or found == wanted:
        return
    if wanted == SPARSE:
        raise InputError(f"the store {store.path} holds whole blocks from a node: a crawl from a light source "
                         "(--electrum/--esplora) cannot be mixed into it; give another --db")  # fmt: skip
    raise InputError(f"the store {store.path} is a sparse store (transactions around some addresses, from a light "
                     "source): a full ingest (--rpc/--blocks) cannot be mixed into it; give another --db, or top it "
                     "up with --electrum/--esplora")  # fmt: skip


def make_sparse(store: LedgerStore) -> None:
    require_mode(store, SPARSE)
    if store.one("SELECT 1 FROM meta WHERE key = ?", [MODE_KEY]) is not None:
        if _missing_tables(store):  # a sparse store made before a table was added: add it (IF NOT EXISTS)
            store.con.execute(SPARSE_DDL)
        return
    store.con.execute("BEGIN TRANSACTION")  # one commit, not one per table
    try:
        store.con.execute(SPARSE_DDL)
        store.con.execute("INSERT INTO meta VALUES (?, ?)", [MODE_KEY, SPARSE])
        store.con.execute("COMMIT")
    except BaseException:
        store.con.execute("ROLLBACK")
        raise


def _missing_tables(store: LedgerStore) -> bool:
    """Whether a table SPARSE_DDL makes is not in the store (one catalog query)."""
    wanted = re.findall(r"CREATE TABLE IF NOT EXISTS (\w+)", SPARSE_DDL)
    (found,) = store.one("SELECT count(*) FROM duckdb_tables() WHERE database_name = current_database() "
                         "AND schema_name = 'main' AND list_contains(?, table_name)", [wanted]) or (0,)
    return int(found) < len(wanted)


def tx_key(height: int, txid: bytes) -> int:
    """A transaction's ``tx_id`` in a sparse store: its height, then the first four bytes of its txid."""
    return (height << 32) | int.from_bytes(txid[:4], "little")


def stored_txids(store: LedgerStore) -> set[bytes]:
    return {bytes(t) for (t,) in store.rows("SELECT txid FROM sparse_transactions")}


def stored_blocks(store: LedgerStore) -> list[tuple[int, bytes]]:
    """(height, hash) of every block header a crawl stored, highest first."""
    return [(int(h), bytes(b)) for h, b in store.rows("SELECT height, hash FROM blocks ORDER BY height DESC")]


def stored_raw(store: LedgerStore) -> list[tuple[bytes, bytes, int]]:
    """(txid, raw bytes, height) of every crawled transaction."""
    return [(bytes(t), bytes(r), h) for t, r, h in store.rows(
        "SELECT s.txid, s.raw, t.block_height FROM sparse_transactions s JOIN transactions t USING (tx_id)")]


def _insert(store: LedgerStore, table: str, rows: dict[str, list[Any]] | pa.Table) -> None:
    data = rows if isinstance(rows, pa.Table) else pa.table(rows)
    if not data.num_rows:
        return
    store.con.register("s_rows", data)
    names = ", ".join(data.column_names)
    store.con.execute(f"INSERT INTO {table} (chain, network, {names}) SELECT ?, ?, {names} FROM s_rows",
                      [store.chain, store.network])  # fmt: skip
    store.con.unregister("s_rows")


def checked_headers(store: LedgerStore) -> dict[int, bytes]:
    """The hash of every block header whose proof of work a crawl into this store checked, by height."""
    return {int(h): bytes(b) for h, b in store.rows("SELECT height, hash FROM sparse_headers")}


def record_headers(store: LedgerStore, headers: Sequence[tuple[int, bytes]]) -> None:
    """Keep (height, hash) of headers whose proof of work was checked (replacing another kept at that height)."""
    if not headers:
        return
    heights = [h for h, _ in headers]
    store.con.execute("DELETE FROM sparse_headers WHERE list_contains(?, height)", [heights])
    _insert(store, "sparse_headers", {"height": pa.array(heights, pa.int32()),
                                      "hash": pa.array([b for _, b in headers], pa.binary())})  # fmt: skip


def write(store: LedgerStore, source: str, proven: Sequence[ProvenTransaction] = (),
          hop: int | Mapping[bytes, int] = 0, *, spend_checks: Sequence[tuple[bytes, int]] = (),
          histories: Sequence[tuple[Any, bool]] = (), link: bool, replacing: bool = True,
          headers: Sequence[tuple[int, bytes]] = ()) -> int:  # fmt: skip
    """What a crawl fetched since its last commit, in one DuckDB transaction: the proven, confirmed transactions
    not stored yet (each found at ``hop``, or at its txid's hop), the spend checks ((txid, tip height):
    :func:`record_spend_checks`), the histories listed (:func:`record_histories`) and the headers whose proof of
    work was checked (:func:`record_headers`); how many transactions were new.

    ``link`` False leaves the inputs unlinked to their funders and marks the store so (a crawl's commits before
    its last: :mod:`cointrail.store.duckdb.sparse_links`); True links the whole store in this transaction and
    clears the mark (a crawl's last commit).
    """
    con = store.con
    con.execute("BEGIN TRANSACTION")
    try:
        written = _add(store, proven, source, hop)
        record_spend_checks(store, spend_checks)
        record_histories(store, histories, source, replacing)
        record_headers(store, headers)
        if link:
            sparse_links.link(con, store.chain, store.network)
            sparse_links.undefer(con)
        else:
            sparse_links.defer(con)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return written


def _add(store: LedgerStore, proven: Sequence[ProvenTransaction], source: str,
         hop: int | Mapping[bytes, int]) -> int:  # fmt: skip
    new = [p for p in dict((p.tx.txid, p) for p in proven).values() if p.confirmed]
    if new:
        known = _stored(store, [p.tx.txid for p in new])
        new = [p for p in new if p.tx.txid not in known]
    if not new:
        return 0
    hops = hop if isinstance(hop, Mapping) else {p.tx.txid: hop for p in new}
    _blocks(store, new, source)
    ids = _address_ids(store, [o.script_pubkey for p in new for o in p.tx.outputs])
    _rows(store, new, ids, source, hops)
    return len(new)


def _stored(store: LedgerStore, txids: list[bytes]) -> set[bytes]:
    """Which of ``txids`` the store holds (asked for these alone: reading every stored txid at each commit made a
    long crawl quadratic)."""
    store.con.register("s_txids", pa.table({"txid": pa.array(txids, pa.binary())}))
    try:
        return {bytes(t) for (t,) in store.rows("SELECT txid FROM sparse_transactions JOIN s_txids USING (txid)")}
    finally:
        store.con.unregister("s_txids")


def _blocks(store: LedgerStore, new: Sequence[ProvenTransaction], source: str) -> None:
    heights = {int(p.height or 0): p.header for p in new}
    stored = {h: bytes(b) for h, b in store.rows("SELECT height, hash FROM blocks WHERE list_contains(?, height)",
                                                 [list(heights)])}  # fmt: skip
    for height, header in sorted(heights.items()):
        if header is not None and stored.get(height, header.hash) != header.hash:
            raise IntegrityError(
                f"{source} proved a transaction in block {display_hash(header.hash)} at height {height}, but the "
                f"store holds block {display_hash(stored[height])} there: the server's chain changed (a reorg) or "
                "it serves another chain. Nothing of this batch was stored; crawl again into a new store (--db) "
                "to read the chain as the server now has it")  # fmt: skip
    rows: dict[str, list[Any]] = {k: [] for k in ("height", "hash", "prev_hash", "merkle_root", "version", "time",
                                                  "bits", "nonce")}  # fmt: skip
    for height in sorted(h for h in heights if h not in stored):
        header = heights[height]
        assert header is not None
        for name, value in (("height", height), ("hash", header.hash), ("prev_hash", header.prev_hash),
                            ("merkle_root", header.merkle_root), ("version", header.version),
                            ("time", header.time), ("bits", header.bits), ("nonce", header.nonce)):  # fmt: skip
            rows[name].append(value)
    n = len(rows["height"])
    rows.update(size=[0] * n, tx_count=[0] * n, mweb_size=[0] * n, first_tx_id=[-1] * n, source=[source] * n,
                txids_recomputed=[True] * n, merkle_checked=[True] * n)  # fmt: skip
    _insert(store, "blocks", rows)


def _address_ids(store: LedgerStore, scripts: list[bytes]) -> dict[bytes, int]:
    """The address id of every output script, new ones numbered after the stored ones in the order first seen.

    A P2PK output gets the id of its key's P2PKH address, whose ``pubkey`` keeps the key, as a full ingest files
    it (:mod:`cointrail.store.duckdb.p2pk`).
    """
    filed = {s: p2pk.filed_script(s) for s in dict.fromkeys(scripts)}
    wanted = list(dict.fromkeys(filed.values()))
    store.con.register("s_scripts", pa.table({"script": pa.array(wanted, pa.binary())}))
    ids = {bytes(s): i for s, i in store.rows(
        "SELECT a.script, a.address_id FROM addresses a JOIN s_scripts USING (script)")}  # fmt: skip
    store.con.unregister("s_scripts")
    keys = {filed[s]: key for s in filed if (key := p2pk.bare_key(s)) is not None}
    fresh = [s for s in wanted if s not in ids]
    (top,) = store.one("SELECT coalesce(max(address_id), -1) FROM addresses") or (-1,)
    if fresh:
        addresses, types = scriptcolumns.describe(pa.array(fresh, pa.binary()), store.chain, store.network)
        first = int(top) + 1
        _insert(store, "addresses", pa.table({
            "address_id": pa.array(range(first, first + len(fresh)), pa.int64()),
            "script": pa.array(fresh, pa.binary()), "address": addresses, "script_type": types,
            "first_height": pa.array([0] * len(fresh), pa.int32()),
            "pubkey": pa.array([keys.get(s) for s in fresh], pa.binary()),
            "address_hash": address_hash.column(addresses),
        }))  # fmt: skip
        ids.update((s, first + i) for i, s in enumerate(fresh))
    for script, key in keys.items():  # an address stored before it was paid to its bare key
        if script not in fresh:
            store.con.execute("UPDATE addresses SET pubkey = ? WHERE address_id = ? AND pubkey IS NULL",
                              [key, ids[script]])  # fmt: skip
    return {s: ids[f] for s, f in filed.items()}


def _rows(store: LedgerStore, new: Sequence[ProvenTransaction], ids: dict[bytes, int], source: str,
          hops: Mapping[bytes, int]) -> None:  # fmt: skip
    tx: dict[str, list[Any]] = {k: [] for k in ("tx_id", "txid", "wtxid", "block_height", "position", "version",
                                                "locktime", "size", "vsize", "input_count", "output_count",
                                                "is_coinbase", "has_mweb")}  # fmt: skip
    outs: dict[str, list[Any]] = {k: [] for k in ("tx_id", "vout", "block_height", "value", "address_id", "p2pk")}
    ins: dict[str, list[Any]] = {k: [] for k in ("tx_id", "vin", "block_height", "prev_vout", "sequence")}
    points: dict[str, list[Any]] = {k: [] for k in ("tx_id", "vin", "prev_txid", "prev_vout", "verified")}
    raws: dict[str, list[Any]] = {k: [] for k in ("tx_id", "txid", "raw", "source", "hop", "merkle_checked")}
    keys = [tx_key(int(p.height or 0), p.tx.txid) for p in new]
    taken = {i for (i,) in store.rows("SELECT tx_id FROM transactions WHERE list_contains(?, tx_id)", [keys])}
    for p in new:
        t, height = p.tx, int(p.height or 0)
        tx_id = tx_key(height, t.txid)
        if tx_id in taken:
            raise IntegrityError(f"two transactions of block {height} share the key of {display_hash(t.txid)}")
        taken.add(tx_id)
        for name, value in (("tx_id", tx_id), ("txid", t.txid), ("wtxid", t.wtxid), ("block_height", height),
                            ("position", -1 if p.position is None else p.position), ("version", t.version),
                            ("locktime", t.locktime), ("size", t.size), ("vsize", t.vsize),
                            ("input_count", len(t.inputs)), ("output_count", len(t.outputs)),
                            ("is_coinbase", t.is_coinbase), ("has_mweb", t.has_mweb)):  # fmt: skip
            tx[name].append(value)
        for vout, out in enumerate(t.outputs):
            for name, value in (("tx_id", tx_id), ("vout", vout), ("block_height", height), ("value", out.value),
                                ("address_id", ids[out.script_pubkey]),
                                ("p2pk", p2pk.bare_key(out.script_pubkey) is not None)):  # fmt: skip
                outs[name].append(value)
        for vin, txin in enumerate(t.inputs):
            for name, value in (("tx_id", tx_id), ("vin", vin), ("block_height", height),
                                ("prev_vout", txin.prev_vout), ("sequence", txin.sequence)):  # fmt: skip
                ins[name].append(value)
            if not txin.is_coinbase:
                for name, value in (("tx_id", tx_id), ("vin", vin), ("prev_txid", txin.prev_txid),
                                    ("prev_vout", txin.prev_vout), ("verified", False)):  # fmt: skip
                    points[name].append(value)
        for name, kept in (("tx_id", tx_id), ("txid", t.txid), ("raw", p.raw), ("source", source),
                           ("hop", hops[t.txid]), ("merkle_checked", p.header is not None)):  # fmt: skip
            raws[name].append(kept)
    binary = {"txid", "wtxid", "prev_txid", "raw"}
    for table, rows in (("transactions", tx), ("outputs", outs), ("inputs", ins), ("sparse_outpoints", points),
                        ("sparse_transactions", raws)):  # fmt: skip
        _insert(store, table, pa.table({k: pa.array(v, pa.binary()) if k in binary else v for k, v in rows.items()}))


def record_spend_checks(store: LedgerStore, checks: Sequence[tuple[bytes, int]]) -> None:
    """Keep that every spender of these transactions' outputs was fetched and stored: (txid, as of which tip)."""
    if checks:
        _insert(store, "sparse_spend_checks", {"txid": pa.array([t for t, _ in checks], pa.binary()),
                                               "tip_height": pa.array([h for _, h in checks], pa.int32())})


# The coins of the registered table ``{coins}`` (tx_id, vout) that have no spender in a sparse store and whose
# spending the store cannot know: neither were their transaction's spends checked (sparse_spend_checks), nor was
# their address's whole history listed (complete) with every confirmed transaction of it fetched.
SPENDING_UNKNOWN = """
SELECT o.tx_id, o.vout FROM outputs o JOIN {coins} c ON o.tx_id = c.tx_id AND o.vout = c.vout
JOIN transactions t ON t.tx_id = o.tx_id LEFT JOIN addresses a ON a.address_id = o.address_id
WHERE o.spent_by_tx_id IS NULL
  AND NOT EXISTS (SELECT 1 FROM sparse_spend_checks k WHERE k.txid = t.txid)
  AND NOT EXISTS (
      SELECT 1 FROM sparse_coverage v WHERE v.address = a.address AND v.complete
      AND NOT EXISTS (SELECT 1 FROM sparse_history h WHERE h.address = v.address AND h.height > 0
                      AND h.txid NOT IN (SELECT txid FROM sparse_transactions)))
"""


# Whether an address's whole history was listed (complete) and every confirmed transaction of it fetched: then no
# payment to it and no spend from it is missing from the store.
_WHOLE_HISTORY = """
SELECT 1 FROM sparse_coverage v WHERE v.address = ? AND v.complete
  AND NOT EXISTS (SELECT 1 FROM sparse_history h WHERE h.address = v.address AND h.height > 0
                  AND h.txid NOT IN (SELECT txid FROM sparse_transactions))
"""

# Per listed address: its coverage, and how many confirmed transactions of its listing are not stored (the test of
# _WHOLE_HISTORY). A crawl commits an address's listing before it has fetched the transactions listed, so one killed
# or failed part-way leaves a listing marked complete whose transactions were not all fetched.
_LISTED = """
SELECT v.address, v.complete, v.tip_height, v.truncated, v.server_count, v.listed,
       (SELECT count(*) FROM sparse_history h WHERE h.address = v.address AND h.height > 0
        AND h.txid NOT IN (SELECT txid FROM sparse_transactions)) AS missing
FROM sparse_coverage v {where} ORDER BY v.address
"""
NOT_ALL_FETCHED = "listed, not all fetched"


def balance_reading(store: LedgerStore, address: str) -> dict[str, Any] | None:
    """How far a sparse store can tell ``address``'s balance (None in a store of whole blocks, or if never paid).

    The balance of its fetched outputs is known only where their spending is (:data:`SPENDING_UNKNOWN`): an output
    whose spender was not fetched may have been spent, so the fetched transactions leave *at most* the balance
    computed and at least that less those outputs. Where its whole history was not fetched, payments to it in
    transactions not fetched are missing too, so even that bound is only of what was fetched.
    """
    if not is_sparse(store):
        return None
    found = address_hash.find(store.rows, "addresses", "address_id", address, hashed=store.has_address_hash)
    if not found:
        return None
    unspent = store.rows("SELECT tx_id, vout, value FROM outputs WHERE address_id = ? AND spent_by_tx_id IS NULL",
                         [found[0][0]])  # fmt: skip
    values = {(t, v): value for t, v, value in unspent}
    store.con.register("balance_coins", pa.table({"tx_id": pa.array([c[0] for c in values], pa.int64()),
                                                  "vout": pa.array([c[1] for c in values], pa.int64())}))  # fmt: skip
    try:
        unknown = [(t, v) for t, v in store.rows(SPENDING_UNKNOWN.format(coins="balance_coins"))]
    finally:
        store.con.unregister("balance_coins")
    whole = store.one(_WHOLE_HISTORY, [address]) is not None
    return {"whole_history_fetched": whole, "spending_not_fetched": {
        "outputs": len(unknown), "value": sum(int(values[c]) for c in unknown)}}  # fmt: skip


def record_histories(store: LedgerStore, histories: Sequence[tuple[Any, bool]], source: str,
                     replacing: bool = True) -> None:  # fmt: skip
    """Keep what the server listed for each address, with whether it was expanded (replacing an earlier listing: a
    top-up at a later tip): two deletes and two inserts for them all (per address, these small statements were two
    thirds of a crawl's time against a server that answers at once). ``replacing`` False: the caller knows none of
    these addresses has a listing stored, and the deletes are left out."""
    latest = {history.address: (history, expanded) for history, expanded in histories}
    if not latest:
        return
    con, addresses = store.con, list(latest)
    if replacing:
        con.execute("DELETE FROM sparse_coverage WHERE list_contains(?, address)", [addresses])
        con.execute("DELETE FROM sparse_history WHERE list_contains(?, address)", [addresses])
    kept = list(latest.values())
    _insert(store, "sparse_coverage", pa.table({
        "address": addresses, "complete": [h.complete for h, _ in kept],
        "tip_height": pa.array([h.tip_height for h, _ in kept], pa.int32()),
        "truncated": pa.array([h.truncated for h, _ in kept], pa.string()),
        "server_count": pa.array([h.server_count for h, _ in kept], pa.int32()),
        "listed": pa.array([len(h.entries) for h, _ in kept], pa.int32()),
        "expanded": [e for _, e in kept], "source": [source] * len(kept)}))  # fmt: skip
    entries = [(h.address, e) for h, _ in kept for e in h.entries]
    _insert(store, "sparse_history", pa.table({
        "address": pa.array([a for a, _ in entries], pa.string()),
        "txid": pa.array([e.txid for _, e in entries], pa.binary()),
        "height": pa.array([e.height for _, e in entries], pa.int32())}))  # fmt: skip


def stored_histories(store: LedgerStore) -> dict[str, tuple[dict[str, Any], list[tuple[bytes, int]]]]:
    """Every address a crawl listed, as :func:`stored_history` gives it, read at once (a crawl reads them when it
    starts, not one query per address)."""
    keys = ("complete", "tip_height", "truncated", "server_count", "expanded")
    found = {address: dict(zip(keys, rest, strict=True)) for address, *rest in store.rows(
        "SELECT address, complete, tip_height, truncated, server_count, expanded FROM sparse_coverage")}
    entries: dict[str, list[tuple[bytes, int]]] = {address: [] for address in found}
    for address, txid, height in store.rows(
            "SELECT address, txid, height FROM sparse_history ORDER BY address, height, txid"):  # fmt: skip
        entries.setdefault(address, []).append((bytes(txid), height))
    return {address: (cover, entries[address]) for address, cover in found.items()}


def stored_history(store: LedgerStore, address: str) -> tuple[dict[str, Any], list[tuple[bytes, int]]] | None:
    """What a crawl recorded of ``address`` (coverage, then (txid, height) entries), or None."""
    found = store.one("SELECT complete, tip_height, truncated, server_count, expanded FROM sparse_coverage "
                      "WHERE address = ?", [address])  # fmt: skip
    if found is None:
        return None
    entries = [(bytes(t), h) for t, h in store.rows(
        "SELECT txid, height FROM sparse_history WHERE address = ? ORDER BY height, txid", [address])]
    keys = ("complete", "tip_height", "truncated", "server_count", "expanded")
    return dict(zip(keys, found, strict=True)), entries


def coverage(store: LedgerStore, addresses: Iterable[str]) -> dict[str, dict[str, Any]]:
    """Per address: how far a sparse store's data about it go, in words and fields (empty for a full store).

    "complete" only where the whole history was listed and every confirmed transaction of it fetched; listed whole
    but some not fetched (a crawl killed or failed part-way, a transaction the server would not give) is
    :data:`NOT_ALL_FETCHED`. An address never listed itself (only seen in a transaction fetched for another) is
    "not listed".
    """
    if not is_sparse(store):
        return {}
    wanted = list(dict.fromkeys(addresses))
    rows = {a: rest for a, *rest in store.rows(_LISTED.format(where="WHERE list_contains(?, v.address)"), [wanted])}
    found = {}
    for address in wanted:
        if address not in rows:
            found[address] = {"status": "not listed", "words": "its history was not fetched: only the transactions "
                              "fetched for other addresses are known"}  # fmt: skip
            continue
        complete, tip, why, count, listed, missing = rows[address]
        entry: dict[str, Any] = {"status": "complete", "tip_height": tip, "words": f"complete at tip {tip}"}
        if not complete:
            entry = {"status": "truncated", "tip_height": tip, "listed": listed, "server_count": count,
                     "reason": why, "words": f"truncated at {counted(listed, 'transaction')} ({why})"}  # fmt: skip
        elif missing:
            entry = {"status": NOT_ALL_FETCHED, "tip_height": tip, "listed": listed, "not_fetched": int(missing),
                     "words": f"listed whole at tip {tip}, but {counted(int(missing), 'transaction')} of the "
                              f"{listed:,} listed not fetched (the crawl stopped before its end, or the server did "
                              "not give them): run the crawl again to fetch them"}  # fmt: skip
        found[address] = entry
    return found


def unverified_inputs(store: LedgerStore) -> int:
    (n,) = store.one("SELECT count(*) FROM sparse_outpoints WHERE NOT verified") or (0,)
    return int(n)


def crawl_summary(store: LedgerStore) -> dict[str, Any] | None:
    """What a sparse store holds and what it left out, for a report: None for a store of whole blocks."""
    if not is_sparse(store):
        return None
    (txs,) = store.one("SELECT count(*) FROM sparse_transactions") or (0,)
    sources = [s for (s,) in store.rows("SELECT DISTINCT source FROM sparse_transactions ORDER BY source")]
    listed = store.rows(_LISTED.format(where=""))
    return {"transactions": int(txs), "sources": sources, "addresses_listed": len(listed),
            "complete": sum(1 for _, c, _, _, _, _, m in listed if c and not m),
            "not_expanded": [{"address": a, "reason": why, "listed": n} for a, c, _, why, _, n, _ in listed if not c],
            "not_all_fetched": [{"address": a, "listed": n, "not_fetched": int(m)}
                                for a, c, _, _, _, n, m in listed if c and m],
            "unverified_inputs": unverified_inputs(store)}  # fmt: skip
