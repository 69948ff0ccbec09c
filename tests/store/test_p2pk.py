"""Pay-to-public-key outputs are found under the P2PKH address of their key, as explorers show them (issue 13).

On real Bitcoin mainnet blocks 0 and 1 (their node answers in ../shared/data, turned back into raw bytes and
written as a blk file), and on a litecoind -regtest chain that pays one key both ways and spends its P2PK output.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import duckdb
import httpx
import pytest
from node import RegtestNode, litecoind_available, send_to_script
from node_answers import mainnet_blk_file
from store_compare import first_difference, table_contents

from cointrail.addresses.script import hash160, p2pk_script, p2pkh_script
from cointrail.chains.bitcoin import batch
from cointrail.chains.bitcoin.sources.rpc import RpcSource, connect
from cointrail.cli import main
from cointrail.errors import InputError
from cointrail.store.duckdb import schema
from cointrail.store.duckdb.p2pk import note
from cointrail.store.duckdb.parquet import export_parquet, import_parquet
from cointrail.store.duckdb.queries import address_info
from cointrail.store.duckdb.store import LedgerStore

GENESIS_KEY = ("04678afdb0fe5548271967f1a67130b7105cd6a828e03909a67962e0ea1f61deb649f6bc3f4cef38c4f35504e51ec112de5c"
               "384df7ba0b8d578a4c702b6bf11d5f")  # fmt: skip
GENESIS_ADDRESS = "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa"
BLOCK1_ADDRESS = "12c6DSiU4Rq3P4ZxziKxzrL5LmMBrzjrJX"
GENESIS_COINBASE = "4a5e1e4baab89f3a32518a88c31bc87f618f76673e2cc77ab2127b7afdeda33b"


@pytest.fixture(scope="module")
def mainnet_store(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Mainnet blocks 0 and 1, ingested from a blk file as a node writes it."""
    blocks = mainnet_blk_file(shared_data, tmp_path_factory.mktemp("mainnet-blocks"))
    db = blocks / "ledger.duckdb"
    assert main(["ingest", "--chain", "bitcoin", "--network", "mainnet", "--blocks", str(blocks), "--db", str(db)]) == 0
    return db


