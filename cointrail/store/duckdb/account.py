"""The account-model ledger store (issue 16): one DuckDB file of one EVM chain and network.

:class:`AccountStore` creates or opens the file (``meta.family = account``), writes verified blocks
(:meth:`AccountStore.append`) with their transactions, every value transfer including internal ones, transfers of
listed tokens and issuer actions, records what each ingest covered (:meth:`AccountStore.add_coverage`), and answers
the questions analysis asks of it. All of its SQL is here; the tables are in :mod:`.account_schema`.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from cointrail.chains.ethereum import tokens
from cointrail.chains.ethereum.hashes import hexint
from cointrail.chains.ethereum.model import SourcedEvmBlock
from cointrail.errors import InputError
from cointrail.store.duckdb.account_schema import ACCOUNT_DDL, ACCOUNT_TABLES, SCHEMA_VERSION, TO_VERSION_2
from cointrail.store.duckdb.store import existing_store

ZERO_VALUE = "a zero-value transfer: it moves nothing, and address poisoning uses such transfers to plant a look-alike"
WRITTEN = ("evm_blocks", "evm_transactions", "evm_value_transfers", "evm_token_transfers", "evm_issuer_actions",
           "evm_keys")
# The Arrow type each DuckDB column type of the written tables travels as (HUGEINT: see AccountStore._insert).
_ARROW = {"VARCHAR": pa.string(), "BIGINT": pa.int64(), "INTEGER": pa.int32(), "BOOLEAN": pa.bool_(),
          "HUGEINT": pa.decimal128(38, 0)}  # fmt: skip
TOO_LARGE = ("an amount larger than any token's whole supply (more than a quadrillion tokens): a contract at a listed "
             "token's address can log any amount, as a fork or a poisoner's log does; kept exactly, never counted or "
             "added up")  # fmt: skip
NOT_SENDER = ("the transaction was sent by someone other than the token's sender: address poisoning makes a token log "
              "a transfer in a victim's name this way (an approved spender moving tokens looks the same)")  # fmt: skip


@dataclass(frozen=True)
class Coverage:
    """What one ingest covered: ``mode`` (``range`` or ``addresses``), blocks ``start``..``end``, the ``addresses``
    asked about (none for a range), how many ``blocks`` were fetched, from which ``node`` (URL), ``client``
    (``web3_clientVersion``), ``chain_id`` and ``trace_style``; ``logs_only`` for token logs read on their own
    (Tron), which nothing verifies."""

    mode: str
    start: int
    end: int
    addresses: list[str]
    blocks: int
    node: str
    client: str
    chain_id: int
    trace_style: str
    logs_only: bool = False


def store_family(path: str | Path) -> str | None:
    """``account`` for an account-model store, ``utxo`` for a Bitcoin-family one, None if not a store."""
    try:
        con = duckdb.connect(str(path), read_only=True)
    except duckdb.Error:
        return None
    try:
        rows = con.execute("SELECT value FROM meta WHERE key = 'family'").fetchall()
    except duckdb.Error:
        return None
    finally:
        con.close()
    return rows[0][0] if rows else "utxo"


def poisoning_reason(value: int, sender: str, tx_sender: str, ceiling: int | None = None) -> str | None:
    """Why a listed token's Transfer is suspected poisoning (never counted as a payment), or None. ``ceiling``:
    the most the token could move (:attr:`cointrail.chains.ethereum.tokens.Token.ceiling`)."""
    if ceiling is not None and value > ceiling:
        return TOO_LARGE
    if value == 0:
        return ZERO_VALUE
    if sender != tx_sender:
        return NOT_SENDER
    return None


def _exact(value: int, ceiling: int) -> tuple[int | None, str | None]:
    """A token amount as stored: (the HUGEINT, None) up to ``ceiling``, else (None, its exact decimal text)."""
    return (value, None) if value <= ceiling else (None, str(value))


def _read_exact(rows: list[dict[str, Any]], column: str, text: str) -> list[dict[str, Any]]:
    """``rows`` with each amount stored as text (too large to count) back as its exact int, and ``too_large``
    saying which."""
    for row in rows:
        exact = row.pop(text)
        row["too_large"] = exact is not None
        if exact is not None:
            row[column] = int(exact)
    return rows


class AccountStore:
    """One account-model store file; a context manager."""

    def __init__(self, con: duckdb.DuckDBPyConnection, path: Path, chain: str, network: str, *,
                 version: str = SCHEMA_VERSION):  # fmt: skip
        self.con, self.path, self.chain, self.network = con, path, chain, network
        self._described: dict[str, tuple[list[str], list[pa.DataType]]] | None = None  # by table, this store's
        # A version-1 store opened to read has no exact text of amounts too large to count (it could hold none)
        self._value_text, self._amount_text = ("value_text", "amount_text") if version != "1" else ("NULL", "NULL")

    @classmethod
    def open(cls, path: str | Path, chain: str | None = None, network: str | None = None, *,
             read_only: bool = False) -> AccountStore:  # fmt: skip
        path = existing_store(path) if read_only else Path(path)
        con = duckdb.connect(str(path), read_only=read_only)
        meta: dict[str, str] = {}
        if "meta" in {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}:
            meta = dict(con.execute("SELECT key, value FROM meta").fetchall())
        if not meta:
            if read_only or not chain or not network:
                con.close()
                raise InputError(f"{path} is not a cointrail ledger store; give --chain and --network to create one")
            con.execute(ACCOUNT_DDL)
            con.executemany("INSERT INTO meta VALUES (?, ?)", [("family", "account"), ("chain", chain),
                                                               ("network", network),
                                                               ("schema_version", SCHEMA_VERSION)])  # fmt: skip
            meta = {"family": "account", "chain": chain, "network": network, "schema_version": SCHEMA_VERSION}
        wrong = (chain and chain != meta["chain"]) or (network and network != meta["network"])
        if meta.get("family") != "account" or wrong:
            con.close()
            raise InputError(f"the store {path} holds {meta.get('chain')} {meta.get('network')} "
                             f"({meta.get('family', 'utxo')} family), not {chain} {network}")
        version = meta.get("schema_version", SCHEMA_VERSION)
        if version == "1" and not read_only:
            con.execute("BEGIN")
            con.execute(TO_VERSION_2)
            con.execute("COMMIT")
            version = SCHEMA_VERSION
        return cls(con, path, meta["chain"], meta["network"], version=version)

    def close(self) -> None:
        self.con.close()

    def __enter__(self) -> AccountStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # writing

    def has_block(self, number: int) -> bool:
        return bool(self.con.execute("SELECT count(*) FROM evm_blocks WHERE number = ?", [number]).fetchone()[0])  # type: ignore[index]

    def unfinal_blocks(self) -> dict[int, str]:
        """Stored blocks not yet final when read, by number, with their hash."""
        return dict(self.con.execute("SELECT number, hash FROM evm_blocks WHERE NOT final").fetchall())

    def mark_final(self, finalized: int) -> None:
        self.con.execute("UPDATE evm_blocks SET final = true WHERE NOT final AND number <= ?", [finalized])

    def drop_blocks(self, numbers: list[int]) -> None:
        """Remove every row of these blocks (the chain changed under them), in one transaction."""
        self.con.execute("BEGIN")
        for table in WRITTEN:
            column = "number" if table == "evm_blocks" else "block_number"
            self.con.execute(f"DELETE FROM {table} WHERE {column} IN (SELECT unnest(?))", [numbers])
        self.con.execute("COMMIT")

    def stored_numbers(self, low: int, high: int) -> set[int]:
        """The numbers of the blocks from ``low`` to ``high`` already stored."""
        found = self.con.execute("SELECT number FROM evm_blocks WHERE number BETWEEN ? AND ?", [low, high])
        return {row[0] for row in found.fetchall()}

    def append(self, blocks: Iterable[SourcedEvmBlock], *, finalized: int | None = None,
               coverage: Coverage | None = None) -> int:  # fmt: skip
        """Write blocks not yet stored, in one transaction; returns how many were new. In the same transaction,
        blocks up to ``finalized`` are marked final (:meth:`mark_final`) and ``coverage`` is recorded
        (:meth:`add_coverage`): an ingest's last batch ends with one commit, one wait for the disk, not three."""
        # Each block's rows are built as it comes, while an ingest still fetches the next blocks
        given = [(block, self._rows(block)) for block in blocks]
        stored = set()
        if given:
            stored = self.stored_numbers(min(b.number for b, _ in given), max(b.number for b, _ in given))
        new = [b for b, _ in given if b.number not in stored]
        rows: dict[str, list[list[Any]]] = {table: [] for table in WRITTEN}
        for block, own in given:
            if block.number not in stored:
                for table, found in own.items():
                    rows[table] += found
        self._keys(new, rows["evm_keys"])
        self.con.execute("BEGIN")
        try:
            for table, found in rows.items():
                self._insert(table, found)
            if finalized is not None:
                self.mark_final(finalized)
            if coverage is not None:
                self.add_coverage(coverage)
            self.con.execute("COMMIT")
        except BaseException:
            self.con.execute("ROLLBACK")
            raise
        return len(new)

    def _keys(self, blocks: list[SourcedEvmBlock], rows: list[list[Any]]) -> None:
        """Each new sender's public key (recovered by the source), from the first of its transactions here."""
        first: dict[str, tuple[str, str, int]] = {}
        for block in blocks:
            for sender, (key, tx_hash) in block.keys.items():
                first.setdefault(sender, (key, tx_hash, block.number))
        if not first:
            return
        known = {r[0] for r in self.con.execute("SELECT address FROM evm_keys WHERE address IN (SELECT unnest(?))",
                                                [list(first)]).fetchall()}  # fmt: skip
        rows += [[self.chain, self.network, a, *found] for a, found in first.items() if a not in known]

    def public_key(self, address: str) -> dict[str, Any] | None:
        """The account's public key (hex, compressed) and the transaction it was recovered from, if it ever sent."""
        found = self.rows("SELECT public_key, tx_hash, block_number FROM evm_keys WHERE address = ?", [address])
        return found[0] if found else None

    def _columns(self, table: str) -> tuple[list[str], list[pa.DataType]]:
        """``table``'s column names and Arrow types, as this store has them: the written tables read in one query
        the first time (an older or newer store may differ from today's :data:`ACCOUNT_DDL`; one DESCRIBE each
        cost about 1.4 ms, five of them an ingest of a new store)."""
        if self._described is None:
            found: dict[str, tuple[list[str], list[pa.DataType]]] = {}
            for name, column, kind in self.con.execute(
                "SELECT table_name, column_name, data_type FROM duckdb_columns() WHERE table_name IN (SELECT "
                "unnest(?)) AND schema_name = current_schema() ORDER BY table_name, column_index", [list(WRITTEN)]
            ).fetchall():
                if kind not in _ARROW:
                    raise InputError(
                        f"the store {self.path} has {name}.{column} of type {kind}, which this version of cointrail "
                        f"does not write (it writes {', '.join(_ARROW)}): ingest into a new store, or use the "
                        "version that made this one"
                    )
                names, types = found.setdefault(name, ([], []))
                names.append(column)
                types.append(_ARROW[kind])
            self._described = found
        if table not in self._described:
            raise InputError(f"the store {self.path} has no table {table}: it was made by another version of cointrail")
        return self._described[table]

    def _insert(self, table: str, rows: list[list[Any]]) -> None:
        """Rows into ``table`` through one Arrow table: far faster than executemany (10x on the test economy).
        Each column is given its type: pyarrow infers one otherwise, and tries to import pandas at every array it
        infers (150 us each, 60 an ingest). HUGEINT columns travel as DECIMAL(38,0), which holds any of them
        exactly."""
        if not rows:
            return
        names, types = self._columns(table)
        if len(rows[0]) != len(names):
            raise InputError(
                f"the store {self.path} has {len(names)} columns in {table} ({', '.join(names)}), this version of "
                f"cointrail writes {len(rows[0])}: ingest into a new store, or use the version that made this one"
            )
        arrays = [pa.array(column, kind) for column, kind in zip(zip(*rows, strict=True), types, strict=True)]
        batch = pa.table(arrays, names=names)  # noqa: F841 - read by the SQL below, by its name
        self.con.execute(f"INSERT INTO {table} SELECT * FROM batch")

    def _rows(self, sourced: SourcedEvmBlock) -> dict[str, list[list[Any]]]:
        """The block's rows, by table (its senders' keys apart: :meth:`_keys`)."""
        rows: dict[str, list[list[Any]]] = {table: [] for table in WRITTEN}
        b, c, n = sourced.block, self.chain, self.network
        number, time = sourced.number, hexint(b["timestamp"])
        rows["evm_blocks"].append([c, n, number, b["hash"], b["parentHash"], time, b["miner"].lower(),
                                   hexint(b.get("baseFeePerGas")), len(b["transactions"]), sourced.hash_recomputed,
                                   sourced.tx_hashes_recomputed, sourced.trace_style, sourced.source,
                                   False])  # fmt: skip
        txs, values = rows["evm_transactions"], rows["evm_value_transfers"]
        token_rows, actions = rows["evm_token_transfers"], rows["evm_issuer_actions"]
        senders = {}
        for tx, receipt in zip(b["transactions"], sourced.receipts, strict=True):
            ok, sender, position = hexint(receipt["status"]) == 1, tx["from"].lower(), hexint(tx["transactionIndex"])
            senders[tx["hash"]] = (sender, position)
            fee = hexint(receipt["gasUsed"]) * hexint(receipt["effectiveGasPrice"])
            receiver = tx["to"].lower() if tx.get("to") else None
            created = (receipt.get("contractAddress") or "").lower() or None
            txs.append([c, n, tx["hash"], number, position, time, sender, receiver, created, hexint(tx["value"]), fee,
                        ok, tx["input"][:10] if len(tx["input"]) >= 10 else None, hexint(tx["nonce"]),
                        hexint(tx.get("type", "0x0"))])  # fmt: skip
            if hexint(tx["value"]) > 0:
                values.append([c, n, tx["hash"], number, position, time, "", sender, receiver or created or "",
                               hexint(tx["value"]), "transaction", not ok, sender])  # fmt: skip
            for log in receipt["logs"]:
                self._log_rows(log, sender, ok, number, time, token_rows, actions)
        for t in sourced.internal:
            sender, position = senders[t.tx_hash]
            values.append([c, n, t.tx_hash, number, position, time, ".".join(map(str, t.trace_address)), t.sender,
                           t.receiver, t.value, t.kind, t.failed, sender])  # fmt: skip
        return rows

    def _log_rows(self, log: dict[str, Any], tx_sender: str, ok: bool, number: int, time: int,
                  token_rows: list[list[Any]], actions: list[list[Any]]) -> None:  # fmt: skip
        token = tokens.token_at(self.chain, log["address"])
        if token is None:
            return  # only the curated list: any contract can emit a Transfer naming anyone
        c, n, index = self.chain, self.network, hexint(log["logIndex"])
        moved = tokens.decode_transfer(log)
        if moved is not None:
            reason = poisoning_reason(moved[2], moved[0], tx_sender, token.ceiling)
            value, text = _exact(moved[2], token.ceiling)
            token_rows.append([c, n, token.address, token.symbol, token.decimals, log["transactionHash"], number, index,
                               time, moved[0], moved[1], value, tx_sender, ok, reason, text])  # fmt: skip
            return
        action = tokens.decode_issuer_action(log)
        if action is not None:
            # Issue and Redeem name no account: they change the owner's balance, and only the owner can send them
            account = action[1] if action[1] is not None or action[0] not in ("Issue", "Redeem") else tx_sender
            amount, text = _exact(action[2], token.ceiling) if action[2] is not None else (None, None)
            actions.append([c, n, token.address, token.symbol, action[0], account, amount,
                            log["transactionHash"], number, index, time, text])  # fmt: skip

    def append_logs(self, logs: list[dict[str, Any]], times: dict[int, int], senders: dict[str, str]) -> int:
        """Token logs read on their own (Tron's TRC-20 through its JSON-RPC: no blocks or traces to verify them
        against), with each block's time and each transaction's sender; returns how many were new."""
        known = {(r[0], r[1]) for r in self.con.execute("SELECT tx_hash, log_index FROM evm_token_transfers"
                                                        " UNION SELECT tx_hash, log_index FROM evm_issuer_actions")
                 .fetchall()}  # fmt: skip
        rows: dict[str, list[list[Any]]] = {"evm_token_transfers": [], "evm_issuer_actions": []}
        for log in logs:
            if (log["transactionHash"], hexint(log["logIndex"])) in known:
                continue
            number = hexint(log["blockNumber"])
            self._log_rows(log, senders[log["transactionHash"]], True, number, times[number],
                           rows["evm_token_transfers"], rows["evm_issuer_actions"])  # fmt: skip
        self.con.execute("BEGIN")
        for table, found in rows.items():
            self._insert(table, found)
        self.con.execute("COMMIT")
        return sum(len(found) for found in rows.values())

    def add_coverage(self, coverage: Coverage) -> None:
        """Record what an ingest covered (see :class:`Coverage`)."""
        c = coverage
        verified = ("block hashes from header fields; transaction hashes from transaction fields; each sender's "
                    "key recovered from its signature; receipts one per transaction in order")
        trusted = "transactions and receipts roots (not recomputed); traces (no block commits to them); logs"
        if c.logs_only:  # Tron: transaction ids are SHA-256 of protobuf bytes its JSON-RPC does not give
            verified, trusted = "nothing", "token logs, block times and transaction senders, as the node gave them"
        self.con.execute("INSERT INTO evm_coverage VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                         [self.chain, self.network, c.mode, c.start, c.end, sorted(c.addresses), c.blocks, c.node,
                          c.client, c.chain_id, c.trace_style, verified, trusted,
                          datetime.datetime.now(datetime.UTC)])  # fmt: skip

    def add_label(self, address: str, name: str, category: str, source: str, confidence: int = 60) -> None:
        """Label an account (an exchange's hot wallet: category ``exchange``), with where the label came from."""
        self.con.execute("INSERT INTO evm_labels VALUES (?,?,?,?,?,?,?)",
                         [self.chain, self.network, address.lower(), name, category, source, confidence])

    def add_labels(self, rows: list[tuple[str, str, str, str, int]]) -> int:
        """Add labels (address, name, category, source, confidence) not stored yet, in one transaction: an import
        read twice adds nothing the second time. Returns how many were new."""
        if not rows:
            return 0
        table = pa.table({name: [row[n] for row in rows]
                          for n, name in enumerate(("address", "name", "category", "source", "confidence"))})
        self.con.register("given_labels", table)
        try:
            self.con.execute("BEGIN")
            before = self.con.execute("SELECT count(*) FROM evm_labels").fetchone()[0]  # type: ignore[index]
            self.con.execute(
                "INSERT INTO evm_labels SELECT DISTINCT ?, ?, g.address, g.name, g.category, g.source, g.confidence"
                " FROM given_labels g WHERE NOT EXISTS (SELECT 1 FROM evm_labels l WHERE l.address = g.address"
                " AND l.name = g.name AND l.category = g.category AND l.source = g.source)",
                [self.chain, self.network])  # fmt: skip
            after = self.con.execute("SELECT count(*) FROM evm_labels").fetchone()[0]  # type: ignore[index]
            self.con.execute("COMMIT")
        finally:
            self.con.unregister("given_labels")
        return int(after - before)

    # reading

    def labels(self) -> dict[str, dict[str, Any]]:
        """Each labelled account's most confident label."""
        found: dict[str, dict[str, Any]] = {}
        for row in self.rows("SELECT address, name, category, source, confidence FROM evm_labels"
                             " ORDER BY confidence, name"):  # fmt: skip
            found[row["address"]] = row
        return found

    def fees(self, address: str) -> list[dict[str, Any]]:
        """The fees ``address`` paid, one per transaction it sent, in chain order."""
        return self.rows("SELECT hash AS tx_hash, block_number, position, fee FROM evm_transactions"
                         " WHERE sender = ? ORDER BY block_number, position", [address])  # fmt: skip

    def asset_totals(self, address: str) -> list[dict[str, Any]]:
        """Per asset (ETH, then each listed token): received, sent, transfers in and out, first and last block."""
        return self.rows(
            "SELECT 'ETH' AS asset, 18 AS decimals, coalesce(sum(value) FILTER (receiver = $a), 0) AS received,"
            " coalesce(sum(value) FILTER (sender = $a), 0) AS sent, count(*) FILTER (receiver = $a) AS transfers_in,"
            " count(*) FILTER (sender = $a) AS transfers_out, min(block_number) AS first_block,"
            " max(block_number) AS last_block FROM evm_value_transfers"
            " WHERE NOT failed AND (sender = $a OR receiver = $a) HAVING count(*) > 0"
            " UNION ALL SELECT symbol, any_value(decimals), coalesce(sum(value) FILTER (receiver = $a), 0),"
            " coalesce(sum(value) FILTER (sender = $a), 0), count(*) FILTER (receiver = $a),"
            " count(*) FILTER (sender = $a), min(block_number), max(block_number) FROM evm_token_transfers"
            " WHERE success AND poisoning IS NULL AND (sender = $a OR receiver = $a) GROUP BY symbol"
            " ORDER BY asset = 'ETH' DESC, asset", {"a": address})  # fmt: skip

    def activity(self, address: str) -> dict[str, Any]:
        """Transactions the address sent or was paid in, first and last seen (block, time, hash)."""
        row = self.rows(
            "WITH touched AS (SELECT tx_hash, block_number, time FROM evm_value_transfers"
            "  WHERE NOT failed AND (sender = $a OR receiver = $a)"
            " UNION SELECT tx_hash, block_number, time FROM evm_token_transfers WHERE sender = $a OR receiver = $a"
            " UNION SELECT hash, block_number, time FROM evm_transactions WHERE sender = $a)"
            " SELECT count(DISTINCT tx_hash) AS tx_count, arg_min(tx_hash, block_number) AS first_tx,"
            " min(block_number) AS first_block, min(time) AS first_time, arg_max(tx_hash, block_number) AS last_tx,"
            " max(block_number) AS last_block, max(time) AS last_time FROM touched", {"a": address})
        return row[0]

    def counterparties(self, address: str, limit: int) -> list[dict[str, Any]]:
        """Who the address paid and was paid by (ether and listed tokens, poisoning left out), most transfers first."""
        return self.rows(
            "WITH moves AS (SELECT sender, receiver, 'ETH' AS asset, value FROM evm_value_transfers WHERE NOT failed"
            " UNION ALL SELECT sender, receiver, symbol, value FROM evm_token_transfers"
            "  WHERE success AND poisoning IS NULL)"
            " SELECT CASE WHEN sender = $a THEN receiver ELSE sender END AS address, asset,"
            " count(*) AS transfers, coalesce(sum(value) FILTER (receiver = $a), 0) AS paid_us,"
            " coalesce(sum(value) FILTER (sender = $a), 0) AS we_paid FROM moves"
            " WHERE (sender = $a OR receiver = $a) AND sender <> receiver GROUP BY ALL"
            " ORDER BY transfers DESC, address, asset LIMIT $n", {"a": address, "n": limit})  # fmt: skip

    def poisoning_of(self, address: str) -> list[dict[str, Any]]:
        """Suspected poisoning transfers naming the address."""
        found = self.rows("SELECT tx_hash, block_number, symbol, sender, receiver, value, tx_sender, poisoning,"
                          f" {self._value_text} AS value_text FROM evm_token_transfers WHERE poisoning IS NOT NULL"
                          " AND (sender = ? OR receiver = ?) ORDER BY block_number, log_index", [address, address])
        return _read_exact(found, "value", "value_text")

    def moves_between(self, low: int, high: int, addresses: list[str]) -> list[dict[str, Any]]:
        """Ether and listed-token transfers at blocks ``low..high`` from or to ``addresses`` (poisoning left out),
        each with its asset, decimals and block hash, in chain order: what ``watch run`` looks at in new blocks."""
        self.con.register("watched_accounts", pa.table({"address": pa.array(sorted(addresses), pa.string())}))
        try:
            return self.rows(
                "WITH moves AS (SELECT 'ETH' AS asset, 18 AS decimals, NULL AS token, tx_hash, block_number,"
                "  position AS ordinal, trace_address AS part, time, sender, receiver, value FROM evm_value_transfers"
                "  WHERE NOT failed AND value > 0 AND block_number BETWEEN $lo AND $hi"
                " UNION ALL SELECT symbol, decimals, token, tx_hash, block_number, log_index, '', time, sender,"
                "  receiver, value FROM evm_token_transfers"
                "  WHERE success AND poisoning IS NULL AND block_number BETWEEN $lo AND $hi)"
                # A Tron store keeps token logs, no blocks: its block hash is asked of the node (NULL here).
                " SELECT m.*, b.hash AS block_hash FROM moves m LEFT JOIN evm_blocks b ON b.number = m.block_number"
                " WHERE m.sender IN (SELECT address FROM watched_accounts)"
                "  OR m.receiver IN (SELECT address FROM watched_accounts)"
                " ORDER BY m.block_number, m.ordinal, m.part", {"lo": low, "hi": high})  # fmt: skip
        finally:
            self.con.unregister("watched_accounts")

    def covered_to(self) -> int | None:
        """The highest block any ingest covered (fetched, or found not to touch the addresses it was asked for)."""
        found = self.con.execute("SELECT max(to_block) FROM evm_coverage").fetchone()
        return None if found is None or found[0] is None else int(found[0])

    def tip(self) -> dict[str, Any] | None:
        """The highest stored block: number, hash and time (None for an empty store)."""
        found = self.rows("SELECT number, hash, time FROM evm_blocks ORDER BY number DESC LIMIT 1")
        return found[0] if found else None

    def read_to(self) -> int | None:
        """The highest block the store read: its top block, or for a store of token logs only (Tron, which keeps no
        blocks) the end of the ranges its ingests covered; None before any ingest."""
        found = self.con.execute("SELECT coalesce((SELECT max(number) FROM evm_blocks),"
                                 " (SELECT max(to_block) FROM evm_coverage))").fetchone()
        return None if found is None or found[0] is None else int(found[0])

    def block_sources(self) -> list[dict[str, Any]]:
        """Per node the blocks came from: how many, the lowest and highest number, and whether every block's hash
        and every transaction hash was recomputed from its fields (the report's data sources)."""
        return self.rows("SELECT source, count(*) AS blocks, min(number) AS from_height, max(number) AS to_height,"
                         " bool_and(hash_recomputed) AS hashes_recomputed,"
                         " bool_and(tx_hashes_recomputed) AS txids_recomputed, string_agg(DISTINCT trace_style, ', ')"
                         " AS trace_style FROM evm_blocks GROUP BY source ORDER BY from_height")  # fmt: skip

    def transaction_block(self, tx_hash: str) -> dict[str, Any] | None:
        """The block of a stored transaction: number, hash and time (None when the store does not hold it)."""
        found = self.rows("SELECT b.number, b.hash, b.time FROM evm_transactions t JOIN evm_blocks b"
                          " ON b.number = t.block_number WHERE t.hash = ?", [tx_hash.lower()])  # fmt: skip
        return found[0] if found else None

    def transaction_row(self, tx_hash: str) -> dict[str, Any] | None:
        found = self.rows("SELECT * EXCLUDE (chain, network) FROM evm_transactions WHERE hash = ?", [tx_hash])
        return found[0] if found else None

    def rows(self, sql: str, params: list[Any] | dict[str, Any] | None = None) -> list[dict[str, Any]]:
        cursor = self.con.execute(sql, params or [])
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    def counts(self) -> dict[str, int]:
        return {t: self.con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ACCOUNT_TABLES}  # type: ignore[index]

    def coverage(self) -> list[dict[str, Any]]:
        return self.rows("SELECT * EXCLUDE (chain, network) FROM evm_coverage ORDER BY fetched_at")

    def ether_moves(self, address: str | None = None) -> list[dict[str, Any]]:
        """Every ether transfer that moved value (not failed), optionally to or from ``address``, in chain order."""
        where = "NOT failed" + (" AND (sender = ? OR receiver = ?)" if address else "")
        return self.rows(f"SELECT tx_hash, block_number, position, time, trace_address, sender, receiver, value, kind,"
                         f" tx_sender FROM evm_value_transfers WHERE {where}"
                         f" ORDER BY block_number, position, trace_address", [address, address] if address else [])

    def token_moves(self, address: str | None = None, *, include_poisoning: bool = False) -> list[dict[str, Any]]:
        """Listed token transfers, optionally of ``address``; suspected poisoning left out unless asked for. An amount
        too large for any token (``too_large``, always suspected poisoning) comes back exact; nothing may add it up."""
        where = ["success"] + ([] if include_poisoning else ["poisoning IS NULL"])
        params = []
        if address:
            where.append("(sender = ? OR receiver = ?)")
            params = [address, address]
        found = self.rows("SELECT token, symbol, decimals, tx_hash, block_number, log_index, time, sender, receiver,"
                          f" value, tx_sender, poisoning, {self._value_text} AS value_text FROM evm_token_transfers"
                          " WHERE " + " AND ".join(where) + " ORDER BY block_number, log_index", params)  # fmt: skip
        return _read_exact(found, "value", "value_text")

    def balances(self, address: str) -> dict[str, int]:
        """The address's net ether received (wei, fees paid deducted) and net of each listed token, from the store."""
        ether = self.con.execute(
            "SELECT coalesce(sum(CASE WHEN receiver = $a THEN value ELSE 0 END), 0)"
            " - coalesce(sum(CASE WHEN sender = $a THEN value ELSE 0 END), 0)"
            " - (SELECT coalesce(sum(fee), 0) FROM evm_transactions WHERE sender = $a)"
            " FROM evm_value_transfers WHERE NOT failed AND (sender = $a OR receiver = $a)", {"a": address}).fetchone()
        found = {"ETH": int(ether[0])}  # type: ignore[index]
        # Issue, Redeem and DestroyedBlackFunds change a balance without a Transfer event.
        for symbol, net in self.con.execute(
                "SELECT symbol, sum(net) FROM ("
                " SELECT symbol, CASE WHEN receiver = $a THEN value ELSE 0 END"
                "  - CASE WHEN sender = $a THEN value ELSE 0 END AS net"
                "  FROM evm_token_transfers WHERE success AND (sender = $a OR receiver = $a)"
                " UNION ALL SELECT symbol, CASE WHEN action = 'Issue' THEN amount ELSE -amount END FROM"
                "  evm_issuer_actions WHERE account = $a AND action IN ('Issue', 'Redeem', 'DestroyedBlackFunds'))"
                " GROUP BY symbol ORDER BY symbol", {"a": address}).fetchall():
            found[symbol] = int(net)
        return found

    def issuer_actions(self, address: str | None = None) -> list[dict[str, Any]]:
        where, params = ("WHERE account = ?", [address]) if address else ("", [])
        found = self.rows(f"SELECT symbol, action, account, amount, tx_hash, block_number, time,"
                          f" {self._amount_text} AS amount_text FROM evm_issuer_actions {where}"
                          " ORDER BY block_number, log_index", params)  # fmt: skip
        return _read_exact(found, "amount", "amount_text")
