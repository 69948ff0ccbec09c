"""The ``prices`` table of a store: daily prices per coin and fiat currency, each with its source.

A fiat amount is always given with the price it was computed from, the day of
that price, and the source (the CSV file or the exchange API), so a reader can
check it. A payment is priced on the UTC day of its block; when that day is
missing, the latest earlier day within :data:`MAX_AGE_DAYS` is used, and said.

Both store families keep prices: a Bitcoin-family store those of its coin, an account-chain (Ethereum) store those of
ether and of each listed token by its symbol (``ETH``, ``USDT``, ``USDC``). Nothing is priced that the imported
file does not price: a stablecoin is worth its peg only where the file says so, with a row per day whose source
begins with ``peg`` (``peg: 1 USDT taken as 1 USD``). Such a price is an assumption, not a market price
(:attr:`Price.peg`), and every amount priced from it carries ``"peg": true`` for the texts to say so.
"""

from __future__ import annotations

import csv
import datetime as _dt
import io
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Protocol

from cointrail.amounts import Amount, Unit, unit_of
from cointrail.errors import InputError
from cointrail.store.duckdb import price_table
from cointrail.store.duckdb.price_table import DDL as DDL  # the table is the store's
from cointrail.store.duckdb.price_table import HasConnection
from cointrail.store.duckdb.price_table import ensure_table as ensure_table

MAX_AGE_DAYS = 7
PEG = "peg"  # a source that begins so states a stablecoin's peg, not a market price

# A store's prices are those of its chain's coin, by the symbol of the one table of protocol facts
# (cointrail.chains, through cointrail.amounts.unit_of); its regtest and testnet coins are priced as the coin itself:
# tests and demos need a price, and none exists for them. A second list here had fallen behind that table
# (bitcoin-sv read "BITCOIN-SV" in the report's body and "BSV" in its summary).


@dataclass(frozen=True)
class Price:
    day: _dt.date
    coin: str
    fiat: str
    price: float
    source: str

    @property
    def peg(self) -> bool:
        """Whether the price file states this price as the coin's peg (a stablecoin), not a market price."""
        return self.source.strip().lower().startswith(PEG)

    def value_of(self, amount: Amount) -> dict[str, Any]:
        """The fiat value of an amount of the coin, with where the price came from (and ``peg``, when stated)."""
        value = amount.coins * Decimal(str(self.price))
        found = {"currency": self.fiat, "value": float(round(value, 2)), "price": self.price,
                 "price_date": self.day.isoformat(), "source": self.source}  # fmt: skip
        return {**found, "coin": self.coin, "peg": True} if self.peg else found


def _row(record: dict[str, str], line: int, default_source: str) -> tuple[_dt.date, str, str, float, str]:
    try:
        day = _dt.date.fromisoformat(record["date"].strip())
        price = Decimal(record["price"].strip())
    except (KeyError, ValueError, InvalidOperation, AttributeError):
        raise InputError(f"line {line} of the price file needs a date (YYYY-MM-DD) and a price") from None
    coin, fiat = (record.get("coin") or "").strip().upper(), (record.get("fiat") or "").strip().upper()
    if not coin or not fiat or price <= 0:
        raise InputError(f"line {line} of the price file needs a coin, a fiat currency and a positive price")
    return day, coin, fiat, float(price), (record.get("source") or "").strip() or default_source


def import_prices_csv(store: HasConnection, path: str | Path) -> dict[str, Any]:
    """Import a CSV with the header ``date,coin,fiat,price[,source]`` into the store's prices table.

    A row for a (date, coin, fiat) already stored replaces it. Returns counts.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as error:
        raise InputError(f"cannot read the price file {path}: {error.strerror}") from None
    reader = csv.DictReader(io.StringIO(text))
    if not reader.fieldnames or not {"date", "coin", "fiat", "price"} <= set(reader.fieldnames):
        raise InputError(f"{path} needs the header date,coin,fiat,price (and optionally source)")
    rows = [_row(record, n, f"csv:{path.name}") for n, record in enumerate(reader, start=2)]
    return store_prices(store, rows)


def store_prices(store: HasConnection, rows: list[tuple[_dt.date, str, str, float, str]]) -> dict[str, Any]:
    """Write price rows (date, coin, fiat, price, source), replacing those of the same day, coin and fiat."""
    price_table.write_prices(store, rows)
    days = sorted({r[0] for r in rows})
    return {"imported": len(rows), "coins": sorted({r[1] for r in rows}), "fiats": sorted({r[2] for r in rows}),
            "first_date": days[0].isoformat() if days else None,
            "last_date": days[-1].isoformat() if days else None}  # fmt: skip


class Chained(HasConnection, Protocol):
    """A store with a chain: both families."""

    @property
    def chain(self) -> str: ...


class PriceBook:
    """The prices of one coin (or token: ``unit`` gives its symbol and decimals) in one fiat currency, read once
    from the store."""

    def __init__(self, store: Chained, fiat: str, coin: str | None = None, unit: Unit | None = None):
        self.fiat, self.chain = fiat.upper(), store.chain
        self.unit = unit or unit_of(store.chain)
        self.coin = coin or self.unit.symbol
        rows = price_table.read_prices(store, self.coin, self.fiat)
        self.prices = {day: Price(day, self.coin, self.fiat, price, source) for day, price, source in rows}

    def at(self, time: int) -> Price | None:
        """The price for the UTC day of ``time``, or the latest earlier one within MAX_AGE_DAYS."""
        day = _dt.datetime.fromtimestamp(time, _dt.UTC).date()
        for back in range(MAX_AGE_DAYS + 1):
            if (found := self.prices.get(day - _dt.timedelta(days=back))) is not None:
                return found
        return None

    def value(self, base_units: int, time: int) -> dict[str, Any] | None:
        """The fiat value of an amount (base units of the book's unit) at ``time`` with its price and source, or
        None without a price."""
        price = self.at(time)
        return price.value_of(Amount(base_units, self.chain, self.unit)) if price else None
