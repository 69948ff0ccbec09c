"""The ledger store: an embedded DuckDB database of one chain and network.

:class:`LedgerStore` opens (or creates) the file, checks that it holds the
chain the caller expects, and offers what ingestion needs: the stored tip, the
hash at a height, a roll-back to a fork point, and :meth:`LedgerStore.append`
for a batch of blocks (written in :mod:`cointrail.store.duckdb.writer`). Reading is
in :mod:`cointrail.store.duckdb.queries`. The tables are in :mod:`cointrail.store.duckdb.schema`.
"""

from __future__ import annotations

import contextlib
import functools
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from types import TracebackType

import duckdb

from cointrail.chains import utxo_network
from cointrail.chains.bitcoin.batch import Batch, from_blocks
from cointrail.chains.bitcoin.model import SourcedBlock
from cointrail.errors import InputError
from cointrail.errors import NotInStoreError as NotInStoreError  # declared below the store: analysis raises it too
from cointrail.store.duckdb import (
    address_hash,
    address_lookup,
    address_stats,
    p2pk,
    partialstate,
    schema,
    sparse_links,
    spill,
)
from cointrail.store.duckdb.address_totals import AddressTotals
from cointrail.store.duckdb.arrays import DuckDBLedgerArrays
from cointrail.store.duckdb.chainstate import ChainState, StateUse
from cointrail.store.duckdb.cluster_reads import DuckDBClusterReads
from cointrail.store.duckdb.cluster_tables import DuckDBClusterTables
from cointrail.store.duckdb.graph_reads import DuckDBGraphReads
from cointrail.store.duckdb.source_reads import DuckDBSourceReads
from cointrail.store.duckdb.trace_reads import DuckDBTraceReads
from cointrail.store.duckdb.watch_reads import DuckDBWatchReads

MIN_DUCKDB_MEMORY = 256 << 20  # below this DuckDB's own work (index builds, the totals' SQL) fails, not spills
BULK_CHECKPOINT_THRESHOLD = "1GB"  # DuckDB's default, 16 MB, checkpoints after almost every batch


class DamagedStoreError(InputError):
    """A ledger store file that DuckDB cannot read: damaged, not a bug (exit 2, with what to do)."""

    def __init__(self, path: Path, error: Exception):
        self.path = path
        first = str(error).splitlines()[0] if str(error) else type(error).__name__
        super().__init__(f"the ledger store {path} is damaged ({first}): restore it from its archive or a backup, "
                         "or make it again with `cointrail ingest` (and `cointrail cluster build`)")


def _connect(path: Path, read_only: bool) -> duckdb.DuckDBPyConnection:
    try:
        return duckdb.connect(str(path), read_only=read_only)
    except duckdb.IOException as error:
        if "not a valid DuckDB database" not in str(error) and "Could not read enough bytes" not in str(error):
            raise _in_use(path, error) from error
        raise DamagedStoreError(path, error) from error
    except duckdb.ConnectionException as error:  # this process has it open already, read-only or not
        raise _in_use(path, error) from error
    except duckdb.Error as error:  # a checksum or catalog error on open: the file is damaged
        raise DamagedStoreError(path, error) from error


class AccountStoreError(InputError):
    """An Ethereum or Tron store (issue 16) opened as a Bitcoin-family one: open it as an
    :class:`~cointrail.store.duckdb.account.AccountStore` instead (what a caller that takes both does)."""


def existing_store(db: str | Path) -> Path:
    """``db`` as a path, if a store file is there; otherwise the error every command gives for a wrong --db."""
    path = Path(db)
    if not path.is_file():
        raise InputError(f"there is no ledger store at {db}: run 'cointrail ingest' first, or check --db")
    return path


class StoreInUseError(InputError):
    """Another process holds the store open (DuckDB lets one process write a file only while no other has it)."""


def _in_use(path: Path, error: Exception) -> StoreInUseError:
    return StoreInUseError(f"cannot open the ledger store {path}: it is in use by another cointrail process "
                      f"or not a DuckDB file ({str(error).splitlines()[0]})")


