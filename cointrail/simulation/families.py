"""The families of behaviour the accuracy benchmark runs, each its own economy, settings and seeds (issue 12).

Seeds are split: **tuning** seeds may be looked at while a detector is
developed; **held-out** seeds are only measured. ``told`` says whether the
detection work was told about the family at all: the held-out family
``remix-mixed-scripts`` was not, so it measures what an unknown mixing
protocol does to the clustering.
"""

from __future__ import annotations

from dataclasses import dataclass

from cointrail.simulation.economy import Economy, Node
from cointrail.simulation.family_base import FamilyEconomy
from cointrail.simulation.family_mixes import (
    JoinMarketEconomy,
    RemixChainEconomy,
    WabiSabiEconomy,
    Wasabi1Economy,
    WhirlpoolEconomy,
)
from cointrail.simulation.family_plain import BatchEconomy, ChangePolicyEconomy, PayJoinEconomy


@dataclass(frozen=True)
class Family:
    """One family: its economy class, what it shows, its rounds and its seeds."""

    name: str
    economy: type[Economy]
    summary: str
    rounds: int = 18
    tuning: tuple[int, ...] = (1,)
    held_out: tuple[int, ...] = (2,)
    told: bool = True

    @property
    def seeds(self) -> tuple[int, ...]:
        return self.tuning + self.held_out


FAMILIES: dict[str, Family] = {f.name: f for f in (
    Family("project-economy", Economy, "the original scenario: one-input CoinJoins of equal 1-LTC outputs",
           rounds=24),
    Family("whirlpool", WhirlpoolEconomy, "Whirlpool: Tx0s, mixes of 5–10 at two pools (0.01 and 0.05 BTC-"
           "equivalent), remixes, a coordinator fee in each Tx0"),
    Family("wasabi1", Wasabi1Economy, "Wasabi 1: 10+ participants, 1–3 inputs each, equal outputs at about 0.1 "
           "BTC-equivalent and its doublings, a change each, one coordinator fee output"),
    Family("wabisabi", WabiSabiEconomy, "Wasabi 2: dozens of inputs, several per participant, several outputs "
           "each at standard denominations, sorted by value, a coordinator fee in some seeds"),
    Family("joinmarket", JoinMarketEconomy, "JoinMarket: makers bring several inputs, one equal output and a "
           "change each"),
    Family("payjoin-custodial", PayJoinEconomy, "PayJoin (BIP78) to the site and between users; a custodian "
           "paying withdrawals from pooled deposits"),
    Family("batches", BatchEconomy, "single owners: exchange batches of many equal withdrawals, payroll, "
           "consolidations"),
    Family("change-policies", ChangePolicyEconomy, "wallets whose change matches the payee's type, goes first or "
           "last, back to the paying address, round payments, fee bumps (bumpfee)"),
    Family("remix-mixed-scripts", RemixChainEconomy, "HELD OUT: coordinator-less joins of mixed script types, "
           "two odd denominations, remixed round after round", tuning=(), held_out=(1, 2), told=False),
)}  # fmt: skip


def make_economy(family: str, node: Node, seed: int) -> Economy:
    """The economy of ``family`` on ``node`` for ``seed`` (not set up yet)."""
    return FAMILIES[family].economy(node, seed)


__all__ = ["FAMILIES", "Family", "FamilyEconomy", "make_economy"]
