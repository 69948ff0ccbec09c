"""The bounded crawl from seed addresses over a light source (Electrum, Esplora) into a sparse store (issue 15).

From each seed address, in the order given, in its own session (through Tor its own circuit, so the server's
operator never sees a case's addresses asked together):

1. its history (at most ``max_txs`` transactions: an address with more, a service, is recorded and not expanded);
2. back ``hops`` hops: the transactions that funded the inputs of the transactions found so far;
3. forward ``hops`` hops: the transactions spending their outputs (Esplora's outspends; over Electrum, which
   cannot say who spends an output on every server, the histories of the scripts paid: an address's, or the
   script's own where it has none, a P2PK or a bare multisig).

An address labelled as a service in the store stops the walk: its history is not asked, and no hop goes past the
transactions paying from or to it. So does Litecoin's MWEB: a peg-in's output is not followed, and a HogEx (the
block's MWEB integration transaction) is kept but not walked past; both are listed as left out, with why.
Everything is visited in a fixed order (transactions by height then txid, inputs and outputs by index), so a crawl
replayed from its archive asks the same questions and gives the same store.

Every transaction enters as raw bytes through the family's parser and is proven (txid recomputed, merkle proof to
a header whose proof of work is checked: :mod:`cointrail.chains.bitcoin.sources.proving`) before it is written.
Resumable: what was fetched is committed every :data:`WRITE_EVERY` transactions or :data:`COMMIT_SECONDS`,
whichever comes first (and when the crawl ends or fails); a re-run reads back what is stored (histories listed at
the server's current tip are not asked again, transactions never) and continues, once it has checked that the
blocks stored near the server's tip are still on the server's chain (:func:`check_stored_blocks`: after a reorg
the crawl is refused, as a sparse store cannot be rolled back). The inputs are linked to their funders once, in the
crawl's last commit (:mod:`cointrail.store.duckdb.sparse_links`); a crawl killed before it leaves the store marked,
and the next open links it before anything is read.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from cointrail.addresses import address_for_script
from cointrail.chains.bitcoin.model import Transaction, TxOut, display_hash
from cointrail.chains.bitcoin.rawblock import parse_transaction
from cointrail.chains.bitcoin.sources.light import (
    BudgetExhausted,
    HistoryEntry,
    LightSession,
    LightSource,  # fmt: skip
    ProvenTransaction,
    SourceError,
)
from cointrail.chains.bitcoin.sources.proving import HeaderChain
from cointrail.errors import IntegrityError
from cointrail.labels.model import TRAIL_STOP_CATEGORIES
from cointrail.store.duckdb import label_table, sparse, sparse_links
from cointrail.store.duckdb.store import LedgerStore

__all__ = ["CrawlReport", "crawl"]

WRITE_EVERY = 100  # proven transactions kept in memory before they are committed
# ... or seconds since the last commit. A commit is a dozen DuckDB statements and a WAL sync, 10-40 ms; once per
# seed address it was a third of a crawl against a server that answers at once (docs/benchmarks.md). Every few
# seconds it is under 1 % of any crawl, and a crawl killed loses at most this much fetching, asked again on re-run.
COMMIT_SECONDS = 5.0
# How deep below the server's tip a top-up checks that the blocks stored are still the server's. Reorgs on a live
# chain are a block or two deep; a coinbase can be spent only after 100 blocks for that reason. Deeper blocks are
# not asked again: over Electrum the check is one request of headers, over Esplora two requests a stored block.
REORG_DEPTH = 100
# The walk stops where a trace stops (cointrail.tracing.services): what lies past a service is not on the trail.
SERVICE_CATEGORIES = TRAIL_STOP_CATEGORIES
# Litecoin's MWEB (LIP 2/3): a peg-in pays a witness version 9 output; each block's integration transaction (HogEx,
# MWEB-flagged) spends every peg-in of the block with the previous HogEx's version 8 output and pays every peg-out.
# Inside the MWEB who paid whom is hidden, and the HogEx's other inputs and outputs are other people's money: a walk
# past it would fetch strangers' peg-ins and peg-outs (on mainnet, many a block), so it stops there and says why.
MWEB_WITNESS_VERSIONS = (0x58, 0x59)  # OP_8 (HogEx's own output), OP_9 (a peg-in)
HOGEX_STOP = ("Litecoin's MWEB integration transaction (HogEx): the money passes through the MWEB privacy extension "
              "here, where who paid whom is hidden, and its other inputs and outputs are other people's peg-ins "
              "and peg-outs; the walk does not go past it")  # fmt: skip
PEG_IN_STOP = "output {vout} pays into Litecoin's MWEB (a peg-in): where the money goes from there is hidden"


class CrawlProgress(Protocol):
    def seed(self, index: int, seeds: int, address: str) -> None: ...

    def fetched(self, transactions: int) -> None: ...


class NoCrawlProgress:
    def seed(self, index: int, seeds: int, address: str) -> None:
        pass

    def fetched(self, transactions: int) -> None:
        pass


@dataclass
class CrawlReport:
    """What a crawl did; :meth:`to_dict` is the ``--json`` output."""

    chain: str
    network: str
    source: str
    seeds: list[str]
    hops: int
    max_txs_per_address: int | None
    fetched: int = 0
    already_stored: int = 0
    addresses: dict[str, dict[str, Any]] = field(default_factory=dict)
    left_out: list[dict[str, Any]] = field(default_factory=list)
    archives: list[dict[str, Any]] = field(default_factory=list)
    requests: int = 0
    requests_by_method: dict[str, int] = field(default_factory=dict)
    sessions: int = 0
    seconds: float = 0.0

    def leave_out(self, kind: str, what: str, why: str) -> None:
        item = {"kind": kind, "id": what, "why": why}
        if item not in self.left_out:
            self.left_out.append(item)

    def to_dict(self) -> dict[str, Any]:
        return {"mode": "sparse", "chain": self.chain, "network": self.network, "source": self.source,
                "seeds": self.seeds, "hops": self.hops, "max_txs_per_address": self.max_txs_per_address,
                "fetched": self.fetched, "already_stored": self.already_stored, "addresses": self.addresses,
                "left_out": self.left_out, "archives": self.archives, "requests": self.requests,
                "requests_by_method": self.requests_by_method, "sessions": self.sessions,
                "seconds": round(self.seconds, 3)}  # fmt: skip


def labelled_services(store: LedgerStore) -> set[str]:
    """Addresses the store's labels name as a service (exchange, mixer, ...): where the walk stops."""
    return label_table.labelled_addresses(store, SERVICE_CATEGORIES)


