"""Single-owner transactions that look busy: change policies, batched payouts, payroll, consolidations.

The false-positive side of issue 12: one wallet's transaction with many
inputs and many equal outputs (an exchange's batched withdrawals, a payroll)
is not a CoinJoin, and a wallet's change can sit first, last, be of the
payee's address type, go back to the spending address, or be replaced by a
fee bump (``bumpfee``). Each function returns the txid of the transaction
that will be mined (for a bumped payment: the replacement), or ``None`` when
the wallet is short of coins.
"""

from __future__ import annotations

import random
from decimal import Decimal
from typing import Any

from cointrail.simulation.collab import Coin, Node, address_kind, coins, fee_for, fund_and_send, new_address, quantize
from cointrail.simulation.node import COIN

CHANGE_POLICIES = ("default", "type-match", "change-first", "change-last", "round", "reuse", "bumpfee")
ROUND_AMOUNTS = tuple(Decimal(v) for v in ("0.05", "0.1", "0.2", "0.25", "0.5", "1", "1.5", "2"))
_SHORT = ("Insufficient funds", "Transaction amount too small", "too-long-mempool-chain")


def _short(error: RuntimeError) -> bool:
    return any(reason in str(error) for reason in _SHORT)


def _fund_sign_send(node: Node, wallet: str, inputs: list[dict[str, Any]], outputs: list[dict[str, str]],
                    options: dict[str, Any]) -> str | None:  # fmt: skip
    try:
        return fund_and_send(node, wallet, inputs, outputs, options)
    except RuntimeError as error:
        if _short(error):
            return None
        raise


def pay(node: Node, rng: random.Random, wallet: str, address: str, amount: Decimal, policy: str) -> str | None:
    """Pay ``amount`` to ``address`` the way a wallet of ``policy`` (one of :data:`CHANGE_POLICIES`) does."""
    options: dict[str, Any] = {}
    inputs: list[dict[str, Any]] = []
    if policy == "type-match":  # change of the payee's address type (hides which output is change)
        options["change_type"] = address_kind(node, address, wallet)
    elif policy == "change-first":
        options["changePosition"] = 0
    elif policy == "change-last":
        options["changePosition"] = 1
    elif policy == "round":
        amount = rng.choice(ROUND_AMOUNTS)
    elif policy == "reuse":  # old wallets sent the change back to the address that paid
        own = coins(node, wallet, amount + Decimal("0.01"))
        if not own:
            return None
        inputs, options["changeAddress"] = [own[-1].outpoint], own[-1].address
    elif policy == "bumpfee":
        options["replaceable"] = True
    txid = _fund_sign_send(node, wallet, inputs, [{address: str(amount)}], options)
    if txid and policy == "bumpfee":
        return node.rpc("bumpfee", txid, wallet=wallet)["txid"]  # the replacement is what gets mined
    return txid


def batch_payout(node: Node, rng: random.Random, wallet: str, payees: list[tuple[str, Decimal]],
                 inputs: int) -> str | None:  # fmt: skip
    """One wallet pays many payees at once from at least ``inputs`` of its coins (the rest chosen by the wallet)."""
    own = coins(node, wallet, Decimal("0.001"))
    if len(own) < inputs:
        return None
    picked = [c.outpoint for c in rng.sample(own, inputs)]
    outputs = [{a: str(v)} for a, v in payees]
    rng.shuffle(outputs)
    return _fund_sign_send(node, wallet, picked, outputs, {})


def equal_batch(rng: random.Random, addresses: list[str]) -> list[tuple[str, Decimal]]:
    """Withdrawals of an exchange's batch: most of them one of two or three popular round amounts."""
    popular = rng.sample(ROUND_AMOUNTS[1:], 3)
    return [(a, rng.choice(popular)) for a in addresses]


def payroll(rng: random.Random, addresses: list[str]) -> list[tuple[str, Decimal]]:
    """Salaries: a few pay grades (not round: converted from fiat once and kept), most staff on the same grade."""
    grades = [quantize(Decimal(rng.randint(20_000_000, 150_000_000)) / COIN) for _ in range(3)]
    weights = [6, 3, 1]
    return [(a, rng.choices(grades, weights)[0]) for a in addresses]


def consolidate(node: Node, wallet: str, most: int = 60) -> str | None:
    """All (up to ``most``) of a wallet's small coins into one new address of its own."""
    own: list[Coin] = coins(node, wallet)[:most]
    if len(own) < 3:
        return None
    total = sum(c.amount for c in own) - fee_for(len(own), 1)
    outputs = [{new_address(node, wallet): str(quantize(total))}]
    raw = node.rpc("createrawtransaction", [c.outpoint for c in own], outputs)
    signed = node.rpc("signrawtransactionwithwallet", raw, wallet=wallet)
    return node.rpc("sendrawtransaction", signed["hex"])
