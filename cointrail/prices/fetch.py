"""Fetch daily prices from a public exchange API (only when the user asks, with ``--fetch``).

Kraken's public OHLC endpoint gives daily candles without an account; the
close of each day is stored with the source ``kraken:<pair>``. Never used in
tests: they import CSV files instead.
"""

from __future__ import annotations

import datetime as _dt

import httpx

from cointrail.errors import ExternalServiceError

KRAKEN_OHLC = "https://api.kraken.com/0/public/OHLC"


def fetch_daily(coin: str, fiat: str, since: _dt.date) -> list[tuple[_dt.date, str, str, float, str]]:
    """Daily closes of ``coin`` in ``fiat`` from ``since`` (Kraken keeps the last 720 days)."""
    pair = f"{'XBT' if coin.upper() == 'BTC' else coin.upper()}{fiat.upper()}"
    start = int(_dt.datetime.combine(since, _dt.time(), _dt.UTC).timestamp())
    try:
        answer = httpx.get(KRAKEN_OHLC, params={"pair": pair, "interval": 1440, "since": start}, timeout=30)
        answer.raise_for_status()
        data = answer.json()
    except (httpx.HTTPError, ValueError) as error:
        raise ExternalServiceError(f"could not fetch prices from Kraken: {error}") from None
    if data.get("error"):
        raise ExternalServiceError(f"Kraken refused the price request for {pair}: {'; '.join(data['error'])}")
    candles = next(v for k, v in data["result"].items() if k != "last")
    return [(_dt.datetime.fromtimestamp(int(c[0]), _dt.UTC).date(), coin.upper(), fiat.upper(), float(c[4]),
             f"kraken:{pair}") for c in candles]  # fmt: skip