class TableNames:
    """The names of a store's tables, read from DuckDB when first asked and kept: every page asked about a dozen
    (``has_table``, 1-4 ms each). One set is shared by a read-only store and the stores on its cursors."""

    def __init__(self) -> None:
        self.names: frozenset[str] | None = None

    def read(self, con: duckdb.DuckDBPyConnection) -> frozenset[str]:
        """The tables and views of the file (not a connection's TEMP ones), asked of DuckDB now and kept."""
        rows = con.execute("SELECT table_name FROM duckdb_tables() WHERE NOT temporary UNION ALL "
                           "SELECT view_name FROM duckdb_views() WHERE NOT internal AND NOT temporary").fetchall()
        self.names = frozenset(name for (name,) in rows)
        return self.names


class LedgerStore:
    """One ledger database file; use as a context manager or call :meth:`close`."""

    def __init__(self, con: duckdb.DuckDBPyConnection, path: Path, chain: str, network: str, *,
                 read_only: bool = False, tables: TableNames | None = None):  # fmt: skip
        self.con = con
        self.path = path
        self.chain = chain
        self.network = network
        # Opened read-only, no process can change the file's tables while it is open (DuckDB lets a process
        # write it only while no other holds it), so their names are read once. A writable store asks every time:
        # its DDL runs on the bare connection in a dozen modules (a full cluster build drops tables it makes again
        # only later), so it cannot know when its names change.
        self.read_only = read_only
        self._tables = tables or TableNames()
        self._chain_state: ChainState | None = None
        # During a bulk load: address_stats waits for its end (address_stats.defer), which inserts
        # these totals, added up by the writer after each commit; None if they no longer match (an error).
        self.defers_address_stats = False
        self.bulk_totals: AddressTotals | None = None
        self._partially_resolved = 0  # transactions resolved without the full chain state
        self.memory_limit: int | None = None  # bytes for an ingest's chain state and DuckDB together (limit_memory)
        self.state_use = StateUse()  # what the chain states loaded for this store did within their budget
        self.over_limit: list[str] = []  # what a bulk load's end did under more memory than the limit gave DuckDB
        # The spill folders a killed ingest left beside the file, removed when it was opened for writing
        self.removed_leftovers: list[spill.Leftover] = []
        # Whether address_lookup describes the tip: None until first asked (one query per open).
        # Only this object can change the file while it is open (DuckDB lets one process write
        # it, and a writer locks out readers), so append and rollback_to keep it exact.
        self._lookup_valid: bool | None = None

    @classmethod
    def open(
        cls, path: str | Path, chain: str | None = None, network: str | None = None, *, read_only: bool = False
    ) -> LedgerStore:
        """Open the store at ``path``; a new one is created unless ``read_only``.

        ``chain`` and ``network`` are required to create a store and, when
        given, must match those of an existing one.
        """
        path = existing_store(path) if read_only else Path(path)
        con = _connect(path, read_only)
        try:
            stored, stale = _read_identity(con)
        except duckdb.Error as error:  # a checksum or catalog error: the file is damaged (issue 22)
            con.close()
            raise DamagedStoreError(path, error) from error
        created = stored is None
        if stored is None:
            if read_only or not chain or not network:
                con.close()
                raise InputError(f"{path} is not a cointrail ledger store; give --chain and --network to create one")
            _create(con, chain, network)
            stored = (chain, network)
        if (chain and chain != stored[0]) or (network and network != stored[1]):
            con.close()
            raise InputError(f"the store {path} holds {stored[0]} {stored[1]}, not {chain} {network}")
        if read_only and stale:  # a crawl killed before it linked its transactions: mend it first
            con.close()
            cls._mend_stale(path)
            con = _connect(path, read_only)
        if not read_only and not created:  # a store just made has this version's layout: nothing to bring up to it
            _upgrade_p2pk(con, path, *stored)
            address_hash.upgrade(con)  # a store made before the address hash: given its column, filled
            address_stats.ensure(con, *stored)
            if stale:  # the links a crawl killed midway left out (made before the totals read them)
                sparse_links.mend(con, *stored)
            address_stats.catch_up(con, *stored)  # the totals a bulk load killed midway left out
            for name in schema.missing_indexes(con):  # those a bulk load killed midway left out, one at a time
                con.execute(schema.INDEX_STATEMENTS[name] + "CHECKPOINT;")  # (build_indexes says why)
            con.execute(schema.RETIRED_INDEXES_DDL)
        store = cls(con, path, *stored, read_only=read_only)
        if not read_only:  # this process is the file's one writer now: spill folders beside it are a dead one's
            store.removed_leftovers = spill.remove_leftovers(path)
        return store

    @staticmethod
    def _mend_stale(path: Path) -> None:
        """Open a store for writing (which mends it) so that a read-only open never reads it half-linked."""
        try:
            LedgerStore.open(path).close()
        except (StoreInUseError, duckdb.Error) as error:
            raise InputError(
                f"the ledger store {path} was left half-written by a crawl that stopped before its end (killed): "
                f"it must be opened for writing once to link what it holds, and that failed ({error}). Run the "
                "crawl again (it resumes), or any command that writes to the store, where it can be written to"
            ) from error
        # A read-only command wrote to the store: say so, and that its crawl is unfinished (the standard error
        # line the CLI's warnings give; the store layer has no CLI to call)
        print(f"warning: the ledger store {path} was left by a crawl that stopped before its end: what it fetched "
              "is linked now; run the crawl again to finish it", file=sys.stderr)  # fmt: skip

    @functools.cached_property
    def has_p2pk_columns(self) -> bool:
        """Whether the store marks P2PK outputs (outputs.p2pk, addresses.pubkey): all but older read-only ones."""
        return p2pk.is_current(self.con)

    @functools.cached_property
    def has_address_hash(self) -> bool:
        """Whether ``addresses`` has the address hash lookups go through: all but older stores opened read-only."""
        return address_hash.probe(self.con)  # a store without it is an older one, read-only: no write transaction

    @functools.cached_property
    def has_address_stats(self) -> bool:
        """Whether the store keeps this version's per-address totals (every store written by it does)."""
        return address_stats.is_usable(self.con)

    @property
    def address_lookup_valid(self) -> bool:
        """Whether ``address_lookup`` answers for the stored tip (checked once per open, then kept up)."""
        if self._lookup_valid is None:
            self._lookup_valid = address_lookup.is_valid(self.con)
        return self._lookup_valid

    def lookup_refreshed(self) -> None:
        """Note that ``address_lookup`` now describes the tip (called by its refresh, after the commit)."""
        self._lookup_valid = True

    def close(self) -> None:
        self.forget_chain_state()  # and its runs on disk
        self.con.close()

    def limit_memory(self, limit: int) -> None:
        """Keep an ingest within about ``limit`` bytes: the chain state half of it (past which it spills to disk
        beside the store), DuckDB the other half (its ``memory_limit``; its temporary files go beside the store too).

        The batches being parsed and written come on top, and at the bulk load's end an index that does not fit
        DuckDB's half is built under DuckDB's own default: DuckDB builds an index in memory (docs/store.md,
        "Memory"; :attr:`over_limit` names it).
        """
        if limit < 1:
            raise InputError(f"a memory limit must be positive, not {limit} bytes")
        self.memory_limit = int(limit)
        self._limit_duckdb()
        self.forget_chain_state()

    def _limit_duckdb(self) -> None:
        assert self.memory_limit is not None
        self.con.execute(f"SET memory_limit = '{max(self.memory_limit // 2, MIN_DUCKDB_MEMORY) // 1024}KiB'")

    @property
    def state_budget(self) -> int | None:
        """Bytes the chain state may hold in memory (None: no limit)."""
        return None if self.memory_limit is None else self.memory_limit // 2

    def __enter__(self) -> LedgerStore:
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None) -> None:
        self.close()

    def one(self, sql: str, params: Sequence[object] = ()) -> tuple | None:
        """The first row of a query, or None (the result is always consumed whole:
        DuckDB refuses new work on a connection with a pending result)."""
        rows = self.con.execute(sql, list(params)).fetchall()
        return rows[0] if rows else None

    def rows(self, sql: str, params: Sequence[object] = ()) -> list[tuple]:
        """All rows of a query."""
        return self.con.execute(sql, list(params)).fetchall()

    def tip(self) -> tuple[int, bytes] | None:
        """Height and hash of the highest stored block, or None for an empty store."""
        return schema.tip(self.con)

    def hash_at(self, height: int) -> bytes | None:
        """The stored block hash at ``height``, or None."""
        return schema.hash_at(self.con, height)

    def hashes_between(self, low: int, high: int) -> dict[int, bytes]:
        """The stored block hashes at heights ``low..high`` (inclusive), by height."""
        return schema.hashes_between(self.con, low, high)

    def append(self, blocks: Sequence[SourcedBlock]) -> None:
        """Store consecutive parsed blocks above the tip, all or nothing (one transaction)."""
        if blocks:
            self.append_batch(from_blocks([(s.block, s.height, s.source) for s in blocks]))

    def append_batch(self, batch: Batch) -> None:
        """Store a batch of consecutive blocks (as columns) above the tip, all or nothing."""
        from cointrail.store.duckdb.writer import write_batch

        self._lookup_valid = False  # the tip moves past the lookup's stamp (refresh_address_lookup)
        write_batch(self, batch)

    @contextlib.contextmanager
    def bulk_load(self) -> Iterator[None]:
        """Write many batches without the lookup indexes, then build them once (also after an error).

        The tables are the same either way; only queries are slower until the
        indexes are back. ``address_stats`` gets the load's totals once at its
        end, not per batch. An ingest killed meanwhile leaves both out until the
        store is next opened for writing, which builds them (queries meanwhile
        compute an address's totals from its rows). Checkpoints are
        also spaced out: each rewrites the outputs that later batches marked spent.
        """
        self.con.execute(schema.DROP_INDEXES_DDL)
        self.con.execute(f"SET checkpoint_threshold = '{BULK_CHECKPOINT_THRESHOLD}'")
        tip = self.tip()
        address_stats.defer(self.con, tip[0] + 1 if tip else 0)
        self.defers_address_stats = True
        self.bulk_totals = AddressTotals(tip[0] + 1 if tip else 0)
        try:
            yield
        finally:
            self.defers_address_stats = False
            totals, self.bulk_totals = self.bulk_totals, None
            # Memory peaks while DuckDB builds the indexes: the chain state (about 350 MB per million
            # transactions) is not kept through it. An ingest that goes on loads what it needs again.
            self.forget_chain_state()
            self._within_limit("the address totals", functools.partial(address_stats.catch_up, self.con,
                                                                       self.chain, self.network, totals))  # fmt: skip
            del totals  # the totals, inserted, are not kept through the index build either
            self.con.execute("RESET checkpoint_threshold")
            self.build_indexes()

    def build_indexes(self) -> None:
        """Build the lookup indexes a bulk load dropped: one at a time, each committed and written out.

        DuckDB holds an index it builds in memory, whole, until a checkpoint writes it (it cannot spill one);
        written, it is read back only as queries need it. Built one at a time the load's end needs the largest
        index's memory, not all nine's at once (1M benchmark chain: each within 128 MB but the addresses' own,
        under 256 MB; all nine in one transaction did not fit 128 MB).
        """
        for name, ddl in schema.INDEX_STATEMENTS.items():
            self._within_limit(f"the index {name}", functools.partial(self.con.execute, ddl + "CHECKPOINT;"))

    def _within_limit(self, what: str, work: Callable[[], object]) -> None:
        """Do ``work`` within DuckDB's half of the memory limit; what does not fit (an index DuckDB cannot spill)
        is done again under DuckDB's own default, 80 % of the memory the machine gives it (a container's cgroup
        limit where there is one: ``RESET``, never a figure from the machine's physical memory, which ignores it),
        and named in ``over_limit``."""
        try:
            work()
            return
        except duckdb.Error as error:
            if self.memory_limit is None or not _out_of_memory(error):
                raise
        self.over_limit.append(what)
        self.con.execute("RESET memory_limit")
        try:
            work()
        finally:
            with contextlib.suppress(duckdb.OutOfMemoryException):  # what was built may still be in memory
                self._limit_duckdb()

    def chain_state(self, batch: Batch | None = None) -> ChainState:
        """What the writer needs of the stored chain to resolve the next batch (loaded on first use).

        Given the batch, and while this store's ingest is small beside what the
        store holds, only the rows the batch needs (:mod:`cointrail.store.duckdb.partialstate`).
        """
        if self._chain_state is None and batch is not None:
            self._partially_resolved += len(batch.tx)
            if self._partially_resolved * partialstate.STORE_TO_BATCH_CROSSOVER <= self._stored_transactions():
                partial = partialstate.load_for(self.con, batch)
                partial.use = self.state_use
                return partial
        if self._chain_state is None:
            self._chain_state = ChainState.load(self.con, limit=self.state_budget, beside=self.path,
                                              use=self.state_use)
        return self._chain_state

    def track_state_use(self) -> StateUse:
        """Count afresh what the chain state does within its budget (from an ingest's start: its report)."""
        self.state_use = StateUse()
        if self._chain_state is not None:
            self._chain_state.use = self.state_use
        return self.state_use

    def _stored_transactions(self) -> int:
        return self.one("SELECT count(*) FROM transactions")[0]  # type: ignore[index]

    def forget_chain_state(self) -> None:
        """Drop the in-memory chain state (and its runs on disk): it no longer matches what is committed."""
        if self._chain_state is not None:
            self._chain_state.close()
        self._chain_state = None

    def rollback_to(self, height: int) -> None:
        """Delete everything above ``height`` (the fork point), in one transaction."""
        self.forget_chain_state()
        deletions: list[tuple[str, list[object]]] = [
            (f"DELETE FROM {table} WHERE {'height' if table == 'blocks' else 'block_height'} > ?", [height])
            for table in ("inputs", "outputs", "transactions", "blocks")
        ]
        deletions.append(("DELETE FROM addresses WHERE first_height > ?", [height]))
        deletions.append((
            "UPDATE outputs SET spent_by_tx_id = NULL, spent_by_vin = NULL, spent_height = NULL WHERE spent_height > ?",
            [height],
        ))
        deletions.append((p2pk.FORGET_ROLLED_BACK, []))
        self._lookup_valid = None  # the roll-back may leave the lookup's stamp on the new tip: asked again
        self.con.execute("BEGIN TRANSACTION")
        try:
            address_lookup.recompute_for_rollback(self.con, height, lambda: address_stats.recompute_above(
                self.con, self.chain, self.network, height, deletions))  # fmt: skip
            self.con.execute("COMMIT")
        except BaseException:
            self.con.execute("ROLLBACK")
            raise

    def arrays(self) -> DuckDBLedgerArrays:
        """The ledger as columns over height ranges (:class:`~cointrail.store.interface.LedgerArrays`)."""
        return DuckDBLedgerArrays(self.con)

    def cluster_tables(self) -> DuckDBClusterTables:
        """The clusters kept in this store (:class:`~cointrail.store.interface.ClusterTables`)."""
        return DuckDBClusterTables(self.con, self.chain, self.network)

    def cluster_reads(self) -> DuckDBClusterReads:
        """What ``cluster show``, red flags and the export read (:class:`~cointrail.store.interface.ClusterReads`)."""
        return DuckDBClusterReads(self.con, hashed=self.has_address_hash)

    def source_reads(self) -> DuckDBSourceReads:
        """What the store covers and where its blocks came from (:class:`~cointrail.store.interface.SourceReads`)."""
        return DuckDBSourceReads(self)

    def graph_reads(self) -> DuckDBGraphReads:
        """What the flow graph reads for one hop (:class:`~cointrail.store.interface.GraphReads`)."""
        return DuckDBGraphReads(self)

    def trace_reads(self) -> DuckDBTraceReads:
        """What tracing, the payers and the patterns read (:class:`~cointrail.store.interface.TraceReads`)."""
        return DuckDBTraceReads(self)

    def watch_reads(self) -> DuckDBWatchReads:
        """What a watch run reads after each new block (:class:`~cointrail.store.interface.WatchReads`)."""
        return DuckDBWatchReads(self)

    def has_table(self, name: str) -> bool:
        """Whether the store holds table ``name`` (analyses add theirs: clusters, labels, prices, CoinJoins), or a
        view read as one (``collaborative_txs``); a read-only store reads the names once (:class:`TableNames`)."""
        known = self._tables.names
        if known is None or not self.read_only:
            known = self._tables.read(self.con)
        return name in known

    def on_cursor(self) -> LedgerStore:
        """This store on a DuckDB cursor of its own (one per request or job: a connection is not shared between
        threads), knowing what this one knows of the file's tables; closing it closes only the cursor."""
        return LedgerStore(self.con.cursor(), self.path, self.chain, self.network, read_only=self.read_only,
                           tables=self._tables if self.read_only else None)  # fmt: skip

    def counts(self) -> dict[str, int]:
        """Rows per table: a quick summary of what the store holds."""
        return {t: self.one(f"SELECT count(*) FROM {t}")[0] for t in schema.TABLE_KEYS if t != "meta"}  # type: ignore[index]


