"""``watch run``: follow a node's tip, ingest each new block, raise the case's alerts, deliver them.

Each step: ask the node for its tip (a poll; one ``getbestblockhash``-sized call, so watching costs the node
almost nothing between blocks); when it moved, ingest what is new into the store (the ingest pipeline verifies
every block and rolls back to the fork point after a reorg), withdraw the alerts whose block left the chain, look
at the new blocks (:func:`cointrail.watch.scan.scan`), keep the new alerts in the case, and deliver what the
outbox owes.

Where it has looked is kept in ``work/watch/cursor.json`` (the hashes of the last blocks looked at, so a reorg
while no run was going is found too). It is only a bookmark: a lost or stale one makes the next run look at some
blocks again, and the alerts they give are already kept (same id), so none is raised twice.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cointrail.cases import Case
from cointrail.cases.custody import utc_now
from cointrail.chains.bitcoin.model import display_hash
from cointrail.errors import ExternalServiceError, InputError
from cointrail.labels.investigator import restore_case_labels
from cointrail.store.duckdb import sparse
from cointrail.store.duckdb.store import LedgerStore, StoreInUseError
from cointrail.watch.alerts import WITHDRAWN, Alert, case_alerts, keep_alert, live
from cointrail.watch.deliver import Outbox
from cointrail.watch.follow import Follower
from cointrail.watch.scan import DEFAULT_MAX_HOPS, WatchState, scan
from cointrail.watch.watchlist import Watch, case_watches

StoreOpener = Callable[[], AbstractContextManager[LedgerStore]]
REMEMBERED_BLOCKS = 200  # hashes the cursor keeps: a reorg deeper than this is looked at again from the fork
SCAN_CHUNK = 500  # blocks looked at per step, so a run catching up keeps its cursor moving
ONCE_WAITS_SECONDS = 30.0  # how long `--once` waits for a store another process holds open
MAX_PAUSE_SECONDS = 60.0  # the longest wait between tries while the node does not answer


@dataclass
class RunOptions:
    """How a run behaves: poll interval, how far money is followed, where a first run starts, whether it stops."""

    poll_seconds: float = 1.0
    max_hops: int = DEFAULT_MAX_HOPS
    from_height: int | None = None  # a first run: the first block to look at (default: the tip when it starts)
    once: bool = False  # catch up with the tip, deliver, and stop (for cron, and for a check by hand)
    health_seconds: float = 60.0


@dataclass
class CaseLog:
    """What one step needs of the custody log: the watches now and every alert kept (withdrawals included)."""

    watches: list[Watch]
    alerts: list[Alert]


@dataclass
class RunSummary:
    """What a run did; :meth:`to_json` is ``watch run --json``'s last line."""

    case: str
    started_utc: str
    blocks_ingested: int = 0
    blocks_looked_at: int = 0
    alerts: list[Alert] = field(default_factory=list)
    withdrawn: int = 0
    delivered: int = 0
    tip: int | None = None
    rolled_back: list[dict[str, Any]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"case": self.case, "started_utc": self.started_utc, "blocks_ingested": self.blocks_ingested,
                "blocks_looked_at": self.blocks_looked_at, "alerts_raised": len(self.alerts),
                "urgent": sum(a.urgent for a in self.alerts), "withdrawn": self.withdrawn,
                "delivered": self.delivered, "tip": self.tip, "rolled_back": self.rolled_back,
                "alerts": [a.to_json() for a in self.alerts]}  # fmt: skip


class Cursor:
    """The blocks a case's runs have looked at: the last ones' hashes by height (``work/watch/cursor.json``)."""

    def __init__(self, path: Path):
        self.path = path
        self.hashes: dict[int, str] = {}
        if path.exists():
            try:
                self.hashes = {int(h): v for h, v in json.loads(path.read_text())["hashes"].items()}
            except (ValueError, KeyError, TypeError):  # a damaged bookmark: look again from the first run's start
                self.hashes = {}

    @property
    def height(self) -> int | None:
        return max(self.hashes) if self.hashes else None

    def agreed(self, hash_now: Callable[[int], str | None]) -> int | None:
        """The highest height looked at whose block the chain still holds (None: no block looked at still is);
        asked from the top down, so the usual answer (no reorg) costs one question."""
        for height in sorted(self.hashes, reverse=True):
            if hash_now(height) == self.hashes[height]:
                return height
        return None

    def advance(self, looked_at: dict[int, str], lo: int) -> None:
        """Record the blocks looked at from ``lo`` on (height: hash), and write the bookmark (atomically)."""
        self.hashes = {h: v for h, v in self.hashes.items() if h < lo}
        self.hashes.update(looked_at)
        for old in sorted(self.hashes)[:-REMEMBERED_BLOCKS]:
            del self.hashes[old]
        self.path.parent.mkdir(parents=True, exist_ok=True)
        partial = self.path.with_suffix(".partial")
        partial.write_text(json.dumps({"hashes": {str(h): v for h, v in sorted(self.hashes.items())}}))
        os.replace(partial, self.path)


