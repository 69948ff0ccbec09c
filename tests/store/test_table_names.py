"""A store's table names are read from DuckDB once, not on every ``has_table`` (a dozen times a page).

Counted from DuckDB's own query log, which lists every statement the database ran, on every cursor.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from cointrail.cases import create_case
from cointrail.clustering import DEFAULT_HEURISTICS, build_clusters
from cointrail.investigation import case_store
from cointrail.labels.store import write_labels
from cointrail.simulation.named_chain import COIN, ChainBuilder
from cointrail.store.duckdb import cluster_tables
from cointrail.store.duckdb.store import LedgerStore
from cointrail.web import Workspace

ASKED = ("SELECT count(*) FROM duckdb_logs() WHERE type = 'QueryLog' AND message ILIKE '%FROM duckdb_tables()%' "
         "AND message NOT ILIKE '%duckdb_logs()%'")  # this question is logged too


def _chain(path: Path) -> None:
    chain = ChainBuilder(path)
    chain.block(miner="a")
    chain.block(chain.tx("t", [("cb0", 0)], [("b", COIN), ("c", 49 * COIN - 1000)]))
    build_clusters(chain.store, DEFAULT_HEURISTICS, full=True)
    chain.close()


def _asked(con: duckdb.DuckDBPyConnection) -> int:
    (count,) = con.execute(ASKED).fetchone()  # type: ignore[misc]
    return int(count)


def test_a_read_only_store_and_its_cursors_ask_duckdb_for_the_tables_once(tmp_path: Path) -> None:
    _chain(tmp_path / "ledger.duckdb")
    with LedgerStore.open(tmp_path / "ledger.duckdb", read_only=True) as store:
        store.con.execute("CALL enable_logging('QueryLog')")
        answers = [store.has_table(name) for name in ("address_clusters", "coinjoins", "labels") * 4]
        for _ in range(3):  # what the workspace gives each request: a cursor, knowing what the store knows
            on_cursor = store.on_cursor()
            answers += [on_cursor.has_table("address_clusters"), on_cursor.has_table("labels")]
            on_cursor.con.close()
        assert answers == [True, True, False] * 4 + [True, False] * 3
        assert _asked(store.con) == 1  # was 18


def test_the_workspaces_requests_share_their_stores_table_names(tmp_path: Path) -> None:
    case = create_case("tables", root=tmp_path / "cases", operator="tester")
    _chain(case_store(case))
    workspace = Workspace(tmp_path / "cases", "tester")
    try:
        with workspace.store(case) as store:
            store.con.execute("CALL enable_logging('QueryLog')")
        for _ in range(3):  # three requests, each on a cursor of its own, asking as a page asks
            with workspace.store(case) as store:
                assert store.has_table("address_clusters") and store.has_table("cluster_runs")
                assert not store.has_table("labels")
                asked = _asked(store.con)
        assert asked == 1  # was 9
    finally:
        workspace.close()


def test_a_writable_store_sees_the_tables_its_own_ddl_makes_and_drops(tmp_path: Path) -> None:
    from tests.report.reportcase import _label  # a labelled exchange address, as the report tests write it

    _chain(tmp_path / "ledger.duckdb")
    with LedgerStore.open(tmp_path / "ledger.duckdb") as store:
        assert store.has_table("address_clusters") and not store.has_table("labels")
        write_labels(store, [_label("ltc1qexchange")])  # makes the labels table
        assert store.has_table("labels")
        cluster_tables.clear(store.con)  # a full rebuild drops the cluster tables and makes them again
        assert store.has_table("address_clusters") and store.has_table("coinjoins")
        store.con.execute("CREATE TABLE scratch (n INTEGER)")
        assert store.has_table("scratch")
        store.con.execute("DROP TABLE scratch")
        assert not store.has_table("scratch")
