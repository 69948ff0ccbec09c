"""The taint models: how much of a transaction's outputs carries the money being traced.

A :class:`Taint` is the traced part of one coin: an amount in base units and,
for FIFO, the exact slices of the coin (intervals in base units from the
coin's start) that are traced. Each model maps the taint of a transaction's
inputs to its outputs (forward) or of its outputs to its inputs (backward).
Amounts are integers: shares are rounded down to the base unit.

References: the models as compared by Anderson et al., "Bitcoin Redux" (2018);
FIFO after the rule in Clayton's Case (1816). Fees are shared by haircut.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

Interval = tuple[int, int]  # [start, end) in base units from the start of a coin

EXPLANATIONS: dict[str, str] = {
    "poison": (
        "Poison: if any of the traced money goes into a transaction, every output of that transaction counts as "
        "traced, in full. Nothing is missed, but the amounts are overstated: innocent money mixed in is counted too."
    ),
    "haircut": (
        "Haircut: each output of a transaction carries the traced share of what went in, in proportion to value. "
        "If 30% of the inputs were traced money, 30% of every output (and of the fee) is counted as traced."
    ),
    "fifo": (
        "FIFO (first in, first out, the rule of Clayton's Case, 1816): the inputs are lined up in their order in the "
        "transaction and the outputs are filled from that line in their order, like a queue; the fee is taken from "
        "every input in proportion. Deterministic and lossless: each traced unit goes to exactly one output, so a "
        "trace can be followed back to the same coins."
    ),
}
TAINT_MODELS: tuple[str, ...] = tuple(EXPLANATIONS)


@dataclass(frozen=True)
class Taint:
    """The traced part of one coin; ``intervals`` is set by FIFO only."""

    amount: int
    intervals: tuple[Interval, ...] = ()

    def __add__(self, other: Taint) -> Taint:
        return Taint(self.amount + other.amount, _merge(self.intervals + other.intervals))


def full(value: int) -> Taint:
    """A coin traced in full."""
    return Taint(value, ((0, value),) if value else ())


def _merge(intervals: Sequence[Interval]) -> tuple[Interval, ...]:
    merged: list[Interval] = []
    for start, end in sorted(intervals):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        elif end > start:
            merged.append((start, end))
    return tuple(merged)


def _offsets(values: Sequence[int]) -> list[int]:
    starts, total = [], 0
    for value in values:
        starts.append(total)
        total += value
    return starts


def _line(taints: Sequence[Taint | None], values: Sequence[int]) -> list[Interval]:
    """The traced slices of a side of a transaction, on one line of all its coins in order."""
    line = []
    for start, taint in zip(_offsets(values), taints, strict=True):
        line += [(start + a, start + b) for a, b in (taint.intervals if taint else ())]
    return line


def _cut(line: list[Interval], values: Sequence[int]) -> list[Taint | None]:
    """Split a line of traced slices back into the coins of the other side."""
    found: list[Taint | None] = []
    for start, value in zip(_offsets(values), values, strict=True):
        parts = [(max(a, start) - start, min(b, start + value) - start) for a, b in line]
        parts = [p for p in parts if p[1] > p[0]]
        found.append(Taint(sum(b - a for a, b in parts), _merge(parts)) if parts else None)
    return found


def _scale(line: list[Interval], num: int, den: int) -> list[Interval]:
    """Stretch the line by num/den: the fee taken from every input in proportion (haircut)."""
    if num == den or den == 0:
        return line
    return [(a * num // den, b * num // den) for a, b in line]


def forward(model: str, in_values: Sequence[int], out_values: Sequence[int],
            in_taint: Sequence[Taint | None]) -> list[Taint | None]:  # fmt: skip
    """The taint of each output, given the taint of each input."""
    total_in, total_out = sum(in_values), sum(out_values)
    traced = sum(t.amount for t in in_taint if t)
    if not traced:
        return [None] * len(out_values)
    if model == "poison":
        return [full(v) if v else None for v in out_values]
    if model == "haircut":
        return [Taint(traced * v // total_in) if traced * v // total_in else None for v in out_values]
    if model == "fifo":
        return _cut(_scale(_line(in_taint, in_values), total_out, total_in), out_values)
    raise ValueError(f"unknown taint model {model!r}")


def backward(model: str, in_values: Sequence[int], out_values: Sequence[int],
             out_taint: Sequence[Taint | None]) -> list[Taint | None]:  # fmt: skip
    """The taint of each input, given the taint of each output: where the traced money came from."""
    total_in, total_out = sum(in_values), sum(out_values)
    traced = sum(t.amount for t in out_taint if t)
    if not traced or not total_in:  # no input value known (a sparse store without the funders): the trail ends
        return [None] * len(in_values)
    if model == "poison":
        return [full(v) if v else None for v in in_values]
    if model == "haircut":
        return [Taint(traced * v // total_in) if traced * v // total_in else None for v in in_values]
    if model == "fifo":
        return _cut(_scale(_line(out_taint, out_values), total_in, total_out), in_values)
    raise ValueError(f"unknown taint model {model!r}")