def crawl(store: LedgerStore, source: LightSource, seeds: Sequence[str], *, hops: int = 2,
          max_txs: int | None = 500, progress: CrawlProgress | None = None) -> CrawlReport:  # fmt: skip
    """Crawl around ``seeds`` into the sparse ``store`` (made sparse if new); return what was fetched and left out."""
    progress = progress or NoCrawlProgress()
    order = list(dict.fromkeys(seeds))
    report = CrawlReport(store.chain, store.network, source.name, order, hops, max_txs)
    began = time.perf_counter()
    sparse.make_sparse(store)
    headers = source.prover.chain
    headers.checked_before.update(sparse.checked_headers(store))  # their proof of work is not computed again
    source.check_network()
    check_stored_blocks(store, source)
    stored = sparse.stored_raw(store)  # a resumed crawl: what is stored is read back once, never asked again
    cache = {txid: parse_transaction(raw) for txid, raw, _ in stored}
    heights = {txid: h for txid, _, h in stored}
    stops, preloaded = labelled_services(store), set(cache)
    listings = sparse.stored_histories(store)  # what earlier crawls listed, by address; kept up as this one lists
    writes = _Writes(store, source.name, report, set(listings), headers)
    failure: BaseException | None = None
    try:
        for index, seed in enumerate(order):
            progress.seed(index, len(order), seed)
            with source.session() as session:
                report.sessions += 1
                _Walk(store, source, session, report, cache, heights, stops, max_txs, progress,
                      preloaded, listings, writes).run(seed, hops)
            if writes.due():
                writes.commit()
        writes.commit(last=True)
    except BaseException as error:
        failure = error
        if isinstance(error, Exception):
            try:
                writes.commit(last=True)  # what was proven before the error is kept (a budget spent, a server gone)
            except Exception as failed:  # the crawl's own error is the one to see; the commit's goes with it
                error.add_note(f"and keeping what was fetched before it failed too: {type(failed).__name__}: "
                               f"{failed}")  # fmt: skip
        raise
    finally:
        try:
            _finish(store, source, report, writes, order)
        except Exception as failed:
            if failure is None:
                raise
            # The store itself is gone (its connection died): the crawl's own error is still the one raised.
            failure.add_note(f"and reading back what the store holds failed too: {type(failed).__name__}: {failed}")
        report.seconds = time.perf_counter() - began
    return report


