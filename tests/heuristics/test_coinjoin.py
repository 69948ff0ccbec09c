"""CoinJoin detection on constructed transactions: each known pattern, and near-misses that must not match."""

from __future__ import annotations

import json
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from resolved_txs import resolved_tx

from cointrail.chains.bitcoin.model import Transaction, TxIn, TxOut, display_hash
from cointrail.heuristics.coinjoin import (
    DEFAULT_RULES,
    EqualOutputRule,
    ResolvedTransaction,
    Wasabi1Rule,
    Wasabi2Rule,
    WhirlpoolRule,
    detect_coinjoin,
    is_coinjoin,
    standard_denominations,
)

BTC = 100_000_000
rng = random.Random(20241123)


def p2wpkh() -> bytes:
    return bytes([0x00, 20]) + rng.randbytes(20)


def p2tr() -> bytes:
    return bytes([0x51, 32]) + rng.randbytes(32)


def p2pkh() -> bytes:
    return bytes([0x76, 0xA9, 20]) + rng.randbytes(20) + bytes([0x88, 0xAC])


def resolved(inputs: list[tuple[int, bytes]], outputs: list[tuple[int, bytes]]) -> ResolvedTransaction:
    return resolved_tx(inputs, outputs, rng)


def whirlpool(pool: int = 5_000_000, n: int = 5, script=p2wpkh, remixes: int = 2) -> ResolvedTransaction:
    ins = [(pool, script()) for _ in range(remixes)] + [(pool + 50_000 + i, script()) for i in range(n - remixes)]
    return resolved(ins, [(pool, script()) for _ in range(n)])


