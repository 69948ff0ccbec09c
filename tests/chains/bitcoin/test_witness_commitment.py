"""Ingest verifies each block's BIP 141 witness commitment (issue 13): a block whose witness bytes were altered is
refused, over RPC and from blk files, in a first (bulk) ingest and an incremental one, and nothing of it is stored.

The blocks are a real litecoind -regtest node's; the tampering flips one byte of a signature in a segwit input's
witness, in the raw bytes the node sends (through a loopback proxy the test starts) or in a copy of its blk file.
That leaves the txids and the merkle root as they were: only the commitment can tell.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import shutil
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import httpx
import pytest
from loopback import serving
from node import RegtestNode

from cointrail.chains.bitcoin import batch, verify
from cointrail.chains.bitcoin.model import RawBlock, TxOut
from cointrail.chains.bitcoin.rawblock import parse_block
from cointrail.chains.bitcoin.sources.rpc import RpcSource, connect
from cointrail.cli import main
from cointrail.store.duckdb.store import LedgerStore

pytestmark = [pytest.mark.node]


def _segwit_block(node: RegtestNode) -> str:
    """Mine a block with a transaction that spends a segwit (bech32) output: it carries witness data."""
    node.rpc("sendtoaddress", node.rpc("getnewaddress", "", "bech32", wallet="miner"), 1, wallet="miner")
    return node.mine(1)[0]


@pytest.fixture(scope="module")
def chain(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[RegtestNode, str]]:
    """A node with 101 blocks to bech32 addresses, then at height 102 a block with a segwit spend, then 3 more."""
    from node import litecoind_available

    if not litecoind_available():
        pytest.skip("litecoind is not installed (scripts/system-deps.sh installs Debian's litecoind)")
    node = RegtestNode(tmp_path_factory.mktemp("witness-node")).start()
    try:
        node.rpc("createwallet", "miner")
        node.mine(101, node.rpc("getnewaddress", "", "bech32", wallet="miner"))
        target = _segwit_block(node)
        node.mine(3)
        node.flush()
        yield node, target
    finally:
        node.stop()


def _witness_item(raw: bytes) -> bytes:
    """A signature in the witness of the block's first segwit spend."""
    block = parse_block(raw)
    spend = next(tx for tx in block.transactions[1:] if tx.wtxid != tx.txid)
    return next(item for txin in spend.inputs for item in txin.witness if len(item) > 60)


def _tamper(data: bytes, item: bytes) -> bytes:
    """``data`` with one byte flipped inside ``item`` (found once in it)."""
    at = data.index(item)
    assert data.count(item) == 1
    return data[: at + 20] + bytes([data[at + 20] ^ 0x01]) + data[at + 21 :]


def test_the_check_finds_a_changed_witness_byte_that_the_merkle_root_misses(chain):
    node, target = chain
    raw = bytes.fromhex(node.rpc("getblock", target, 0))
    forged = _tamper(raw, _witness_item(raw))
    assert parse_block(forged).merkle_verified  # the txids are unchanged
    assert verify.check_block(parse_block(raw)) is None
    assert verify.check_block(parse_block(forged)) == verify.MISMATCH
    columns = batch.from_raw([RawBlock(102, raw, "rpc", "here"), RawBlock(102, forged, "rpc", "there")])
    assert columns.blocks.witness_problem == [None, verify.MISMATCH]  # the compiled path agrees
    assert verify.witness_unverified(columns) == (1, verify.MISMATCH)


class _TamperingProxy(BaseHTTPRequestHandler):
    """Forwards JSON-RPC to the node; alters the raw bytes of one block in its getblock answers."""

    node: RegtestNode
    target: str

    def do_POST(self) -> None:  # noqa: N802 - the http.server naming
        body = self.rfile.read(int(self.headers["Content-Length"]))
        answer = httpx.post(self.node.url, content=body, headers={"Authorization": self.headers["Authorization"],
                                                                  "Content-Type": "application/json"})  # fmt: skip
        calls, results = json.loads(body), answer.json()
        if isinstance(calls, list):
            for call, result in zip(calls, results, strict=True):
                if call["method"] == "getblock" and call["params"][0] == self.target and result.get("result"):
                    raw = bytes.fromhex(result["result"])
                    result["result"] = _tamper(raw, _witness_item(raw)).hex()
        out = json.dumps(results).encode()
        self.send_response(answer.status_code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)

    def log_message(self, *args: object) -> None:
        pass


