"""Amounts as people read them: in the chain's own unit, with its decimals, never through a float.

The ledger keeps amounts as integers in base units (satoshis, litoshis, wei) and
``--json`` prints those integers. An :class:`Amount` is such an integer together
with its chain; its symbol and decimals come from the one chain table
(:data:`cointrail.chains.CHAINS`), so Verge's 6 decimals and Ether's 18 are data,
not a constant. Every text of an amount, for people (the CLI, the web pages, the
report: ``"0.25 LTC"``) or in fixed decimals (the ``*_coin`` fields of ``--json``:
``"0.25000000"``), is written here, from integer arithmetic: a float would lose the
last satoshis of large sums and print ``0.30000000000000004``-like text in evidence
(issues 13 and 14).
"""

from __future__ import annotations

import functools
import operator
from dataclasses import dataclass, field
from decimal import Decimal, Inexact, InvalidOperation, localcontext

from cointrail.chains import CHAINS

__all__ = ["Amount", "MixedChainsError", "Unit", "amount_of", "chain_unit", "coin_number", "fixed_coins",
           "format_amount", "unit_of"]  # fmt: skip


@dataclass(frozen=True, slots=True)
class Unit:
    """The coin a chain's amounts are counted in: its symbol and how many decimals a base unit is."""

    symbol: str
    decimals: int

    @property
    def base(self) -> int:
        """Base units in one coin (10^decimals)."""
        return 10**self.decimals

    def number(self, units: int) -> str:
        """``units`` base units as people read the number: thousands separators, no trailing zeros (``1,234.5``).

        The one place this text is made (:meth:`Amount.number` calls it): evidence for hundreds of thousands of
        findings is written without building an :class:`Amount` for each number.
        """
        sign, whole, fraction = self.parts(units)
        decimals = f"{fraction:0{self.decimals}d}".rstrip("0") if fraction else ""
        return sign + f"{whole:,}" + (f".{decimals}" if decimals else "")

    def parts(self, units: int) -> tuple[str, int, int]:
        """(sign, whole coins, base units beyond them) of ``units``: ``("-", 1, 50_000_000)`` for -1.5 LTC."""
        whole, fraction = divmod(abs(units), self.base)
        return ("-" if units < 0 else ""), whole, fraction

    def text(self, units: int) -> str:
        """``units`` base units with the symbol: ``0.25 LTC`` (what ``str(Amount(...))`` gives)."""
        return f"{self.number(units)} {self.symbol}"


class MixedChainsError(ValueError):
    """Amounts of two chains (or two tokens) were added or compared: a bug, since 1 BTC and 1 LTC do not add up."""


# Made once, not per Amount: amounts are made for every row of a trace or a payers result.
_UNITS = {name: Unit(chain.symbol, chain.decimals) for name, chain in CHAINS.items()}


def chain_unit(chain: str) -> Unit:
    """The unit of a chain of the table (``"litecoin"`` → LTC, 8 decimals); a chain not in it is refused."""
    found = _UNITS.get(chain)
    if found is None:
        raise ValueError(f"unknown chain {chain!r}: its coin's decimals are not known (cointrail.chains.CHAINS)")
    return found


def unit_of(chain: str | None) -> Unit:
    """The unit of ``chain``; a chain not in the table (findings typed in by hand) keeps its name and 8 decimals."""
    if chain in CHAINS:
        return chain_unit(chain)
    return Unit(chain.upper() if chain else "coins", 8)


