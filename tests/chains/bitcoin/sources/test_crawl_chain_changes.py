"""The crawl against a real ElectrumX whose server refuses, and whose chain changes under the store (issue 15).

The session's economy is read-only, so these tests run their own small chain and ElectrumX (one of each for the
module): an address with more transactions than the server will list ("history too large": ElectrumX's
``MAX_SEND`` at its floor, 350,000 bytes, lists at most 3,534), an address with a short history, and then a reorg
of the block that paid it.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from electrumx_server import ElectrumX, electrumx_available
from node import RegtestNode, litecoind_available

from cointrail.addresses import address_for_script
from cointrail.addresses.script import hash160
from cointrail.cli import main
from cointrail.errors import EXIT_NEGATIVE
from cointrail.store.duckdb import sparse
from cointrail.store.duckdb.store import LedgerStore

pytestmark = [pytest.mark.node, pytest.mark.slow]

# ElectrumX lists at most (MAX_SEND - 100) // 99 transactions of an address: 3,534 at its floor of 350,000 bytes.
MAX_SEND = 350_000
SPENDS = 3_600  # transactions paying the busy address, over that limit
FAN_OUT = 1_800  # outputs of each funding transaction (two of them: each under the standard size)
PAID = 100_000  # litoshis in each output of the busy address
REDEEM = b"\x51"  # OP_TRUE: a P2SH output anyone can spend, so the spends need no signature and no wallet
BUSY_SCRIPT = b"\xa9\x14" + hash160(REDEEM) + b"\x87"


def _varint(n: int) -> bytes:
    return bytes([n]) if n < 0xFD else b"\xfd" + n.to_bytes(2, "little")


def _output(value: int, script: bytes) -> bytes:
    return value.to_bytes(8, "little") + _varint(len(script)) + script


def _fan_out(node: RegtestNode) -> list[tuple[str, int]]:
    """A transaction from the miner's wallet paying the busy address ``FAN_OUT`` times; those outputs."""
    unfunded = b"\x02\x00\x00\x00\x00" + _varint(FAN_OUT) + _output(PAID, BUSY_SCRIPT) * FAN_OUT + bytes(4)
    funded = node.rpc("fundrawtransaction", unfunded.hex(), wallet="miner")
    signed = node.rpc("signrawtransactionwithwallet", funded["hex"], wallet="miner")
    txid = str(node.rpc("sendrawtransaction", signed["hex"]))
    outputs = node.rpc("decoderawtransaction", signed["hex"])["vout"]  # the change goes in at a random place
    return [(txid, o["n"]) for o in outputs if o["scriptPubKey"]["hex"] == BUSY_SCRIPT.hex()]


def _spend(txid: str, vout: int) -> str:
    """A transaction spending one output of the busy address back to it (its scriptSig pushes the redeem script)."""
    spent = bytes.fromhex(txid)[::-1] + vout.to_bytes(4, "little")
    script_sig = bytes([len(REDEEM)]) + REDEEM
    tx = (b"\x02\x00\x00\x00\x01" + spent + _varint(len(script_sig)) + script_sig + b"\xff\xff\xff\xff" + b"\x01"
          + _output(PAID - 200, BUSY_SCRIPT) + bytes(4))  # fmt: skip
    return tx.hex()


