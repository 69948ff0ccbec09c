"""CoinJoin detection: transactions where several people pay together, so a shared input proves nothing.

The multi-input heuristic assumes one wallet signed every input of a
transaction; a CoinJoin breaks that on purpose. Clustering must therefore never
merge through a transaction one of these rules flags.

The rules follow the open-source scanner of a Wasabi developer
(nopara73/Dumplings, Scanning/Scanner.cs) as summarised in FIELD_NOTES.md:
Whirlpool, Wasabi 1, Wasabi 2, and a generic equal-output rule that catches
JoinMarket. Every parameter is an explicit field with Bitcoin mainnet defaults
(other chains, such as Litecoin regtest scenarios, use other amounts), and
every detection states the rule, its parameters and the facts it saw in plain
words, so it can be checked against the raw transaction.
"""

from __future__ import annotations

from dataclasses import dataclass

from cointrail.amounts import Amount
from cointrail.chains.bitcoin.model import ResolvedTransaction
from cointrail.domain import COINJOIN, POSSIBLY_COLLABORATIVE
from cointrail.heuristics.anyscale import EqualOutputGroupsRule, Wasabi2LikeRule, WhirlpoolLikeRule
from cointrail.heuristics.collaborative import PayJoinRule, SmallEqualOutputRule
from cointrail.heuristics.joinbase import (
    CoinJoinDetection,
    CoinJoinRule,
    finding,
    participants_estimate,
    standard_denominations,
)
from cointrail.heuristics.joinbase import equal_groups as _equal_groups
from cointrail.heuristics.joinbase import script_types as _types
from cointrail.wording import counted

__all__ = ["COINJOIN", "COLLABORATIVE_RULES", "DEFAULT_RULES", "POSSIBLY_COLLABORATIVE", "CoinJoinDetection",
           "CoinJoinRule", "EqualOutputGroupsRule", "EqualOutputRule", "PayJoinRule", "ResolvedTransaction",
           "SmallEqualOutputRule", "Wasabi1Rule", "Wasabi2LikeRule", "Wasabi2Rule", "WhirlpoolLikeRule",
           "WhirlpoolRule", "detect_coinjoin", "detect_collaborative", "is_coinjoin",
           "standard_denominations"]  # fmt: skip


@dataclass(frozen=True)
class WhirlpoolRule:
    """Samourai/Sparrow Whirlpool: 5–10 P2WPKH inputs and as many outputs, all exactly one pool size."""

    name: str = "whirlpool"
    pool_sizes: tuple[int, ...] = (100_000, 1_000_000, 5_000_000, 50_000_000)
    min_participants: int = 5
    max_participants: int = 10
    max_premix_surplus: int = 110_000  # new entrants bring at most 0.0011 BTC above the pool size
    chain: str = "bitcoin"  # evidence gives amounts in its coin

    def detect(self, rtx: ResolvedTransaction) -> CoinJoinDetection | None:
        ins, outs = rtx.input_values, rtx.output_values
        if rtx.tx.is_coinbase or len(ins) != len(outs):
            return None
        if not self.min_participants <= len(outs) <= self.max_participants:
            return None
        pool = outs[0]
        if pool not in self.pool_sizes or any(v != pool for v in outs):
            return None
        if _types(rtx.spent) != {"p2wpkh"} or _types(rtx.tx.outputs) != {"p2wpkh"}:
            return None
        remixes = sum(v == pool for v in ins)
        if remixes == 0 or any(not pool <= v <= pool + self.max_premix_surplus for v in ins):
            return None
        return finding(rtx, self, (
            f"{len(ins)} inputs and {len(outs)} outputs, every output exactly {Amount(pool, self.chain)} "
            f"(a Whirlpool pool size), all P2WPKH; {counted(remixes, 'input')} exactly the pool size (remixes) and "
            f"the others at most {Amount(self.max_premix_surplus, self.chain)} above it (fresh entries)."
        ), len(outs))


@dataclass(frozen=True)
class Wasabi1Rule:
    """Wasabi 1 (zkSNACKs coordinator, 2019–2022): ≥ 10 equal outputs near 0.1 BTC, native segwit."""

    name: str = "wasabi1"
    base_denomination: int = 10_000_000
    tolerance: int = 2_000_000
    min_equal_outputs: int = 10
    min_unique_outputs: int = 2  # the participants' change and the coordinator fee
    chain: str = "bitcoin"  # evidence gives amounts in its coin

    def detect(self, rtx: ResolvedTransaction) -> CoinJoinDetection | None:
        groups = _equal_groups(rtx.output_values)
        if rtx.tx.is_coinbase or not groups:
            return None
        value, count = groups[0]
        unique = len(rtx.output_values) - sum(n for _, n in groups)
        if count < self.min_equal_outputs or abs(value - self.base_denomination) > self.tolerance:
            return None
        if unique < self.min_unique_outputs or len(rtx.spent) < count:
            return None
        if _types(rtx.spent) != {"p2wpkh"} or _types(rtx.tx.outputs) != {"p2wpkh"}:
            return None
        return finding(rtx, self, (
            f"{count} outputs of exactly {Amount(value, self.chain)} (within "
            f"{Amount(self.tolerance, self.chain)} of Wasabi's {Amount(self.base_denomination, self.chain)} "
            f"base amount), {unique} outputs of unique amounts (change, coordinator fee), "
            f"{len(rtx.spent)} inputs, every script native segwit (P2WPKH)."
        ), count)


