"""The ledger's values that a store hands out and analysis reads: the ground both stand on.

The store (``cointrail.store``) builds these from its rows and keeps the clustering's results in them; tracing,
clustering and the graph read them. Neither side owns them, so they live here, below both (DESIGN.md's floors:
a package imports only from floors below it); import them from here.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from string import Formatter
from typing import Any

import numpy as np
import pyarrow as pa

from cointrail.amounts import Unit
from cointrail.wording import listed

__all__ = ["COINJOIN", "POSSIBLY_COLLABORATIVE", "Coin", "CoinJoinFinding", "FoundSet", "Held", "Links", "TxView",
           "WatchedInput", "WatchedOutput", "WatchedTx", "Words"]

# The two kinds of finding a CoinJoin or collaborative-transaction rule makes (issue 12): see heuristics.joinbase.
COINJOIN = "coinjoin"
POSSIBLY_COLLABORATIVE = "possibly-collaborative"

Coin = tuple[int, int]  # (tx_id, vout): an output of a transaction


@dataclass
class TxView:
    """One transaction with its resolved inputs and outputs, as tracing needs it."""

    tx_id: int
    txid: str
    height: int
    time: int
    is_coinbase: bool
    has_mweb: bool
    coinjoin: str | None = None  # the rule that flagged it, when it is a CoinJoin
    # The detector's estimate of how many people took part (None: not estimated; see participants()).
    coinjoin_participants: int | None = None
    # The rule that flagged it as possibly collaborative (a PayJoin…): not a CoinJoin, but not surely one owner.
    collaborative: str | None = None
    # inputs: (vin, prev coin or None, address_id or None, value)
    inputs: list[tuple[int, Coin | None, int | None, int]] = field(default_factory=list)
    # outputs: (vout, address_id, value, spent_by_tx_id or None, script_type)
    outputs: list[tuple[int, int, int, int | None, str]] = field(default_factory=list)

    @property
    def input_total(self) -> int:
        return sum(value for *_, value in self.inputs)

    @property
    def output_total(self) -> int:
        return sum(out[2] for out in self.outputs)

    def participants(self) -> int:
        """How many people a CoinJoin mixed: the detector's estimate, else the same rule of thumb
        (cointrail.heuristics.joinbase.participants_estimate): one per output of the largest equal group or one
        per change output, never more than the distinct input addresses; at least 2."""
        if self.coinjoin_participants:
            return max(2, self.coinjoin_participants)
        counts = Counter(out[2] for out in self.outputs)
        equal = [n for n in counts.values() if n >= 2]
        changes = len(self.outputs) - sum(equal) - 1  # every other output but the coordinator's fee
        senders = len({i[2] for i in self.inputs if i[2] is not None})
        return max(2, min(senders, max(max(equal, default=1), changes)))


@dataclass(frozen=True)
class Links:
    """Candidate links between addresses, in chain order (their rank is their position)."""

    a: np.ndarray
    b: np.ndarray
    tx_id: np.ndarray
    heuristic: np.ndarray  # small integer code, see cointrail.clustering.heuristics

    def __len__(self) -> int:
        return len(self.a)

    def take(self, index: np.ndarray) -> Links:
        return Links(self.a[index], self.b[index], self.tx_id[index], self.heuristic[index])

    @staticmethod
    def concat(parts: list[Links]) -> Links:
        if not parts:
            empty = np.empty(0, np.int64)
            return Links(empty, empty, empty, empty.astype(np.int8))
        return Links(*(np.concatenate([getattr(p, f) for p in parts]) for f in ("a", "b", "tx_id", "heuristic")))

    def in_chain_order(self) -> Links:
        """Sorted by transaction, heuristic, then addresses: the rank used for the spanning forest."""
        return self.take(np.lexsort((self.b, self.a, self.heuristic, self.tx_id)))


@dataclass(frozen=True)
class Held:
    """Links the supercluster check held back, with the sizes of the two clusters each would have joined."""

    links: Links
    size_a: np.ndarray
    size_b: np.ndarray

    def __len__(self) -> int:
        return len(self.links)


@dataclass(frozen=True)
class CoinJoinFinding:
    """A transaction a CoinJoin (or possibly-collaborative) rule flagged: never used to merge."""

    tx_id: int
    rule: str
    evidence: str
    kind: str = COINJOIN
    participants: int | None = None


@dataclass(frozen=True)
class Words:
    """How the findings of a set-based rule read: one text per reason code, with ``{field}`` where a fact goes.

    Two renderers read it and give the same text (tested): :meth:`render`, one finding in Python, and the store's
    SQL, a whole set at once (a chain holds some 10^5 PayJoin-like payments: one Python string each cost seconds).
    A field in ``amounts`` is in base units and reads as ``unit.text`` writes it ("0.0013611 BTC"); one in
    ``lists`` is a list of words joined as a sentence lists them (:func:`cointrail.wording.listed`: "a, b and c");
    any other is an integer. A field is a bare name: a format spec (``{x:>8}``), a conversion (``{x!r}``) or an index
    would read one way in Python and another in SQL, so they are refused when the words are made.
    """

    texts: tuple[str, ...]  # indexed by the reason code
    unit: Unit
    amounts: tuple[str, ...] = ()
    lists: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        for reason in range(len(self.texts)):
            self.pieces(reason)

    def render(self, reason: int, facts: dict[str, Any]) -> str:
        shown = {name: self.unit.text(int(value)) if name in self.amounts
                 else listed(value) if name in self.lists else str(int(value))
                 for name, value in facts.items()}  # fmt: skip
        return self.texts[reason].format(**shown)

    def pieces(self, reason: int) -> list[tuple[str, str | None]]:
        """(literal text, the field after it or None) of one text, in order: what a set-based renderer joins.

        Raises ValueError for a field the SQL renderer cannot give as :meth:`render` does (a format spec, a
        conversion, an attribute or index, a positional ``{}``)."""
        found = []
        for literal, name, spec, conversion in Formatter().parse(self.texts[reason]):
            if name is not None and (spec or conversion or not name.isidentifier()):
                shown = "{" + name + (f"!{conversion}" if conversion else "") + (f":{spec}" if spec else "") + "}"
                raise ValueError(
                    f"the words of reason {reason} have the field {shown}: only a bare name such as {{inputs}} is "
                    "rendered the same in Python and in SQL; format the value in render's facts instead"
                )
            found.append((literal, name))
        return found


@dataclass(frozen=True)
class FoundSet:
    """The findings of one rule over a range, found set-based and kept as columns, not one object each.

    ``facts`` holds ``tx_id`` (ascending), ``reason`` (an index into ``words.texts``) and a column per field the
    words name. Every finding carries its reason: the words are rendered when the set is written
    (:meth:`findings` in Python; the DuckDB store in SQL), the same text as a per-transaction rule gives.
    """

    rule: str
    kind: str
    participants: int
    facts: pa.Table
    words: Words

    def __len__(self) -> int:
        return self.facts.num_rows

    def tx_ids(self) -> np.ndarray:
        return self.facts.column("tx_id").to_numpy().astype(np.int64)

    def findings(self) -> list[CoinJoinFinding]:
        """Each finding as an object, its words rendered in Python (for the callers that want objects)."""
        names = [n for n in self.facts.column_names if n not in ("tx_id", "reason")]
        return [CoinJoinFinding(r["tx_id"], self.rule, self.words.render(r["reason"], {n: r[n] for n in names}),
                                self.kind, self.participants) for r in self.facts.to_pylist()]  # fmt: skip

    def joined(self, other: FoundSet) -> FoundSet:
        """This set and a later range's ``other`` of the same rule, as one."""
        return FoundSet(self.rule, self.kind, self.participants, pa.concat_tables([self.facts, other.facts]),
                        self.words)  # fmt: skip


@dataclass(frozen=True)
class WatchedOutput:
    """An output of a transaction a watch run looks at: what it paid, to which address, first seen when."""

    vout: int
    value: int
    address_id: int
    address: str | None  # None: a script with no address form
    first_height: int  # the height at which the address first appeared on the chain


@dataclass(frozen=True)
class WatchedInput:
    """An input of a transaction a watch run looks at: the coin it spent, from which address."""

    vin: int
    value: int
    address_id: int | None
    address: str | None


@dataclass(frozen=True)
class WatchedTx:
    """A transaction that moved a watched address's money, with its block (height, hash, time) and both sides."""

    tx_id: int
    txid: bytes  # internal byte order
    height: int
    block_hash: bytes  # internal byte order
    time: int
    is_coinbase: bool
    outputs: tuple[WatchedOutput, ...]
    inputs: tuple[WatchedInput, ...]
