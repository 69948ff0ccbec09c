"""Two more collaborative shapes: PayJoin (BIP78) and coordinator-less joins of mixed script types, remixed.

Built like the CoinJoins of :mod:`cointrail.simulation.collab` (PSBT across wallets). The remix joins are the
benchmark's held-out family (issue 12): the detection work was not told about them.
"""

from __future__ import annotations

import random
from decimal import Decimal

from cointrail.simulation.collab import DUST, Coin, Node, address_kind, coins, fee_for, new_address, psbt_join, quantize


# -- chains of coordinator-less joins of mixed script types -----------------------------------------------------
def build_remix(node: Node, rng: random.Random, wallets: list[str], denominations: list[Decimal],
                kinds: dict[str, str]) -> str | None:  # fmt: skip
    """A join without a coordinator: each wallet brings 2–4 coins (earlier joins' outputs first, so chains of
    remixes form), gets one output per denomination it can afford and a change, each of its own address type."""
    inputs: list[Coin] = []
    outputs: list[tuple[str, Decimal]] = []
    for wallet in wallets:
        own = coins(node, wallet, Decimal("0.01"))
        remixes = [c for c in own if c.amount in denominations]
        chosen = (remixes + rng.sample(own, len(own)))[: rng.randint(2, 4)]
        chosen = list(dict.fromkeys(chosen))
        total = sum(c.amount for c in chosen)
        left = total - fee_for(len(chosen), 3)
        mine = [d for d in sorted(denominations, reverse=True) if left >= d and rng.random() < 0.8]
        while mine and sum(mine) > left:
            mine.pop(0)
        if not mine:
            continue
        change = quantize(left - sum(mine))
        inputs += chosen
        outputs += [(new_address(node, wallet, kinds[wallet]), d) for d in mine]
        if change > DUST:
            outputs.append((new_address(node, wallet, kinds[wallet]), change))
    if len({c.wallet for c in inputs}) < 4:
        return None
    rng.shuffle(inputs)
    rng.shuffle(outputs)
    return psbt_join(node, inputs, outputs)


# -- PayJoin --------------------------------------------------------------------------------------------------
def build_payjoin(node: Node, rng: random.Random, sender: str, receiver: str, amount: Decimal,
                  address: str) -> str | None:  # fmt: skip
    """BIP78: the sender pays ``amount`` to the receiver's ``address``; the receiver adds one of its coins and
    takes it back in the same output (so that output is larger than the payment); the sender keeps a change."""
    theirs = coins(node, receiver, Decimal("0.01"))
    mine = coins(node, sender, amount + Decimal("0.01"))
    if not theirs or not mine:
        return None
    paying, adding = rng.choice(mine[:3]), rng.choice(theirs)
    kind = address_kind(node, paying.address, sender)
    change = quantize(paying.amount - amount - fee_for(2, 2))
    outputs = [(address, amount + adding.amount), (new_address(node, sender, kind), change)]
    inputs = [paying, adding]
    rng.shuffle(inputs)
    rng.shuffle(outputs)
    return psbt_join(node, inputs, outputs)
