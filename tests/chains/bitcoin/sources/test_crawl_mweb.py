"""A crawl from a real ElectrumX over a Litecoin chain past MWEB's activation (issue 15): it does not crash, keeps
what ElectrumX serves (the peg-in, the HogEx that pays a peg-out back, both proven), walks into neither, and says
what it cannot see. ElectrumX serves a peg-in as an ordinary transaction with a witness version 9 output, and a
peg-out as an output of the block's HogEx (MWEB-flagged, with a null MWEB part); an MWEB-to-MWEB payment is in no
canonical block, so no server lists it."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from electrumx_server import ElectrumX, electrumx_available
from node import MWEB_HEIGHT, RegtestNode

from cointrail.chains.bitcoin.model import display_hash
from cointrail.chains.bitcoin.sources.electrum import ElectrumServer, ElectrumSource
from cointrail.ingest.crawl import HOGEX_STOP, PEG_IN_STOP, crawl
from cointrail.store.duckdb.store import LedgerStore

pytestmark = [pytest.mark.node, pytest.mark.slow]


def _mweb_chain(node: RegtestNode) -> dict[str, str]:
    """Alice is paid, pegs her coins into MWEB, and is paid back out of it to the same address (a peg-out)."""
    for wallet in ("miner", "alice"):
        node.rpc("createwallet", wallet)
    miner = node.rpc("getnewaddress", wallet="miner")
    node.mine(MWEB_HEIGHT - 1, miner)
    alice = node.rpc("getnewaddress", wallet="alice")
    paid = node.rpc("sendtoaddress", alice, 20, wallet="miner")
    node.rpc("sendtoaddress", node.rpc("getnewaddress", "", "mweb", wallet="miner"), 5, wallet="miner")  # MWEB's
    node.mine(1, miner)  # first block needs a peg-in
    pegin = node.rpc("sendtoaddress", node.rpc("getnewaddress", "", "mweb", wallet="alice"), 10, wallet="alice")
    node.mine(1, miner)
    node.rpc("sendtoaddress", alice, 3, wallet="alice")  # from her MWEB coins: a peg-out, paid by the HogEx
    hogex = node.rpc("getblock", node.mine(1, miner)[0])["tx"][-1]
    return {"alice": alice, "paid": paid, "pegin": pegin, "hogex": hogex}


def test_a_crawl_keeps_the_peg_in_and_the_hogex_and_says_it_cannot_see_inside(
        make_node: Callable[[], RegtestNode], tmp_path: Path) -> None:  # fmt: skip
    if not electrumx_available():
        pytest.skip("ElectrumX is not installed (pip install 'e-x[leveldb]', in the test extras)")
    if shutil.which("openssl") is None:
        pytest.skip("the openssl program is needed to make the server's TLS certificate")
    node = make_node()
    chain = _mweb_chain(node)
    server = ElectrumX(node, tmp_path / "electrumx").start()
    try:
        source = ElectrumSource(ElectrumServer.parse(f"tcp://127.0.0.1:{server.tcp}"), "litecoin", "regtest")
        with LedgerStore.open(tmp_path / "sparse.duckdb", "litecoin", "regtest") as store:
            report = crawl(store, source, [chain["alice"]], hops=1)
            stored = {display_hash(bytes(t)): mweb for t, mweb in store.rows("SELECT txid, has_mweb FROM transactions")}
    finally:
        server.stop()
    # Alice's history (paid, pegged in, paid out of MWEB by the HogEx), proven and kept; one hop back, the miner's
    # payment to her; past the peg-in's output and the HogEx, nothing: no other HogEx, no stranger's peg-in.
    assert {chain["paid"], chain["pegin"], chain["hogex"]} <= stored.keys()
    assert stored[chain["hogex"]] and [t for t, mweb in stored.items() if mweb] == [chain["hogex"]]
    assert len(stored) == 4 and report.fetched == 4
    assert {"kind": "transaction", "id": chain["hogex"], "why": HOGEX_STOP} in report.left_out
    assert {"kind": "transaction", "id": chain["pegin"], "why": PEG_IN_STOP.format(vout=0)} in report.left_out
    assert report.addresses[chain["alice"]]["status"] == "complete"