def _finish(store: LedgerStore, source: LightSource, report: CrawlReport, writes: _Writes,
            order: Sequence[str]) -> None:  # fmt: skip
    """What a crawl does however it ends: link what earlier commits wrote, if the last did not, and report."""
    if writes.deferred:  # interrupted (Ctrl-C), or the last commit failed: link what the earlier ones wrote
        sparse_links.mend(store.con, store.chain, store.network)
    report.requests, report.requests_by_method = source.budget.used, dict(source.budget.by_method)
    report.addresses = sparse.coverage(store, order)


def check_stored_blocks(store: LedgerStore, source: LightSource) -> None:
    """Refuse a top-up when the server's chain no longer holds the blocks stored near its tip (a reorg since).

    A sparse store is not rolled back as a full ingest is: it holds only the transactions around some addresses,
    and which of them the new chain keeps, and where, is not known without crawling again. So the crawl stops
    before it fetches anything (IntegrityError, exit code 1), and the store keeps what it held. Without this, a
    re-run would find its transactions stored and never ask again, silently keeping blocks that are gone.
    """
    stored = sparse.stored_blocks(store)
    if not stored:
        return
    with source.session() as session:
        tip = session.tip_height()
        for height, block_hash in stored:
            if height <= tip - REORG_DEPTH:
                break  # highest first: the rest are deeper still
            if height > tip:
                raise SourceError(f"{source.name} is at height {tip}, below block {display_hash(block_hash)} at "
                                  f"height {height} that the store {store.path} holds from an earlier crawl: the "
                                  "server is behind (still syncing) or its chain changed. Nothing was fetched and "
                                  "the store is unchanged; try again later or use another server")  # fmt: skip
            now = session.header(height).hash
            if now != block_hash:
                raise IntegrityError(
                    f"{source.name} now has block {display_hash(now)} at height {height}, but the store "
                    f"{store.path} holds block {display_hash(block_hash)} there from an earlier crawl: the chain "
                    "changed since (a reorg), and transactions stored from that block may no longer be on it. "
                    "Nothing was fetched and the store is unchanged (a sparse store is not rolled back); crawl "
                    "again into a new store (--db) to read the chain as the server now has it")  # fmt: skip


class _Writes:
    """What a crawl fetched and did not commit yet, committed together in one DuckDB transaction
    (:func:`sparse.write`): the proven transactions, each with the hop that found it, the spend checks and the
    histories listed.

    A spend check is added only once every spender it names is among the transactions (here or committed), so a
    crawl killed at any point never leaves a check saying "unspent" for a spender it had not stored. The headers
    whose proof of work was checked since go with them, so a top-up does not check them again.
    """

    def __init__(self, store: LedgerStore, source: str, report: CrawlReport, listed: set[str],
                 headers: HeaderChain) -> None:  # fmt: skip
        self.store, self.source, self.report, self.headers = store, source, report, headers
        self.listed = listed  # addresses with a listing stored: a new listing of one replaces it
        self.deferred = False  # whether a commit left links to make (sparse_links)
        self.proven: list[ProvenTransaction] = []
        self.hops: dict[bytes, int] = {}
        self.checks: list[tuple[bytes, int]] = []  # (txid, the server's tip when its spenders were asked)
        self.histories: list[tuple[Any, bool]] = []  # (history listed, expanded)
        self.since = time.monotonic()

    def add(self, proven: ProvenTransaction, hop: int) -> None:
        self.proven.append(proven)
        self.hops.setdefault(proven.tx.txid, hop)

    def due(self) -> bool:
        return len(self.proven) >= WRITE_EVERY or time.monotonic() - self.since >= COMMIT_SECONDS

    def commit(self, last: bool = False) -> None:
        """Commit what is pending; the ``last`` commit of a crawl links the store's inputs to their funders in the
        same transaction (the others leave that to it, and the store marked: :mod:`sparse_links`)."""
        proven, hops, checks, histories = self.proven, self.hops, self.checks, self.histories
        self.proven, self.hops, self.checks, self.histories = [], {}, [], []  # a failed commit is not tried again
        headers = self.headers.take_fresh()
        self.since = time.monotonic()
        if not (proven or checks or histories or headers or (last and self.deferred)):
            return
        replacing = any(h.address in self.listed for h, _ in histories)
        self.report.fetched += sparse.write(self.store, self.source, proven, hops, spend_checks=checks,
                                            histories=histories, link=last, replacing=replacing,
                                            headers=headers)  # fmt: skip
        self.listed.update(h.address for h, _ in histories)
        self.deferred = not last


