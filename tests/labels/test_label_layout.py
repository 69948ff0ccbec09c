"""The labels table without primary key or index (issue 22), and the upgrade of older stores' tables to it.

An index made DuckDB's memory grow with every label of an import (~1.5 KB a
row); labels stay unique because only those not stored yet are added (an
anti-join), repeats within a file are stored once, and older stores keep every
label when their table is rebuilt.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from cointrail.addresses.codecs import base58check_encode
from cointrail.labels.layout import COLUMNS
from cointrail.labels.store import STAGING, import_label_file, list_labels
from cointrail.store.duckdb.store import LedgerStore

# The table as stores made before issue 22 have it (cointrail/labels/store.py at b9dfd29).
OLD_DDL = "CREATE TABLE labels_old (label_sha256 VARCHAR PRIMARY KEY, {rest})"
OLD_INDEX = "CREATE INDEX labels_address ON labels (address)"


def _address(i: int) -> str:
    return base58check_encode(b"\x00" + hashlib.sha256(i.to_bytes(8, "little")).digest()[:20])


def _csv(path: Path, numbers: list[int]) -> Path:
    path.write_text("address,label,currency\n" + "".join(f"{_address(i)},entity {i},BTC\n" for i in numbers))
    return path


@pytest.fixture
def store(tmp_path: Path):
    with LedgerStore.open(tmp_path / "ledger.duckdb", "bitcoin", "mainnet") as opened:
        yield opened


def _keys_and_indexes(store: LedgerStore) -> tuple[int, int]:
    keys = store.rows("SELECT count(*) FROM duckdb_constraints() WHERE table_name = 'labels' "
                      "AND constraint_type = 'PRIMARY KEY'")[0][0]  # fmt: skip
    return keys, store.rows("SELECT count(*) FROM duckdb_indexes() WHERE table_name = 'labels'")[0][0]


def _make_old(store: LedgerStore) -> None:
    """Turn the store's labels table into the older layout (primary key, address index), rows kept."""
    types = dict(store.rows("SELECT column_name, data_type FROM duckdb_columns() WHERE table_name = 'labels'"))
    rest = ", ".join(f"{name} {types[name]}" for name in COLUMNS if name != "label_sha256")
    store.con.execute(OLD_DDL.format(rest=rest))
    store.con.execute(f"INSERT INTO labels_old SELECT {', '.join(COLUMNS)} FROM labels")
    store.con.execute("DROP TABLE labels")
    store.con.execute("ALTER TABLE labels_old RENAME TO labels")
    store.con.execute(OLD_INDEX)


def test_a_new_store_has_no_index_on_labels_and_repeats_are_stored_once(store: LedgerStore, tmp_path: Path) -> None:
    first = import_label_file(store, _csv(tmp_path / "a.csv", [1, 2, 3, 2, 1]))["stored"]
    assert _keys_and_indexes(store) == (0, 0)
    assert first == {"added": 3, "already_stored": 0, "repeated": 2, "on_chain": 3, "other_chain": 0}
    again = import_label_file(store, tmp_path / "a.csv")["stored"]  # the same file again: the same labels
    assert again == {"added": 0, "already_stored": 3, "repeated": 2, "on_chain": 3, "other_chain": 0}
    import_label_file(store, _csv(tmp_path / "b.csv", [4]))
    rows = store.rows("SELECT count(*), count(DISTINCT label_sha256) FROM labels")[0]
    assert rows == (4, 4)
    assert [row["label"] for row in list_labels(store, f"  {_address(4)} ")] == ["entity 4"]


def test_an_older_store_is_rebuilt_without_its_index_keeping_every_label(store: LedgerStore, tmp_path: Path) -> None:
    import_label_file(store, _csv(tmp_path / "a.csv", [1, 2, 3]))
    before = list_labels(store)
    _make_old(store)
    assert _keys_and_indexes(store) == (1, 1)  # the primary key and labels_address
    assert list_labels(store) == before  # read as it is, untouched by readers
    _csv(tmp_path / "a.csv", [1, 2, 3, 4])
    import_label_file(store, tmp_path / "a.csv")  # another file now: four labels of another source file
    stored = import_label_file(store, _csv(tmp_path / "c.csv", [1, 2, 3]))["stored"]
    assert stored["added"] == 3 and stored["already_stored"] == 0
    stored = import_label_file(store, tmp_path / "c.csv")["stored"]
    assert stored["added"] == 0 and stored["already_stored"] == 3
    assert _keys_and_indexes(store) == (0, 0)
    after = list_labels(store)
    assert all(row in after for row in before) and len(after) == 3 + 4 + 3


def test_a_staging_table_left_by_a_killed_import_stores_nothing(store: LedgerStore, tmp_path: Path) -> None:
    import_label_file(store, _csv(tmp_path / "a.csv", [1]))
    store.con.execute(f"CREATE TABLE {STAGING} AS SELECT *, 0::BIGINT AS seq FROM labels")
    store.con.execute(f"UPDATE {STAGING} SET label_sha256 = 'left over', label = 'left over'")
    import_label_file(store, _csv(tmp_path / "b.csv", [2]))
    assert sorted(row["label"] for row in list_labels(store)) == ["entity 1", "entity 2"]
    assert not store.has_table(STAGING)
