"""address_lookup: the served answer equals the live one, whatever was written, rolled back or killed on the way."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from node import RegtestNode
from store_compare import first_difference, table_contents

from cointrail.chains.bitcoin.sources.blkfiles import BlockFilesSource
from cointrail.cli import main
from cointrail.store.duckdb import address_lookup
from cointrail.store.duckdb.address_lookup import refresh_address_lookup
from cointrail.store.duckdb.queries import address_info, live_address_info
from cointrail.store.duckdb.store import LedgerStore

pytestmark = [pytest.mark.node, pytest.mark.slow]

# Where a table's rows are compared whole with rows shown equal to the live answers, each SAMPLE-th address is
# asked again, to check the table is used (or not) as its stamp says.
SAMPLE = 9


@pytest.fixture(scope="module")
def economy_store(economy_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shared economy store (conftest's, left as it is), copied, with its serving index built by `store index`.

    The index is opt-in: the other ledger tests compare stores made without it.
    """
    db = tmp_path_factory.mktemp("served-store") / "ledger.duckdb"
    db.write_bytes(economy_store.read_bytes())
    assert main(["store", "index", "--db", str(db)]) == 0
    return db


def names(store: LedgerStore) -> list[str]:
    return [r[0] for r in store.rows("SELECT address FROM addresses WHERE address IS NOT NULL ORDER BY address_id")]


def count_queries(store: LedgerStore) -> list[str]:
    """Record every query the store runs from now on (its SQL)."""
    seen: list[str] = []
    one, rows = store.one, store.rows

    def recorded(query: Any) -> Any:
        def run(sql: str, params: Any = ()) -> Any:
            seen.append(sql)
            return query(sql, params)

        return run

    store.one, store.rows = recorded(one), recorded(rows)  # type: ignore[method-assign]
    return seen


def assert_served_equals_live(db: Path, *, served: bool = True, every: int = 1) -> int:
    """Every address's answer (20, 3 and 0 counterparties) equals the live one, down to the --json text.

    ``every``: only each ``every``-th address, where the table's rows are compared whole by other means (a live
    answer of each of the economy's addresses, three times, is about 8 s of the suite)."""
    with LedgerStore.open(db, read_only=True) as store:
        assert store.address_lookup_valid is served
        for name in names(store)[::every]:
            for n in (20, 3, 0):
                queries = count_queries(store)
                ours = address_info(store, name, n)
                used = len(queries) == 1 and "address_lookup" in queries[0]
                store.__dict__.pop("one"), store.__dict__.pop("rows")
                assert used is served, f"{name}: lookup {'not ' if served else ''}used"
                assert json.dumps(ours) == json.dumps(live_address_info(store, name, n)), f"{name}, {n} counterparties"
        return len(names(store))


def lookup_rows(db: Path) -> list[tuple]:
    with LedgerStore.open(db, read_only=True) as store:
        return store.rows("SELECT * FROM address_lookup ORDER BY address")


def assert_equals_a_full_build(db: Path, tmp_path: Path) -> None:
    """The table as kept up equals one built in full from the same rows."""
    kept = lookup_rows(db)
    rebuilt = tmp_path / "rebuilt.duckdb"
    rebuilt.write_bytes(db.read_bytes())
    with LedgerStore.open(rebuilt) as store:
        assert refresh_address_lookup(store, full=True)["refresh"] == "full"
    assert lookup_rows(rebuilt) == kept


def test_every_answer_of_the_economy_is_served_and_equals_the_live_one(economy_store: Path) -> None:
    assert assert_served_equals_live(economy_store) > 100


def test_more_counterparties_or_not_an_address_string_take_the_live_path(economy_store: Path) -> None:
    with LedgerStore.open(economy_store, read_only=True) as store:
        busiest = store.one(
            "SELECT address FROM address_lookup ORDER BY json_array_length(answer->'$[13]') DESC, address LIMIT 1"
        )[0]  # type: ignore[index]
        queries = count_queries(store)
        many = address_info(store, busiest, 50)
        assert len(queries) > 1 and not any("address_lookup" in q for q in queries), "more than 20: computed live"
        assert many == live_address_info(store, busiest, 50)
        padded = address_info(store, f"  {busiest}\n")
        assert padded == address_info(store, busiest), "the address is stripped on both paths"
        bech32 = store.one("SELECT address FROM addresses WHERE address LIKE 'rltc1%' LIMIT 1")[0]  # type: ignore[index]
        queries = count_queries(store)
        upper = address_info(store, bech32.upper())  # not the stored string: found by its script
        assert len(queries) > 1 and "address_lookup" in queries[0], "looked up, missed, then computed live"
        assert upper == address_info(store, bech32)


def test_a_stale_table_is_never_used_and_a_refresh_brings_it_up(store_copy: Path, economy: RegtestNode,
                                                                tmp_path: Path) -> None:  # fmt: skip
    economy.flush()
    with LedgerStore.open(store_copy) as store:
        tip = store.tip()[0]  # type: ignore[index]
        store.rollback_to(tip - 30)
        assert store.address_lookup_valid, "a roll-back keeps the table exact, at the fork point"
        before = {name: address_info(store, name) for name in names(store)}
        store.append(list(BlockFilesSource(economy.blocks_dir, "litecoin", "regtest").blocks(tip - 29, tip)))
        assert not store.address_lookup_valid, "written past the stamp: stale"
        changed = [name for name in before if address_info(store, name) != before[name]]
        assert changed, "the new blocks change some answers, so a stale table would show"
    assert_served_equals_live(store_copy, served=False, every=SAMPLE)  # opened again: the stamp says stale
    with LedgerStore.open(store_copy) as store:
        assert refresh_address_lookup(store)["refresh"] == "incremental"
        assert store.address_lookup_valid
    assert_served_equals_live(store_copy)
    assert_equals_a_full_build(store_copy, tmp_path)


