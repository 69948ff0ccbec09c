"""A small economy of six wallets on a regtest node, for the ingest tests and benchmarks.

:func:`build_economy` makes ordinary payments, consolidations, batched
payouts, OP_RETURN, P2PK and bare-multisig outputs, below Litecoin's MWEB
activation height (432 on regtest), where plain ``generatetoaddress`` stops
working. (The ground-truth scenario of an investigation is
:mod:`cointrail.simulation.economy`.)
"""

from __future__ import annotations

import random
from decimal import Decimal
from typing import Any

from cointrail.simulation.node import COIN, MWEB_HEIGHT, RegtestNode, send_op_return, send_to_script

WALLETS = ("miner", "alice", "bob", "carol", "shop", "exchange")
ADDRESS_TYPES = ("bech32", "legacy", "p2sh-segwit")


def build_economy(node: RegtestNode, rounds: int = 40, payments: int = 6, seed: int = 7) -> None:
    """Mine and trade: wallets paying each other, consolidating and paying out in batches.

    Mines ``101 + rounds`` blocks or so; keep ``rounds`` below ~300 (MWEB height).
    """
    rng = random.Random(seed)
    for name in WALLETS:
        node.rpc("createwallet", name)
    miner = node.rpc("getnewaddress", wallet="miner")
    node.mine(101 + len(WALLETS), miner)
    for name in WALLETS[1:]:
        node.rpc("sendtoaddress", node.rpc("getnewaddress", "", "bech32", wallet=name), 20, wallet="miner")
    node.mine(1, miner)
    for round_no in range(rounds):
        if node.height() >= MWEB_HEIGHT - 10:
            break
        _trade_round(node, rng, round_no, payments)
        node.mine(1, node.rpc("getnewaddress", "", rng.choice(ADDRESS_TYPES), wallet="miner"))


def _trade_round(node: RegtestNode, rng: random.Random, round_no: int, payments: int) -> None:
    people = list(WALLETS[1:])
    node.rpc("sendtoaddress", node.rpc("getnewaddress", wallet=rng.choice(people)), 5, wallet="miner")
    for _ in range(payments):
        payer, payee = rng.sample(people, 2)
        address = node.rpc("getnewaddress", "", rng.choice(ADDRESS_TYPES), wallet=payee)
        amount = Decimal(rng.randint(1_000, 50_000_000)) / COIN
        _try_send(node, payer, "sendtoaddress", address, amount)
    if round_no % 5 == 1:  # the exchange pays out to many customers at once
        outs = {node.rpc("getnewaddress", "", rng.choice(ADDRESS_TYPES), wallet=w): Decimal("0.0123")
                for w in rng.sample(people, 3) for _ in range(3)}  # fmt: skip
        _try_send(node, "exchange", "sendmany", "", outs)
    if round_no % 7 == 3:  # the shop sweeps its deposits into one address
        balance = node.rpc("getbalance", wallet="shop")
        if balance > Decimal("0.01"):
            sweep = node.rpc("getnewaddress", "", "bech32", wallet="shop")
            _try_send(node, "shop", "sendtoaddress", sweep, balance, "", "", True)
    if round_no % 9 == 2:
        send_op_return(node, "alice", f"cointrail round {round_no}".encode())
    if round_no % 11 == 4:
        key = node.rpc("getaddressinfo", node.rpc("getnewaddress", "", "legacy", wallet="bob"), wallet="bob")["pubkey"]
        send_to_script(node, "carol", f"21{key}ac", 1_000_000)  # P2PK: no address
        send_to_script(node, "carol", f"5121{key}51ae", 2_000_000)  # bare 1-of-1 multisig


def _try_send(node: RegtestNode, wallet: str, method: str, *params: Any) -> None:
    try:
        node.rpc(method, *params, wallet=wallet)
    except RuntimeError as error:
        # A wallet short of confirmed coins skips its payment this round, as a person would.
        if not any(reason in str(error) for reason in ("Insufficient funds", "too-long-mempool-chain")):
            raise