def wasabi1(denomination: int = 10_034_000, equal: int = 50) -> ResolvedTransaction:
    ins = [(denomination + rng.randrange(1, 3 * BTC // 10), p2wpkh()) for _ in range(equal + 10)]
    change = [(rng.randrange(10_000, 2 * BTC // 10), p2wpkh()) for _ in range(20)]
    return resolved(ins, [(denomination, p2wpkh()) for _ in range(equal)] + change + [(1_234_567, p2wpkh())])


def wasabi2(sort: bool = True) -> ResolvedTransaction:
    ins = sorted((rng.randrange(10_000, 5 * BTC), rng.choice([p2wpkh, p2tr])()) for _ in range(80))
    standard = sorted(standard_denominations())
    outs = [(rng.choice(standard[5:60]), p2wpkh()) for _ in range(90)] + [(rng.randrange(5_000, BTC), p2tr())
                                                                          for _ in range(8)]
    if sort:
        ins, outs = sorted(ins, reverse=True), sorted(outs, key=lambda o: -o[0])
    return resolved(ins, outs)


def joinmarket(makers: int = 5, amount: int = 5_000_000, fee: int = 3_000) -> ResolvedTransaction:
    ins, outs = [], []
    for _ in range(makers):  # each maker brings two coins, gets the amount back plus a small fee, and change
        coins = [rng.randrange(amount // 2, amount) for _ in range(2)]
        ins += [(value, p2wpkh()) for value in coins]
        outs += [(amount, p2wpkh()), (sum(coins) - amount + 300, p2wpkh())]
    # The taker sweeps one coin, no change: it pays the makers' fees and the whole mining fee from it.
    ins.append((amount + 300 * makers + fee, p2wpkh()))
    outs.append((amount, p2wpkh()))
    return resolved(ins, outs)


@pytest.mark.parametrize("pool", [100_000, 1_000_000, 5_000_000, 50_000_000])
@pytest.mark.parametrize("n", [5, 8])
def test_whirlpool_in_every_pool(pool: int, n: int):
    finding = detect_coinjoin(whirlpool(pool, n))
    assert finding is not None and finding.rule == "whirlpool"
    assert f"{n} inputs" in finding.evidence and "P2WPKH" in finding.evidence
    assert finding.parameters["pool_sizes"] == (100_000, 1_000_000, 5_000_000, 50_000_000)


def test_wasabi1():
    finding = detect_coinjoin(wasabi1())
    assert finding is not None and finding.rule == "wasabi1"
    assert "50 outputs of exactly 0.10034 BTC" in finding.evidence
    assert finding.parameters == {"base_denomination": 10_000_000, "tolerance": 2_000_000, "min_equal_outputs": 10,
                                  "min_unique_outputs": 2, "chain": "bitcoin"}


def test_wasabi2():
    finding = detect_coinjoin(wasabi2())
    assert finding is not None and finding.rule == "wasabi2"
    assert "80 inputs" in finding.evidence and "sorted" in finding.evidence


def test_joinmarket_by_the_equal_output_rule():
    rtx = joinmarket()
    finding = detect_coinjoin(rtx)
    assert finding is not None and finding.rule == "equal_output"
    assert finding.txid == display_hash(rtx.tx.txid)
    assert "6 outputs of exactly 0.05 BTC and 5 other outputs" in finding.evidence
    assert finding.parameters == {"min_equal_outputs": 5, "fee_allowance": 100_000, "chain": "bitcoin"}
    json.dumps(finding.to_dict())  # plain data, ready for --json and the evidence store


def test_the_participant_with_the_largest_change_also_pays_the_fee():
    amount, changes = 5_000_000, [100_000, 200_000, 300_000, 400_000, 500_000]
    ins = [(amount + c - 300, p2wpkh()) for c in changes[:-1]]  # makers: one coin each, earn 300
    ins.append((amount + changes[-1] + 4 * 300 + 2_500, p2wpkh()))  # the taker pays the makers and the miner
    outs = [(amount, p2wpkh()) for _ in changes] + [(c, p2wpkh()) for c in changes]
    finding = detect_coinjoin(resolved(ins, outs))
    assert finding is not None and finding.rule == "equal_output"
    assert EqualOutputRule(fee_allowance=0).detect(resolved(ins, outs)) is None


# --- near-misses: ordinary transactions that must not be flagged -------------------------


def test_an_exchange_batch_payout_with_a_few_equal_amounts():
    outs = [(1_000_000, p2wpkh()) for _ in range(3)] + [(rng.randrange(10_000, BTC), p2pkh()) for _ in range(22)]
    assert not is_coinjoin(resolved([(30 * BTC, p2wpkh())], outs + [(12 * BTC, p2wpkh())]))


def test_a_batch_from_several_hot_wallet_coins_with_many_equal_amounts():
    ins = [(rng.randrange(2 * BTC, 4 * BTC), p2wpkh()) for _ in range(4)]
    outs = [(1_000_000, p2wpkh()) for _ in range(6)] + [(rng.randrange(10_000, BTC), p2wpkh()) for _ in range(3)]
    assert detect_coinjoin(resolved(ins, outs)) is None


def test_a_consolidation():
    ins = [(rng.randrange(10_000, BTC), p2wpkh()) for _ in range(60)]
    assert detect_coinjoin(resolved(ins, [(15 * BTC, p2wpkh())])) is None


def test_one_payer_paying_equal_amounts_is_not_a_coinjoin():
    outs = [(5_000_000, p2wpkh()) for _ in range(8)] + [(BTC, p2wpkh())]
    assert detect_coinjoin(resolved([(2 * BTC, p2wpkh())], outs)) is None


def test_a_whirlpool_tx0_is_not_the_mix_itself():
    outs = [(5_050_000, p2wpkh()) for _ in range(5)] + [(42_500, p2wpkh()), (3_000_000, p2wpkh())]
    assert detect_coinjoin(resolved([(30_000_000, p2wpkh())], outs)) is None


def test_whirlpool_look_alikes_are_not_whirlpool():
    # Not segwit, no input exactly the pool size, not a pool size: still five people, five equal outputs,
    # so the generic rule (rightly) keeps them out of clustering, under its own name.
    for rtx in (whirlpool(script=p2pkh), whirlpool(remixes=0), whirlpool(pool=2_000_000)):
        assert WhirlpoolRule().detect(rtx) is None
        finding = detect_coinjoin(rtx)
        assert finding is not None and finding.rule == "equal_output"
    assert detect_coinjoin(whirlpool(n=4)) is None  # too few for any rule


def test_wasabi_look_alikes():
    assert WhirlpoolRule().detect(wasabi1()) is None
    assert Wasabi1Rule().detect(wasabi1(denomination=20_000_000)) is None  # far from 0.1 BTC
    assert Wasabi1Rule().detect(wasabi1(equal=9)) is None
    assert Wasabi2Rule().detect(wasabi2(sort=False)) is None
    unsorted = detect_coinjoin(wasabi2(sort=False))  # still 80 people's coins and mostly equal amounts
    assert unsorted is not None and unsorted.rule == "equal_output_groups"
    big = joinmarket(makers=60)  # 61 outputs of 0.05 BTC (a standard amount) and 60 changes
    ordered = resolved(sorted(((o.value, o.script_pubkey) for o in big.spent), reverse=True),
                       sorted(((o.value, o.script_pubkey) for o in big.tx.outputs), reverse=True))
    assert Wasabi2Rule().detect(ordered) is None  # sorted, but only half the outputs are standard amounts
    assert Wasabi2Rule(min_standard_share=0.4).detect(ordered) is not None


def test_two_party_equal_outputs_are_too_few():
    assert detect_coinjoin(joinmarket(makers=1)) is None
    assert EqualOutputRule(min_equal_outputs=2).detect(joinmarket(makers=1)) is not None


def test_a_coinbase_is_never_a_coinjoin():
    tx = Transaction(rng.randbytes(32), rng.randbytes(32), 1, (TxIn(bytes(32), 0xFFFFFFFF, b"\x01", 0),),
                     tuple(TxOut(5_000_000, p2wpkh()) for _ in range(10)), 0, 0, 0)
    assert detect_coinjoin(ResolvedTransaction(tx, ())) is None


# --- chains other than Bitcoin: explicit parameters --------------------------------------


def test_litecoin_amounts_need_their_own_parameters():
    mix = whirlpool(pool=100_000_000, n=6)  # a made-up 1 LTC pool on a regtest scenario
    assert not any(rule.detect(mix) for rule in DEFAULT_RULES if rule.name == "whirlpool")
    rules = (WhirlpoolRule(pool_sizes=(100_000_000,), chain="litecoin"),)
    finding = detect_coinjoin(mix, rules)
    assert finding is not None and "exactly 1 LTC" in finding.evidence
    assert finding.parameters["pool_sizes"] == (100_000_000,)
    wasabi_like = wasabi1(denomination=50_000_000)
    assert Wasabi1Rule().detect(wasabi_like) is None
    finding = Wasabi1Rule(base_denomination=50_000_000, tolerance=10_000_000, chain="litecoin").detect(wasabi_like)
    assert finding is not None and "0.5 LTC" in finding.evidence


def test_evidence_counts_the_chains_own_decimals():
    # Verge's coin is 10^6 base units: a pool of 10^8 is 100 XVG (the old helper divided by 10^8: "1 XVG").
    finding = detect_coinjoin(whirlpool(pool=100_000_000, n=6), (WhirlpoolRule(pool_sizes=(100_000_000,),
                                                                               chain="verge"),))  # fmt: skip
    assert finding is not None and "exactly 100 XVG" in finding.evidence


def test_inputs_and_spent_outputs_must_match():
    rtx = whirlpool()
    with pytest.raises(ValueError, match="5 inputs but 4 spent outputs"):
        ResolvedTransaction(rtx.tx, rtx.spent[:4])


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(546, 10 * BTC), min_size=1, max_size=6),
       st.lists(st.integers(546, 10 * BTC), min_size=1, max_size=4))
def test_small_everyday_transactions_are_never_flagged(ins: list[int], outs: list[int]):
    assert detect_coinjoin(resolved([(v, p2wpkh()) for v in ins], [(v, p2wpkh()) for v in outs])) is None