def cursor_of(case: Case) -> Cursor:
    return Cursor(case.work / "watch" / "cursor.json")


class WatchRun:
    """One ``watch run`` over a case, its store and the chain it follows; :meth:`run` loops until stopped."""

    def __init__(self, case: Case, open_store: StoreOpener, source: Follower, outbox: Outbox,
                 options: RunOptions | None = None, health: Callable[[str], None] | None = None,
                 stop: threading.Event | None = None, on_alert: Callable[[Alert], None] | None = None):  # fmt: skip
        self.case, self.open_store, self.source, self.outbox = case, open_store, source, outbox
        self._store: LedgerStore | None = None  # open only while a step uses it (the workspace reads it between)
        self.options = options or RunOptions()
        self.health = health or (lambda line: None)
        self.stop = stop or threading.Event()
        self.on_alert = on_alert or (lambda alert: None)
        self.cursor = cursor_of(case)
        self.summary = RunSummary(case.name, utc_now())
        self._watch_ids: tuple[str, ...] | None = None
        self._state: WatchState | None = None
        self._last_health = 0.0
        self._seen_tip: str | None = None
        self._first_start = 0
        self._started = False

    @property
    def store(self) -> LedgerStore:
        assert self._store is not None, "the store is open only during a step"
        return self._store

    @contextmanager
    def _opened(self) -> Iterator[LedgerStore]:
        with self.open_store() as store:
            self._store = store
            try:
                yield store
            finally:
                self._store = None

    def run(self) -> RunSummary:
        """Follow the tip until :attr:`stop` is set (SIGTERM, Ctrl-C) or, with ``once``, until caught up."""
        failures, began = 0, time.monotonic()
        while not self.stop.is_set():
            try:
                if not self._started:
                    self._start_run()
                self.step()
                failures, pause = 0, self.options.poll_seconds
                if self.options.once:
                    break
            except (ExternalServiceError, StoreInUseError) as error:  # a network drop, a node restarting, the
                if self._gives_up(error, began):                       # store open elsewhere: wait, then go on
                    raise
                failures += 1
                pause = min(self.options.poll_seconds * 2**failures, MAX_PAUSE_SECONDS)
                reconnect = getattr(self.source, "reconnect", None)
                if reconnect is not None and isinstance(error, ExternalServiceError):
                    self._reconnect(reconnect)
                self.health(f"{utc_now()[:19]}Z watch {self.case.name}: {error}; trying again in {pause:.1f} s")
            self.stop.wait(pause)
        return self.summary

    def _reconnect(self, reconnect: Callable[[], None]) -> None:
        """Connect to the node again before the next try (it may have restarted with new credentials)."""
        try:
            reconnect()
        except (ExternalServiceError, InputError) as error:  # its cookie file missing while it restarts: next try
            self.health(f"{utc_now()[:19]}Z watch {self.case.name}: cannot connect yet ({error})")

    def _gives_up(self, error: Exception, began: float) -> bool:
        """A run that follows the tip never gives up; ``once`` waits only for the store (the workspace lets go of
        it within seconds), up to :data:`ONCE_WAITS_SECONDS`."""
        if not self.options.once:
            return False
        return not isinstance(error, StoreInUseError) or time.monotonic() - began > ONCE_WAITS_SECONDS

    def _start_run(self) -> None:
        """Check the node serves the store's chain, bring the case's own labels in, and fix a first run's start."""
        with self._opened() as store:
            self.source.check_network(store)
            restore_case_labels(self.case, store)  # the investigator's own labels name exchanges in alerts too
            if self.cursor.height is None:
                start = self.options.from_height
                if start is None:
                    tip = store.tip()
                    start = (tip[0] if tip else self.source.tip()[0]) + 1
                self._first_start = start
        self._started = True

    def step(self) -> None:
        """One look: ingest what is new, withdraw what a reorg removed, raise new alerts, deliver."""
        tip_height, tip_hash = self.source.tip()
        moved = tip_hash != self._seen_tip
        if moved:
            with self._opened():
                self._new_blocks(tip_height)
            self._seen_tip = tip_hash
        self.summary.delivered += self.outbox.flush()
        now = time.monotonic()
        if moved or now - self._last_health >= self.options.health_seconds:
            self._last_health = now
            self.health(self.health_line())

    def _new_blocks(self, chain_tip: int) -> None:
        log = self._read_log()  # once per step: each read re-checks the whole hash chain
        stored = self.store.tip()
        before = self._state_now(log, rebuild=False, tip=stored[0] if stored else -1)  # what a light server is asked
        report = self.source.catch_up(self.store, before.addresses())
        self.summary.blocks_ingested += report.blocks
        self.summary.rolled_back += report.rolled_back
        stored = self.store.tip()
        if stored is None:
            return
        # A sparse store holds only the blocks of the transactions fetched: look up to the chain's tip.
        tip = chain_tip if sparse.is_sparse(self.store) else stored[0]
        self.summary.tip = tip
        if self.cursor.height is None and 0 < self._first_start <= tip + 1:
            # A first run: the block below its start counts as looked at, so a reorg of the blocks it then looks
            # at is found by the cursor like any other.
            anchor = self._first_start - 1
            self.cursor.advance(self.source.hashes(self.store, anchor, anchor), anchor)
        withdrawn = self._withdraw(log.alerts, tip)
        # Address ids above a fork point were given again by the new chain: the tracked ones are looked up again.
        state = self._state_now(log, rebuild=bool(withdrawn) or bool(report.rolled_back), tip=stored[0])
        lo = self._start()
        known = {a.alert_id for a in log.alerts}
        while lo <= tip and not self.stop.is_set():
            hi = min(lo + SCAN_CHUNK - 1, tip)
            for alert in scan(state, self.case.name, lo, hi, known):
                self._raise(alert)
                known.add(alert.alert_id)
            self.cursor.advance(self.source.hashes(self.store, lo, hi), lo)
            self.summary.blocks_looked_at += hi - lo + 1
            lo = hi + 1

    def _read_log(self) -> CaseLog:
        """The case's watches and alerts, from one read of its custody log."""
        entries = self.case.log.entries()
        return CaseLog(case_watches(self.case, entries), case_alerts(self.case, entries))

    def _raise(self, alert: Alert) -> None:
        """Keep ``alert`` as evidence, count it, and hand it on."""
        keep_alert(self.case, alert)
        self.summary.alerts.append(alert)
        self.on_alert(alert)

    def _start(self) -> int:
        """The first block not yet looked at on the store's chain."""
        agreed = self.cursor.agreed(lambda height: self.source.hash_now(self.store, height))
        if agreed is not None:
            return agreed + 1
        if self.cursor.height is not None:  # a reorg deeper than the cursor remembers: look again from its start
            return min(self.cursor.hashes)
        return self._first_start

    def _withdraw(self, alerts: list[Alert], tip: int) -> list[Alert]:
        """Withdraw each live alert whose block is gone from the chain followed; the follow-ups, also added to
        ``alerts``."""
        follow_ups = [alert.withdrawal(tip) for alert in self._gone(live(alerts))]
        for follow_up in follow_ups:
            self._raise(follow_up)
        self.summary.withdrawn += len(follow_ups)
        alerts += follow_ups
        return follow_ups

    def _gone(self, alerts: list[Alert]) -> list[Alert]:
        """The ``alerts`` whose block the store no longer holds at its height."""
        if not alerts:
            return []
        stored = self.store.hashes_between(min(a.height for a in alerts), max(a.height for a in alerts))
        return [a for a in alerts if a.height not in stored or display_hash(stored[a.height]) != a.block_hash]

    def _state_now(self, log: CaseLog, rebuild: bool, tip: int) -> WatchState:
        """The tracked addresses: rebuilt when the watches changed or alerts were withdrawn, else kept."""
        ids = tuple(w.watch_id for w in log.watches)
        if self._state is None or rebuild or ids != self._watch_ids:
            state = WatchState(self.store, log.watches, self.options.max_hops)
            state.resolve(0, tip)
            for alert in live(log.alerts):
                state.absorb(alert)
            self._state, self._watch_ids = state, ids
        self._state.store = self.store  # the state outlives a step; the store is opened again for each
        return self._state

    def health_line(self) -> str:
        """One line for a supervisor's log: tip, what is watched, alerts, deliveries owed."""
        state = self._state
        tracked = state.watched_count if state else 0
        raised = [a for a in self.summary.alerts if a.kind != WITHDRAWN]
        waiting = self.outbox.waiting()
        errors = self.outbox.describe_errors()
        return (f"{utc_now()[:19]}Z watch {self.case.name}: tip {self.summary.tip}, {tracked} addresses tracked, "
                f"{len(raised)} alerts this run ({sum(a.urgent for a in raised)} urgent, {self.summary.withdrawn} "
                f"withdrawn), {waiting} waiting for delivery" + (f"; {errors}" if errors else ""))  # fmt: skip
