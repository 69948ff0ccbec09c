"""The common part of the benchmark's families of behaviour: the investigation's economy, and more.

A family (:mod:`cointrail.simulation.families`) is the ground-truth economy of
:class:`~cointrail.simulation.economy.Economy` (exchanges, a site, customers,
users, a peel chain) with its own behaviour added each round: CoinJoins of one
real shape, PayJoins, batched payouts, change policies. Customers take part,
so some of them mix before they pay the site (issue 12). Some customers keep a
second wallet (a person is not a wallet): ``people`` in the truth maps every
wallet to its person.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from cointrail.simulation.collab import coins, fund_and_send, quantize
from cointrail.simulation.economy import ADDRESS_TYPES, SUBSCRIPTION_PRICES, Economy

# Extra blocks mined to the miner at setup (each matures one more 50-LTC coinbase): mixing needs coins.
EXTRA_BLOCKS = 40
# A funding the miner's mature coins cannot pay yet: it mines blocks for the shortfall and a margin for the fee,
# counting each at regtest's smaller coinbase (25 LTC after the halving at 150), at most this many times.
FUNDING_TRIES = 3
FUNDING_MARGIN = Decimal(1)
COINBASE_AFTER_HALVING = Decimal(25)


@dataclass
class FamilyEconomy(Economy):
    """An economy plus one family's behaviour; subclasses fill :meth:`family_setup` and :meth:`family_round`."""

    extra: dict[str, Any] = field(default_factory=dict)  # the family's settings (drawn by the seed)
    collaborative: list[dict[str, Any]] = field(default_factory=list)  # {"txid", "shape", "wallets"}
    marked: list[dict[str, Any]] = field(default_factory=list)  # single-owner look-alikes: {"txid", "kind"}
    people: dict[str, str] = field(default_factory=dict)
    second_wallets: int = 3

    def __post_init__(self) -> None:
        super().__post_init__()
        self.base_coinjoins = False
        self.rng = random.Random(f"{type(self).__name__}:{self.seed}")

    # -- setup -------------------------------------------------------------------------------------------
    def setup(self) -> None:
        super().setup()
        self.people = {name: name for name in self.roles}
        for person in self.rng.sample(self.wallets("customer"), self.second_wallets):
            self.add_wallet(f"{person}-b", "customer", person)
        self.node.mine(EXTRA_BLOCKS, self.new_address("miner"))
        self.family_setup()
        self.mine()

    def add_wallet(self, name: str, role: str, person: str | None = None, kind: str | None = None) -> str:
        self.node.rpc("createwallet", name)
        self.roles[name], self.people[name] = role, person or name
        self.address_type[name] = kind or (self.rng.choice(ADDRESS_TYPES) if role != "coordinator" else "bech32")
        if role == "customer":
            for exchange in self.wallets("exchange"):
                self.deposit[(exchange, name)] = self.new_address(exchange)
        return name

    def fund(self, amounts: dict[str, list[Decimal]]) -> None:
        """The miner pays each wallet the listed coins (one output each), in one transaction.

        A seed can ask for more than the miner's mature coins (the batches family's exchange floats, drawn
        by the seed, and the customers' funding): then the miner mines until enough coinbases mature, and
        pays. Only a funding that fails mines more, so a seed that could always pay plays as before.
        """
        outputs = [{self.new_address(w): str(quantize(v))} for w, values in amounts.items() for v in values]
        if not outputs:
            return
        need = sum((quantize(v) for values in amounts.values() for v in values), Decimal(0))
        for _ in range(FUNDING_TRIES):
            try:
                fund_and_send(self.node, "miner", [], outputs)
                return
            except RuntimeError as error:
                if "Insufficient funds" not in str(error):
                    raise
            short = need + FUNDING_MARGIN - self._balance("miner")
            # Each block mined matures one older coinbase (50 LTC below regtest's halving, 25 above).
            self.node.mine(max(1, int(short / COINBASE_AFTER_HALVING) + 1), self.new_address("miner"))
        raise RuntimeError(f"the miner cannot fund {need} LTC, even after mining {FUNDING_TRIES} times")

    def fund_customers(self, low: float, high: float) -> None:
        """Each exchange gets a float, then pays every customer wallet a withdrawal (the funding the truth knows)."""
        self.fund({e: [Decimal(200)] * 3 for e in self.wallets("exchange")})
        self.mine()
        for customer in self.wallets("customer"):
            exchange = self.rng.choice(self.wallets("exchange"))
            amount = quantize(Decimal(self.rng.uniform(low, high)))
            txid = self.node.rpc("sendtoaddress", self.new_address(customer), str(amount), wallet=exchange)
            self.exchange_withdrawals.append({"txid": txid, "exchange": exchange, "customers": [customer]})

    def family_setup(self) -> None:
        """Wallets and coins of the family (before the first round)."""

    # -- rounds ------------------------------------------------------------------------------------------
    def extra_round(self) -> None:
        self.family_round()

    def family_round(self) -> None:
        """The family's activity of one round."""

    def record(self, txid: str | None, shape: str, wallets: list[str] | None = None) -> str | None:
        if txid:
            self.collaborative.append({"txid": txid, "shape": shape, "wallets": sorted(set(wallets or []))})
        return txid

    def mark(self, txid: str | None, kind: str) -> str | None:
        if txid:
            self.marked.append({"txid": txid, "kind": kind})
        return txid

    def mixed_coins(self, wallet: str) -> list[Any]:
        joins = {c["txid"] for c in self.collaborative}
        return [c for c in coins(self.node, wallet, max(SUBSCRIPTION_PRICES) + Decimal("0.01")) if c.txid in joins]

    def pay_site_from_mix(self, count: int = 2) -> None:
        """Customers holding a mixed coin pay the site with it: the trail back goes through the mix."""
        holders = [c for c in self.wallets("customer") if self.mixed_coins(c)]
        for customer in self.rng.sample(holders, min(count, len(holders))):
            coin = self.rng.choice(self.mixed_coins(customer))
            address, price = self.new_address("site"), self.rng.choice(SUBSCRIPTION_PRICES)
            txid = fund_and_send(self.node, customer, [coin.outpoint], [{address: str(price)}])
            self.site_payments.append({"txid": txid, "customer": customer, "address": address, "amount": str(price),
                                       "from_mix": True})  # fmt: skip

    # -- truth -------------------------------------------------------------------------------------------
    def truth(self, addresses: Any) -> dict[str, Any]:
        truth = super().truth(addresses)
        joins = [c["txid"] for c in self.collaborative if c["shape"] != "payjoin"]
        truth.update({
            "family": type(self).__name__, "settings": {k: str(v) for k, v in self.extra.items()},
            "coinjoins": truth["coinjoins"] + joins, "collaborative": self.collaborative, "marked": self.marked,
            "people": self.people,
        })  # fmt: skip
        return truth
