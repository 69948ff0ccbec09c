"""Possibly collaborative transactions: shapes that several owners make, but one owner can make too.

Flagged ``possibly-collaborative``: clustering does not merge through them
(when a rule is unsure, the cost is recall, never precision; issue 12), and
tracing may still go through them, as they are not CoinJoins.

* ``payjoin`` (BIP78, "pay-to-endpoint"): the receiver adds a coin of its own
  to the sender's payment, so the multi-input heuristic is wrong by design. It
  is built to look ordinary; the published sign is the unnecessary-input
  heuristic (UIH2, Ghesmati, Pfeffer, Ziegler and Weippl, "Unnecessary Input
  Heuristics and PayJoin Transactions", 2021): in a two-output transaction,
  whichever output is the payment, one input was not needed to pay it, which a
  wallet choosing its own coins avoids. With two outputs that is exactly
  "the smaller output is at least the smallest input". BIP78 also requires the
  receiver's coins to be of the sender's script type.
* ``small_equal_output``: two to four equal outputs, each with at most one
  change, paid from at least as many different input scripts: a two- to
  four-party join (Samourai STONEWALLx2, a small JoinMarket round).
"""

from __future__ import annotations

from dataclasses import dataclass

from cointrail.heuristics.joinbase import (
    POSSIBLY_COLLABORATIVE,
    CoinJoinDetection,
    ResolvedTransaction,
    amount,
    distinct_scripts,
    equal_groups,
    finding,
    script_types,
)


@dataclass(frozen=True)
class PayJoinRule:
    """A two-output payment with an unnecessary input (UIH2) from another script of the same type."""

    name: str = "payjoin"
    max_inputs: int = 4  # the sender's one or few coins and the receiver's one; more is a consolidation
    unit: str = "BTC"

    def detect(self, rtx: ResolvedTransaction) -> CoinJoinDetection | None:
        ins, outs = rtx.input_values, rtx.output_values
        if rtx.tx.is_coinbase or len(outs) != 2 or not 2 <= len(ins) <= self.max_inputs:
            return None
        if distinct_scripts(rtx.spent) < 2 or len(script_types(rtx.spent)) != 1:
            return None
        if {out.script_pubkey for out in rtx.spent} & {out.script_pubkey for out in rtx.tx.outputs}:
            return None  # pays back to an input address: its change is plain, a wallet of its own
        if min(outs) < min(ins):
            return None
        (kind,) = script_types(rtx.spent)
        return finding(rtx, self, (
            f"2 outputs, paid from {len(ins)} inputs of {distinct_scripts(rtx.spent)} different {kind} scripts; "
            f"the smaller output ({amount(min(outs), self.unit)}) is at least the smallest input "
            f"({amount(min(ins), self.unit)}), so whichever output is the payment, one input was not needed to "
            "pay it (the unnecessary-input heuristic, Ghesmati et al. 2021). A wallet paying alone rarely adds such "
            "a coin; the receiver of a PayJoin (BIP78) adds exactly one, of the sender's script type. Possibly two "
            "owners: the inputs are not merged."
        ), 2, POSSIBLY_COLLABORATIVE)


@dataclass(frozen=True)
class SmallEqualOutputRule:
    """Two to four equal outputs, at most one change each, from at least as many input scripts."""

    name: str = "small_equal_output"
    min_equal_outputs: int = 2
    max_equal_outputs: int = 4  # five and more are the CoinJoin rules' business
    unit: str = "BTC"

    def detect(self, rtx: ResolvedTransaction) -> CoinJoinDetection | None:
        groups = equal_groups(rtx.output_values)
        if rtx.tx.is_coinbase or len(groups) != 1 or len(rtx.spent) < 2:
            return None
        value, count = groups[0]
        others = len(rtx.output_values) - count
        in_scripts = distinct_scripts(rtx.spent)
        if not self.min_equal_outputs <= count <= self.max_equal_outputs or in_scripts < count:
            return None
        if others > count + 1 or distinct_scripts(rtx.tx.outputs) < len(rtx.output_values):
            return None
        return finding(rtx, self, (
            f"{count} outputs of exactly {amount(value, self.unit)} and {others} other output(s) (at most one "
            f"change each, plus a fee), every output to a different script, paid from {len(rtx.spent)} inputs of "
            f"{in_scripts} different scripts: possibly a {count}-party join (STONEWALLx2, a small JoinMarket "
            "round), so the inputs are not merged."
        ), count, POSSIBLY_COLLABORATIVE)
