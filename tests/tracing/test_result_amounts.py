"""The *_coin fields of a trace's plain data are written in the store's chain's decimals (docs/tracing.md)."""

from __future__ import annotations

from cointrail.tracing.result import Edge, Node, TraceResult, TrailEnd


def _result(chain: str) -> dict:
    result = TraceResult({"kind": "address", "value": "a", "amount": 1_500_000}, {"chain": chain},
                         {"name": "haircut", "explanation": ""})  # fmt: skip
    result.edges.append(Edge("a", "b", "00" * 32, 0, 1, 1, amount=1_500_000, taint=750_000))
    result.nodes["b"] = Node("b", None, 1, taint=750_000)
    result.ends.append(TrailEnd("b", "00" * 32, 1, 750_000, "unspent"))
    return result.to_dict()


def test_coin_fields_have_the_chains_decimals():
    litecoin, verge = _result("litecoin"), _result("verge")
    assert litecoin["edges"][0]["amount_coin"] == "0.01500000" and litecoin["ends"][0]["taint_coin"] == "0.00750000"
    # Verge's coin is 10^6 base units: 1,500,000 are 1.5 XVG (these fields used to divide by 10^8 on every chain).
    assert verge["edges"][0]["amount_coin"] == "1.500000" and verge["edges"][0]["taint_coin"] == "0.750000"
    assert verge["nodes"][0]["taint_coin"] == verge["ends"][0]["taint_coin"] == "0.750000"
    assert verge["edges"][0]["amount"] == 1_500_000  # the base units themselves never change
