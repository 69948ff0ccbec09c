"""An exchange's withdrawals of two outputs (a payment and its change) paid from its float, whose change reaches the
exchange's batch (or a sweep) two steps on: joined into the exchange by services detection, and the diagnosis of
benchmarks/services_missed.py where they are not."""

from __future__ import annotations

from pathlib import Path

from benchmarks.services_missed import Chain
from cointrail.clustering import build_clusters, parse_heuristics
from cointrail.services import detect_services
from cointrail.simulation.named_chain import COIN, ChainBuilder


def peel_into_exchange(path: Path, swept: bool = False) -> ChainBuilder:
    """Ten depositors swept into a hot wallet; the miner pays the exchange a float (``flt``), which pays two
    customers one at a time (``p1``, ``p2``: a payment and the change), the last change spent by the exchange's
    batched withdrawal with the swept deposits."""
    chain = ChainBuilder(path)
    for h in range(3):
        chain.block(miner=f"m{h}")
    chain.block(chain.tx("fund", [("cb0", 0)], [(f"c{i}", COIN) for i in range(10)] + [("flt", 20 * COIN)]))
    chain.block(*(chain.tx(f"d{i}", [("fund", i)], [(f"dep{i}", COIN - 2000), (f"c{i}x", 1000)]) for i in range(10)))
    chain.block(chain.tx("sweep1", [(f"d{i}", 0) for i in range(5)], [("hot", 5 * COIN - 20000)]),
                chain.tx("sweep2", [(f"d{i}", 0) for i in range(5, 10)], [("hot", 5 * COIN - 20000)]))
    chain.block(chain.tx("p1", [("fund", 10)], [("v1", COIN), ("f1", 19 * COIN - 1000)]))
    chain.block(chain.tx("p2", [("p1", 1)], [("v2", COIN), ("f2", 18 * COIN - 2000)]))
    if swept:  # the last change swept with the hot wallet's coins, as a customer's deposit would be
        chain.block(chain.tx("out", [("sweep1", 0), ("sweep2", 0), ("p2", 1)], [("chg", 28 * COIN)]))
    else:
        chain.block(chain.tx("out", [("sweep1", 0), ("sweep2", 0), ("p2", 1)],
                             [(f"w{i}", COIN) for i in range(7)] + [("chg", 20 * COIN)]))  # fmt: skip
    build_clusters(chain.store, parse_heuristics("multi-input"))
    return chain


def _owners(chain: ChainBuilder) -> dict[str, str]:
    mine = ["flt", "f1", "f2", "hot", "chg", *(f"dep{i}" for i in range(10))]
    return {chain.address(a): "exchange" for a in mine}


def test_withdrawals_of_one_payment_and_change_join_the_exchange_their_change_reaches(tmp_path: Path):
    """Before, transactions of two outputs were not read: the float's wallets stayed apart (fails on the old code)."""
    chain = peel_into_exchange(tmp_path / "ledger.duckdb")
    txid = chain.txids["p1"][::-1].hex()
    assert Chain(chain.store, {"owners": _owners(chain)}).follow(txid, "exchange")[0] == "detected"
    (found,) = [d for d in detect_services(chain.store) if d.kind == "exchange"]
    wallets = {found.cluster_id, *found.deposit_wallets}
    clusters = chain.store.trace_reads().clusters_of({chain.store.one(
        "SELECT address_id FROM addresses WHERE address = ?", [chain.address(a)])[0] for a in ("flt", "f1", "v1")})
    chain.close()
    assert len(clusters) == 3 and sum(c in wallets for c in clusters.values()) == 2  # the float's two, never v1
    assert any("withdrawal of one payment and its change" in e for e in found.evidence)


def test_the_diagnosis_names_the_link_the_joining_does_not_take(tmp_path: Path):
    """A change of two outputs swept is not joined (a customer's deposit looks the same): the diagnosis says so."""
    chain = peel_into_exchange(tmp_path / "ledger.duckdb", swept=True)
    txid = chain.txids["p1"][::-1].hex()
    cause, at, links = Chain(chain.store, {"owners": _owners(chain)}).follow(txid, "exchange")
    chain.close()
    assert cause.startswith("a step from a pair to a all_to_one") and links == 1
