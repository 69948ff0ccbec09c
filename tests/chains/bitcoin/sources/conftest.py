"""A real ElectrumX and the Esplora stand-in over the session's regtest economy, and helpers to read the node."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from electrumx_server import ElectrumX, electrumx_available
from node import RegtestNode

from cointrail.simulation.esplora_standin import Standin, running


@pytest.fixture(scope="session")
def electrumx(economy: RegtestNode, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ElectrumX]:
    """ElectrumX over the economy node (TCP and TLS), synced to its tip."""
    if not electrumx_available():
        pytest.skip("ElectrumX is not installed (pip install 'e-x[leveldb]', in the test extras)")
    if shutil.which("openssl") is None:
        pytest.skip("the openssl program is needed to make the server's TLS certificate")
    server = ElectrumX(economy, tmp_path_factory.mktemp("electrumx")).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def standin_server(economy: RegtestNode) -> Iterator[Standin]:
    with running(economy) as standin:
        yield standin


@pytest.fixture
def standin(standin_server: Standin) -> Standin:
    """The Esplora stand-in with its awkward cases switched off and its request log emptied."""
    standin_server.repeat_page = False
    standin_server.throttle_every = standin_server.truncate_at = None
    standin_server.requests.clear()
    return standin_server


@pytest.fixture(scope="session")
def busy_address(standin_server: Standin) -> str:
    """The address with the longest history (the miner's first: 100+ transactions, several pages)."""
    return max(standin_server.history, key=lambda a: len(standin_server.history[a]))


@pytest.fixture(scope="session")
def sample_addresses(standin_server: Standin) -> list[str]:
    """A few addresses of every kind the economy pays (bech32, P2SH, legacy), each with a short history."""
    kinds = {"r": "bech32", "Q": "p2sh", "m": "legacy", "n": "legacy"}
    chosen: dict[str, str] = {}
    for address, items in sorted(standin_server.history.items()):
        if 2 <= len(items) <= 6 and address[0] in kinds:
            chosen.setdefault(kinds[address[0]], address)
    return sorted(chosen.values())


def node_placement(node: RegtestNode, txid: str) -> tuple[int, int]:
    """(height, position in its block) of a transaction, as the node has it."""
    block = node.rpc("getblock", node.rpc("getrawtransaction", txid, True)["blockhash"])
    return block["height"], block["tx"].index(txid)


def archive_path(folder: Path, name: str) -> Path:
    return folder / f"{name}.warc.gz"
