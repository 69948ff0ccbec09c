"""What every CoinJoin or collaborative-transaction rule shares: the resolved transaction, a finding, small helpers.

A rule looks at one :class:`ResolvedTransaction` (the transaction and the
outputs its inputs spend) and returns a :class:`CoinJoinDetection` that says, in
plain words, what it saw. Two kinds of finding (issue 12):

* ``coinjoin``: several people paid together on purpose; tracing stops there;
* ``possibly-collaborative``: a shape some collaborative transactions have
  (PayJoin, a two- to four-party join) but ordinary ones can have too. The rule
  is unsure, so clustering does not merge through it: it loses recall, never
  precision.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Any, Protocol

from cointrail.addresses import classify_script
from cointrail.chains.bitcoin.model import ResolvedTransaction, TxOut, display_hash
from cointrail.domain import COINJOIN


@dataclass(frozen=True)
class CoinJoinDetection:
    """A rule's finding that a transaction is a CoinJoin (or possibly collaborative), with the evidence in words.

    ``participants`` estimates how many people took part (for most shapes a
    lower bound: one person may hold several of the equal outputs).
    """

    txid: str  # as explorers show it
    rule: str
    evidence: str
    parameters: dict[str, Any] = field(hash=False)
    kind: str = COINJOIN
    participants: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"txid": self.txid, "rule": self.rule, "kind": self.kind, "participants": self.participants,
                "evidence": self.evidence, "parameters": self.parameters}  # fmt: skip


class CoinJoinRule(Protocol):
    """One detection rule: its name, and ``detect`` returning a finding or ``None``."""

    @property
    def name(self) -> str: ...

    def detect(self, rtx: ResolvedTransaction) -> CoinJoinDetection | None: ...


def script_types(outputs: tuple[TxOut, ...]) -> set[str]:
    return {classify_script(out.script_pubkey)[0] for out in outputs}


def distinct_scripts(outputs: tuple[TxOut, ...]) -> int:
    return len({out.script_pubkey for out in outputs})


def equal_groups(values: list[int]) -> list[tuple[int, int]]:
    """(value, count) of every amount paid at least twice, most frequent first."""
    counts = Counter(values)
    return sorted(((v, n) for v, n in counts.items() if n >= 2), key=lambda vn: (-vn[1], -vn[0]))


def finding(rtx: ResolvedTransaction, rule: Any, facts: str, participants: int | None,
            kind: str = COINJOIN) -> CoinJoinDetection:  # fmt: skip
    params = {k: v for k, v in asdict(rule).items() if k != "name"}
    return CoinJoinDetection(display_hash(rtx.tx.txid), rule.name, facts, params, kind, participants)


def standard_denominations(minimum: int = 5_000, maximum: int = 137_438_953_472) -> frozenset[int]:
    """Wasabi 2's standard output amounts: powers of 2 and 3, 2×3ⁿ, and the 1-2-5 series (in base units)."""
    values: set[int] = set()
    for base, factor in ((2, 1), (3, 1), (3, 2), (10, 1), (10, 2), (10, 5)):
        power = 1
        while power * factor <= maximum:
            values.add(power * factor)
            power *= base
    return frozenset(v for v in values if v >= minimum)


def participants_estimate(rtx: ResolvedTransaction, largest_group: int) -> int:
    """How many took part, at least: one per output of the largest equal group, or one per change output
    (every non-equal output but the coordinator's fee), never more than the distinct input scripts."""
    groups = equal_groups(rtx.output_values)
    equal = sum(n for _, n in groups)
    changes = len(rtx.output_values) - equal - 1
    return max(2, min(distinct_scripts(rtx.spent), max(largest_group, changes)))
