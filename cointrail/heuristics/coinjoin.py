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

from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Any, Protocol

from cointrail.addresses import classify_script
from cointrail.ledger.model import Transaction, TxOut, display_hash

COIN = 100_000_000


@dataclass(frozen=True, slots=True)
class ResolvedTransaction:
    """A transaction together with the outputs its inputs spend (value and script), in input order."""

    tx: Transaction
    spent: tuple[TxOut, ...]

    def __post_init__(self) -> None:
        if not self.tx.is_coinbase and len(self.spent) != len(self.tx.inputs):
            raise ValueError(f"{len(self.tx.inputs)} inputs but {len(self.spent)} spent outputs given")

    @property
    def input_values(self) -> list[int]:
        return [out.value for out in self.spent]

    @property
    def output_values(self) -> list[int]:
        return [out.value for out in self.tx.outputs]


@dataclass(frozen=True)
class CoinJoinDetection:
    """A rule's finding that a transaction is a CoinJoin, with the evidence in words."""

    txid: str  # as explorers show it
    rule: str
    evidence: str
    parameters: dict[str, Any] = field(hash=False)

    def to_dict(self) -> dict[str, Any]:
        return {"txid": self.txid, "rule": self.rule, "evidence": self.evidence, "parameters": self.parameters}


class CoinJoinRule(Protocol):
    """One detection rule: its name, and ``detect`` returning a finding or ``None``."""

    @property
    def name(self) -> str: ...

    def detect(self, rtx: ResolvedTransaction) -> CoinJoinDetection | None: ...


def _amount(base_units: int, unit: str) -> str:
    return f"{base_units / COIN:.8f}".rstrip("0").rstrip(".") + f" {unit}"


def _types(outputs: tuple[TxOut, ...]) -> set[str]:
    return {classify_script(out.script_pubkey)[0] for out in outputs}


def _equal_groups(values: list[int]) -> list[tuple[int, int]]:
    """(value, count) of every amount paid at least twice, most frequent first."""
    counts = Counter(values)
    return sorted(((v, n) for v, n in counts.items() if n >= 2), key=lambda vn: (-vn[1], -vn[0]))


def _finding(rtx: ResolvedTransaction, rule: Any, facts: str) -> CoinJoinDetection:
    params = {k: v for k, v in asdict(rule).items() if k != "name"}
    return CoinJoinDetection(display_hash(rtx.tx.txid), rule.name, facts, params)


@dataclass(frozen=True)
class WhirlpoolRule:
    """Samourai/Sparrow Whirlpool: 5–10 P2WPKH inputs and as many outputs, all exactly one pool size."""

    name: str = "whirlpool"
    pool_sizes: tuple[int, ...] = (100_000, 1_000_000, 5_000_000, 50_000_000)
    min_participants: int = 5
    max_participants: int = 10
    max_premix_surplus: int = 110_000  # new entrants bring at most 0.0011 BTC above the pool size
    unit: str = "BTC"

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
        return _finding(rtx, self, (
            f"{len(ins)} inputs and {len(outs)} outputs, every output exactly {_amount(pool, self.unit)} "
            f"(a Whirlpool pool size), all P2WPKH; {remixes} input(s) exactly the pool size (remixes) and "
            f"the others at most {_amount(self.max_premix_surplus, self.unit)} above it (fresh entries)."
        ))


