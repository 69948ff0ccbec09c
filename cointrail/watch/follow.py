"""What a watch run follows: a node's chain (every block ingested) or a light server (only around the tracked
addresses, into a sparse store).

A :class:`Follower` says where the chain's tip is, brings the case's store up to it, and says which block is at a
height now (so the run's bookmark finds a reorg). :class:`NodeFollower` ingests every new block through the
verified pipeline, rolling back after a reorg. :class:`LightFollower` asks an Electrum or Esplora server for the
history of each tracked address again at the new tip, each in its own session (through Tor its own circuit: the
server never sees a case's addresses together), proves every new transaction (txid, merkle proof, proof of work)
and keeps every request and answer as a WARC in the case's evidence, as ``ingest --electrum`` does. A sparse store
is not rolled back: after a reorg the light follower refuses to go on (the crawl's check), saying so.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from cointrail.cases import Case
from cointrail.chains.bitcoin.model import display_hash
from cointrail.chains.bitcoin.sources.interface import BlockSource
from cointrail.chains.bitcoin.sources.light import LightSource
from cointrail.ingest.pipeline import ingest
from cointrail.store.duckdb.store import LedgerStore

# A tracked address with more transactions than this is a service's: recorded as truncated, not followed.
LIGHT_MAX_TXS = 500


@dataclass
class CatchUp:
    """What bringing the store up to the tip did."""

    blocks: int = 0  # blocks ingested (a node), or transactions fetched (a light server)
    rolled_back: list[dict[str, Any]] = field(default_factory=list)
    archives: list[str] = field(default_factory=list)  # evidence files of what a light server answered


class Follower(Protocol):
    """A chain a watch run follows."""

    @property
    def name(self) -> str: ...

    def check_network(self, store: LedgerStore) -> None: ...

    def tip(self) -> tuple[int, str]:
        """The chain's tip: height and block hash (as explorers show it)."""
        ...

    def catch_up(self, store: LedgerStore, addresses: list[str]) -> CatchUp:
        """Bring ``store`` up to the tip, at least around ``addresses`` (the tracked ones)."""
        ...

    def hashes(self, store: LedgerStore, lo: int, hi: int) -> dict[int, str]:
        """Block hashes of heights ``lo..hi`` to remember as looked at (all of them, or the top one)."""
        ...

    def hash_now(self, store: LedgerStore, height: int) -> str | None:
        """The block at ``height`` on the chain as followed now (None: not there)."""
        ...

    def close(self) -> None: ...


class NodeFollower:
    """A node's JSON-RPC: every new block ingested into a full store.

    ``connect`` (given) makes the source again after a failure: a node that restarted has a new ``.cookie``, so
    the credentials read at the start no longer open it.
    """

    def __init__(self, source: BlockSource, close: Any = None, connect: Callable[[], BlockSource] | None = None):
        self.source = source
        self._close = close
        self._connect = connect

    def reconnect(self) -> None:
        """Make the source again (re-reading the node's cookie), if this follower knows how."""
        if self._connect is not None:
            fresh = self._connect()  # first: if it fails, the old source is still there for the next try
            self.close()
            self.source = fresh
            self._close = getattr(getattr(fresh, "rpc", None), "close", None)

    @property
    def name(self) -> str:
        return self.source.name

    def check_network(self, store: LedgerStore) -> None:
        self.source.check_network(store.chain, store.network)

    def tip(self) -> tuple[int, str]:
        height = self.source.tip_height()
        return height, display_hash(self.source.hashes([height])[0])

    def catch_up(self, store: LedgerStore, addresses: list[str]) -> CatchUp:
        report = ingest(store, self.source)
        return CatchUp(report.blocks, report.rolled_back)

    def hashes(self, store: LedgerStore, lo: int, hi: int) -> dict[int, str]:
        return {h: display_hash(v) for h, v in store.hashes_between(lo, hi).items()}

    def hash_now(self, store: LedgerStore, height: int) -> str | None:
        found = store.hash_at(height)
        return display_hash(found) if found is not None else None

    def close(self) -> None:
        if self._close is not None:
            self._close()


class LightFollower:
    """An Electrum or Esplora server: the tracked addresses' histories asked again at each new tip."""

    def __init__(self, source: LightSource, case: Case, chain: str, network: str, proxy: str | None = None):
        self.source, self.case = source, case
        self.chain, self.network, self.proxy = chain, network, proxy

    @property
    def name(self) -> str:
        return self.source.name

    def check_network(self, store: LedgerStore) -> None:
        self.source.check_network()

    def tip(self) -> tuple[int, str]:
        with self.source.session() as session:
            height = session.tip_height()
            return height, display_hash(session.header(height).hash)

    def catch_up(self, store: LedgerStore, addresses: list[str]) -> CatchUp:
        from cointrail.chains.bitcoin.sources.archive import case_archive
        from cointrail.ingest.crawl import crawl

        with case_archive(self.case, self.source.name, self.chain, self.network, self.proxy) as archive:
            self.source.recorder = archive.recorder  # type: ignore[attr-defined]
            try:
                report = crawl(store, self.source, addresses, hops=1, max_txs=LIGHT_MAX_TXS)
            finally:
                self.source.recorder = type(archive.recorder)()  # type: ignore[attr-defined]
        return CatchUp(report.fetched, [], [self.case.relative(archive.path)] if archive.path else [])

    def hashes(self, store: LedgerStore, lo: int, hi: int) -> dict[int, str]:
        found = self.hash_now(store, hi)  # a sparse store holds only some blocks: remember the top one
        return {hi: found} if found else {}

    def hash_now(self, store: LedgerStore, height: int) -> str | None:
        with self.source.session() as session:
            if height > session.tip_height():
                return None
            return display_hash(session.header(height).hash)

    def close(self) -> None:
        close = getattr(self.source, "close", None)
        if close is not None:
            close()
