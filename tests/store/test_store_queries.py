"""The store's query API and CLI (address-info, tx, block), Parquet export/import, roll-back and checks."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from node import COIN, RegtestNode
from store_compare import first_difference, table_contents

from cointrail.chains.bitcoin.model import Block, BlockHeader, SourcedBlock, Transaction, TxIn, TxOut, display_hash
from cointrail.cli import main
from cointrail.errors import IntegrityError
from cointrail.store.duckdb.queries import address_info
from cointrail.store.duckdb.store import LedgerStore

pytestmark = [pytest.mark.node, pytest.mark.slow]


def run_json(capsys: pytest.CaptureFixture[str], *args: str) -> dict:
    capsys.readouterr()
    assert main([*args, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def a_payment(db: Path) -> tuple[str, str]:
    """A non-coinbase transaction's txid and one of its addresses."""
    with LedgerStore.open(db, read_only=True) as store:
        txid, address = store.one(
            "SELECT t.txid, a.address FROM transactions t JOIN outputs o USING (tx_id) JOIN addresses a USING "
            "(address_id) WHERE NOT t.is_coinbase AND a.address IS NOT NULL ORDER BY t.tx_id LIMIT 1"
        )  # type: ignore[misc]
    return display_hash(bytes(txid)), address


def test_tx_matches_the_node(economy: RegtestNode, economy_store: Path, capsys: pytest.CaptureFixture[str]) -> None:
    txid, _ = a_payment(economy_store)
    tx = run_json(capsys, "tx", txid, "--db", str(economy_store))
    node_tx = economy.rpc("getrawtransaction", txid, True)
    assert tx["block_hash"] == node_tx["blockhash"], "block of the transaction"
    for ours, theirs in zip(tx["outputs"], node_tx["vout"], strict=True):
        assert ours["value"] == int(theirs["value"] * COIN), f"value of output {ours['n']} of {txid}"
        assert ours["script_pubkey"] == theirs["scriptPubKey"]["hex"], f"script of output {ours['n']} of {txid}"
    for ours, theirs in zip(tx["inputs"], node_tx["vin"], strict=True):
        assert (ours["prev_txid"], ours["prev_vout"]) == (theirs["txid"], theirs["vout"]), f"input {ours['n']}"
    assert tx["fee"] > 0 and tx["fee"] == sum(i["value"] for i in tx["inputs"]) - tx["output_total"]
    capsys.readouterr()
    assert main(["tx", txid, "--db", str(economy_store)]) == 0
    assert txid in capsys.readouterr().out


def test_block_by_height_and_hash(economy: RegtestNode, economy_store: Path,
                                  capsys: pytest.CaptureFixture[str]) -> None:  # fmt: skip
    by_height = run_json(capsys, "block", "110", "--db", str(economy_store))
    by_hash = run_json(capsys, "block", by_height["hash"], "--db", str(economy_store))
    assert by_height == by_hash
    node_block = economy.rpc("getblock", economy.rpc("getblockhash", 110))
    assert by_height["hash"] == node_block["hash"] and by_height["txids"] == node_block["tx"]
    assert by_height["merkle_checked"] and by_height["txids_recomputed"] and by_height["source"] == economy.url


def test_address_info(economy_store: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _, address = a_payment(economy_store)
    info = run_json(capsys, "address-info", address, "--db", str(economy_store))
    assert info["address"] == address and info["balance"] == info["received"] - info["sent"]
    assert info["tx_count"] >= 1 and info["first_seen"]["height"] <= info["last_seen"]["height"]
    assert info["counterparties"], "a payment has a payer"
    capsys.readouterr()
    assert main(["address-info", address, "--db", str(economy_store)]) == 0
    assert "balance" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("args", "code", "words"),
    [
        (["address-info", "mipcBbFg9gMiCh81Kj8tqqdgoZub1ZJRfn"], 1, "never appears"),
        (["address-info", "not-an-address"], 2, "not a valid address"),
        (["address-info", "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq"], 2, "not a litecoin regtest address"),
        (["tx", "00" * 32], 1, "not in"),
        (["tx", "xyz"], 2, "not a transaction id"),
        (["block", "99999"], 1, "not in"),
        (["block", "tip"], 2, "neither a block height"),
    ],
)
def test_what_is_not_there(economy_store: Path, capsys: pytest.CaptureFixture[str], args: list[str], code: int,
                           words: str) -> None:  # fmt: skip
    capsys.readouterr()
    assert main([*args, "--db", str(economy_store)]) == code
    assert words in capsys.readouterr().err


