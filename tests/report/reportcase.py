"""A small case the report and export tests share: a captured payment page and the chain of its payments.

The story: an exchange pays out to two customers; they pay a site (three fresh addresses, one page); the site's
operator sweeps the payments into a deposit address at the same exchange. The page is generated here, served on
127.0.0.1 and captured into a case; the chain is written into a real DuckDB ledger store, clustered and labelled.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass
from pathlib import Path

from cointrail.capture import capture_url, served_directory
from cointrail.cases import Case, create_case
from cointrail.chains.bitcoin.model import display_hash
from cointrail.clustering import DEFAULT_HEURISTICS, build_clusters
from cointrail.labels.model import Label, confidence_named
from cointrail.labels.store import write_labels
from cointrail.simulation.named_chain import ChainBuilder

COIN = 100_000_000
EXCHANGE = "Exchange One"
SITE = ("site1", "site2", "site3")


@dataclass
class Story:
    """The shared case, its ledger store's path, and the (closed) builder that names addresses and txids."""

    case: Case
    db: Path
    chain: ChainBuilder

    def address(self, name: str) -> str:
        return self.chain.address(name)

    def txid(self, name: str) -> str:
        return display_hash(self.chain.txids[name])


def build_chain(path: Path) -> ChainBuilder:
    """The story's chain in a store at ``path``, clustered and with the exchange labelled."""
    chain = ChainBuilder(path)
    chain.block(miner="exhot")
    chain.block(chain.tx("w1", [("cb0", 0)], [("alice1", 1 * COIN), ("bob1", 2 * COIN), ("exhot2", 46_9999_0000)]))
    chain.block(chain.tx("pay_a", [("w1", 0)], [("site1", COIN // 4), ("alice2", 7499_0000)]),
                chain.tx("pay_b", [("w1", 1)], [("site2", COIN // 2), ("bob2", 1_4999_0000)]))
    chain.block(chain.tx("pay_a2", [("pay_a", 1)], [("site3", COIN // 4), ("alice3", 4998_0000)]))
    chain.block(chain.tx("sweep", [("pay_a", 0), ("pay_b", 0), ("pay_a2", 0)], [("exdeposit", 9999_0000)]))
    build_clusters(chain.store, DEFAULT_HEURISTICS, full=True)
    write_labels(chain.store, [_label(chain.address(name)) for name in ("exhot", "exhot2", "exdeposit")])
    return chain


def _label(address: str) -> Label:
    return Label(address=address, chains=("litecoin",), currency="LTC", network="regtest", label=EXCHANGE,
                 source="test", source_sha256="0" * 64, confidence=confidence_named("service_data"),
                 importer="csv", category="exchange", actor=EXCHANGE, lastmod=_dt.date(2026, 11, 1))  # fmt: skip


def page(chain: ChainBuilder) -> str:
    rows = "".join(f"<li>Plan {n}: pay to <code>{chain.address(name)}</code></li>" for n, name in enumerate(SITE, 1))
    return f"<!DOCTYPE html><html><head><title>Members</title></head><body><h1>Join</h1><ul>{rows}</ul></body></html>"


def captured_case(root: Path, chain: ChainBuilder) -> Case:
    """A case holding a capture of the generated payment page."""
    folder = root / "site"
    folder.mkdir(parents=True)
    (folder / "index.html").write_text(page(chain), encoding="utf-8")
    case = create_case("report-case", root=root / "cases", operator="Test Operator")
    with served_directory(folder) as (url, _):
        capture_url(case, url)
    return case


def make_story(root: Path) -> Story:
    """The case with a capture of the site, and its ledger store in ``root`` (closed: tests open it themselves)."""
    chain = build_chain(root / "ledger.duckdb")
    try:
        case = captured_case(root, chain)
    finally:
        chain.close()
    return Story(case, root / "ledger.duckdb", chain)
