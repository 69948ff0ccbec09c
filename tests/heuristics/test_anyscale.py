"""CoinJoins at any chain's amount scale, possibly-collaborative transactions, and the ordinary transactions that
must stay unflagged (issue 12). Litecoin amounts throughout: the rules must not need Bitcoin mainnet amounts."""

from __future__ import annotations

import random

from hypothesis import given, settings
from hypothesis import strategies as st
from resolved_txs import resolved_tx

from cointrail.chains.bitcoin.model import Transaction, TxOut
from cointrail.heuristics.coinjoin import (
    COINJOIN,
    POSSIBLY_COLLABORATIVE,
    EqualOutputRule,
    ResolvedTransaction,
    Wasabi1Rule,
    Wasabi2Rule,
    WhirlpoolRule,
    detect_coinjoin,
    detect_collaborative,
    standard_denominations,
)

LTC = 100_000_000
OLD_RULES = (WhirlpoolRule(), Wasabi1Rule(), Wasabi2Rule(), EqualOutputRule())  # before issue 12
rng = random.Random(12)


def script(kind: str = "p2wpkh") -> bytes:
    body = rng.randbytes(20)
    return {"p2wpkh": b"\x00\x14" + body, "p2pkh": b"\x76\xa9\x14" + body + b"\x88\xac"}[kind]


def resolved(ins: list[int], outs: list[int], in_kind: str = "p2wpkh") -> ResolvedTransaction:
    outputs = [(v, script()) for v in outs]
    return resolved_tx([(v, script(in_kind)) for v in ins], outputs, rng)


def multi_input_mix(participants: int = 6, per: int = 3, denomination: int = 2 * LTC) -> ResolvedTransaction:
    """The shape issue 12 saw missed: each participant brings several coins, takes several equal outputs and a
    change, and a coordinator takes a fee."""
    ins, outs = [], []
    for _ in range(participants):
        coins = [rng.randrange(denomination, 3 * denomination) for _ in range(per)]
        ins += coins
        take = (sum(coins) - 40_000) // denomination  # as many equal outputs as it can pay for, a small change
        outs += [denomination] * take + [sum(coins) - take * denomination - 40_000]
    return resolved(ins, outs + [participants * 30_000])


def test_the_missed_shape_of_issue_12_is_now_a_coinjoin():
    rtx = multi_input_mix()
    assert detect_coinjoin(rtx, OLD_RULES) is None  # the old rules missed it: multi-input merged 6 strangers
    found = detect_coinjoin(rtx)
    assert found is not None and found.rule == "equal_output_groups" and found.kind == COINJOIN
    assert "different scripts" in found.evidence and "2 LTC" not in found.evidence  # unit is a parameter
    assert found.participants is not None and 6 <= found.participants <= 18  # an estimate


def test_whirlpool_at_a_litecoin_pool_size():
    pool = LTC // 2
    rtx = resolved([pool, pool, pool + 120_000, pool + 90_000, pool + 300_000, pool], [pool] * 6)
    assert detect_coinjoin(rtx, OLD_RULES) is None
    found = detect_coinjoin(rtx)
    assert found is not None and found.rule == "whirlpool_like" and found.participants == 6
    assert detect_coinjoin(resolved([pool + 1000] * 6, [pool] * 6)) is None or \
        detect_coinjoin(resolved([pool + 1000] * 6, [pool] * 6)).rule != "whirlpool_like"  # fmt: skip  # no remix


