"""Ingest from a real litecoind -regtest node and compare with what the node itself reports."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from node import COIN, RegtestNode, node_address_totals, node_balances
from store_compare import first_difference, table_contents

from cointrail.addresses import address_for_script, classify_script
from cointrail.addresses.script import hash160, is_pubkey, p2pkh_script
from cointrail.chains.bitcoin.model import display_hash
from cointrail.cli import main
from cointrail.store.duckdb.queries import address_info
from cointrail.store.duckdb.store import LedgerStore

pytestmark = [pytest.mark.node, pytest.mark.slow]


def ingest_args(node: RegtestNode, db: Path, *extra: str) -> list[str]:
    return ["ingest", "--chain", "litecoin", "--network", "regtest", "--rpc", node.url,
            "--cookie", str(node.cookie), "--db", str(db), *extra]  # fmt: skip


def store_totals(db: Path) -> dict[str, tuple[int, int]]:
    with LedgerStore.open(db, read_only=True) as store:
        rows = store.rows(
            "SELECT a.script, (SELECT coalesce(sum(value), 0) FROM outputs o WHERE o.address_id = a.address_id), "
            "(SELECT coalesce(sum(value), 0) FROM inputs i WHERE i.address_id = a.address_id) FROM addresses a"
        )
    return {bytes(script).hex(): (received, sent) for script, received, sent in rows}


def store_seen(db: Path) -> dict[str, tuple[Any, ...]]:
    """Per script: the transaction count and first and last seen that address_stats keeps for address-info."""
    with LedgerStore.open(db, read_only=True) as store:
        rows = store.rows(
            "SELECT a.script, s.tx_count, f.txid, s.first_height, s.first_time, l.txid, s.last_height, s.last_time "
            "FROM address_stats s JOIN addresses a USING (address_id) JOIN transactions f ON f.tx_id = s.first_tx_id "
            "JOIN transactions l ON l.tx_id = s.last_tx_id"
        )
    return {
        bytes(script).hex(): (count, {"txid": display_hash(bytes(ft)), "height": fh, "time": ftime},
                              {"txid": display_hash(bytes(lt)), "height": lh, "time": ltime})
        for script, count, ft, fh, ftime, lt, lh, ltime in rows
    }  # fmt: skip


def _place(seen: dict[str, Any]) -> tuple[int, str]:
    return seen["height"], seen["txid"]


def by_key(truth: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The node's totals per script with each P2PK script folded into its key's P2PKH script, as the store keeps
    them (issue 13: a P2PK output is listed under the P2PKH address of its key, as explorers do)."""
    folded: dict[str, dict[str, Any]] = {}
    for script, entry in truth.items():
        kind, key = classify_script(bytes.fromhex(script))
        if kind == "p2pk" and isinstance(key, bytes) and is_pubkey(key):
            script = p2pkh_script(hash160(key)).hex()
            entry = {**entry, "address": address_for_script(bytes.fromhex(script), "litecoin", "regtest"), "key": key}
        if script not in folded:
            folded[script] = dict(entry)
            continue
        both = folded[script]  # one key paid both ways: no transaction of this economy does both at once
        both["address"] = both["address"] or entry["address"]
        both["key"] = both.get("key") or entry.get("key")
        for name in ("received", "sent", "tx_count"):
            both[name] += entry[name]
        both["first_seen"] = min(both["first_seen"], entry["first_seen"], key=_place)
        both["last_seen"] = max(both["last_seen"], entry["last_seen"], key=_place)
    return folded


def assert_matches_node(node: RegtestNode, db: Path) -> None:
    """Received, sent, transaction count and first/last seen of every script equal the node's getblock data."""
    truth = by_key(node_address_totals(node))
    ours, seen = store_totals(db), store_seen(db)
    assert set(ours) == set(truth) == set(seen), "the store and the node know different scripts"
    for script, expected in truth.items():
        assert ours[script] == (expected["received"], expected["sent"]), (
            f"script {script} ({expected['address']}): store has received/sent {ours[script]}, "
            f"the node {expected['received']}/{expected['sent']}"
        )
        assert seen[script] == (expected["tx_count"], expected["first_seen"], expected["last_seen"]), (
            f"script {script} ({expected['address']}): store has transactions, first and last seen {seen[script]}, "
            f"the node {expected['tx_count']}, {expected['first_seen']}, {expected['last_seen']}"
        )


