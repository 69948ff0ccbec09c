"""Possibly collaborative transactions: shapes that several owners make, but one owner can make too.

Flagged ``possibly-collaborative``: clustering does not merge through them
(when a rule is unsure, the cost is recall, never precision; issue 12), and
tracing may still go through them, as they are not CoinJoins.

* ``payjoin`` (BIP78, "pay-to-endpoint"): the receiver adds a coin of its own
  to the sender's payment and takes it back in the payment's output, so the
  multi-input heuristic is wrong by design. It is built to look ordinary. Two
  published signs say so outright: the unnecessary-input heuristic (UIH2,
  Ghesmati, Pfeffer, Ziegler and Weippl, "Unnecessary Input Heuristics and
  PayJoin Transactions", 2021): in a two-output transaction, whichever output
  is the payment, one input was not needed to pay it, which a wallet choosing
  its own coins avoids (with two outputs: "the smaller output is at least the
  smallest input"); and two inputs of different script types, each paid back
  in its own type (a sender and a receiver of different wallets). But a
  receiver who adds a coin larger than the sender's change (BIP78 asks
  receivers to choose coins so that the unnecessary-input heuristic does not
  fire) leaves neither sign: the transaction then reads exactly as one owner
  paying with two coins, and nothing in it tells the two apart. So every
  two-output payment a PayJoin could be is flagged: one output larger than the
  smallest input (the receiver's output holds its coin plus the payment, so it
  is larger than that coin). Left alone, because no PayJoin looks so: one input
  script only, an output paid back to an input's script (the change shows
  plainly), more than ``max_inputs`` inputs, and two outputs each no larger than
  the smallest input. The cost is recall on ordinary two-coin payments (issue 12:
  "when a rule is unsure, the cost is recall, never precision").
* ``small_equal_output``: equal outputs, each with at most one change, paid
  from at least as many different input scripts as the commonest amount has
  outputs: a small join (Samourai STONEWALLx2, a JoinMarket round with few
  makers, a coordinator-less join) the CoinJoin rules do not reach.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from cointrail.amounts import Amount, chain_unit
from cointrail.chains.bitcoin.model import ResolvedTransaction
from cointrail.domain import POSSIBLY_COLLABORATIVE, Words
from cointrail.heuristics.joinbase import (
    CoinJoinDetection,
    distinct_scripts,
    equal_groups,
    finding,
    script_types,
)
from cointrail.wording import counted


@dataclass(frozen=True)
class PayJoinRule:
    """A two-output payment from two or more scripts that a PayJoin could be: one output larger than the smallest
    input (a receiver's coin plus the payment), none paid back to an input's script; the evidence names the
    strongest sign it carries (an unnecessary input, two script types each paid back, or the shape alone)."""

    name: str = "payjoin"
    max_inputs: int = 4  # the sender's one or few coins and the receiver's one; more is a consolidation
    chain: str = "bitcoin"  # evidence gives amounts in its coin

    def detect(self, rtx: ResolvedTransaction) -> CoinJoinDetection | None:
        ins, outs = rtx.input_values, rtx.output_values
        if rtx.tx.is_coinbase or len(outs) != 2 or not 2 <= len(ins) <= self.max_inputs:
            return None
        if distinct_scripts(rtx.spent) < 2 or outs[0] == outs[1]:
            return None  # two equal outputs are the small-join rule's
        if {out.script_pubkey for out in rtx.spent} & {out.script_pubkey for out in rtx.tx.outputs}:
            return None  # pays back to an input address: its change is plain, a wallet of its own
        kinds = sorted(script_types(rtx.spent))
        paired = len(ins) == 2 and len(kinds) == 2 and sorted(script_types(rtx.tx.outputs)) == kinds
        if max(outs) <= min(ins) and not paired:
            return None  # no output could hold a receiver's coin: not a PayJoin
        words = self.evidence(len(ins), distinct_scripts(rtx.spent), kinds, (min(outs), max(outs)), min(ins), paired)
        return finding(rtx, self, words, 2, POSSIBLY_COLLABORATIVE)

    def evidence(self, inputs: int, scripts: int, kinds: list[str], outputs: tuple[int, int], smallest_input: int,
                 paired: bool) -> str:  # fmt: skip
        """The finding in words (the set-based check renders the same :meth:`words` from the same facts).

        ``outputs`` is (smaller, larger); ``paired``: two inputs of two script types, each paid back in its type.
        """
        smaller, larger = outputs
        reason = int(payjoin_reasons(np.array([smaller]), np.array([smallest_input]), np.array([paired]))[0])
        return self.words().render(reason, {"inputs": inputs, "scripts": scripts, "kinds": kinds, "smaller": smaller,
                                            "larger": larger, "smallest_input": smallest_input})  # fmt: skip

    def words(self) -> Words:
        """The texts of :data:`PAYJOIN_WHY`, each between the same head and tail, amounts in this chain's coin."""
        return Words(tuple(_PAYJOIN_HEAD + why + _PAYJOIN_TAIL for why in PAYJOIN_WHY), chain_unit(self.chain),
                     amounts=("smaller", "larger", "smallest_input"), lists=("kinds",))  # fmt: skip


_PAYJOIN_HEAD = "2 outputs, paid from {inputs} inputs of {scripts} different {kinds} scripts; "
_PAYJOIN_TAIL = " Possibly two owners: the inputs are not merged."
# The strongest sign a PayJoin-like payment carries, by reason code (payjoin_reasons): in this order of strength.
PAYJOIN_WHY = (
    "the smaller output ({smaller}) is at least the smallest input ({smallest_input}), so whichever output is the "
    "payment, one input was not needed to pay it (the unnecessary-input heuristic, Ghesmati et al. 2021). A wallet "
    "paying alone rarely adds such a coin; the receiver of a PayJoin (BIP78) adds exactly one.",
    "the two inputs are of different script types and each output is of one of them: as if two owners, each of its "
    "own address type, were each paid back in it (a PayJoin's sender and receiver).",
    "the larger output ({larger}) is larger than the smallest input ({smallest_input}), so it could hold that coin "
    "plus a payment: the shape of a PayJoin (BIP78), in which the payee adds a coin of its own and takes it back "
    "with the payment. One owner paying with several coins looks exactly the same; nothing in the transaction tells "
    "the two apart.",
)


def payjoin_reasons(smaller: np.ndarray, smallest_input: np.ndarray, paired: np.ndarray) -> np.ndarray:
    """The reason code (an index into :data:`PAYJOIN_WHY`) of each flagged payment: the unnecessary input where
    the smaller output is at least the smallest input, else the paired script types, else the shape alone."""
    return np.where(smaller >= smallest_input, 0, np.where(paired, 1, 2)).astype(np.int8)


@dataclass(frozen=True)
class SmallEqualOutputRule:
    """Equal outputs (any number of groups) making most of the outputs, from at least as many input scripts
    as the largest group: the joins too small or too irregular for the CoinJoin rules."""

    name: str = "small_equal_output"
    min_equal_outputs: int = 2
    chain: str = "bitcoin"  # evidence gives amounts in its coin

    def detect(self, rtx: ResolvedTransaction) -> CoinJoinDetection | None:
        groups = equal_groups(rtx.output_values)
        if rtx.tx.is_coinbase or not groups or len(rtx.spent) < 2:
            return None
        equal = sum(n for _, n in groups)
        others = len(rtx.output_values) - equal
        in_scripts = distinct_scripts(rtx.spent)
        if equal < self.min_equal_outputs or in_scripts < max(2, groups[0][1]):
            return None
        if others > equal + 1 or distinct_scripts(rtx.tx.outputs) < len(rtx.output_values):
            return None
        shown = ", ".join(f"{n} × {Amount(v, self.chain)}" for v, n in groups[:4]) + (" …" if len(groups) > 4 else "")
        return finding(rtx, self, (
            f"{equal} outputs of equal amounts ({shown}) and {counted(others, 'other output')} (at most one "
            f"change each, plus a fee), every output to a different script, paid from {len(rtx.spent)} inputs of "
            f"{in_scripts} different scripts, at least one per output of the commonest amount: possibly a small "
            "join of several owners (STONEWALLx2, a small JoinMarket round), so the inputs are not merged."
        ), max(2, groups[0][1]), POSSIBLY_COLLABORATIVE)