def _out_of_memory(error: duckdb.Error) -> bool:
    """Whether DuckDB failed for want of memory (a statement's error, or its commit's)."""
    return isinstance(error, duckdb.OutOfMemoryException) or "could not allocate" in str(error)


def physical_memory() -> int:
    """This machine's memory, in bytes."""
    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")


def _upgrade_p2pk(con: duckdb.DuckDBPyConnection, path: Path, chain: str, network: str) -> None:
    """Bring a store made before P2PK outputs were stored under their key's address to this layout."""
    try:
        if p2pk.upgrade(con, chain, network):
            address_lookup.invalidate(con)  # counterparties that had no address now have one
    except InputError as error:
        con.close()
        raise InputError(f"{path}: {error}") from None


def _read_identity(con: duckdb.DuckDBPyConnection) -> tuple[tuple[str, str] | None, bool]:
    """(chain, network) of a ledger store (None for another file), and whether a crawl left it to be linked."""
    try:  # asking for meta straight away: listing duckdb_tables() first cost 11-16 ms of every open
        values = dict(con.execute("SELECT key, value FROM meta").fetchall())
    except duckdb.CatalogException:  # no meta table: a DuckDB file that is not (yet) a ledger store
        return None, False
    if "chain" not in values:
        return None, False
    if values.get("family") == "account":  # an Ethereum or Tron store (issue 16): its own tables and questions
        con.close()
        raise AccountStoreError(f"this store holds {values['chain']} {values['network']}, an account chain: this "
                                "command works on Bitcoin-family stores; on it use ingest, address-info, payers, trace "
                                "or label add")  # fmt: skip
    return (values["chain"], values["network"]), sparse_links.DEFERRED_KEY in values


def _create(con: duckdb.DuckDBPyConnection, chain: str, network: str) -> None:
    try:
        utxo_network(chain, network)
    except KeyError:
        raise InputError(
            f"cointrail cannot store {chain} {network}: not a known Bitcoin-family chain and network"
        ) from None
    con.execute("BEGIN TRANSACTION")
    con.execute(schema.TABLES_DDL)
    con.execute(address_stats.DDL)
    con.execute(schema.INDEXES_DDL)
    con.executemany(
        "INSERT INTO meta VALUES (?, ?)",
        [["chain", chain], ["network", network], ["schema_version", schema.SCHEMA_VERSION]],
    )
    con.execute("COMMIT")
