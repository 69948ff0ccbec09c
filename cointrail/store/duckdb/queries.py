"""Read the ledger store: an address, a transaction, a block, as plain data.

Each function returns dicts of JSON-ready values (hashes as displayed hex,
amounts as integers in base units), which is also what ``--json`` prints.
Point lookups go through the ART indexes of :mod:`cointrail.store.duckdb.schema`;
the rest are ``tx_id IN (…)`` filters that DuckDB's zone maps answer cheaply,
because rows are stored in chain order.
"""

from __future__ import annotations

import json
from collections import defaultdict
from typing import Any, NamedTuple

from cointrail.addresses.script import p2pk_script
from cointrail.chains.bitcoin.model import display_hash, internal_hash
from cointrail.errors import InputError
from cointrail.store.duckdb import address_hash, address_lookup, p2pk, schema
from cointrail.store.duckdb.address_find import find_address, find_address_row, key_address, pubkey_column
from cointrail.store.duckdb.sql import id_list
from cointrail.store.duckdb.store import LedgerStore, NotInStoreError

__all__ = ["address_info", "block", "find_address", "find_address_row", "id_list", "key_address",
           "live_address_info", "transaction"]


class _Totals(NamedTuple):
    """One address's row of ``address_stats``."""

    received: int
    sent: int
    outputs_received: int
    outputs_spent: int
    tx_count: int
    first_tx_id: int
    last_tx_id: int
    first_height: int
    first_time: int
    last_height: int
    last_time: int

    def seen(self, txids: dict[int, bytes]) -> tuple[dict[str, Any], dict[str, Any]]:
        """First and last seen as address_info returns them, given the txids of the two transactions."""
        return (
            {"txid": display_hash(txids[self.first_tx_id]), "height": self.first_height, "time": self.first_time},
            {"txid": display_hash(txids[self.last_tx_id]), "height": self.last_height, "time": self.last_time},
        )


def _totals(store: LedgerStore, address_id: int) -> _Totals:
    """Totals, transaction count and where the first and last transactions are (height, block time).

    One indexed lookup in ``address_stats``, kept up by the writer. Computed
    from the rows when the store was opened read-only before this version's
    table existed.
    """
    if store.has_address_stats:
        row = store.one(f"SELECT {', '.join(_Totals._fields)} FROM address_stats WHERE address_id = ?", [address_id])
        if row:
            return _Totals(*row)
    return _totals_from_rows(store, address_id)


def _totals_from_rows(store: LedgerStore, address_id: int) -> _Totals:
    """What ``address_stats`` would hold for the address, from its outputs and inputs."""
    received = store.rows("SELECT tx_id, value FROM outputs WHERE address_id = ?", [address_id])
    spent = store.rows("SELECT tx_id, value FROM inputs WHERE address_id = ?", [address_id])
    txs = {r[0] for r in received} | {r[0] for r in spent}
    first, last = min(txs), max(txs)
    ends = id_list({first, last})
    heights = dict(store.rows(f"SELECT tx_id, block_height FROM transactions WHERE tx_id IN ({ends})"))
    times = dict(store.rows(f"SELECT height, time FROM blocks WHERE height IN ({id_list(set(heights.values()))})"))
    return _Totals(sum(r[1] for r in received), sum(r[1] for r in spent), len(received), len(spent), len(txs),
                   first, last, heights[first], times[heights[first]], heights[last], times[heights[last]])  # fmt: skip


def _txids(store: LedgerStore, totals: _Totals) -> dict[int, bytes]:
    """The txids of the address's first and last transactions (one indexed lookup)."""
    ids = id_list({totals.first_tx_id, totals.last_tx_id})
    return {r[0]: bytes(r[1]) for r in store.rows(f"SELECT tx_id, txid FROM transactions WHERE tx_id IN ({ids})")}