def _build_chain(node: RegtestNode) -> dict[str, str]:
    """Mined coins, a busy address with ``SPENDS`` + 2 transactions, and a payment to a fresh address on top."""
    node.rpc("createwallet", "miner")
    node.mine(101)
    funding = []
    for _ in range(SPENDS // FAN_OUT):  # each mined before the next: together they pass the mempool's size limit
        funding += _fan_out(node)
        node.mine(1)
    for txid, vout in funding:
        node.rpc("sendrawtransaction", _spend(txid, vout))
    node.mine(1)
    quiet = node.rpc("getnewaddress", "", "bech32", wallet="miner")
    payment = node.rpc("sendtoaddress", quiet, 1, wallet="miner")
    node.mine(1)  # the payment, alone with its coinbase, in the tip block: the one the reorg replaces
    busy = address_for_script(BUSY_SCRIPT, "litecoin", "regtest")
    assert busy is not None
    return {"busy": busy, "quiet": quiet, "payment": payment}


@pytest.fixture(scope="module")
def chain(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """A regtest node of its own with :func:`_build_chain`'s chain, and ElectrumX over it at ``MAX_SEND``."""
    if not litecoind_available() or not electrumx_available():
        pytest.skip("litecoind and ElectrumX are needed (scripts/system-deps.sh; pip install 'e-x[leveldb]')")
    node = RegtestNode(tmp_path_factory.mktemp("changing-node")).start()
    server = None
    try:
        built = _build_chain(node)
        server = ElectrumX(node, tmp_path_factory.mktemp("changing-electrumx"), {"MAX_SEND": str(MAX_SEND)}).start()
        yield {**built, "node": node, "server": server, "url": f"tcp://127.0.0.1:{server.tcp}"}
    finally:
        if server is not None:
            server.stop()
        node.stop()


def _ingest(url: str, db: Path, *seeds: str) -> list[str]:
    around = [arg for seed in seeds for arg in ("--around", seed)]
    return ["ingest", "--chain", "litecoin", "--network", "regtest", "--electrum", url, *around, "--hops", "1",
            "--db", str(db), "--json"]  # fmt: skip


def _everything(db: Path) -> dict[str, list[Any]]:
    """Every row a crawl writes, to compare a store before and after."""
    tables = ("blocks", "transactions", "outputs", "inputs", "addresses", "sparse_transactions", "sparse_outpoints",
              "sparse_coverage", "sparse_history", "sparse_spend_checks")  # fmt: skip
    with LedgerStore.open(db, read_only=True) as store:
        return {t: sorted(map(repr, store.rows(f"SELECT * FROM {t}"))) for t in tables}


def test_a_history_the_server_will_not_send_is_recorded_as_truncated_and_the_crawl_goes_on(
        chain: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:  # fmt: skip
    """ElectrumX answers "history too large" (error 10001) for the busy address: it is recorded as truncated with
    the server's reason, listed with nothing, not expanded; the next seed is crawled as usual."""
    db = tmp_path / "refused.duckdb"
    capsys.readouterr()
    assert main(_ingest(chain["url"], db, chain["busy"], chain["quiet"])) == 0
    report = json.loads(capsys.readouterr().out)
    busy, quiet = report["addresses"][chain["busy"]], report["addresses"][chain["quiet"]]
    assert busy["status"] == "truncated" and busy["listed"] == 0 and "history too large" in busy["reason"]
    assert busy["words"].startswith("truncated at 0 transactions (") and chain["url"][6:] in busy["reason"]
    assert [i["why"] for i in report["left_out"] if i["id"] == chain["busy"]] == \
           [f"{busy['reason']}: recorded, not expanded"]  # fmt: skip
    assert quiet["status"] == "complete"
    assert report["requests_by_method"]["blockchain.scriptpubkey.get_history"] >= 2  # asked once each, at least
    with LedgerStore.open(db, read_only=True) as store:
        coverage, entries = sparse.stored_history(store, chain["busy"]) or ({}, [])
        assert coverage["expanded"] is False and coverage["complete"] is False and entries == []
        txids = sparse.stored_txids(store)
        assert bytes.fromhex(chain["payment"])[::-1] in txids
        assert len(txids) < 10  # none of the busy address's 3,602 transactions was walked
    capsys.readouterr()  # the quiet payment's funder (the miner's change) also paid the busy address: seen, so
    assert main(["address-info", chain["busy"], "--db", str(db)]) == 0  # its balance is not known, and why
    balance = next(line for line in capsys.readouterr().out.splitlines() if line.startswith("  balance:"))
    assert balance.startswith("  balance:  not known: what became of") and "(history too large)" in balance


def test_a_reorg_under_a_sparse_store_refuses_the_top_up_and_keeps_the_store(
        chain: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:  # fmt: skip
    """Crawl; the node replaces the block that paid the seed (invalidateblock, another block mined on its parent)
    and ElectrumX follows; the next crawl refuses (exit 1, saying what happened and what to do) before it fetches
    anything, and the store holds exactly what it held. Runs last in this module: it changes the chain."""
    node: RegtestNode = chain["node"]
    db = tmp_path / "reorged.duckdb"
    assert main(_ingest(chain["url"], db, chain["quiet"])) == 0
    before = _everything(db)
    replaced = node.rpc("getbestblockhash")
    height = node.height()
    node.rpc("invalidateblock", replaced)
    node.mine(2, node.rpc("getnewaddress", "", "legacy", wallet="miner"))  # the payment again, in a new block
    assert node.rpc("getblockhash", height) != replaced
    chain["server"].wait_synced()
    capsys.readouterr()
    assert main(_ingest(chain["url"], db, chain["quiet"])) == EXIT_NEGATIVE
    said = capsys.readouterr().err
    assert f"holds block {replaced} there from an earlier crawl" in said and "(a reorg)" in said
    assert "Nothing was fetched and the store is unchanged" in said and "crawl again into a new store" in said
    assert _everything(db) == before
    fresh = tmp_path / "after.duckdb"  # what the message says to do works
    assert main(_ingest(chain["url"], fresh, chain["quiet"])) == 0
    with LedgerStore.open(fresh, read_only=True) as store:
        assert dict(sparse.stored_blocks(store))[height] == bytes.fromhex(node.rpc("getblockhash", height))[::-1]
