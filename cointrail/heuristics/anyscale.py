"""CoinJoin rules that need no Bitcoin mainnet amounts: they hold at any chain's amount scale (issue 12).

The named rules of :mod:`cointrail.heuristics.coinjoin` (after nopara73/Dumplings)
recognise Whirlpool, Wasabi and JoinMarket by their Bitcoin pool sizes,
denominations and round sizes. On independently generated Litecoin economies,
CoinJoins in which participants brought several inputs and took several equal
outputs plus a coordinator fee slipped past all of them, and the multi-input
heuristic merged strangers. These rules look only at the shape:

* ``whirlpool_like``: 5–10 inputs and as many outputs, every output one amount,
  at least one input exactly that amount (a remix), none a second pool's worth;
* ``wasabi2_like``: WabiSabi's sorted inputs and outputs and its standard
  denominations (base-unit integers, so any chain), from 10 inputs up;
* ``equal_output_groups``: several groups of equal outputs paid from many
  distinct input scripts, with at most one other output per equal output plus
  the coordinator's fee. A batch payout from one wallet spends one or a few
  coins and pays many different amounts; a CoinJoin spends the coins of every
  participant and pays mostly equal amounts.
"""

from __future__ import annotations

from dataclasses import dataclass

from cointrail.amounts import Amount
from cointrail.chains.bitcoin.model import ResolvedTransaction
from cointrail.domain import COINJOIN, POSSIBLY_COLLABORATIVE
from cointrail.heuristics.joinbase import (
    CoinJoinDetection,
    distinct_scripts,
    equal_groups,
    finding,
    participants_estimate,
    standard_denominations,
)
from cointrail.wording import counted


@dataclass(frozen=True)
class WhirlpoolLikeRule:
    """Whirlpool's shape at any pool size: n inputs, n equal outputs, at least one input exactly the pool."""

    name: str = "whirlpool_like"
    min_participants: int = 5
    max_participants: int = 10
    chain: str = "bitcoin"  # evidence gives amounts in its coin

    def detect(self, rtx: ResolvedTransaction) -> CoinJoinDetection | None:
        ins, outs = rtx.input_values, rtx.output_values
        if rtx.tx.is_coinbase or len(ins) != len(outs):
            return None
        if not self.min_participants <= len(outs) <= self.max_participants:
            return None
        pool, n = outs[0], len(outs)
        if any(v != pool for v in outs) or distinct_scripts(rtx.spent) < n or distinct_scripts(rtx.tx.outputs) < n:
            return None
        remixes = sum(v == pool for v in ins)
        # A fresh entry brings the pool amount plus its mining-fee share: less than a second pool's worth.
        if remixes == 0 or any(not pool <= v < 2 * pool for v in ins):
            return None
        return finding(rtx, self, (
            f"{n} inputs from {n} different scripts and {n} outputs to {n} different scripts, every output exactly "
            f"{Amount(pool, self.chain)}; {counted(remixes, 'input')} exactly that amount (remixes) and the others "
            "above it by less than one more pool (fresh entries paying their fee share): the shape of a Whirlpool mix, "
            "whatever the pool size."
        ), n)


@dataclass(frozen=True)
class Wasabi2LikeRule:
    """WabiSabi's shape from 10 inputs up: inputs and outputs sorted by amount, mostly standard denominations."""

    name: str = "wasabi2_like"
    min_inputs: int = 10
    min_input_scripts: int = 5
    min_outputs: int = 5
    min_standard_share: float = 0.8
    min_denomination: int = 5_000
    max_denomination: int = 137_438_953_472
    chain: str = "bitcoin"  # evidence gives amounts in its coin

    def detect(self, rtx: ResolvedTransaction) -> CoinJoinDetection | None:
        ins, outs = rtx.input_values, rtx.output_values
        if rtx.tx.is_coinbase or len(ins) < self.min_inputs or len(outs) < self.min_outputs:
            return None
        if distinct_scripts(rtx.spent) < self.min_input_scripts:
            return None
        if ins != sorted(ins, reverse=True) or outs != sorted(outs, reverse=True):
            return None
        standard = standard_denominations(self.min_denomination, self.max_denomination)
        share = sum(v in standard for v in outs) / len(outs)
        if share <= self.min_standard_share:
            return None
        largest = max((n for _, n in equal_groups(outs)), default=1)
        return finding(rtx, self, (
            f"{len(ins)} inputs from {distinct_scripts(rtx.spent)} different scripts; inputs and outputs sorted by "
            f"amount, largest first (as the WabiSabi coordinator orders them); {share:.0%} of the {len(outs)} "
            f"outputs are WabiSabi standard denominations (powers of 2 and 3, 2×3ⁿ, 1-2-5 series, in base units; "
            f"more than {self.min_standard_share:.0%} needed)."
        ), participants_estimate(rtx, largest))


