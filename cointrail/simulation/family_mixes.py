"""The CoinJoin families: an economy where customers and others mix with one real protocol's shape.

Amounts are Litecoin amounts: a Bitcoin protocol's fixed sizes (Whirlpool's
pools, Wasabi 1's 0.1 BTC) are converted at a price ratio (LTC per BTC) drawn
by the seed, as an LTC deployment of the protocol would set them.
"""

from __future__ import annotations

import random
from decimal import Decimal

from cointrail.simulation import collab, remix_payjoin
from cointrail.simulation.collab import quantize
from cointrail.simulation.family_base import FamilyEconomy

MIXERS = 10


def _spread(rng: random.Random, low: float, high: float, count: int) -> list[Decimal]:
    return [quantize(Decimal(rng.uniform(low, high))) for _ in range(count)]


class MixingEconomy(FamilyEconomy):
    """Mixers (people who mix, and trade a little) and a coordinator, and customers who mix too."""

    def add_mixers(self, count: int = MIXERS, role: str = "mixer", kinds: tuple[str, ...] = ("bech32",)) -> list[str]:
        return [self.add_wallet(f"{role}{i}", role, kind=self.rng.choice(kinds)) for i in range(count)]

    def participants(self, low: int, high: int) -> list[str]:
        """A shuffled draw of mixers and customers (the builders skip those short of coins)."""
        pool = self.wallets("mixer") + self.wallets("customer")
        return self.rng.sample(pool, min(len(pool), self.rng.randint(low, high)))


class WhirlpoolEconomy(MixingEconomy):
    """Whirlpool: Tx0s make premix coins, mixes of 5–10 in two pools, postmix coins remixed."""

    def family_setup(self) -> None:
        ratio = self.rng.choice((50, 80, 100, 120, 150))
        self.extra = {"ltc_per_btc": ratio, "pools": [quantize(Decimal(p) * ratio) for p in ("0.01", "0.05")]}
        self.add_mixers()
        self.add_wallet("coordinator", "coordinator")
        big = self.extra["pools"][1]
        funds = {m: _spread(self.rng, float(big) * 2, float(big) * 6, 2) for m in self.wallets("mixer")}
        for pool in self.extra["pools"]:  # postmix liquidity from earlier mixes, ready to remix
            for m in self.rng.sample(self.wallets("mixer"), 4):
                funds[m].append(pool)
        self.fund(funds)
        self.fund_customers(3, 6)

    def family_round(self) -> None:
        for wallet in self.rng.sample(self.wallets("mixer") + self.wallets("customer"), 6):
            pool = self.rng.choice(self.extra["pools"])
            self.mark(collab.whirlpool_tx0(self.node, wallet, pool, self.rng.randint(2, 5), "coordinator",
                                           self.rng), "whirlpool-tx0")  # fmt: skip
        for pool in self.extra["pools"]:
            wallets = self.participants(12, 20)
            txid = collab.build_whirlpool(self.node, self.rng, wallets, pool, size=self.rng.randint(5, 10))
            self.record(txid, "whirlpool", wallets)
        self.pay_site_from_mix()


class Wasabi1Economy(MixingEconomy):
    """Wasabi 1: rounds of 10+ participants at about 0.1 BTC-equivalent, several mixing levels."""

    def family_setup(self) -> None:
        ratio = self.rng.choice((30, 40, 50, 60))
        self.extra = {"ltc_per_btc": ratio, "base": quantize(Decimal("0.1") * ratio)}
        self.add_mixers(14)
        self.add_wallet("coordinator", "coordinator")
        base = float(self.extra["base"])
        self.fund({m: _spread(self.rng, base * 0.6, base * 4, 3) for m in self.wallets("mixer")})
        self.fund_customers(base * 1.1, base * 3)

    def family_round(self) -> None:
        if self.round_no % 2 == 0:
            base = quantize(self.extra["base"] * Decimal(self.rng.uniform(0.98, 1.02)))  # it drifted round to round
            wallets = self.participants(14, 24)
            self.record(collab.build_wasabi1(self.node, self.rng, wallets, base, "coordinator"), "wasabi1", wallets)
        self.pay_site_from_mix()


class WabiSabiEconomy(MixingEconomy):
    """Wasabi 2 (WabiSabi): dozens of inputs, several per participant, standard denominations, sorted."""

    def family_setup(self) -> None:
        self.extra = {"coordinator_fee": self.rng.random() < 0.5}
        self.add_mixers(12)
        self.add_wallet("coordinator", "coordinator")
        self.fund({m: _spread(self.rng, 0.05, 4, self.rng.randint(6, 10)) for m in self.wallets("mixer")})
        self.fund_customers(2, 6)

    def family_round(self) -> None:
        if self.round_no % 2 == 1:
            wallets = self.participants(10, 20)
            fee_to = "coordinator" if self.extra["coordinator_fee"] else None
            self.record(collab.build_wabisabi(self.node, self.rng, wallets, fee_to), "wabisabi", wallets)
        self.pay_site_from_mix()


class JoinMarketEconomy(MixingEconomy):
    """JoinMarket: a taker (a customer or a mixer) and 3–8 makers, one CoinJoin a round."""

    def family_setup(self) -> None:
        self.extra = {"script": self.rng.choice(("bech32", "p2sh-segwit"))}
        self.add_mixers(6)
        for i in range(8):
            self.add_wallet(f"maker{i}", "maker", kind=self.extra["script"])
        funds = {m: _spread(self.rng, 0.3, 3, self.rng.randint(4, 8)) for m in self.wallets("maker")}
        funds.update({m: _spread(self.rng, 1, 5, 2) for m in self.wallets("mixer")})
        self.fund(funds)
        self.fund_customers(2, 5)

    def family_round(self) -> None:
        taker = self.rng.choice(self.wallets("mixer") + self.wallets("customer"))
        makers = self.rng.sample(self.wallets("maker"), self.rng.randint(3, 8))
        amount = quantize(Decimal(self.rng.uniform(0.3, 1.8)))
        txid = collab.build_joinmarket(self.node, self.rng, taker, makers, amount, self.extra["script"])
        self.record(txid, "joinmarket", [taker, *makers])
        self.pay_site_from_mix()


class RemixChainEconomy(MixingEconomy):
    """Held out: coordinator-less joins of mixed script types, two odd denominations, outputs remixed round after
    round (multi-level chains). The detection work was never told about this family."""

    def family_setup(self) -> None:
        low = quantize(Decimal(self.rng.uniform(0.3, 0.9)))
        self.extra = {"denominations": [low, quantize(low * 3)]}
        self.add_mixers(10, kinds=("legacy", "p2sh-segwit", "bech32"))
        self.fund({m: _spread(self.rng, 0.2, 2.5, 5) for m in self.wallets("mixer")})
        self.fund_customers(2, 5)

    def family_round(self) -> None:
        wallets = self.participants(6, 12)
        kinds = {w: self.address_type[w] for w in wallets}
        txid = remix_payjoin.build_remix(self.node, self.rng, wallets, self.extra["denominations"], kinds)
        self.record(txid, "remix-mixed-scripts", wallets)
        self.pay_site_from_mix()
