"""A small watched economy, for the watch tests, the watch benchmark and by hand: a site's address holding 3 LTC
and watched in a case, an exchange's deposit address labelled in the case, the case's store read to the tip.

On a real litecoind -regtest node (:class:`~cointrail.simulation.node.RegtestNode`); wallets ``miner``, ``site``,
``exchange`` and ``other``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from cointrail.cases import Case, create_case
from cointrail.chains.bitcoin.sources.rpc import RpcSource, connect
from cointrail.ingest.pipeline import ingest
from cointrail.labels.investigator import add_investigator_label
from cointrail.simulation.node import RegtestNode
from cointrail.store.duckdb.store import LedgerStore
from cointrail.watch import add_watch

OPERATOR = "A. Investigator"
EXCHANGE_LABEL = "Exchange A deposit"


@dataclass
class WatchedEconomy:
    """The node, the case (its folder under ``cases_dir``, its store ``db``), the site's and the deposit address."""

    node: RegtestNode
    case: Case
    cases_dir: Path
    db: Path
    site: str
    deposit: str

    def spend(self, to: str, amount: str) -> str:
        """The site's wallet pays ``amount`` LTC to ``to`` (not mined); the txid."""
        txid: str = self.node.rpc("sendtoaddress", to, amount, wallet="site")
        return txid

    def source(self) -> RpcSource:
        """The node as a block source (close its ``rpc`` after)."""
        return RpcSource(connect(self.node.url, self.node.cookie))


def _wallet(node: RegtestNode, name: str) -> str:
    node.rpc("createwallet", name)
    address: str = node.rpc("getnewaddress", "", "bech32", wallet=name)
    return address


def read_chain(node: RegtestNode, db: Path) -> None:
    """Ingest the node's whole chain into the store ``db``."""
    source = RpcSource(connect(node.url, node.cookie))
    try:
        with LedgerStore.open(db, "litecoin", "regtest") as store:
            ingest(store, source)
    finally:
        source.rpc.close()


@contextlib.contextmanager
def watched_economy(folder: Path, case_name: str = "op-watch") -> Iterator[WatchedEconomy]:
    """Start the node in ``folder``, play the economy, open the case with its label and watch; stop the node after."""
    node = RegtestNode(folder / "node").start()
    try:
        miner = _wallet(node, "miner")
        site, deposit = _wallet(node, "site"), _wallet(node, "exchange")
        _wallet(node, "other")
        node.mine(101, miner)
        node.rpc("sendtoaddress", site, "3", wallet="miner")
        node.mine(1, miner)
        cases_dir = folder / "cases"
        case = create_case(case_name, cases_dir, OPERATOR)
        db = case.work / "ledger.duckdb"
        read_chain(node, db)
        add_investigator_label(case, deposit, EXCHANGE_LABEL, "exchange")
        add_watch(case, [site], note="the site's payment address")
        yield WatchedEconomy(node, case, cases_dir, db, site, deposit)
    finally:
        node.stop()
