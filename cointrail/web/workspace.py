"""The workspace a server works on: the cases folder, who operates, and the open ledger stores.

Each case's ledger store (``work/ledger.duckdb``) is opened read-only once and kept open; every
request gets its own DuckDB cursor on it, so requests and background jobs run side by side
without sharing a connection. Everything the workspace writes goes into a case through the case's
write-once evidence and custody-log API, never into a store.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from cointrail.amounts import unit_of
from cointrail.cases import Case, cases_root, create_case, list_cases, open_case
from cointrail.errors import InputError
from cointrail.investigation import Investigation, case_store
from cointrail.store.duckdb.store import DamagedStoreError, LedgerStore


class Workspace:
    """The cases folder served, the operator recorded in custody logs, and the case opened first."""

    def __init__(self, root: str | Path | None = None, operator: str | None = None, case: str | None = None):
        self.root = cases_root(root)
        self.operator = operator
        self.default_case = case
        self._stores: dict[Path, LedgerStore] = {}
        self._lock = threading.Lock()
        if case is not None:
            open_case(case, self.root)  # a clear error now rather than on the first page

    def cases(self) -> list[dict[str, Any]]:
        """Every case in the folder, with who opened it and when."""
        return list_cases(self.root)

    def case(self, name: str) -> Case:
        """An existing case, or a plain-words :class:`InputError`."""
        return open_case(name, self.root, self.operator)

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
            return self._base(path).chain if path.is_file() else None
        except DamagedStoreError:  # the page says so where it needs the store; its frame still renders
            return None

    def unit(self, name: str) -> str:
        """The unit the case's amounts are in (LTC for a Litecoin store); "coins" before it has a store."""
        chain = self.chain(name)
        return unit_of(chain).symbol if chain else "coins"

    def _base(self, path: Path) -> LedgerStore:
        with self._lock:
            if path not in self._stores:
                self._stores[path] = LedgerStore.open(path, read_only=True)
            return self._stores[path]

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
        base = self._base(path)
        cursor = base.con.cursor()
        try:
            yield LedgerStore(cursor, path, base.chain, base.network)
        finally:
            cursor.close()

    @contextmanager
    def investigation(self, case: Case) -> Iterator[Investigation]:
        """The case's investigation over its store, on a cursor of its own, for one request or job."""
        with self.store(case) as store:
            yield Investigation(store, case)

    def close(self) -> None:
        """Close every store the workspace opened."""
        with self._lock:
            for store in self._stores.values():
                store.close()
            self._stores.clear()
