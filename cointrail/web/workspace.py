"""The workspace a server works on: the cases folder, who operates, and the open ledger stores.

Each case's ledger store (``work/ledger.duckdb``) is opened read-only when a request needs it and kept open
while requests use it; every request gets its own DuckDB cursor on it, so requests and background jobs run side
by side without sharing a connection. A store no request has used for :data:`IDLE_RELEASE_SECONDS` is closed:
DuckDB lets one process write a file only while no other holds it open, and ``cointrail watch run`` and
``cointrail ingest`` write the case's store while the workspace is open. Everything the workspace writes goes
into a case through the case's write-once evidence and custody-log API; the one thing it also gives a store is the
case's own investigator labels (as ``cointrail label rebuild`` does), rebuilt from that evidence, and only while no
other process has the store open.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from cointrail.amounts import unit_of
from cointrail.cases import Case, cases_root, create_case, list_cases, open_case
from cointrail.errors import InputError
from cointrail.investigation import Investigation, case_store
from cointrail.labels.investigator import restore_case_labels
from cointrail.store.duckdb.store import AccountStoreError, DamagedStoreError, LedgerStore, StoreInUseError
from cointrail.web.request_case import for_one_request

IDLE_RELEASE_SECONDS = 2.0  # a store unused this long is closed, so another process can write it
LABEL_WAIT_SECONDS = 5.0  # how long giving labels to a store waits for this workspace's own requests and jobs


class _Held:
    """An open store, how many requests use it now, and when the last one ended."""

    def __init__(self, store: LedgerStore):
        self.store = store
        self.users = 0
        self.released = time.monotonic()


class Workspace:
    """The cases folder served, the operator recorded in custody logs, and the case opened first."""

    def __init__(self, root: str | Path | None = None, operator: str | None = None, case: str | None = None):
        self.root = cases_root(root)
        self.operator = operator
        self.default_case = case
        self._stores: dict[Path, _Held] = {}
        self._identity: dict[Path, tuple[str, str]] = {}  # chain and network of each store seen: they never change
        self._lock = threading.Lock()
        self._closing = threading.Event()
        threading.Thread(target=self._release_idle, name="cointrail-store-release", daemon=True).start()
        if case is not None:
            open_case(case, self.root)  # a clear error now rather than on the first page

    def cases(self) -> list[dict[str, Any]]:
        """Every case in the folder, with who opened it and when."""
        return list_cases(self.root)

    def case(self, name: str) -> Case:
        """An existing case, or a plain-words :class:`InputError`; its custody log is read once for as long as the
        caller (one request) holds it (:mod:`cointrail.web.request_case`)."""
        return for_one_request(open_case(name, self.root, self.operator))

    def create(self, name: str, operator: str | None = None) -> Case:
        """A new case (its first custody-log entry names ``operator`` or the workspace's)."""
        return create_case(name.strip(), self.root, operator or self.operator)

    def has_store(self, case: Case) -> bool:
        """Whether the case has its ledger store (work/ledger.duckdb)."""
        return case_store(case).is_file()

    def chain(self, name: str) -> str | None:
        """The chain of the case's store (``litecoin``); None before it has a store."""
        path = case_store(self.case(name))
        try:
            if not path.is_file():
                return None
            if path not in self._identity:
                with self._held(path):
                    pass
            return self._identity[path][0]
        except DamagedStoreError:  # the page says so where it needs the store; its frame still renders
            return None

    def unit(self, name: str) -> str:
        """The unit the case's amounts are in (LTC for a Litecoin store); "coins" before it has a store."""
        chain = self.chain(name)
        return unit_of(chain).symbol if chain else "coins"

    @contextmanager
    def _held(self, path: Path) -> Iterator[LedgerStore]:
        """The open store at ``path`` (opened read-only if it is not), held open until the block ends."""
        with self._lock:
            held = self._stores.get(path)
            if held is None:
                held = self._stores[path] = _Held(LedgerStore.open(path, read_only=True))
                self._identity[path] = (held.store.chain, held.store.network)
            held.users += 1
        try:
            yield held.store
        finally:
            with self._lock:
                held.users -= 1
                held.released = time.monotonic()

    def _release_idle(self) -> None:
        while not self._closing.wait(IDLE_RELEASE_SECONDS / 4):
            with self._lock:
                idle = [p for p, h in self._stores.items()
                        if h.users == 0 and time.monotonic() - h.released >= IDLE_RELEASE_SECONDS]  # fmt: skip
                for path in idle:
                    self._stores.pop(path).store.close()

    def require_store(self, case: Case) -> Path:
        """The case's ledger store file, or a plain-words error naming the commands that make it."""
        path = case_store(case)
        if not path.is_file():
            raise InputError(f"the case {case.name} has no ledger store yet: read the chain into it with "
                             f"`cointrail ingest … --db {path}` and `cointrail cluster build --db {path}`")  # fmt: skip
        return path

    @contextmanager
    def store(self, case: Case) -> Iterator[LedgerStore]:
        """The case's ledger store on a cursor of its own, for one request or job."""
        path = self.require_store(case)
        with self._held(path) as base:
            store = base.on_cursor()  # read-only: it knows the base's table names, read once while it is open
            try:
                yield store
            finally:
                store.con.close()  # the cursor

    @contextmanager
    def investigation(self, case: Case) -> Iterator[Investigation]:
        """The case's investigation over its store, on a cursor of its own, for one request or job."""
        with self.store(case) as store:
            yield Investigation(store, case)

    def give_case_labels(self, case: Case) -> dict[str, Any] | None:
        """Store the case's investigator labels in its ledger store, rebuilt from the case's evidence, so that the
        analyses use a label added in the browser at once; what :func:`restore_case_labels` did, or None where that
        cannot be done now (no store yet, another process writing it, or this workspace's jobs still reading it
        after :data:`LABEL_WAIT_SECONDS`): the labels stay in the case for ``cointrail label rebuild``."""
        path = case_store(case)
        if not path.is_file():
            return None
        deadline = time.monotonic() + LABEL_WAIT_SECONDS
        while True:
            with self._lock:  # no request opens the store meanwhile: DuckDB allows one configuration per process
                held = self._stores.get(path)
                if held is None or held.users == 0:
                    if held is not None:
                        self._stores.pop(path).store.close()
                    try:
                        with LedgerStore.open(path) as store:
                            return restore_case_labels(case, store)
                    except StoreInUseError:  # another process (watch run, ingest) holds it
                        return None
                    except AccountStoreError:  # an Ethereum or Tron store keeps its labels by label add --db
                        return None
            if time.monotonic() >= deadline:
                return None
            time.sleep(0.05)

    def close(self) -> None:
        """Close every store the workspace opened."""
        self._closing.set()
        with self._lock:
            for held in self._stores.values():
                held.store.close()
            self._stores.clear()