@dataclass(frozen=True)
class Wasabi2Rule:
    """Wasabi 2 (WabiSabi): ≥ 50 segwit inputs, inputs and outputs sorted by amount, mostly standard amounts."""

    name: str = "wasabi2"
    min_inputs: int = 50
    min_standard_share: float = 0.8
    min_denomination: int = 5_000
    max_denomination: int = 137_438_953_472
    chain: str = "bitcoin"  # evidence gives amounts in its coin

    def detect(self, rtx: ResolvedTransaction) -> CoinJoinDetection | None:
        ins, outs = rtx.input_values, rtx.output_values
        if rtx.tx.is_coinbase or len(ins) < self.min_inputs or not _types(rtx.spent) <= {"p2wpkh", "p2tr"}:
            return None
        if ins != sorted(ins, reverse=True) or outs != sorted(outs, reverse=True):
            return None
        standard = standard_denominations(self.min_denomination, self.max_denomination)
        share = sum(v in standard for v in outs) / len(outs) if outs else 0.0
        if share <= self.min_standard_share:
            return None
        return finding(rtx, self, (
            f"{len(ins)} inputs, all P2WPKH or Taproot; inputs and outputs sorted by amount, largest first; "
            f"{share:.0%} of the {len(outs)} outputs are Wasabi 2 standard amounts "
            f"(more than {self.min_standard_share:.0%} needed)."
        ), participants_estimate(rtx, max((n for _, n in _equal_groups(outs)), default=1)))


@dataclass(frozen=True)
class EqualOutputRule:
    """JoinMarket and other equal-output CoinJoins: one group of equal outputs, one change each at most."""

    name: str = "equal_output"
    # JoinMarket's takers need at least 4 makers by default (joinmarket.cfg minimum_makers = 4).
    min_equal_outputs: int = 5
    # A participant pays its share of the mining fee from its inputs too: far above one share, far below a payment.
    fee_allowance: int = 100_000
    chain: str = "bitcoin"  # evidence gives amounts in its coin

    def detect(self, rtx: ResolvedTransaction) -> CoinJoinDetection | None:
        groups = _equal_groups(rtx.output_values)
        if rtx.tx.is_coinbase or len(groups) != 1 or groups[0][1] < self.min_equal_outputs:
            return None
        value, count = groups[0]
        others = [v for v in rtx.output_values if v != value]
        in_scripts = len({out.script_pubkey for out in rtx.spent})
        out_scripts = len({out.script_pubkey for out in rtx.tx.outputs})
        if len(others) > count or in_scripts < count or out_scripts < count:
            return None
        # No single input may exceed one participant's share (equal output, largest change, fee):
        # otherwise one person paid for several of the equal outputs, a plain batched payment.
        if max(rtx.input_values) > value + max(others, default=0) + self.fee_allowance:
            return None
        return finding(rtx, self, (
            f"{count} outputs of exactly {Amount(value, self.chain)} and {counted(len(others), 'other output')} "
            f"(at most one change per participant); {in_scripts} distinct input scripts and {out_scripts} "
            f"distinct output scripts, at least one per equal output; no input larger than one participant's "
            f"share (an equal output, the largest other output and {Amount(self.fee_allowance, self.chain)} "
            f"of fee). At least {self.min_equal_outputs} equal outputs are required."
        ), count)


# Most specific first: the named rules with Bitcoin mainnet amounts, then the rules that work at any chain's
# amount scale (issue 12: Litecoin CoinJoins were missed because every rule wanted BTC amounts).
DEFAULT_RULES: tuple[CoinJoinRule, ...] = (
    WhirlpoolRule(), Wasabi1Rule(), Wasabi2Rule(), EqualOutputRule(),
    WhirlpoolLikeRule(), Wasabi2LikeRule(), EqualOutputGroupsRule(),
)  # fmt: skip
# Shapes that may be collaborative, checked after every CoinJoin rule: never merged through.
COLLABORATIVE_RULES: tuple[CoinJoinRule, ...] = (SmallEqualOutputRule(), PayJoinRule())


def _first(
    rtx: ResolvedTransaction, rules: tuple[CoinJoinRule, ...]
) -> tuple[CoinJoinDetection | None, CoinJoinDetection | None]:
    """(The first CoinJoin finding of ``rules``, the first other finding before it), each rule run once."""
    other = None
    for rule in rules:
        found = rule.detect(rtx)
        if found is not None and found.kind == COINJOIN:
            return found, other
        other = other or found
    return None, other


def detect_coinjoin(
    rtx: ResolvedTransaction, rules: tuple[CoinJoinRule, ...] = DEFAULT_RULES
) -> CoinJoinDetection | None:
    """The first rule (most specific first) that flags ``rtx`` as a CoinJoin, or ``None``."""
    return _first(rtx, rules)[0]


def is_coinjoin(rtx: ResolvedTransaction, rules: tuple[CoinJoinRule, ...] = DEFAULT_RULES) -> bool:
    """Whether any rule flags ``rtx`` as a CoinJoin."""
    return detect_coinjoin(rtx, rules) is not None


def detect_collaborative(
    rtx: ResolvedTransaction,
    rules: tuple[CoinJoinRule, ...] = DEFAULT_RULES,
    collaborative: tuple[CoinJoinRule, ...] = COLLABORATIVE_RULES,
) -> CoinJoinDetection | None:
    """A CoinJoin finding, else a "possibly collaborative" one, else ``None``: clustering merges through neither.

    Each rule runs at most once: the CoinJoin rules, then (only when none found a CoinJoin) the collaborative ones.
    """
    joined, other = _first(rtx, rules)
    if joined is not None or other is not None:
        return joined or other
    for rule in collaborative:
        found = rule.detect(rtx)
        if found is not None:
            return found
    return None
