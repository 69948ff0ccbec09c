"""A sparse store made before a table was added to it gets the table when a crawl opens it again."""

from __future__ import annotations

from pathlib import Path

from cointrail.store.duckdb import sparse
from cointrail.store.duckdb.store import LedgerStore


def test_a_sparse_store_missing_a_later_table_gets_it(tmp_path: Path) -> None:
    with LedgerStore.open(tmp_path / "old.duckdb", "litecoin", "regtest") as store:
        sparse.make_sparse(store)
        store.con.execute("DROP TABLE sparse_spend_checks")  # as a store made before the table was added
        sparse.make_sparse(store)
        assert store.rows("SELECT count(*) FROM sparse_spend_checks") == [(0,)]
        assert sparse.is_sparse(store) and store.rows("SELECT count(*) FROM meta WHERE key = ?",
                                                      [sparse.MODE_KEY]) == [(1,)]  # fmt: skip