def test_every_address_matches_the_node(economy: RegtestNode, economy_store: Path) -> None:
    assert_matches_node(economy, economy_store)
    truth = by_key(node_address_totals(economy))
    addresses = {v["address"]: v for v in truth.values() if v["address"]}
    balances = node_balances(economy, sorted(addresses))  # the node's UTXO set, independent of the walk
    keys = {v["address"]: v["key"] for v in truth.values() if v.get("key")}
    assert keys, "the economy pays some keys bare (P2PK)"
    for address, key in keys.items():  # their unspent P2PK outputs, which addr() leaves out
        unspent = economy.rpc("scantxoutset", "start", [f"pk({key.hex()})"])["total_amount"]
        balances[address] = balances.get(address, 0) + int(unspent * COIN)
    with LedgerStore.open(economy_store, read_only=True) as store:
        for address, expected in addresses.items():
            info = address_info(store, address)
            assert (info["received"], info["sent"]) == (expected["received"], expected["sent"]), address
            assert (info["tx_count"], info["first_seen"], info["last_seen"]) == (
                expected["tx_count"], expected["first_seen"], expected["last_seen"]), address  # fmt: skip
            genesis = expected["first_seen"]["height"] == 0  # the genesis coinbase (P2PK) is in no UTXO set
            assert genesis or info["balance"] == balances.get(address, 0), f"balance of {address} differs"
            assert (info["p2pk"] or {}).get("pubkey") == (keys[address].hex() if address in keys else None)
        tip = store.tip()
    assert tip is not None and tip[0] == economy.height()


def test_store_records_source_and_verification(economy: RegtestNode, economy_store: Path) -> None:
    with LedgerStore.open(economy_store, read_only=True) as store:
        rows = store.rows("SELECT DISTINCT source, txids_recomputed, merkle_checked FROM blocks")
        kinds = dict(store.rows("SELECT script_type, count(*) FROM addresses GROUP BY ALL"))
        coinbase = store.one("SELECT count(*) FROM transactions WHERE is_coinbase")[0]  # type: ignore[index]
    assert rows == [(economy.url, True, True)]
    assert {"nulldata", "nonstandard", "p2wpkh", "p2pkh", "p2sh"} <= set(kinds)
    assert "p2pk" not in kinds  # stored under their key's P2PKH address, the outputs marked
    with LedgerStore.open(economy_store, read_only=True) as store:
        assert store.one("SELECT count(*) FROM outputs WHERE p2pk")[0] > 0  # type: ignore[index]
        assert store.one("SELECT count(*) FROM addresses WHERE pubkey IS NOT NULL")[0] > 0  # type: ignore[index]
    assert coinbase == economy.height() + 1


def test_incremental_ingest_equals_a_fresh_one(make_node, tmp_path: Path) -> None:
    node = make_node()
    node.rpc("createwallet", "miner")
    node.mine(110)
    first, fresh = tmp_path / "incremental.duckdb", tmp_path / "fresh.duckdb"
    assert main(ingest_args(node, first)) == 0
    address = node.rpc("getnewaddress", wallet="miner")
    for _ in range(3):
        node.rpc("sendtoaddress", address, 1.25, wallet="miner")
        node.mine(2)
    assert main(ingest_args(node, first)) == 0
    assert main(ingest_args(node, fresh, "--batch-blocks", "7")) == 0
    assert first_difference(table_contents(first), table_contents(fresh)) is None
    assert_matches_node(node, first)


