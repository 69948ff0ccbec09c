"""Fixtures shared by every test module, and a real litecoind -regtest node with an economy on it.

The node helper lives in tests/node.py (shared with benchmarks/rpc_ingest.py); the node fixtures serve the
source, ingest and store tests (tests/chains, tests/ingest, tests/store), which share one session economy.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from node import RegtestNode, build_economy, litecoind_available

if TYPE_CHECKING:
    from cointrail.simulation.watched import WatchedEconomy

REPO_ROOT = Path(__file__).resolve().parent.parent
SHARED_DATA = REPO_ROOT.parent / "shared" / "data"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The public test vectors in ../shared/data (not ours to commit).

    Tests that need them skip, with the reason, where the folder is absent.
    """
    if not SHARED_DATA.is_dir():
        pytest.skip(f"public test vectors not found at {SHARED_DATA} (see ../shared/data/SOURCES.md)")
    return SHARED_DATA


def _need_litecoind() -> None:
    if not litecoind_available():
        pytest.skip("litecoind is not installed (scripts/system-deps.sh installs Debian's litecoind)")


@pytest.fixture(scope="session")
def economy(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RegtestNode]:
    """A node whose chain holds a small economy of six wallets (read-only for tests)."""
    _need_litecoind()
    node = RegtestNode(tmp_path_factory.mktemp("economy-node")).start()
    try:
        build_economy(node, rounds=40)
        node.flush()
        yield node
    finally:
        node.stop()


@pytest.fixture
def make_node(tmp_path: Path) -> Iterator[Callable[[], RegtestNode]]:
    """Start fresh nodes for a test that changes its chain; all are stopped at teardown."""
    _need_litecoind()
    nodes: list[RegtestNode] = []

    def start() -> RegtestNode:
        nodes.append(RegtestNode(tmp_path / f"node{len(nodes)}").start())
        return nodes[-1]

    yield start
    for node in nodes:
        node.stop()


@pytest.fixture(scope="session")
def economy_store(economy: RegtestNode, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The economy ingested once over RPC; tests copy it before changing it."""
    from cointrail.cli import main

    db = tmp_path_factory.mktemp("economy-store") / "ledger.duckdb"
    code = main(["ingest", "--chain", "litecoin", "--network", "regtest", "--rpc", economy.url,
                 "--cookie", str(economy.cookie), "--db", str(db), "--batch-blocks", "25"])  # fmt: skip
    assert code == 0
    return db


@pytest.fixture
def store_copy(economy_store: Path, tmp_path: Path) -> Path:
    target = tmp_path / "copy.duckdb"
    shutil.copy(economy_store, target)
    return target


@pytest.fixture
def watched(tmp_path: Path) -> Iterator[WatchedEconomy]:
    """A node with a watched site's 3 LTC and a labelled exchange deposit, the case's store read to the tip
    (:mod:`cointrail.simulation.watched`), for the watch tests; the node is stopped after."""
    _need_litecoind()
    from cointrail.simulation.watched import watched_economy

    with watched_economy(tmp_path) as eco:
        yield eco