class _Walk:
    """One seed's walk in one session."""

    def __init__(self, store: LedgerStore, source: LightSource, session: LightSession, report: CrawlReport,
                 cache: dict[bytes, Transaction], heights: dict[bytes, int], stops: set[str], max_txs: int | None,
                 progress: CrawlProgress, preloaded: set[bytes],
                 listings: dict[str, tuple[dict[str, Any], list[tuple[bytes, int]]]],
                 writes: _Writes) -> None:  # fmt: skip
        self.store, self.source, self.session, self.report = store, source, session, report
        self.cache, self.heights, self.stops, self.max_txs, self.progress = cache, heights, stops, max_txs, progress
        self.writes = writes
        self.tip = 0  # the server's tip at the last history listed (no extra request for it)
        self.stopped: set[bytes] = set()  # transactions paying from or to a labelled service: no hop past them
        self.listed: dict[str, list[HistoryEntry]] = {}
        self.preloaded = preloaded
        self.listings = listings

    def run(self, seed: str, hops: int) -> None:
        level = self.fetch_all(self.history(seed), 0)
        back, forward = level, level
        for hop in range(1, hops + 1):
            back = self.funders(back, hop)
            forward = self.spenders(forward, hop)

    # -- histories

    def history(self, address: str) -> list[HistoryEntry]:
        if address in self.listed:
            return self.listed[address]
        self.listed[address] = entries = self._history(address)
        return entries

    def _history(self, address: str) -> list[HistoryEntry]:
        if address in self.stops:
            self.report.leave_out("address", address, "labelled as a service: the walk stops there")
            return []
        tip = self.tip = self.session.tip_height()
        stored = self.listings.get(address)
        if stored is not None and stored[0]["tip_height"] == tip:  # a resumed crawl: listed at this tip already
            coverage, entries = stored
            if not coverage["expanded"]:
                self.report.leave_out("address", address, str(coverage["truncated"]))
                return []
            return [HistoryEntry(t, h) for t, h in entries]
        try:
            history = self.session.history(address, self.max_txs)
        except BudgetExhausted:
            raise
        except SourceError as error:
            self.report.leave_out("address", address, str(error))
            return []
        self.writes.histories.append((history, history.complete))
        self.listings[address] = ({"complete": history.complete, "tip_height": history.tip_height,
                                   "truncated": history.truncated, "server_count": history.server_count,
                                   "expanded": history.complete},
                                  [(e.txid, e.height) for e in _in_order(history.entries)])  # fmt: skip
        if not history.complete:
            self.report.leave_out("address", address, f"{history.truncated}: recorded, not expanded")
            return []
        return _in_order(history.entries)

    def script_history(self, output: TxOut) -> list[HistoryEntry]:
        """The history of an output script with no address (P2PK, bare multisig), for its spenders: the server
        indexes it as any script. Not kept as a listing (those are an address's coverage); an OP_RETURN is
        unspendable and not asked."""
        script = output.script_pubkey
        if script[:1] == b"\x6a":
            return []
        key = "script:" + script.hex()
        if key in self.listed:
            return self.listed[key]
        try:
            history = self.session.script_history(script, self.max_txs)
        except BudgetExhausted:
            raise
        except SourceError as error:
            history = None
            self.report.leave_out("script", script.hex(), str(error))
        if history is not None and not history.complete:
            self.report.leave_out("script", script.hex(), f"{history.truncated}: not expanded")
        self.listed[key] = entries = _in_order(history.entries) if history is not None and history.complete else []
        return entries

    # -- transactions

    def fetch_all(self, entries: Iterable[HistoryEntry], hop: int) -> list[Transaction]:
        found = []
        for entry in entries:
            if entry.height <= 0:
                self.report.leave_out("transaction", display_hash(entry.txid), "in the mempool: not confirmed yet")
                continue
            tx = self.fetch(entry.txid, hop, entry.height)
            if tx is not None:
                found.append(tx)
        return found

    def fetch(self, txid: bytes, hop: int, height: int | None = None, vout: int | None = None) -> Transaction | None:
        if txid in self.cache:
            if txid in self.preloaded:
                self.preloaded.discard(txid)
                self.report.already_stored += 1
            return self.cache[txid]
        try:
            proven = self.session.transaction(txid, height, vout)
        except BudgetExhausted:
            raise
        except SourceError as error:
            self.report.leave_out("transaction", display_hash(txid), str(error))
            return None
        if not proven.confirmed:
            self.report.leave_out("transaction", display_hash(txid), "in the mempool: not confirmed yet")
            return None
        self.cache[txid], self.heights[txid] = proven.tx, int(proven.height or 0)
        self.writes.add(proven, hop)
        self.progress.fetched(1)
        if self.writes.due():
            self.writes.commit()
        return proven.tx

    # -- hops

    def _address(self, tx: Transaction, vout: int) -> str | None:
        return _address_of(tx.outputs[vout].script_pubkey, self.store.chain, self.store.network)

    def _hidden(self, tx: Transaction) -> bool:
        """True for a Litecoin HogEx: the walk stops at it (the store keeps it), and the report says why."""
        if not (tx.has_mweb and self.store.chain == "litecoin"):
            return False
        self.report.leave_out("transaction", display_hash(tx.txid), HOGEX_STOP)
        return True

    def _pegged_in(self, tx: Transaction) -> set[int]:
        """The outputs of ``tx`` paying into Litecoin's MWEB (peg-ins, and a HogEx's own output), recorded as such."""
        if self.store.chain != "litecoin":
            return set()
        into = {v for v, out in enumerate(tx.outputs) if _mweb_script(out.script_pubkey)}
        for vout in sorted(into):
            self.report.leave_out("transaction", display_hash(tx.txid), PEG_IN_STOP.format(vout=vout))
        return into

    def funders(self, level: list[Transaction], hop: int) -> list[Transaction]:
        """The transactions funding the inputs of ``level``; those paying a labelled service stop the walk."""
        found: dict[bytes, Transaction] = {}
        for tx in level:
            if tx.txid in self.stopped or self._hidden(tx):
                continue
            for txin in tx.inputs:
                if txin.is_coinbase or txin.prev_txid in found:
                    continue
                funder = self.fetch(txin.prev_txid, hop, None, txin.prev_vout)
                if funder is None:
                    continue
                if self._address(funder, txin.prev_vout) in self.stops:
                    self.stopped.add(funder.txid)
                found[funder.txid] = funder
        return list(found.values())

    def spenders(self, level: list[Transaction], hop: int) -> list[Transaction]:
        """The transactions spending the outputs of ``level``."""
        found: dict[bytes, Transaction] = {}
        for tx in level:
            if tx.txid in self.stopped or self._hidden(tx):
                continue
            for spender in self._spenders_of(tx, hop):
                found.setdefault(spender.txid, spender)
        return list(found.values())

    def _spenders_of(self, tx: Transaction, hop: int) -> list[Transaction]:
        try:
            outspends = self.session.outspends(tx)
        except BudgetExhausted:
            raise
        except SourceError as error:
            self.report.leave_out("transaction", display_hash(tx.txid), f"its spends: {error}")
            return []
        into = self._pegged_in(tx)
        if outspends is not None:
            spent = list(dict.fromkeys(o.spender for o in outspends if o.spender is not None and o.vout not in into))
            found = [t for t in (self.fetch(s, hop) for s in spent) if t is not None]
            if len(found) == len(spent) and not into:  # every spender stored: one without is known unspent
                self.writes.checks.append((tx.txid, self.tip))
            return found
        spenders = []
        for vout in range(len(tx.outputs)):  # the server cannot say: the histories of the scripts paid
            if vout in into:
                continue
            address = self._address(tx, vout)
            if address in self.stops:
                self.stopped.add(tx.txid)
                continue
            listed = self.history(address) if address is not None else self.script_history(tx.outputs[vout])
            later = [e for e in listed if e.height >= self.heights.get(tx.txid, 0)]
            for candidate in self.fetch_all(later, hop):
                if any(i.prev_txid == tx.txid and i.prev_vout == vout for i in candidate.inputs):
                    spenders.append(candidate)
        return spenders


# The address of an output script, decoded once: the walk asks for the same outputs' addresses at every hop
# (funders, spenders, services; 473 encodings, bech32 checksums and base58, in the benchmark's crawl of 57
# transactions). A pure function of (script, chain, network), so a bounded cache shared by every crawl.
_address_of = functools.lru_cache(maxsize=1 << 16)(address_for_script)


def _mweb_script(script: bytes) -> bool:
    """A Litecoin output script of witness version 8 or 9 (MWEB's HogEx output, a peg-in)."""
    return len(script) >= 4 and script[0] in MWEB_WITNESS_VERSIONS and script[1] == len(script) - 2


def _in_order(entries: Iterable[HistoryEntry]) -> list[HistoryEntry]:
    """A history as the walk takes it, and as a stored listing is read back: by height, then txid."""
    return sorted(entries, key=lambda e: (e.height, e.txid))