def test_reorg_rolls_back_to_the_fork_point(make_node, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    node = make_node()
    node.rpc("createwallet", "miner")
    node.mine(105)
    payee = node.rpc("getnewaddress", wallet="miner")
    node.rpc("sendtoaddress", payee, 3, wallet="miner")
    node.mine(3)
    db = tmp_path / "reorg.duckdb"
    assert main(ingest_args(node, db)) == 0
    fork_height = 106  # the payment's block and the two after it go stale
    node.rpc("invalidateblock", node.rpc("getblockhash", fork_height))
    node.rpc("sendtoaddress", node.rpc("getnewaddress", wallet="miner"), 7, wallet="miner")
    node.mine(5)  # a longer fork: 105 + 5 > 108
    capsys.readouterr()
    assert main(ingest_args(node, db, "--json")) == 0
    assert '"to_height": 105' in capsys.readouterr().out
    fresh = tmp_path / "fresh.duckdb"
    assert main(ingest_args(node, fresh)) == 0
    assert first_difference(table_contents(db), table_contents(fresh)) is None
    assert_matches_node(node, db)
    node.flush()  # the stale blocks stay in the node's files; the reader must leave them out
    files = tmp_path / "files.duckdb"
    assert main(["ingest", "--chain", "litecoin", "--network", "regtest", "--blocks", str(node.blocks_dir),
                 "--db", str(files)]) == 0  # fmt: skip
    assert first_difference(table_contents(files, without_source=True), table_contents(db, without_source=True)) is None


def test_block_files_give_the_same_store(economy: RegtestNode, economy_store: Path, tmp_path: Path) -> None:
    economy.flush()  # the node writes its block files out
    db = tmp_path / "from-files.duckdb"
    args = [
        "ingest",
        "--chain",
        "litecoin",
        "--network",
        "regtest",
        "--blocks",
        str(economy.blocks_dir),
        "--db",
        str(db),
    ]
    assert main(args) == 0
    difference = first_difference(
        table_contents(db, without_source=True), table_contents(economy_store, without_source=True)
    )
    assert difference is None, f"blk files and RPC disagree: {difference}"
    with LedgerStore.open(db, read_only=True) as store:
        sources = store.rows("SELECT DISTINCT source FROM blocks")
    assert all(Path(s[0]).name.startswith("blk") for s in sources)


def test_mweb_flows_are_recorded_not_dropped(make_node, tmp_path: Path) -> None:
    """Past Litecoin's MWEB activation: peg-in, MWEB-to-MWEB, peg-out; extension blocks kept opaque."""
    node = make_node()
    node.rpc("createwallet", "miner")
    miner = node.rpc("getnewaddress", wallet="miner")
    node.mine(431, miner)
    node.rpc("sendtoaddress", node.rpc("getnewaddress", "", "mweb", wallet="miner"), 10, wallet="miner")  # peg-in
    node.mine(3, miner)
    node.rpc("sendtoaddress", node.rpc("getnewaddress", "", "mweb", wallet="miner"), 1, wallet="miner")
    node.rpc("sendtoaddress", miner, 2, wallet="miner")  # paid from MWEB coins: a peg-out
    node.mine(1, miner)
    db, files = tmp_path / "mweb.duckdb", tmp_path / "files.duckdb"
    assert main(ingest_args(node, db)) == 0
    assert_matches_node(node, db)
    with LedgerStore.open(db, read_only=True) as store:
        kinds = {r[0] for r in store.rows("SELECT script_type FROM addresses")}
        hogex = store.one("SELECT count(*) FROM transactions WHERE has_mweb AND position > 0")[0]  # type: ignore[index]
        extension = store.one("SELECT count(*) FROM blocks WHERE mweb_size > 0")[0]  # type: ignore[index]
    assert {"mweb_pegin", "mweb_hogaddr"} <= kinds
    assert hogex == 4 and extension == 4, "blocks 432-435 each carry a HogEx and an extension block"
    node.flush()
    assert main(["ingest", "--chain", "litecoin", "--network", "regtest", "--blocks", str(node.blocks_dir),
                 "--db", str(files)]) == 0  # fmt: skip
    assert first_difference(table_contents(files, without_source=True), table_contents(db, without_source=True)) is None

