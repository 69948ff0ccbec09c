"""Amounts as people read them: in the chain's own unit, with its decimals, never through a float.

The ledger keeps amounts as integers in base units (satoshis, litoshis, wei) and
``--json`` prints those integers; text for people (the CLI, the web pages, the
report) gives them in coins with the chain's symbol, through this one module, so
that "0.25 LTC" reads the same everywhere (issue 13). Decimal arithmetic is exact
at any size, where a float loses the last satoshis of large sums.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from cointrail.chains import CHAINS

# Decimals of each chain's coin, from its reference implementation: 8 for Bitcoin's family (COIN = 10^8 in
# amount.h), 18 for Ether-like coins (wei), 6 for XRP (drops) and Tron (sun), 12 for Monero (piconero), and 6 for
# Verge, the one Bitcoin fork here that changed COIN (10^6 in its amount.h; its wallets show 6 decimals).
_DECIMALS_BY_FAMILY = {"utxo": 8, "account": 18}
_DECIMALS_BY_CHAIN = {"xrp": 6, "tron": 6, "monero": 12, "zcash": 8, "verge": 6}


@dataclass(frozen=True)
class Unit:
    """The coin a chain's amounts are counted in: its symbol and how many decimals a base unit is."""

    symbol: str
    decimals: int

    @property
    def base(self) -> int:
        """Base units in one coin (10^decimals)."""
        return 10**self.decimals


def unit_of(chain: str | None) -> Unit:
    """The unit of ``chain`` ("litecoin" → LTC, 8 decimals); an unknown chain keeps 8 decimals and its name."""
    known = CHAINS.get(chain or "")
    if known is None:
        return Unit(chain.upper() if chain else "coins", 8)
    return Unit(known.symbol, _DECIMALS_BY_CHAIN.get(known.name, _DECIMALS_BY_FAMILY.get(known.family, 8)))


def to_coins(value: int, chain: str | None = None, decimals: int | None = None) -> Decimal:
    """Base units as an exact Decimal number of coins."""
    places = unit_of(chain).decimals if decimals is None else decimals
    return Decimal(int(value)).scaleb(-places)


def coin_number(value: int, chain: str | None = None, decimals: int | None = None) -> str:
    """The number alone, with thousands separators and no trailing zeros: ``1,234.5``, ``0.00000001``, ``0``."""
    places = unit_of(chain).decimals if decimals is None else decimals
    text = f"{to_coins(value, decimals=places):,.{places}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def format_amount(value: int | None, chain: str | None, *, symbol: str | None = None,
                  decimals: int | None = None, missing: str = "—") -> str:  # fmt: skip
    """Base units as people read them: ``format_amount(25_000_000, "litecoin")`` is ``"0.25 LTC"``.

    ``symbol`` and ``decimals`` override the chain's (a token: USDT has 6 decimals);
    ``missing`` is what None reads as (an amount nobody knows, such as a coinbase's input).
    """
    if value is None:
        return missing
    unit = unit_of(chain)
    return f"{coin_number(value, decimals=unit.decimals if decimals is None else decimals)} {symbol or unit.symbol}"