def payments(node: RegtestNode, rounds: int, payees: int = 4) -> None:
    """Each round, the miner pays ``payees`` fresh addresses in one transaction."""
    for _ in range(rounds):
        paid = {node.rpc("getnewaddress", wallet="miner"): 0.5 + i / 10 for i in range(payees)}
        node.rpc("sendmany", "", paid, wallet="miner")
        node.mine(1)


def most_counterparties(db: Path) -> int:
    with LedgerStore.open(db, read_only=True) as store:
        return max(len(live_address_info(store, name, 100)["counterparties"]) for name in names(store))


def ingest_args(node: RegtestNode, db: Path) -> list[str]:
    return ["ingest", "--chain", "litecoin", "--network", "regtest", "--rpc", node.url,
            "--cookie", str(node.cookie), "--db", str(db)]  # fmt: skip


def test_more_blocks_and_a_reorg_keep_the_table_exact(make_node: Any, tmp_path: Path) -> None:
    node = make_node()
    node.rpc("createwallet", "miner")
    node.mine(105)
    payments(node, 2)
    payments(node, 1, payees=30)  # a payer with more counterparties than the table keeps
    db = tmp_path / "ledger.duckdb"
    assert main(ingest_args(node, db)) == 0
    with LedgerStore.open(db, read_only=True) as store:
        assert not address_lookup.exists(store.con), "the serving index is built only on request"
    assert main([*ingest_args(node, db), "--address-lookup"]) == 0  # built in full
    assert most_counterparties(db) > address_lookup.STORED_COUNTERPARTIES
    payments(node, 3)
    assert main(ingest_args(node, db)) == 0  # brought up incrementally
    assert_served_equals_live(db)
    assert_equals_a_full_build(db, tmp_path)
    fork = node.height() - 2
    node.rpc("invalidateblock", node.rpc("getblockhash", fork))
    payments(node, 5)  # a longer fork, with payments of its own
    assert main(ingest_args(node, db)) == 0  # rolled back (recomputed at the fork point), then brought up
    with LedgerStore.open(db, read_only=True) as store:
        assert address_lookup.stamp(store.con) == store.tip()
    assert_served_equals_live(db)
    assert_equals_a_full_build(db, tmp_path)


_REFRESH_FOREVER = """
import sys
from cointrail.store.duckdb.address_lookup import refresh_address_lookup
from cointrail.store.duckdb.store import LedgerStore
with LedgerStore.open(sys.argv[1]) as store:
    while True:
        print("refreshing", flush=True)
        refresh_address_lookup(store, full=True)
"""


@pytest.mark.parametrize("delay", [0.0, 0.05, 0.15])
def test_a_refresh_killed_half_way_leaves_exact_answers(store_copy: Path, delay: float) -> None:
    kept = lookup_rows(store_copy)  # served equal to live for every address: the first test
    with subprocess.Popen([sys.executable, "-c", _REFRESH_FOREVER, str(store_copy)], stdout=subprocess.PIPE,
                          text=True) as child:  # fmt: skip
        try:
            for _ in range(3):  # two refreshes done: the third is under way
                assert child.stdout is not None and child.stdout.readline() == "refreshing\n"
            time.sleep(delay)
        finally:
            os.kill(child.pid, signal.SIGKILL)
    assert child.returncode == -signal.SIGKILL
    assert lookup_rows(store_copy) == kept, "the old table or the new one, whole: both equal"
    assert_served_equals_live(store_copy, every=SAMPLE)


def test_an_import_builds_the_table(economy_store: Path, tmp_path: Path) -> None:
    assert main(["store", "export", "--db", str(economy_store), "--parquet", str(tmp_path / "pq")]) == 0
    assert not (tmp_path / "pq" / "address_lookup.parquet").exists(), "derived: not exported"
    copy = tmp_path / "imported.duckdb"
    assert main(["store", "import", "--db", str(copy), "--parquet", str(tmp_path / "pq")]) == 0
    assert first_difference(table_contents(copy), table_contents(economy_store)) is None
    assert lookup_rows(copy) == lookup_rows(economy_store)  # served equal to live there: the first test
    assert_served_equals_live(copy, every=SAMPLE)


def run_json(capsys: pytest.CaptureFixture[str], *args: str) -> dict:
    capsys.readouterr()
    assert main([*args, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_store_index_command(store_copy: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    done = run_json(capsys, "store", "index", "--db", str(store_copy))
    assert done["refresh"] == "current" and done["addresses"] > 100
    with LedgerStore.open(store_copy, read_only=True) as store:
        height, block_hash = store.tip()  # type: ignore[misc]
    assert done["tip"]["height"] == height and done["tip"]["hash"] == block_hash[::-1].hex()
    kept = lookup_rows(store_copy)
    assert run_json(capsys, "store", "index", "--db", str(store_copy), "--full")["refresh"] == "full"
    assert lookup_rows(store_copy) == kept
    with LedgerStore.open(store_copy) as store:
        store.con.execute("DELETE FROM meta WHERE key LIKE 'address_lookup%'")  # as if never built
    assert_served_equals_live(store_copy, served=False, every=SAMPLE)
    capsys.readouterr()
    assert main(["store", "index", "--db", str(store_copy)]) == 0
    assert "full" in capsys.readouterr().out
    assert lookup_rows(store_copy) == kept
    assert_served_equals_live(store_copy, every=SAMPLE)
    assert main(["store", "index", "--db", str(tmp_path / "none.duckdb")]) == 2
    assert not (tmp_path / "none.duckdb").exists()