def test_wasabi1_with_mixing_levels_at_any_base():
    base = 7 * LTC  # a made-up LTC base denomination, far from 0.1 BTC
    ins, outs = [], []
    for i in range(12):
        coins = [rng.randrange(base, 5 * base) for _ in range(rng.randint(1, 3))]
        levels = [base] + ([2 * base] if sum(coins) > 3 * base + LTC else [])
        ins += coins
        outs += levels + [sum(coins) - sum(levels) - 50_000 - i]
    rtx = resolved(ins, outs + [3 * LTC // 1000])
    assert detect_coinjoin(rtx, OLD_RULES) is None
    found = detect_coinjoin(rtx)
    assert found is not None and found.kind == COINJOIN and found.participants == 12


def test_wabisabi_with_a_few_dozen_inputs_sorted():
    standard = sorted(standard_denominations(minimum=100_000, maximum=20 * LTC))
    ins, outs = [], []
    for _ in range(9):
        coins = [rng.randrange(LTC // 10, 5 * LTC) for _ in range(rng.randint(1, 5))]
        ins += coins
        left = sum(coins) - 30_000
        for d in reversed(standard):
            while left >= d and rng.random() < 0.9:
                outs.append(d)
                left -= d
    rtx = resolved(sorted(ins, reverse=True), sorted(outs, reverse=True))
    assert len(ins) < 50 and detect_coinjoin(rtx, OLD_RULES) is None
    found = detect_coinjoin(rtx)
    assert found is not None and found.rule in {"wasabi2_like", "equal_output_groups"}


def test_joinmarket_makers_with_several_inputs():
    amount, ins, outs = 3 * LTC, [], []
    for _ in range(5):
        coins = [rng.randrange(LTC, 2 * LTC) for _ in range(rng.randint(2, 4))]
        ins += coins
        outs += [amount, sum(coins) - amount + 900]
    ins.append(amount + 5 * 900 + 20_000)
    outs.append(amount)
    found = detect_coinjoin(resolved(ins, outs))
    assert found is not None and found.participants == 6


def test_payjoin_is_possibly_collaborative_not_a_coinjoin():
    sender_coin, receiver_coin, amount = LTC, LTC // 2, 3 * LTC // 10
    rtx = resolved([sender_coin, receiver_coin], [amount + receiver_coin, sender_coin - amount - 2_000])
    assert detect_coinjoin(rtx) is None  # tracing may go through it
    found = detect_collaborative(rtx)
    assert found is not None and found.rule == "payjoin" and found.kind == POSSIBLY_COLLABORATIVE
    assert found.participants == 2 and "unnecessary-input" in found.evidence
    mixed = ResolvedTransaction(rtx.tx, (rtx.spent[0], TxOut(receiver_coin, script("p2pkh"))))
    assert detect_collaborative(mixed) is not None  # wallets of mixed types exist: the type is not required
    # A receiver that adds a coin larger than the sender's change hides the unnecessary input (BIP78 suggests
    # it); two inputs of two types, each paid back in its own type, still show two owners ...
    hidden = resolved([sender_coin, 8 * LTC // 10], [amount + 8 * LTC // 10, sender_coin - amount - 2_000])
    paired = Transaction(hidden.tx.txid, hidden.tx.wtxid, 2, hidden.tx.inputs,
                         (hidden.tx.outputs[0], TxOut(hidden.tx.outputs[1].value, script("p2pkh"))), 0, 0, 0)
    paired_rtx = ResolvedTransaction(paired, (hidden.spent[0], TxOut(8 * LTC // 10, script("p2pkh"))))
    found = detect_collaborative(paired_rtx)
    assert found is not None and "different script types" in found.evidence
    # ... and one of a single type shows no sign at all: it reads as one owner paying with two coins. It is still
    # flagged, for its shape: its larger output could hold the receiver's coin plus the payment.
    found = detect_collaborative(hidden)
    assert found is not None and found.rule == "payjoin" and found.kind == POSSIBLY_COLLABORATIVE
    assert "could hold that coin plus a payment" in found.evidence and "unnecessary-input" not in found.evidence


def test_a_payment_no_payjoin_can_be_is_left_alone():
    """What the PayJoin rule leaves to the multi-input heuristic: shapes in which no payee's coin can hide."""
    # Both outputs no larger than the smaller input: no output holds a receiver's coin plus a payment.
    assert detect_collaborative(resolved([LTC, LTC], [6 * LTC // 10, 4 * LTC // 10 - 2_000])) is None
    # Five coins: more than a sender's few and a receiver's one.
    assert detect_collaborative(resolved([LTC // 5] * 5, [7 * LTC // 10, 3 * LTC // 10 - 2_000])) is None
    # The change goes back to an input's address: one wallet, its change plain.
    plain = resolved([LTC, LTC // 2], [13 * LTC // 10, LTC // 5 - 2_000])
    back = ResolvedTransaction(Transaction(plain.tx.txid, plain.tx.wtxid, 2, plain.tx.inputs,
                                           (plain.tx.outputs[0], TxOut(plain.tx.outputs[1].value,
                                                                       plain.spent[1].script_pubkey)), 0, 0, 0),
                               plain.spent)  # fmt: skip
    assert detect_collaborative(plain) is not None and detect_collaborative(back) is None


def test_a_two_party_join_is_possibly_collaborative():
    rtx = resolved([LTC, 2 * LTC, 3 * LTC // 2], [LTC // 2, LTC // 2, LTC // 2 - 800, 5 * LTC // 2 - 900])
    assert detect_coinjoin(rtx) is None
    found = detect_collaborative(rtx)
    assert found is not None and found.rule == "small_equal_output" and found.kind == POSSIBLY_COLLABORATIVE


# --- ordinary transactions that must not be flagged ---------------------------------------------------------


def test_an_exchange_batch_payout_with_many_equal_amounts_from_one_coin():
    outs = [LTC // 10] * 12 + [rng.randrange(LTC // 100, LTC) for _ in range(15)] + [40 * LTC]
    assert detect_collaborative(resolved([50 * LTC], outs)) is None
    assert detect_collaborative(resolved([20 * LTC, 25 * LTC, 9 * LTC], outs)) is None  # a few hot-wallet coins


def test_many_coins_paying_many_different_amounts():
    ins = [rng.randrange(LTC // 10, LTC) for _ in range(9)]
    outs = [LTC // 10] * 5 + [rng.randrange(LTC // 100, LTC // 10) for _ in range(12)]
    assert detect_collaborative(resolved(ins, outs)) is None


def test_a_payroll_batch():
    outs = [5 * LTC // 10] * 10 + [7 * LTC // 10] * 4 + [12 * LTC]
    assert detect_collaborative(resolved([10 * LTC, 4 * LTC, 7 * LTC], outs)) is None


def test_consolidations_and_a_whirlpool_tx0():
    assert detect_collaborative(resolved([rng.randrange(10_000, LTC) for _ in range(60)], [20 * LTC])) is None
    assert detect_collaborative(resolved([rng.randrange(10_000, LTC) for _ in range(30)], [9 * LTC, 4 * LTC])) is None
    tx0 = [LTC // 2 + 20_000] * 7 + [LTC // 40, 2 * LTC]
    assert detect_collaborative(resolved([6 * LTC], tx0)) is None


@settings(max_examples=300, deadline=None)
@given(st.lists(st.integers(10_000, 20 * LTC), min_size=1, max_size=6, unique=True),
       st.floats(0.0, 1.0), st.integers(500, 20_000))  # fmt: skip
def test_a_wallet_paying_with_the_coins_it_needs_shows_no_sign(coins: list[int], where: float, fee: int):
    """A payment for which every input was needed (the wallet chose its own coins), with a change: never a CoinJoin,
    never the unnecessary-input sign. From 2 to 4 coins it has a PayJoin's shape and is flagged for that alone (the
    recall this costs is stated in its evidence), unless neither output could hold one of its coins plus a payment;
    from 1 or 5 and more coins it is left alone."""
    total, smallest = sum(coins), min(coins)
    low = total - smallest - fee + 1 if len(coins) > 1 else 1  # without the smallest coin, not enough
    high = total - fee - 1
    if high <= low:
        return
    payment = low + int((high - low) * where)
    rtx = resolved(coins, [payment, total - payment - fee])
    found = detect_collaborative(rtx)
    if 2 <= len(coins) <= 4 and max(payment, total - payment - fee) > smallest:  # an output could hold a coin
        assert found is not None and found.rule == "payjoin"
        assert "nothing in the transaction tells the two apart" in found.evidence
    else:
        assert found is None


def test_an_exchange_batch_from_several_coins_is_not_called_a_coinjoin():
    """Five hot-wallet coins paying withdrawals of a few standard amounts and a large change: not merged (it may be
    a CoinJoin with a large participant) but not a CoinJoin either, so tracing goes on through it."""
    outs = [LTC // 4] * 4 + [3 * LTC // 2] * 4 + [2 * LTC] * 3 + [200 * LTC]
    rtx = resolved([25 * LTC, 21 * LTC, 25 * LTC, 22 * LTC, 125 * LTC], outs)
    assert detect_coinjoin(rtx) is None
    found = detect_collaborative(rtx)
    assert found is not None and found.kind == POSSIBLY_COLLABORATIVE and "batch payout" in found.evidence