@functools.total_ordering
@dataclass(frozen=True, slots=True)
class Amount:
    """An amount of one chain's coin (or of a token on it): base units as an int, exact at any size.

    ``Amount(25_000_000, "litecoin")`` reads ``0.25 LTC``. ``unit`` is the chain's
    coin unless given (a token: USDT on Ethereum has 6 decimals). Amounts of one
    chain and unit add, subtract and compare; mixing chains raises
    :class:`MixedChainsError`.
    """

    units: int
    chain: str
    unit: Unit = field(default=None, compare=True)  # type: ignore[assignment]  # filled in from the chain table

    def __post_init__(self) -> None:
        if type(self.units) is not int:
            if isinstance(self.units, bool) or not hasattr(type(self.units), "__index__"):
                raise TypeError(f"an amount is an int of base units, not {type(self.units).__name__} ({self.units!r})")
            object.__setattr__(self, "units", operator.index(self.units))  # a numpy integer becomes an int
        if self.unit is None:
            object.__setattr__(self, "unit", chain_unit(self.chain))

    @classmethod
    def from_coins(cls, coins: Decimal | str | int, chain: str, unit: Unit | None = None) -> Amount:
        """The amount of ``coins`` (``Decimal("0.25")``, ``"0.25"``); refuses a float, and finer than a base unit."""
        if isinstance(coins, float):
            raise TypeError("coins must be a Decimal, a str or an int: a float is not exact")
        found = unit or chain_unit(chain)
        try:
            number = Decimal(coins)
            with localcontext() as exact:
                exact.prec = max(len(number.as_tuple().digits), 1) + found.decimals + 1
                exact.traps[Inexact] = True
                scaled = number.scaleb(found.decimals)
        except (InvalidOperation, ValueError):
            raise ValueError(f"{coins!r} is not a number of coins") from None
        if not scaled.is_finite() or scaled != scaled.to_integral_value():
            raise ValueError(f"{coins} {found.symbol} is finer than one base unit (10^-{found.decimals})")
        return cls(int(scaled), chain, found)

    @property
    def coins(self) -> Decimal:
        """The exact number of coins as a Decimal (``Decimal("0.25000000")``), at any size."""
        number = Decimal(self.units).as_tuple()
        return Decimal((number.sign, number.digits, -self.unit.decimals))  # built, not divided: no rounding

    def fixed(self) -> str:
        """The coins with all the chain's decimals and no separators, as the ``*_coin`` fields of --json give them:
        ``"0.25000000"`` (8 decimals on Litecoin, 6 on Verge)."""
        sign, whole, fraction = self.unit.parts(self.units)
        places = self.unit.decimals
        return f"{sign}{whole}.{fraction:0{places}d}" if places else f"{sign}{whole}"

    def number(self) -> str:
        """The coins for people, without the symbol: thousands separators and no trailing zeros (``1,234.5``)."""
        return self.unit.number(self.units)

    def __str__(self) -> str:
        """The amount as people read it: ``0.25 LTC``, ``21,000,000.00000001 BTC``."""
        return self.unit.text(self.units)

    def _same(self, other: object, doing: str) -> Amount:
        if not isinstance(other, Amount):
            raise TypeError(f"cannot {doing} an amount and {type(other).__name__} ({other!r})")
        if (other.chain, other.unit) != (self.chain, self.unit):
            raise MixedChainsError(f"cannot {doing} {self} ({self.chain}) and {other} ({other.chain}): "
                                   "amounts of different chains or coins")  # fmt: skip
        return other

    def __add__(self, other: Amount) -> Amount:
        return Amount(self.units + self._same(other, "add").units, self.chain, self.unit)

    def __radd__(self, other: object) -> Amount:
        if isinstance(other, int) and not isinstance(other, bool) and other == 0:
            return self  # sum() starts from 0
        return self._same(other, "add") + self

    def __sub__(self, other: Amount) -> Amount:
        return Amount(self.units - self._same(other, "subtract").units, self.chain, self.unit)

    def __neg__(self) -> Amount:
        return Amount(-self.units, self.chain, self.unit)

    def __lt__(self, other: Amount) -> bool:
        return self.units < self._same(other, "compare").units

    def __bool__(self) -> bool:
        return self.units != 0


def format_amount(value: int | None, chain: str | None, *, symbol: str | None = None,
                  decimals: int | None = None, missing: str = "—") -> str:  # fmt: skip
    """Base units as people read them: ``format_amount(25_000_000, "litecoin")`` is ``"0.25 LTC"``.

    ``symbol`` and ``decimals`` override the chain's (a token: USDT has 6 decimals);
    ``missing`` is what None reads as (an amount nobody knows, such as a coinbase's input).
    """
    if value is None:
        return missing
    return str(amount_of(value, chain, symbol=symbol, decimals=decimals))


def fixed_coins(value: int | None, chain: str | None) -> str | None:
    """Base units as the ``*_coin`` fields of --json give them, all the chain's decimals: ``"0.25000000"``; None
    stays None."""
    return None if value is None else amount_of(value, chain).fixed()


def coin_number(value: int, chain: str | None = None, decimals: int | None = None) -> str:
    """The number alone, with thousands separators and no trailing zeros: ``1,234.5``, ``0.00000001``, ``0``."""
    return amount_of(value, chain, decimals=decimals).number()


def amount_of(value: int, chain: str | None, *, symbol: str | None = None, decimals: int | None = None) -> Amount:
    """An :class:`Amount` for a renderer that may not know its chain (findings typed in by hand: 8 decimals)."""
    unit = unit_of(chain)
    if symbol is not None or decimals is not None or chain not in CHAINS:
        unit = Unit(symbol or unit.symbol, unit.decimals if decimals is None else decimals)
    return Amount(value, chain or "", unit)