def _transactions_of(store: LedgerStore, address_id: int, totals: _Totals) -> set[int]:
    """Every transaction that pays the address or spends from it.

    Most addresses have one or two transactions, and then they are its first
    and last: known from ``address_stats`` without a query. Otherwise one
    query over both tables' address indexes.
    """
    if totals.tx_count <= 2:
        return {totals.first_tx_id, totals.last_tx_id}
    rows = store.rows("SELECT tx_id FROM outputs WHERE address_id = ? UNION ALL "
                      "SELECT tx_id FROM inputs WHERE address_id = ?", [address_id, address_id])  # fmt: skip
    return {r[0] for r in rows}


# Both sides of the address's transactions {txs}, and the txids of {seen} (its first
# and last) in the same answer: each branch is an indexed single-table lookup.
_SIDES_AND_TXIDS = """
SELECT tx_id, address_id, value, 'in', NULL::BLOB FROM inputs WHERE tx_id IN ({txs}) UNION ALL
SELECT tx_id, address_id, value, 'out', NULL::BLOB FROM outputs WHERE tx_id IN ({txs}) UNION ALL
SELECT tx_id, NULL, NULL, 'txid', txid FROM transactions WHERE tx_id IN ({seen})
"""


def _sides_and_txids(store: LedgerStore, txs: set[int], totals: _Totals) -> tuple[list[tuple], dict[int, bytes]]:
    """(tx_id, address_id, value, is_input) of every input and output of ``txs``; the first and last txids."""
    rows = store.rows(_SIDES_AND_TXIDS.format(txs=id_list(txs), seen=id_list({totals.first_tx_id,
                                                                                 totals.last_tx_id})))  # fmt: skip
    sides = [(tx, who, value, kind == "in") for tx, who, value, kind, _ in rows if kind != "txid"]
    return sides, {tx: bytes(txid) for tx, _, _, kind, txid in rows if kind == "txid"}


def _other_sides(address_id: int, sides: list[tuple]) -> dict[int, dict[str, Any]]:
    """Who paid this address (inputs of the transactions paying it) and whom it paid (outputs of those spending).

    ``sides`` holds both sides of every transaction of the address; which pay
    it and which spend from it is read from the same rows (its own outputs and
    inputs among them). ``paid_us`` is what this address received in the
    transactions the counterparty helped pay, each such transaction's payment to
    it counted once: a transaction pools its inputs, so no share of the payment
    belongs to one input, and the counterparty's own input value (change
    included) is not what reached this address. ``we_paid`` is the outputs paid
    to the counterparty by transactions spending from this address.
    """
    received_in: dict[int, int] = defaultdict(int)
    for tx, who, value, is_input in sides:
        if who == address_id and not is_input:
            received_in[tx] += value or 0
    we_spend = {tx for tx, who, _, is_input in sides if who == address_id and is_input}
    found: dict[int, dict[str, Any]] = defaultdict(lambda: {"paid_us": 0, "we_paid": 0, "transactions": set()})
    paid_in: set[tuple[int, int]] = set()  # (counterparty, transaction) already credited with its payment to us
    for tx, other, value, is_input in sides:
        if other is None or other == address_id:  # a coinbase input pays nobody's money
            continue
        if is_input and tx in received_in:
            if (other, tx) not in paid_in:
                paid_in.add((other, tx))
                found[other]["paid_us"] += received_in[tx]
        elif not is_input and tx in we_spend:
            found[other]["we_paid"] += value or 0
        else:
            continue
        found[other]["transactions"].add(tx)
    return found


def _ranked(store: LedgerStore, found: dict[int, dict[str, Any]], limit: int) -> list[dict[str, Any]]:
    """The ``limit`` counterparties with most transactions in common, then by address id, with their addresses."""
    ranked = sorted(found.items(), key=lambda kv: (-len(kv[1]["transactions"]), kv[0]))[:limit]
    if not ranked:
        return []
    ids = id_list([k for k, _ in ranked])
    names = {r[0]: r[1:] for r in store.rows(
        f"SELECT address_id, address, script, script_type FROM addresses WHERE address_id IN ({ids})"
    )}  # fmt: skip
    return [
        {"address": names[k][0], "script_pubkey": bytes(names[k][1]).hex(), "type": names[k][2],
         "transactions": len(v["transactions"]), "paid_us": v["paid_us"], "we_paid": v["we_paid"]}
        for k, v in ranked
    ]  # fmt: skip