def _json(capsys: pytest.CaptureFixture[str], *args: str) -> dict:
    capsys.readouterr()
    assert main([*args, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_the_genesis_coinbase_is_found_under_its_keys_address(mainnet_store, capsys):
    info = _json(capsys, "address-info", GENESIS_ADDRESS, "--db", str(mainnet_store))
    assert (info["address"], info["type"], info["received"], info["tx_count"]) == (GENESIS_ADDRESS, "p2pkh",
                                                                                   50 * 10**8, 1)  # fmt: skip
    assert info["first_seen"] == info["last_seen"] and info["first_seen"]["txid"] == GENESIS_COINBASE
    assert info["p2pk"] == {"pubkey": GENESIS_KEY, "script_pubkey": f"41{GENESIS_KEY}ac", "note": note(GENESIS_KEY)}
    assert "paid to the bare public key 04678afd" in info["p2pk"]["note"]
    assert "shown under its P2PKH address as explorers do" in info["p2pk"]["note"]
    assert _json(capsys, "address-info", GENESIS_KEY, "--db", str(mainnet_store)) == info  # the key itself, in hex
    assert main(["address-info", GENESIS_ADDRESS, "--db", str(mainnet_store)]) == 0
    text = capsys.readouterr().out
    assert GENESIS_ADDRESS in text and f"P2PK: {note(GENESIS_KEY)}" in text


def test_block_1s_coinbase_too_and_the_serving_index_gives_the_same_answers(mainnet_store, capsys):
    live = _json(capsys, "address-info", BLOCK1_ADDRESS, "--db", str(mainnet_store))
    assert live["p2pk"] is not None and live["received"] == 50 * 10**8
    assert main(["store", "index", "--db", str(mainnet_store)]) == 0
    for address in (BLOCK1_ADDRESS, GENESIS_ADDRESS):
        served = _json(capsys, "address-info", address, "--db", str(mainnet_store))
        assert served["p2pk"] is not None
    assert _json(capsys, "address-info", BLOCK1_ADDRESS, "--db", str(mainnet_store)) == live


def test_the_transaction_shows_the_output_as_paid_to_the_key(mainnet_store, capsys):
    tx = _json(capsys, "tx", GENESIS_COINBASE, "--db", str(mainnet_store))
    (out,) = tx["outputs"]
    assert (out["address"], out["type"], out["script_pubkey"]) == (GENESIS_ADDRESS, "p2pk", f"41{GENESIS_KEY}ac")
    assert out["p2pk"]["pubkey"] == GENESIS_KEY
    assert main(["tx", GENESIS_COINBASE, "--db", str(mainnet_store)]) == 0
    assert "P2PK: paid to the bare public key 04678afd" in capsys.readouterr().out


def test_a_key_in_hex_that_is_not_in_the_store_is_named_as_its_address(mainnet_store, capsys):
    compressed = "02" + GENESIS_KEY[2:66]
    assert main(["address-info", compressed, "--db", str(mainnet_store)]) == 1
    assert "never appears" in capsys.readouterr().err


def _downgrade(db: Path) -> None:
    """Turn a store back into the earlier layout: P2PK scripts as their own addresses, no marker columns (and no
    address hash, which came later)."""
    with LedgerStore.open(db) as store:
        keys = store.rows("SELECT address_id, pubkey FROM addresses WHERE pubkey IS NOT NULL")
        for address_id, key in keys:
            store.con.execute("UPDATE addresses SET script = ?, address = NULL, script_type = 'p2pk' "
                              "WHERE address_id = ?", [p2pk_script(bytes(key)), address_id])  # fmt: skip
        store.con.execute(schema.DROP_INDEXES_DDL)
        store.con.execute("ALTER TABLE outputs DROP COLUMN p2pk")
        store.con.execute("ALTER TABLE addresses DROP COLUMN pubkey")
        store.con.execute("ALTER TABLE addresses DROP COLUMN address_hash")
        store.con.execute("".join(ddl for ddl in schema.INDEX_STATEMENTS.values() if "address_hash" not in ddl))


def test_a_store_of_the_earlier_layout_is_upgraded_in_place_to_what_an_ingest_gives(mainnet_store, tmp_path):
    old = tmp_path / "old.duckdb"
    shutil.copy(mainnet_store, old)
    _downgrade(old)
    with LedgerStore.open(old, read_only=True) as store:  # read as it is: the earlier answer, no error
        assert not store.has_p2pk_columns
        assert address_info(store, GENESIS_KEY)["received"] == 50 * 10**8  # the key finds its row of that layout
    with LedgerStore.open(old) as store:  # opened for writing: upgraded
        assert not store.address_lookup_valid  # its answers named no address for the keys: built again when asked
    upgraded, fresh = table_contents(old), table_contents(mainnet_store)
    del upgraded["meta"], fresh["meta"]
    assert first_difference(upgraded, fresh) is None


def test_an_earlier_store_that_split_one_key_under_two_ids_asks_for_a_new_ingest(mainnet_store, tmp_path):
    old = tmp_path / "old.duckdb"
    shutil.copy(mainnet_store, old)
    _downgrade(old)
    with LedgerStore.open(old) as store:
        pass  # upgraded: then split the genesis key again, as the earlier layout would have after a P2PKH payment
    _downgrade(old)
    with duckdb.connect(str(old)) as con:
        con.execute("INSERT INTO addresses VALUES ('bitcoin', 'mainnet', 2, ?, ?, 'p2pkh', 1)",
                    [p2pkh_script(hash160(bytes.fromhex(GENESIS_KEY))), GENESIS_ADDRESS])  # fmt: skip
    with pytest.raises(InputError, match="Ingest the chain again into a new store"):
        LedgerStore.open(old)
    with LedgerStore.open(old, read_only=True) as store:  # still readable
        assert store.tip() is not None


@pytest.fixture(scope="module")
def mixed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[RegtestNode, str, str, str]]:
    """A regtest chain that pays one key as P2PKH (height 102), then bare (103), then spends the bare output (104).

    Yields the node, the key's address, the key (hex) and the spending transaction.
    """
    if not litecoind_available():
        pytest.skip("litecoind is not installed (scripts/system-deps.sh installs Debian's litecoind)")
    node = RegtestNode(tmp_path_factory.mktemp("p2pk-node")).start()
    try:
        node.rpc("createwallet", "miner")
        node.mine(101)
        address = node.rpc("getnewaddress", "", "legacy", wallet="miner")
        key = node.rpc("getaddressinfo", address, wallet="miner")["pubkey"]
        node.rpc("sendtoaddress", address, 1.5, wallet="miner")
        node.mine(1)
        paid = send_to_script(node, "miner", f"21{key}ac", 200_000_000)
        node.mine(1)
        vout = next(o["n"] for o in node.rpc("getrawtransaction", paid, True)["vout"] if o["scriptPubKey"]["hex"]
                    == f"21{key}ac")  # fmt: skip
        spend = node.rpc("createrawtransaction", [{"txid": paid, "vout": vout}],
                         [{node.rpc("getnewaddress", wallet="miner"): "1.999"}])  # fmt: skip
        signed = node.rpc("signrawtransactionwithwallet", spend, wallet="miner")
        assert signed["complete"], signed
        spent = node.rpc("sendrawtransaction", signed["hex"])
        node.mine(2)
        yield node, address, key, spent
    finally:
        node.stop()


def _regtest_ingest(node: RegtestNode, db: Path, *extra: str) -> int:
    return main(["ingest", "--chain", "litecoin", "--network", "regtest", "--rpc", node.url, "--cookie",
                 str(node.cookie), "--db", str(db), *extra])  # fmt: skip


def _stored_to(node: RegtestNode, db: Path, height: int) -> None:
    """A store of blocks 0..height, written as one batch."""
    rpc = connect(node.url, node.cookie)
    with LedgerStore.open(db, "litecoin", "regtest") as store:
        store.append_batch(batch.from_raw(list(RpcSource(rpc).raw_blocks(0, height))))
    rpc.close()


def test_one_key_paid_both_ways_is_one_address_and_its_bare_output_is_spent_from_it(mixed, tmp_path, capsys):
    node, address, key, spent = mixed
    db = tmp_path / "s.duckdb"
    assert _regtest_ingest(node, db) == 0
    info = _json(capsys, "address-info", address, "--db", str(db))
    assert (info["received"], info["sent"], info["outputs_received"], info["tx_count"]) == (
        350_000_000, 200_000_000, 2, 3)  # fmt: skip
    assert info["p2pk"]["pubkey"] == key and info["type"] == "p2pkh"
    assert _json(capsys, "address-info", key, "--db", str(db)) == info
    tx = _json(capsys, "tx", spent, "--db", str(db))
    (spending,) = tx["inputs"]
    assert spending["address"] == address and spending["p2pk"]["pubkey"] == key


def test_an_incremental_ingest_and_a_roll_back_give_what_a_fresh_ingest_gives(mixed, tmp_path):
    node, *_ = mixed
    fresh = tmp_path / "fresh.duckdb"
    assert _regtest_ingest(node, fresh) == 0
    step = tmp_path / "step.duckdb"  # to 102 (the P2PKH payment), then the rest: the key's id gets its pubkey later
    _stored_to(node, step, 102)
    assert _regtest_ingest(node, step, "--batch-blocks", "1") == 0
    assert first_difference(table_contents(step, without_source=True), table_contents(fresh, without_source=True)) \
        is None
    with LedgerStore.open(step) as store:
        store.rollback_to(102)  # the bare payment and its spend go: so does the key
        assert store.one("SELECT count(*) FROM addresses WHERE pubkey IS NOT NULL") == (1,)  # the genesis key's
    short = tmp_path / "short.duckdb"
    _stored_to(node, short, 102)
    assert first_difference(table_contents(step, without_source=True), table_contents(short, without_source=True)) \
        is None


def test_an_export_of_the_earlier_layout_imports_as_an_ingest_gives(mainnet_store, tmp_path):
    old = tmp_path / "old.duckdb"
    shutil.copy(mainnet_store, old)
    _downgrade(old)
    with LedgerStore.open(old, read_only=True) as store:
        export_parquet(store, tmp_path / "export")
    imported = tmp_path / "imported.duckdb"
    import_parquet(tmp_path / "export", imported)
    ours, fresh = table_contents(imported), table_contents(mainnet_store)
    del ours["meta"], fresh["meta"]
    assert first_difference(ours, fresh) is None


def test_the_web_address_page_says_the_output_was_paid_to_the_bare_key(mainnet_store, tmp_path):
    from cointrail.cases.case import create_case
    from cointrail.investigation import case_store
    from cointrail.web import Security, Workspace, create_app
    from cointrail.web.server import serve_in_thread

    case = create_case("p2pk", tmp_path / "cases", operator="Tester")
    case_store(case).parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(mainnet_store, case_store(case))
    workspace = Workspace(case.folder.parent, "Tester", case.name)
    with serve_in_thread(lambda port: create_app(workspace, Security.for_bind("127.0.0.1", port))) as served:
        page = httpx.get(f"{served.url}/cases/p2pk/address/{GENESIS_ADDRESS}", timeout=30)
        api = httpx.get(f"{served.url}/api/cases/p2pk/address/{GENESIS_KEY}", timeout=30)
    assert page.status_code == 200 and f"P2PK: {note(GENESIS_KEY)}" in page.text
    assert api.json()["info"]["p2pk"]["pubkey"] == GENESIS_KEY and api.json()["info"]["address"] == GENESIS_ADDRESS


def test_trace_and_payers_name_the_address_paid_to_its_bare_key(mixed, tmp_path, capsys):
    from cointrail.tracing import payers, trace

    node, address, key, spent = mixed
    db = tmp_path / "s.duckdb"
    assert _regtest_ingest(node, db) == 0
    paid_to = next(o["scriptPubKey"]["addresses"][0] for o in node.rpc("getrawtransaction", spent, True)["vout"])
    with LedgerStore.open(db, read_only=True) as store:
        traced = trace(store, address, hops=2).to_dict()
        listed = payers(store, [paid_to], hops=1).to_dict()
    for answer in (traced, listed):
        assert [(m["address"], m["pubkey"]) for m in answer["p2pk"]] == [(address, key)], answer["p2pk"]
        assert answer["p2pk"][0]["note"] == note(key)
    assert main(["trace", address, "--db", str(db), "--hops", "2"]) == 0
    assert f"P2PK: {address}: {note(key)}" in capsys.readouterr().out