def _proxy(node: RegtestNode, target: str) -> contextlib.AbstractContextManager[str]:
    """A loopback proxy to ``node`` that alters block ``target`` in its getblock answers; its URL."""
    return serving(type("Proxy", (_TamperingProxy,), {"node": node, "target": target}))


def _ingest(db: Path, node: RegtestNode, *source: str) -> int:
    args = ["ingest", "--chain", "litecoin", "--network", "regtest", "--db", str(db), "--batch-blocks", "25"]
    return main([*args, *source] if source[0] == "--blocks" else [*args, *source, "--cookie", str(node.cookie)])


def _tip(db: Path) -> int | None:
    with LedgerStore.open(db, read_only=True) as store:
        tip = store.tip()
        assert store.one("SELECT count(*) FROM transactions WHERE block_height > ?", [tip[0] if tip else -1]) == (0,)
        return tip[0] if tip else None


def _refused(capsys: pytest.CaptureFixture[str], target: str, batch_from: int) -> None:
    error = capsys.readouterr().err
    assert f"block {target} at height 102" in error and "witness commitment does not match" in error
    assert f"Nothing of heights {batch_from} to 105 was stored" in error and "ingest again" in error
    assert "Traceback" not in error


def test_a_first_ingest_over_rpc_refuses_the_altered_block(chain, tmp_path, capsys):
    node, target = chain
    db = tmp_path / "s.duckdb"
    with _proxy(node, target) as url:
        assert _ingest(db, node, "--rpc", url) == 1  # a bulk load: more blocks than the store holds
    _refused(capsys, target, 100)
    assert _tip(db) == 99  # the batches of 25 blocks before it, whole
    assert _ingest(db, node, "--rpc", node.url) == 0  # the node's own copy then goes in
    assert _tip(db) == node.height()


def test_an_incremental_ingest_over_rpc_refuses_the_altered_block(chain, tmp_path, capsys):
    node, target = chain
    db = tmp_path / "s.duckdb"
    rpc = connect(node.url, node.cookie)
    with LedgerStore.open(db, "litecoin", "regtest") as store:  # the store up to 100, then a small ingest
        store.append_batch(batch.from_raw(list(RpcSource(rpc).raw_blocks(0, 100))))
    rpc.close()
    with _proxy(node, target) as url:
        assert _ingest(db, node, "--rpc", url) == 1  # 5 blocks onto 101: not a bulk load
    _refused(capsys, target, 101)
    assert _tip(db) == 100


def test_block_files_with_an_altered_witness_are_refused(chain, tmp_path, capsys):
    node, target = chain
    raw = bytes.fromhex(node.rpc("getblock", target, 0))
    item = _witness_item(raw)
    files = tmp_path / "blocks"
    shutil.copytree(node.blocks_dir, files, ignore=shutil.ignore_patterns("index", "rev*.dat"))
    (blk,) = [p for p in files.glob("blk*.dat") if item in p.read_bytes()]
    blk.write_bytes(_tamper(blk.read_bytes(), item))
    db = tmp_path / "s.duckdb"
    assert _ingest(db, node, "--blocks", str(files)) == 1
    _refused(capsys, target, 100)
    assert _tip(db) == 99


def test_a_commitment_with_no_witness_bytes_passes_and_witness_bytes_need_one(chain, shared_data):
    """A pre-segwit mainnet block given a commitment no rule checked then; the regtest block without its commitment."""
    old = parse_block((shared_data / "bitcoin-core" / "block413567.raw").read_bytes())
    coinbase = old.transactions[0]
    commitment = TxOut(0, verify.COMMITMENT_PREFIX + bytes(32))
    unchecked = dataclasses.replace(coinbase, outputs=(*coinbase.outputs, commitment))
    assert verify.check_block(dataclasses.replace(old, transactions=(unchecked, *old.transactions[1:]))) is None
    node, target = chain
    block = parse_block(bytes.fromhex(node.rpc("getblock", target, 0)))
    coinbase = block.transactions[0]
    bare = dataclasses.replace(coinbase, outputs=tuple(o for o in coinbase.outputs
                                                       if not o.script_pubkey.startswith(verify.COMMITMENT_PREFIX)))
    problem = verify.check_block(dataclasses.replace(block, transactions=(bare, *block.transactions[1:])))
    assert problem == verify.NO_COMMITMENT.format(n=1)
