"""The regtest node and its helpers for the tests, from :mod:`cointrail.simulation` (where they live)."""

from cointrail.simulation.node import (
    COIN,
    LITECOIND,
    MWEB_HEIGHT,
    RegtestNode,
    free_port,
    litecoind_available,
    send_op_return,
    send_to_script,
)
from cointrail.simulation.oracle import node_address_totals, node_balances
from cointrail.simulation.trading import ADDRESS_TYPES, WALLETS, build_economy

__all__ = ["ADDRESS_TYPES", "COIN", "LITECOIND", "MWEB_HEIGHT", "WALLETS", "RegtestNode", "build_economy",
           "free_port", "litecoind_available", "node_address_totals", "node_balances", "send_op_return",
           "send_to_script"]
