"""Pattern detectors on hand-made chains: a peel chain hop by hop, and a consolidation sweep."""

from __future__ import annotations

from pathlib import Path

from cointrail.amounts import format_amount
from cointrail.simulation.named_chain import COIN, ChainBuilder
from cointrail.tracing import detect_patterns
from cointrail.tracing.patterns import subscription_finding


def test_peel_chain_hops_in_order_with_what_was_peeled(tmp_path: Path):
    chain = ChainBuilder(tmp_path / "ledger.duckdb")
    chain.block(miner="peeler")
    left, previous = 50 * COIN, ("cb0", 0)
    for n in range(4):
        peel = (n + 1) * COIN // 10
        left -= peel + 1000
        chain.block(chain.tx(f"p{n}", [previous], [(f"payee{n}", peel), (f"change{n}", left)]))
        previous = (f"p{n}", 1)
    found = detect_patterns(chain.store, ("peel_chain",))
    assert [f.kind for f in found] == ["peel_chain"]
    hops = found[0].to_dict()["evidence"]["hops"]
    assert [h["txid"] for h in hops] == [chain.txids[f"p{n}"][::-1].hex() for n in range(4)]
    assert [h["peeled_amount"] for h in hops] == [10_000_000, 20_000_000, 30_000_000, 40_000_000]
    assert [h["peeled_to"] for h in hops] == [chain.address(f"payee{n}") for n in range(4)]
    unit = format_amount(0, chain.store.chain).split()[-1]  # the sentence names the chain's coin
    assert f"paid out 1 {unit} in 4 small payments" in found[0].summary
    chain.close()


def test_consolidation_sweep(tmp_path: Path):
    chain = ChainBuilder(tmp_path / "ledger.duckdb")
    for n in range(5):
        chain.block(miner=f"deposit{n}")
    chain.block(chain.tx("sweep", [(f"cb{n}", 0) for n in range(5)], [("hot", 250 * COIN - 5000)]))
    found = detect_patterns(chain.store, ("consolidation",))
    assert len(found) == 1
    evidence = found[0].evidence
    assert (evidence["inputs"], evidence["output_address"]) == (5, chain.address("hot"))
    assert evidence["input_addresses"] == sorted(chain.address(f"deposit{n}") for n in range(5))
    chain.close()


def _payment(n: int, amount: str, fresh: bool = True) -> dict:
    return {"txid": f"{n:064x}", "address": f"a{n}", "payer_cluster_id": n, "amount_coin": amount, "fiat": None,
            "fresh_address": fresh}  # fmt: skip


def test_subscription_finding_needs_many_payers_few_prices_and_fresh_addresses():
    subscription = subscription_finding([_payment(n, ("0.25000000", "0.50000000")[n % 2]) for n in range(10)])
    assert subscription["confidence"] == 1.0 and "subscription-style" in subscription["summary"]
    scattered = subscription_finding([_payment(n, f"0.{n + 11}000000", fresh=False) for n in range(10)])
    assert scattered["confidence"] == 0.0
