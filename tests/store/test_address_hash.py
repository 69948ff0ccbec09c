"""The stored address hash (issue 20): one definition, the same value however computed, in every store and export.

On a small synthetic chain ingested from block files (what bulk ingest and a node's batches both write through),
a store of the previous layout (without the column) and its Parquet export.
"""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest
from store_compare import first_difference, table_contents

from cointrail.chains.bitcoin.rawblock import parse_block, serialize_transaction
from cointrail.chains.bitcoin.sources.blkfiles import BlockFilesSource
from cointrail.chains.bitcoin.sources.light import ProvenTransaction
from cointrail.ingest.pipeline import ingest
from cointrail.simulation.block_files import generate_chain
from cointrail.store.duckdb import address_hash, sparse
from cointrail.store.duckdb.address_lookup import refresh_address_lookup
from cointrail.store.duckdb.parquet import export_parquet, import_parquet
from cointrail.store.duckdb.queries import address_info, live_address_info
from cointrail.store.duckdb.store import LedgerStore

SAMPLES = ["1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa", "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq", "x", "",
           "ltc1qz", "bcrt1p" + "q" * 58, "адрес"]  # fmt: skip


@pytest.fixture(scope="module")
def chain(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The block files of a small synthetic chain."""
    return generate_chain(tmp_path_factory.mktemp("chain"), 600, seed=5, txs_per_block=30, n_wallets=120).path


@pytest.fixture(scope="module")
def store(chain: Path) -> Path:
    """The chain, ingested from its block files."""
    db = chain.parent / "ledger.duckdb"
    with LedgerStore.open(db, "bitcoin", "regtest") as opened:
        ingest(opened, BlockFilesSource(chain, "bitcoin", "regtest"))
    return db


def test_the_hash_is_the_first_8_bytes_of_sha256_signed_big_endian():
    genesis, other = "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa", "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2"
    assert hashlib.sha256(genesis.encode()).hexdigest()[:16] == "31a9d2e8a70a091d"
    # pinned: stores and exports keep these values
    assert address_hash.of(genesis) == 0x31A9D2E8A70A091D
    assert address_hash.of(other) == 0xDC130B6083549636 - 2**64
    values = [address_hash.of(a) for a in SAMPLES]
    assert min(values) < 0 < max(values)


def test_python_arrow_and_sql_give_the_same_hashes():
    strings = pa.array([*SAMPLES, None], pa.string())
    expected = [address_hash.of(a) for a in SAMPLES] + [None]
    assert address_hash.column(strings).to_pylist() == expected
    assert address_hash.column(pa.chunked_array([strings[:3], strings[3:]])).to_pylist() == expected
    assert address_hash.column(strings.slice(2)).to_pylist() == expected[2:]
    with duckdb.connect() as con:
        rows = con.execute(f"SELECT {address_hash.sql('a')} FROM (SELECT unnest(?::VARCHAR[]) AS a, "
                           "generate_subscripts(?::VARCHAR[], 1) AS i) ORDER BY i",
                           [[*SAMPLES, None], [*SAMPLES, None]]).fetchall()  # fmt: skip
    assert [r[0] for r in rows] == expected


def test_an_ingest_stores_every_addresss_hash(store: Path):
    with duckdb.connect(str(store), read_only=True) as con:
        rows = con.execute("SELECT address, address_hash FROM addresses").fetchall()
        indexes = {r[0] for r in con.execute("SELECT index_name FROM duckdb_indexes()").fetchall()}
    assert "addresses_by_address_hash" in indexes  # what lookups by address go through
    assert len(rows) > 100
    assert all(h == (None if a is None else address_hash.of(a)) for a, h in rows)


def test_a_crawled_sparse_store_stores_every_addresss_hash(chain: Path, tmp_path: Path):
    source = BlockFilesSource(chain, "bitcoin", "regtest")
    proven = []
    for raw in source.raw_blocks(5, 7):  # as a crawl stores them: each transaction proven in its block
        block = parse_block(raw.data, height=raw.height)
        proven += [ProvenTransaction(tx, serialize_transaction(tx), raw.height, block.header, position)
                   for position, tx in enumerate(block.transactions)]  # fmt: skip
    with LedgerStore.open(tmp_path / "sparse.duckdb", "bitcoin", "regtest") as opened:
        sparse.make_sparse(opened)
        sparse.write(opened, "blocks 5-7", proven, link=True)
        rows = opened.rows("SELECT address, address_hash FROM addresses")
        paid = next(a for a, _ in rows if a is not None)
        assert sparse.balance_reading(opened, paid) is not None  # found through its hash
    assert len(rows) > 20 and all(h == (None if a is None else address_hash.of(a)) for a, h in rows)


def _previous_layout(db: Path) -> None:
    """Turn ``db`` into what the previous version made: no address_hash, its index on the address text."""
    with duckdb.connect(str(db)) as con:
        names = [r[0] for r in con.execute("SELECT index_name FROM duckdb_indexes() WHERE table_name = 'addresses'")
                 .fetchall()]  # fmt: skip
        for name in names:
            con.execute(f"DROP INDEX {name}")
        con.execute("ALTER TABLE addresses DROP COLUMN address_hash")
        con.execute("CREATE INDEX addresses_by_address ON addresses (address)")
        con.execute("CREATE INDEX IF NOT EXISTS addresses_by_id ON addresses (address_id)")


def test_a_store_of_the_previous_layout_is_read_as_it_is_and_upgraded_when_opened_for_writing(store, tmp_path):
    old = tmp_path / "old.duckdb"
    shutil.copy(store, old)
    _previous_layout(old)
    with LedgerStore.open(store, read_only=True) as fresh:
        (some,) = fresh.one("SELECT address FROM addresses WHERE address IS NOT NULL ORDER BY address_id LIMIT 1")
        expected = address_info(fresh, some)
    with LedgerStore.open(old, read_only=True) as opened:  # read-only: answers from the address text
        assert not opened.has_address_hash
        assert address_info(opened, some) == expected
    with LedgerStore.open(old) as opened:  # opened for writing: the column added and filled, the index swapped
        assert opened.has_address_hash
        indexes = {r[0] for r in opened.rows("SELECT index_name FROM duckdb_indexes()")}
        assert "addresses_by_address_hash" in indexes and "addresses_by_address" not in indexes
    assert first_difference(table_contents(old), table_contents(store)) is None
    with LedgerStore.open(old, read_only=True) as opened:
        assert address_info(opened, some) == expected


def test_the_export_carries_the_hash_and_an_export_without_it_imports_with_it(store, tmp_path):
    with LedgerStore.open(store, read_only=True) as opened:
        export_parquet(opened, tmp_path / "new")
    with duckdb.connect() as con:
        kind = con.execute("SELECT column_type FROM (DESCRIBE SELECT * FROM read_parquet(?)) "
                           "WHERE column_name = 'address_hash'", [str(tmp_path / "new" / "addresses.parquet")]
                           ).fetchall()  # fmt: skip
    assert kind == [("BIGINT",)]
    old = tmp_path / "old.duckdb"
    shutil.copy(store, old)
    _previous_layout(old)
    with LedgerStore.open(old, read_only=True) as opened:
        export_parquet(opened, tmp_path / "old-export")
    for name in ("new", "old-export"):
        import_parquet(tmp_path / name, tmp_path / f"{name}.duckdb")
        assert first_difference(table_contents(tmp_path / f"{name}.duckdb"), table_contents(store)) is None


def test_an_address_sharing_its_hash_with_another_is_found_as_itself(store, tmp_path):
    """A lookup asks for the rows of the address's hash and keeps the one whose text it is: with a second address
    given the first's hash (as a collision would), the first is still found as itself, by address-info live and
    served, and by the cluster reads."""
    shared = tmp_path / "shared.duckdb"
    shutil.copy(store, shared)
    with LedgerStore.open(shared) as opened:
        first, second = (a for (a,) in opened.rows("SELECT address FROM addresses WHERE address IS NOT NULL "
                                                    "ORDER BY address_id LIMIT 2"))  # fmt: skip
        expected = address_info(opened, first)
        opened.con.execute("UPDATE addresses SET address_hash = ? WHERE address = ?", [address_hash.of(first), second])
        (first_id,) = opened.one("SELECT address_id FROM addresses WHERE address = ?", [first])  # type: ignore[misc]
        assert opened.one("SELECT count(*) FROM addresses WHERE address_hash = ?", [address_hash.of(first)]) == (2,)
        assert live_address_info(opened, first) == expected
        assert opened.cluster_reads().address_id(first) == first_id
        refresh_address_lookup(opened)  # the serving table copies the hash: the two share it there too
        assert opened.address_lookup_valid
        assert opened.one("SELECT count(*) FROM address_lookup WHERE address_hash = ?",
                          [address_hash.of(first)]) == (2,)  # fmt: skip
        assert address_info(opened, first) == expected