@dataclass(frozen=True)
class Wasabi1Rule:
    """Wasabi 1 (zkSNACKs coordinator, 2019–2022): ≥ 10 equal outputs near 0.1 BTC, native segwit."""

    name: str = "wasabi1"
    base_denomination: int = 10_000_000
    tolerance: int = 2_000_000
    min_equal_outputs: int = 10
    min_unique_outputs: int = 2  # the participants' change and the coordinator fee
    unit: str = "BTC"

    def detect(self, rtx: ResolvedTransaction) -> CoinJoinDetection | None:
        groups = _equal_groups(rtx.output_values)
        if rtx.tx.is_coinbase or not groups:
            return None
        value, count = groups[0]
        unique = sum(n == 1 for n in Counter(rtx.output_values).values())
        if count < self.min_equal_outputs or abs(value - self.base_denomination) > self.tolerance:
            return None
        if unique < self.min_unique_outputs or len(rtx.spent) < count:
            return None
        if _types(rtx.spent) != {"p2wpkh"} or _types(rtx.tx.outputs) != {"p2wpkh"}:
            return None
        return _finding(rtx, self, (
            f"{count} outputs of exactly {_amount(value, self.unit)} (within "
            f"{_amount(self.tolerance, self.unit)} of Wasabi's {_amount(self.base_denomination, self.unit)} "
            f"base amount), {unique} outputs of unique amounts (change, coordinator fee), "
            f"{len(rtx.spent)} inputs, every script native segwit (P2WPKH)."
        ))


def standard_denominations(minimum: int = 5_000, maximum: int = 137_438_953_472) -> frozenset[int]:
    """Wasabi 2's standard output amounts: powers of 2 and 3, 2×3ⁿ, and the 1-2-5 series."""
    values: set[int] = set()
    for base, factor in ((2, 1), (3, 1), (3, 2), (10, 1), (10, 2), (10, 5)):
        power = 1
        while power * factor <= maximum:
            values.add(power * factor)
            power *= base
    return frozenset(v for v in values if v >= minimum)


@dataclass(frozen=True)
class Wasabi2Rule:
    """Wasabi 2 (WabiSabi): ≥ 50 segwit inputs, inputs and outputs sorted by amount, mostly standard amounts."""

    name: str = "wasabi2"
    min_inputs: int = 50
    min_standard_share: float = 0.8
    min_denomination: int = 5_000
    max_denomination: int = 137_438_953_472
    unit: str = "BTC"

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
        return _finding(rtx, self, (
            f"{len(ins)} inputs, all P2WPKH or Taproot; inputs and outputs sorted by amount, largest first; "
            f"{share:.0%} of the {len(outs)} outputs are Wasabi 2 standard amounts "
            f"(more than {self.min_standard_share:.0%} needed)."
        ))


@dataclass(frozen=True)
class EqualOutputRule:
    """JoinMarket and other equal-output CoinJoins: one group of equal outputs, one change each at most."""

    name: str = "equal_output"
    # JoinMarket's takers need at least 4 makers by default (joinmarket.cfg minimum_makers = 4).
    min_equal_outputs: int = 5
    # A participant pays its share of the mining fee from its inputs too: far above one share, far below a payment.
    fee_allowance: int = 100_000
    unit: str = "BTC"

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
        return _finding(rtx, self, (
            f"{count} outputs of exactly {_amount(value, self.unit)} and {len(others)} other output(s) "
            f"(at most one change per participant); {in_scripts} distinct input scripts and {out_scripts} "
            f"distinct output scripts, at least one per equal output; no input larger than one participant's "
            f"share (an equal output, the largest other output and {_amount(self.fee_allowance, self.unit)} "
            f"of fee). At least {self.min_equal_outputs} equal outputs are required."
        ))


DEFAULT_RULES: tuple[CoinJoinRule, ...] = (WhirlpoolRule(), Wasabi1Rule(), Wasabi2Rule(), EqualOutputRule())


def detect_coinjoin(
    rtx: ResolvedTransaction, rules: tuple[CoinJoinRule, ...] = DEFAULT_RULES
) -> CoinJoinDetection | None:
    """The first rule (most specific first) that flags ``rtx`` as a CoinJoin, or ``None``."""
    for rule in rules:
        finding = rule.detect(rtx)
        if finding is not None:
            return finding
    return None


def is_coinjoin(rtx: ResolvedTransaction, rules: tuple[CoinJoinRule, ...] = DEFAULT_RULES) -> bool:
    """Whether any rule flags ``rtx``: clustering must not merge its inputs."""
    return detect_coinjoin(rtx, rules) is not None