def test_missing_store(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["block", "0", "--db", str(tmp_path / "none.duckdb")]) == 2
    assert "no ledger store" in capsys.readouterr().err


def test_parquet_export_and_import(economy_store: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    exported = run_json(capsys, "store", "export", "--db", str(economy_store), "--parquet", str(tmp_path / "pq"))
    assert exported["rows"]["transactions"] > 400
    copy = tmp_path / "imported.duckdb"
    run_json(capsys, "store", "import", "--db", str(copy), "--parquet", str(tmp_path / "pq"))
    assert first_difference(table_contents(copy), table_contents(economy_store)) is None
    assert main(["store", "import", "--db", str(copy), "--parquet", str(tmp_path / "pq")]) == 2


def test_rollback_undoes_spends(store_copy: Path) -> None:
    with LedgerStore.open(store_copy) as store:
        store.rollback_to(120)
        assert store.tip()[0] == 120  # type: ignore[index]
        for table in ("inputs", "outputs", "transactions"):
            assert store.one(f"SELECT count(*) FROM {table} WHERE block_height > 120")[0] == 0  # type: ignore[index]
        assert store.one("SELECT count(*) FROM outputs WHERE spent_height > 120")[0] == 0  # type: ignore[index]
        assert store.one("SELECT max(first_height) FROM addresses")[0] <= 120  # type: ignore[index]


def _orphan_block(store: LedgerStore) -> SourcedBlock:
    tip_height, tip_hash = store.tip()  # type: ignore[misc]
    spend = TxIn(bytes(range(32)), 0, b"", 0xFFFFFFFF)
    tx = Transaction(b"\x01" * 32, b"\x01" * 32, 2, (spend,), (TxOut(5, b"\x51"),), 0, 60, 60)
    header = BlockHeader(b"\x02" * 32, 1, tip_hash, b"\x01" * 32, 0, 0, 0)
    return SourcedBlock(Block(header, (tx,), 141, True, tip_height + 1), tip_height + 1, "test")


def test_an_input_spending_an_unknown_output_names_the_block_and_fact(store_copy: Path) -> None:
    with LedgerStore.open(store_copy) as store:
        before = store.counts()
        sourced = _orphan_block(store)
        missing = display_hash(bytes(range(32)))
        with pytest.raises(IntegrityError, match=rf"height {sourced.height} .*spends {missing}:0"):
            store.append([sourced])
        assert store.counts() == before, "a refused batch leaves nothing behind"


def test_a_block_that_does_not_extend_the_tip_is_refused(store_copy: Path) -> None:
    with LedgerStore.open(store_copy) as store:
        sourced = _orphan_block(store)
        moved = SourcedBlock(sourced.block, sourced.height + 5, "test")
        with pytest.raises(IntegrityError, match="does not follow the stored chain"):
            store.append([moved])


def test_per_address_totals_are_rebuilt_for_a_store_made_without_them(store_copy: Path, economy_store: Path) -> None:
    with LedgerStore.open(store_copy) as store:
        store.con.execute("DROP TABLE address_stats")
    with LedgerStore.open(store_copy, read_only=True) as store:  # read-only: answered from the rows themselves
        some = store.one("SELECT address FROM addresses WHERE address IS NOT NULL ORDER BY address_id LIMIT 1")[0]  # type: ignore[index]
        from_rows = address_info(store, some)
    with LedgerStore.open(store_copy):  # opened for writing: the table is computed in full
        pass
    assert first_difference(table_contents(store_copy), table_contents(economy_store)) is None
    with LedgerStore.open(economy_store, read_only=True) as store:
        assert address_info(store, some) == from_rows


def test_rollback_recomputes_the_totals_of_the_addresses_it_touched(store_copy: Path) -> None:
    with LedgerStore.open(store_copy) as store:
        store.rollback_to(120)
        kept = store.rows("SELECT * FROM address_stats ORDER BY address_id")
        store.con.execute("DROP TABLE address_stats")
    with LedgerStore.open(store_copy) as store:  # recomputed from what remains
        assert store.rows("SELECT * FROM address_stats ORDER BY address_id") == kept


_OLD_STATS_COLUMNS = ("chain, network, address_id, received, sent, outputs_received, outputs_spent, tx_count, "
                      "first_tx_id, last_tx_id")  # fmt: skip


def test_totals_of_an_older_version_are_recomputed_with_first_and_last_seen(store_copy: Path,
                                                                            economy_store: Path) -> None:  # fmt: skip
    with LedgerStore.open(store_copy) as store:  # address_stats as the version before first/last seen kept it
        store.con.execute(f"CREATE TABLE old_stats AS SELECT {_OLD_STATS_COLUMNS} FROM address_stats")
        store.con.execute("DROP TABLE address_stats")
        store.con.execute("ALTER TABLE old_stats RENAME TO address_stats")
    with LedgerStore.open(store_copy, read_only=True) as store:
        assert not store.has_address_stats, "an older table is not read as this version's"
        names = [r[0] for r in store.rows("SELECT address FROM addresses WHERE address IS NOT NULL")]
        from_rows = {name: address_info(store, name) for name in names}
    with LedgerStore.open(store_copy):  # opened for writing: the table is computed in full again
        pass
    assert first_difference(table_contents(store_copy), table_contents(economy_store)) is None
    with LedgerStore.open(economy_store, read_only=True) as store:
        assert {name: address_info(store, name) for name in names} == from_rows


def _counterparties_from_rows(store: LedgerStore, address: str) -> list[tuple[str | None, int, int, int]]:
    """address-info's definition of counterparties, computed by one plain query over the inputs and outputs:
    paid_us is what the address received in the transactions the counterparty was an input of (once per
    transaction, however many of its inputs), we_paid the outputs to it of the transactions spending from the
    address."""
    (me,) = store.one("SELECT address_id FROM addresses WHERE address = ?", [address])  # type: ignore[misc]
    return [tuple(r) for r in store.rows(  # type: ignore[misc]
        """WITH got AS (SELECT tx_id, sum(value) AS got FROM outputs WHERE address_id = ? GROUP BY tx_id)
           SELECT a.address, count(DISTINCT s.tx_id), sum(s.paid_us), sum(s.we_paid) FROM (
               SELECT DISTINCT i.address_id, i.tx_id, got.got AS paid_us, 0 AS we_paid
               FROM inputs i JOIN got USING (tx_id)
               UNION ALL
               SELECT address_id, tx_id, 0, value FROM outputs
               WHERE tx_id IN (SELECT tx_id FROM inputs WHERE address_id = ?)
           ) s JOIN addresses a USING (address_id) WHERE s.address_id <> ?
           GROUP BY s.address_id, a.address ORDER BY 2 DESC, s.address_id LIMIT 20""",
        [me, me, me],
    )]  # fmt: skip


def test_counterparties_of_every_address_equal_a_computation_from_the_rows(economy_store: Path) -> None:
    with LedgerStore.open(economy_store, read_only=True) as store:
        names = [r[0] for r in store.rows("SELECT address FROM addresses WHERE address IS NOT NULL")]
        for name in names:
            ours = [(c["address"], c["transactions"], c["paid_us"], c["we_paid"])
                    for c in address_info(store, name)["counterparties"]]  # fmt: skip
            assert ours == _counterparties_from_rows(store, name), name
        many = store.one("SELECT count(*) FROM address_stats WHERE tx_count > 2")[0]  # type: ignore[index]
    assert many > 0, "the economy also has addresses with more than their first and last transactions"


def test_an_older_versions_export_is_imported_with_its_totals_computed(
    economy_store: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    export = tmp_path / "pq"
    run_json(capsys, "store", "export", "--db", str(economy_store), "--parquet", str(export))
    stats = export / "address_stats.parquet"
    old = tmp_path / "old_stats.parquet"
    with LedgerStore.open(economy_store, read_only=True) as store:  # address_stats as the version before wrote it
        older = f"SELECT {_OLD_STATS_COLUMNS} FROM read_parquet('{stats}')"
        store.con.execute(f"COPY ({older}) TO '{old}' (FORMAT parquet)")
    old.replace(stats)
    copy = tmp_path / "imported.duckdb"
    run_json(capsys, "store", "import", "--db", str(copy), "--parquet", str(export))
    assert first_difference(table_contents(copy), table_contents(economy_store)) is None
