"""``watch run`` on Ethereum: a node's new blocks around the watched accounts, into the case's account store.

Each new tip: the blocks since the last look that touch a watched account are read case-scoped (``trace_filter``
for ether, ``eth_getLogs`` on the listed tokens: :func:`cointrail.ingest.evm.ingest_evm`; blocks not final when
read are checked again and read again after a reorg), then :func:`cointrail.watch.account_scan.account_scan`
raises the alerts. An alert whose block the node no longer has is withdrawn, as on a Bitcoin-family chain. The
run loop, the bookmark, the outbox and the health line are :class:`~cointrail.watch.run.WatchRun`'s.
"""

from __future__ import annotations

from typing import Any

from cointrail.addresses.account import tron_to_hex
from cointrail.chains.ethereum.sources.rpc import EvmRpcSource
from cointrail.ingest.evm import ingest_evm, ingest_token_logs
from cointrail.labels.investigator import case_labels
from cointrail.store.duckdb.account import AccountStore
from cointrail.watch.account_scan import account_scan
from cointrail.watch.alerts import Alert
from cointrail.watch.follow import CatchUp
from cointrail.watch.run import WatchRun
from cointrail.watch.watchlist import Watch


class EvmFollower:
    """An Ethereum node's JSON-RPC, read case-scoped around the watched accounts."""

    def __init__(self, source: EvmRpcSource):
        self.source = source

    @property
    def name(self) -> str:
        return self.source.url

    def check_network(self, store: Any) -> None:
        """Nothing to check beyond what ingest checks: the store records the node's chain id with each read."""

    def tip(self) -> tuple[int, str]:
        height = self.source.tip()
        return height, str(self.source.block_hash(height))

    def catch_up(self, store: AccountStore, addresses: list[str], start: int = 0) -> CatchUp:
        tip = self.source.tip()
        if start > tip or not addresses:
            return CatchUp()
        if store.chain == "tron":  # Tron's Ethereum-style JSON-RPC: the listed tokens' logs only, not verifiable
            return CatchUp(ingest_token_logs(store, self.source, addresses, start=start, end=tip).blocks_new)
        report = ingest_evm(store, self.source, start=start, end=tip, around=addresses)
        return CatchUp(report.blocks_new)

    def hashes(self, store: Any, lo: int, hi: int) -> dict[int, str]:
        found = self.source.block_hash(hi)  # a case-scoped store holds only some blocks: remember the top one
        return {hi: found} if found else {}

    def hash_now(self, store: Any, height: int) -> str | None:
        return self.source.block_hash(height)

    def close(self) -> None:
        self.source.close()


def _watched_accounts(watches: list[Watch]) -> dict[str, tuple[str, ...]]:
    found: dict[str, set[str]] = {}
    for watch in watches:
        for address in watch.addresses:
            if address.lower().startswith("0x"):
                found.setdefault(address.lower(), set()).add(watch.watch_id)
            elif address.startswith("T"):  # Tron: the store keeps accounts in the 0x form its JSON-RPC gives
                found.setdefault("0x" + tron_to_hex(address)[2:], set()).add(watch.watch_id)
    return {a: tuple(sorted(w)) for a, w in found.items()}


def _stored_form(address: str) -> str:
    return "0x" + tron_to_hex(address)[2:] if address.startswith("T") else address.lower()


class AccountWatchRun(WatchRun):
    """:class:`WatchRun` over an account store and an :class:`EvmFollower`."""

    def __init__(self, case: Any, open_store: Any, source: EvmFollower, *args: Any, **kwargs: Any):
        super().__init__(case, open_store, source, *args, **kwargs)  # type: ignore[arg-type]
        self.evm = source
        self._watched: dict[str, tuple[str, ...]] = {}

    def _start_run(self) -> None:
        with self._opened() as store:
            self._restore_labels(store)  # type: ignore[arg-type]
            if self.cursor.height is None:
                start = self.options.from_height
                if start is None:
                    covered = store.covered_to()  # type: ignore[attr-defined]
                    start = (covered if covered is not None else self.evm.tip()[0]) + 1
                self._first_start = start
        self._started = True

    def _restore_labels(self, store: AccountStore) -> None:
        """The investigator's own labels of this chain's accounts, into the store (they name exchanges)."""
        rows = [(_stored_form(label.address), label.label, label.category or "", label.source,
                 label.confidence.value) for label in case_labels(self.case)
                if label.address.lower().startswith("0x") or label.address.startswith("T")]  # fmt: skip
        if rows:
            store.add_labels(rows)

    def _new_blocks(self, chain_tip: int) -> None:
        store: AccountStore = self.store  # type: ignore[assignment]
        log = self._read_log()
        watched = _watched_accounts(log.watches)
        self._watched = watched
        if self.cursor.height is None and self._first_start > 0:
            anchor = self._first_start - 1  # a first run: the block below its start counts as looked at
            self.cursor.advance(self.evm.hashes(store, anchor, anchor), anchor)
        lo = self._start()
        self.summary.blocks_ingested += self.evm.catch_up(store, list(watched), lo).blocks
        self.summary.tip = chain_tip
        self._withdraw(log.alerts, chain_tip)
        known = {a.alert_id for a in log.alerts}
        if lo <= chain_tip:
            for alert in account_scan(store, self.case.name, watched, lo, chain_tip, known, self.evm.source.block_hash):
                self._raise(alert)
            self.cursor.advance(self.evm.hashes(store, lo, chain_tip), lo)
            self.summary.blocks_looked_at += chain_tip - lo + 1

    def _gone(self, alerts: list[Alert]) -> list[Alert]:
        """The ``alerts`` whose block the node no longer has at its height (the store keeps no block hashes)."""
        return [a for a in alerts if self.evm.hash_now(self.store, a.height) != a.block_hash]

    def health_line(self) -> str:
        line = super().health_line()
        return line.replace(" 0 addresses tracked", f" {len(self._watched)} accounts watched")