def address_info(store: LedgerStore, address: str, counterparties: int = 20) -> dict[str, Any]:
    """Received, sent, balance (base units), transactions, first/last seen and counterparties.

    ``counterparties`` is how many to list (0 for none). When the store's
    ``address_lookup`` describes its tip, an address string with up to 20
    counterparties asked is one indexed lookup there; otherwise (a script, more
    counterparties, a table not refreshed since the last write) the answer is
    computed from the ledger by :func:`live_address_info`, which gives the same.
    """
    if counterparties <= address_lookup.STORED_COUNTERPARTIES and store.address_lookup_valid:
        text = key_address(store, address) or address.strip()
        found = address_hash.find(store.rows, "address_lookup", "answer", text)  # a table of this definition: hashed
        if found:
            return _answer_from_lookup(store, text, found[0][0], counterparties)
    return live_address_info(store, address, counterparties)


def _answer_from_lookup(store: LedgerStore, name: str, stored: str, counterparties: int) -> dict[str, Any]:
    """address_info's answer from the address's row of ``address_lookup`` (the JSON array it stores)."""
    values = json.loads(stored)
    fields = dict(zip(address_lookup.ANSWER_FIELDS, values + [None] * (len(address_lookup.ANSWER_FIELDS)
                                                                      - len(values)), strict=True))  # fmt: skip
    seen = [{"txid": display_hash(bytes.fromhex(fields[f"{end}_txid"])), "height": fields[f"{end}_height"],
             "time": fields[f"{end}_time"]} for end in ("first", "last")]  # fmt: skip
    parties = [dict(zip(address_lookup.PARTY_FIELDS, p, strict=True))
               for p in fields["counterparties"][: max(counterparties, 0)]]  # fmt: skip
    counts = (fields["received"], fields["sent"], fields["outputs_received"], fields["outputs_spent"],
              fields["tx_count"])  # fmt: skip
    key = bytes.fromhex(fields["pubkey"]) if fields["pubkey"] else None
    return _answer(store, (name, fields["script_pubkey"], fields["type"], key), counts, seen[0], seen[1], parties)


def _answer(store: LedgerStore, who: tuple[str | None, str, str, bytes | None],
            counts: tuple[int, int, int, int, int], first: dict[str, Any], last: dict[str, Any],
            parties: list[dict[str, Any]]) -> dict[str, Any]:  # fmt: skip
    """The answer's dict, keys in the order ``--json`` prints them, whichever path computed it.

    ``p2pk``: for an address paid to its bare public key, the key, its P2PK script and the note saying so.
    """
    (name, script, kind, key), (received, sent, n_out, n_in, n_tx) = who, counts
    return {
        "chain": store.chain, "network": store.network, "address": name, "script_pubkey": script,
        "type": kind, "p2pk": p2pk.marker(key), "received": received, "sent": sent, "balance": received - sent,
        "outputs_received": n_out, "outputs_spent": n_in, "tx_count": n_tx, "first_seen": first, "last_seen": last,
        "counterparties": parties,
    }  # fmt: skip


def live_address_info(store: LedgerStore, address: str, counterparties: int = 20) -> dict[str, Any]:
    """address_info computed from the ledger's rows, whatever the state of ``address_lookup``.

    Three indexed queries without counterparties (the address, its totals, the
    txids of its first and last transactions); with them, the txids come with
    both sides of its transactions, and the counterparties' addresses take one
    more (two when it has more than two transactions, which must be listed).
    """
    address_id, name, script, kind, key = find_address_row(store, address)
    totals = _totals(store, address_id)
    parties: list[dict[str, Any]] = []
    if counterparties > 0:
        sides, txids = _sides_and_txids(store, _transactions_of(store, address_id, totals), totals)
        parties = _ranked(store, _other_sides(address_id, sides), counterparties)
    else:
        txids = _txids(store, totals)
    first, last = totals.seen(txids)
    counts = (totals.received, totals.sent, totals.outputs_received, totals.outputs_spent, totals.tx_count)
    return _answer(store, (name, script.hex(), kind, key), counts, first, last, parties)


