"""The ground-truth scenario, from :mod:`cointrail.simulation.economy` (where it lives)."""

from cointrail.simulation.economy import ADDRESS_TYPES, COINJOIN_DENOMINATION, SUBSCRIPTION_PRICES, Economy, Node

__all__ = ["ADDRESS_TYPES", "COINJOIN_DENOMINATION", "SUBSCRIPTION_PRICES", "Economy", "Node"]