@dataclass(frozen=True)
class EqualOutputGroupsRule:
    """Many participants, each with one or several inputs and one or several equal outputs, at any amount scale."""

    name: str = "equal_output_groups"
    min_input_scripts: int = 5  # a wallet paying a batch alone spends one or a few coins
    min_equal_outputs: int = 5  # outputs that share their amount with another output
    min_largest_group: int = 3  # at least three people took the same amount
    chain: str = "bitcoin"  # evidence gives amounts in its coin

    def detect(self, rtx: ResolvedTransaction) -> CoinJoinDetection | None:
        groups = equal_groups(rtx.output_values)
        if rtx.tx.is_coinbase or not groups or groups[0][1] < self.min_largest_group:
            return None
        equal = sum(n for _, n in groups)
        others = len(rtx.output_values) - equal
        in_scripts, out_scripts = distinct_scripts(rtx.spent), distinct_scripts(rtx.tx.outputs)
        if equal < self.min_equal_outputs or in_scripts < self.min_input_scripts or out_scripts < equal:
            return None
        # At most one change per equal output, plus the coordinator's fee: a batch payout pays many
        # different amounts, a CoinJoin mostly equal ones. Outputs at 2, 4, 8 … times an equal amount are
        # Wasabi 1's higher mixing levels (one participant may be alone at one), not changes.
        levels = _mixing_levels(rtx.output_values, {v for v, _ in groups})
        if others - levels > equal + 1:
            return None
        value, largest = groups[0]
        # One output holding most of the money looks like one wallet's batch with its change (an exchange paying
        # withdrawals of a few standard amounts) as much as a CoinJoin with one large participant: unsure, so
        # possibly collaborative (not merged, but tracing may go on).
        kept = max((v for v in rtx.output_values if v not in {g for g, _ in groups}), default=0)
        dominant = 2 * kept > sum(rtx.input_values)
        shown = ", ".join(f"{n} × {Amount(v, self.chain)}" for v, n in groups[:6]) + (" …" if len(groups) > 6 else "")
        return finding(rtx, self, (
            f"{equal} outputs in {counted(len(groups), 'group')} of equal amounts ({shown}), to {out_scripts} "
            f"different scripts, and {counted(others, 'other output')} ({levels} of them at 2ⁿ times an equal "
            f"amount, a higher mixing level; the rest at most one change per equal output plus a coordinator fee); "
            f"paid from {len(rtx.spent)} inputs of {in_scripts} different scripts. A wallet paying a batch alone "
            f"spends one or a few coins and pays many different amounts; this looks like several people mixing "
            f"(at least {self.min_input_scripts} input scripts, {self.min_equal_outputs} equal outputs and "
            f"{self.min_largest_group} outputs of one amount required)."
            + (f" But one output ({Amount(kept, self.chain)}) holds more than half of the inputs' value: perhaps one "
               "wallet's batch payout and its change, so only possibly collaborative." if dominant else "")
        ), participants_estimate(rtx, largest), POSSIBLY_COLLABORATIVE if dominant else COINJOIN)


def _mixing_levels(values: list[int], equal: set[int]) -> int:
    """Outputs of a unique amount that is 2ⁿ (n = 1..8) times one of the equal amounts."""
    multiples = {v << n for v in equal for n in range(1, 9)}
    counts: dict[int, int] = {}
    for v in values:
        counts[v] = counts.get(v, 0) + 1
    return sum(1 for v, n in counts.items() if n == 1 and v in multiples)
