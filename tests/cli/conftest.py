"""Fixtures of the terminal harness: the demo case made by `cointrail demo` in a terminal, and real mainnet blocks."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from node_answers import mainnet_blk_file
from ptyrun import ForkServer, Screen, run_in_terminal

from cointrail.simulation import litecoind_available


@dataclass
class DemoCase:
    """What `cointrail demo --workdir W` left behind, and what it showed while it ran."""

    workdir: Path
    cases_dir: Path
    name: str
    screen: Screen

    @property
    def folder(self) -> Path:
        return self.cases_dir / self.name

    @property
    def db(self) -> Path:
        return self.folder / "work" / "ledger.duckdb"

    @property
    def node_blocks(self) -> Path:
        """The demo node's block files (blk*.dat), kept after it stopped: a second source to ingest from."""
        return self.workdir / "node" / "regtest" / "blocks"


@pytest.fixture(scope="session")
def forkserver() -> Iterator[ForkServer]:
    """The server that starts commands on terminals (its imports run while the demo does)."""
    server = ForkServer()
    yield server
    server.close()


@pytest.fixture(scope="session")
def demo_case(tmp_path_factory: pytest.TempPathFactory) -> DemoCase:
    """The demo, run once as a person runs it (in a terminal, text mode); its case is what the harness works on."""
    if not litecoind_available():
        pytest.skip("litecoind is not installed (scripts/system-deps.sh): the demo case needs it")
    workdir = tmp_path_factory.mktemp("terminal-demo")
    screen = run_in_terminal("demo", "--workdir", str(workdir), timeout=300)
    assert not screen.crashed() and screen.returncode == 0, screen.describe()
    [folder] = sorted((workdir / "cases").glob("demo-*"))
    return DemoCase(workdir, workdir / "cases", folder.name, screen)


@pytest.fixture(scope="session")
def mainnet_blocks(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A Bitcoin Core blocks directory holding the real mainnet blocks 0 and 1 (from bitcoin-etl's recorded RPC)."""
    return mainnet_blk_file(shared_data, tmp_path_factory.mktemp("mainnet-blocks"))