def _parse_txid(text: str) -> bytes:
    text = text.strip().lower()
    if len(text) != 64 or any(c not in "0123456789abcdef" for c in text):
        raise InputError(f"{text!r} is not a transaction id (64 hexadecimal digits)")
    return internal_hash(text)


_TX_OUTPUTS = """
SELECT o.vout, o.value, a.address, a.script, a.script_type, s.txid, o.spent_by_vin, o.spent_height,
       CASE WHEN {paid_to_key} THEN {pubkey} END
FROM outputs o JOIN addresses a USING (address_id) LEFT JOIN transactions s ON s.tx_id = o.spent_by_tx_id
WHERE o.tx_id = ? ORDER BY o.vout
"""
_TX_INPUTS = """
SELECT i.vin, p.txid, i.prev_vout, i.value, a.address, i.sequence, CASE WHEN {paid_to_key} THEN {pubkey} END
FROM inputs i LEFT JOIN transactions p ON p.tx_id = i.prev_tx_id LEFT JOIN addresses a USING (address_id)
LEFT JOIN outputs o ON o.tx_id = i.prev_tx_id AND o.vout = i.prev_vout
WHERE i.tx_id = ? ORDER BY i.vin
"""


def _tx_sql(store: LedgerStore, sql: str) -> str:
    """A query of :func:`transaction`, with the bare key of outputs paid to one (none in an older store)."""
    current = store.has_p2pk_columns
    return sql.format(paid_to_key="o.p2pk" if current else "false", pubkey=pubkey_column(store, "a"))


def _output_script(script: bytes, kind: str, key: bytes | None) -> tuple[str, str]:
    """(script hex, type) of an output as paid: a P2PK output's own script, not its key's P2PKH."""
    return (p2pk_script(key).hex(), "p2pk") if key is not None else (script.hex(), kind)


def transaction(store: LedgerStore, txid: str) -> dict[str, Any]:
    """One transaction with its inputs (resolved) and outputs (with who spent them)."""
    row = store.one(
        "SELECT t.tx_id, t.block_height, b.hash, b.time, t.position, t.version, t.locktime, t.size, t.vsize, "
        "t.is_coinbase, t.has_mweb, t.wtxid FROM transactions t JOIN blocks b ON b.height = t.block_height "
        "WHERE t.txid = ? ORDER BY t.tx_id DESC LIMIT 1",
        [_parse_txid(txid)],
    )
    if row is None:
        raise NotInStoreError(f"transaction {txid.strip()} is not in {store.path}")
    tx_id, height, block_hash, time, position, version, locktime, size, vsize, coinbase, mweb, wtxid = row
    outputs = []
    for n, v, a, s, k, st, sv, sh, key in store.rows(_tx_sql(store, _TX_OUTPUTS), [tx_id]):
        key = None if key is None else bytes(key)
        script, kind = _output_script(bytes(s), k, key)
        outputs.append({"n": n, "value": v, "address": a, "script_pubkey": script, "type": kind,
                        "p2pk": p2pk.marker(key),
                        "spent_by": None if st is None else {"txid": display_hash(bytes(st)), "vin": sv, "height": sh}})
    inputs = [
        {"n": n, "prev_txid": None if p is None else display_hash(bytes(p)), "prev_vout": None if coinbase else pv,
         "value": v, "address": a, "p2pk": p2pk.marker(key), "sequence": seq}
        for n, p, pv, v, a, seq, key in store.rows(_tx_sql(store, _TX_INPUTS), [tx_id])
    ]  # fmt: skip
    if not coinbase and any(i["prev_txid"] is None for i in inputs):  # a sparse store without some funders:
        for vin, prev_txid, prev_vout in store.rows(  # the outpoints it kept (cointrail.store.duckdb.sparse)
                "SELECT vin, prev_txid, prev_vout FROM sparse_outpoints WHERE tx_id = ?", [tx_id]):  # fmt: skip
            if inputs[vin]["prev_txid"] is None:
                inputs[vin].update(prev_txid=display_hash(bytes(prev_txid)), prev_vout=prev_vout, funding_known=False)
    # A sparse store (issue 15) may not know what became of an output: say so rather than "unspent".
    for coin in store.trace_reads().spending_unknown({(tx_id, o["n"]) for o in outputs if o["spent_by"] is None}):
        outputs[[o["n"] for o in outputs].index(coin[1])]["spending_known"] = False
    paid_out = sum(o["value"] for o in outputs)
    # An input whose funding transaction a sparse store did not fetch has no known value: nor has the fee.
    unknown_fee = coinbase or any(i["value"] is None for i in inputs)
    return {
        "chain": store.chain, "network": store.network, "txid": txid.strip().lower(),
        "wtxid": display_hash(bytes(wtxid)), "block_height": height, "block_hash": display_hash(bytes(block_hash)),
        "time": time, "position": position, "version": version, "locktime": locktime, "size": size, "vsize": vsize,
        "coinbase": coinbase, "mweb": mweb, "fee": None if unknown_fee else sum(i["value"] for i in inputs) - paid_out,
        "output_total": paid_out, "inputs": inputs, "outputs": outputs,
    }  # fmt: skip


