"""``watch run --electrum`` against a real ElectrumX over a litecoind -regtest node (and ``--esplora`` against the
Esplora stand-in over it): with no node of its own, the case learns of the site's money moving into a labelled
exchange, from the transactions fetched around the tracked addresses alone (a sparse store), every answer proven
and archived in the case."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from electrumx_server import ElectrumX, electrumx_available

from cointrail.cases.verify import verify_case
from cointrail.cli import main
from cointrail.simulation import litecoind_available
from cointrail.simulation.esplora_standin import running
from cointrail.simulation.watched import OPERATOR, WatchedEconomy, watched_economy
from cointrail.store.duckdb import sparse
from cointrail.store.duckdb.store import LedgerStore
from cointrail.watch import case_alerts

pytestmark = [pytest.mark.node, pytest.mark.slow]


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[WatchedEconomy, ElectrumX]]:
    if not litecoind_available() or not electrumx_available():
        pytest.skip("litecoind and ElectrumX are needed (scripts/system-deps.sh; pip install 'e-x[leveldb]')")
    with watched_economy(tmp_path) as eco:
        server = ElectrumX(eco.node, tmp_path / "electrumx").start()
        try:
            yield eco, server
        finally:
            server.stop()


def _run(eco: WatchedEconomy, server: ElectrumX, db: Path) -> None:
    code = main(["watch", "run", "--case", eco.case.name, "--cases-dir", str(eco.cases_dir), "--electrum",
                 f"tcp://127.0.0.1:{server.tcp}", "--db", str(db), "--chain", "litecoin", "--network", "regtest",
                 "--once", "--operator", OPERATOR])  # fmt: skip
    assert code == 0


def test_an_electrum_server_alone_tells_of_money_into_an_exchange(served: tuple[WatchedEconomy, ElectrumX],
                                                                 tmp_path: Path) -> None:  # fmt: skip
    eco, server = served
    db = tmp_path / "light.duckdb"
    _run(eco, server, db)  # the first run: from the server's tip on; the site's history fetched, proven, archived
    txid = eco.spend(eco.deposit, "1.25")
    eco.node.mine(1)
    server.wait_synced()
    _run(eco, server, db)

    (alert,) = case_alerts(eco.case)
    assert alert.txid == txid and alert.kind == "spent" and alert.urgent
    into = [d for d in alert.destinations if d["kind"] == "service"]
    assert [(d["address"], d["value"]) for d in into] == [(eco.deposit, 125_000_000)]
    assert alert.freeze_requests[0]["deposit_address"] == eco.deposit
    with LedgerStore.open(db, read_only=True) as store:
        assert sparse.is_sparse(store)  # nothing but what was fetched around the tracked addresses
        (count,) = store.one("SELECT count(*) FROM transactions")  # type: ignore[misc]
    assert count < 10
    archived = [e for e in eco.case.log.entries() if e["action"] == "light-source.warc"]
    assert len(archived) == 2  # each run's questions and answers, kept as evidence
    _run(eco, server, db)  # nothing new: nothing raised twice
    assert len(case_alerts(eco.case)) == 1
    assert verify_case(eco.case).intact


def test_an_esplora_server_alone_tells_of_it_too(watched: WatchedEconomy, tmp_path: Path) -> None:
    # The Esplora-shaped stand-in over the same node (no Esplora server can run here): its address index is
    # rebuilt after the block, as Esplora's own indexer keeps up with the chain.
    eco, db = watched, tmp_path / "esplora.duckdb"
    with running(eco.node) as standin:
        args = ["watch", "run", "--case", eco.case.name, "--cases-dir", str(eco.cases_dir), "--esplora", standin.url,
                "--db", str(db), "--chain", "litecoin", "--network", "regtest", "--once", "--operator", OPERATOR]
        assert main(args) == 0
        txid = eco.spend(eco.deposit, "0.75")
        eco.node.mine(1)
        standin.index()  # read again from the start, as a new block reaches Esplora's index
        assert main(args) == 0
    (alert,) = case_alerts(eco.case)
    assert alert.txid == txid and alert.urgent
    assert [(d["address"], d["value"]) for d in alert.destinations if d["kind"] == "service"] == [
        (eco.deposit, 75_000_000)]