def tx_coinjoin(store: LedgerStore, txid: str) -> dict[str, Any] | None:
    """What the clustering found of the transaction ``txid``: a CoinJoin or a possibly collaborative transaction
    (kind, rule, evidence, participants), None if neither or in a store never clustered."""
    tx = _parse_txid(txid)
    for table, kind in (("coinjoins", "coinjoin"), ("collaborative_txs", "collaborative")):
        if not store.has_table(table):
            continue
        columns = schema.column_names(store.con, table)  # an older store opened read-only lacks the later ones
        kind_sql = "coalesce(c.kind, 'coinjoin')" if "kind" in columns else f"'{kind}'"
        participants = "c.participants" if "participants" in columns else "NULL"
        row = store.one(f"SELECT {kind_sql}, c.rule, c.evidence, {participants} FROM {table} c "
                        "JOIN transactions t ON t.tx_id = c.tx_id WHERE t.txid = ? LIMIT 1", [tx])  # fmt: skip
        if row:
            return {"kind": row[0], "rule": row[1], "evidence": row[2], "participants": row[3]}
    return None


def block(store: LedgerStore, ref: str | int) -> dict[str, Any]:
    """A block by height or hash, with where it came from, whether verified, and its txids."""
    text = str(ref).strip()
    if text.isdigit():
        where, param = "height = ?", int(text)
    elif len(text) == 64:
        where, param = "hash = ?", _parse_txid(text)  # type: ignore[assignment]
    else:
        raise InputError(f"{text!r} is neither a block height nor a block hash (64 hexadecimal digits)")
    row = store.one(
        "SELECT height, hash, prev_hash, merkle_root, version, time, bits, nonce, size, tx_count, mweb_size, "
        f"first_tx_id, source, txids_recomputed, merkle_checked FROM blocks WHERE {where}",
        [param],
    )
    if row is None:
        raise NotInStoreError(f"block {text} is not in {store.path}")
    height, bhash, prev, merkle, version, time, bits, nonce, size, count, mweb, first, source, recomputed, checked = row
    txids = [display_hash(bytes(r[0])) for r in store.rows(
        "SELECT txid FROM transactions WHERE tx_id BETWEEN ? AND ? ORDER BY tx_id", [first, first + count - 1]
    )]  # fmt: skip
    return {
        "chain": store.chain, "network": store.network, "height": height, "hash": display_hash(bytes(bhash)),
        "prev_hash": display_hash(bytes(prev)), "merkle_root": display_hash(bytes(merkle)), "version": version,
        "time": time, "bits": f"{bits:08x}", "nonce": nonce, "size": size, "tx_count": count,
        "mweb_extension_size": mweb, "source": source, "txids_recomputed": recomputed, "merkle_checked": checked,
        "txids": txids,
    }  # fmt: skip
