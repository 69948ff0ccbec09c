"""Fiat values: daily price tables per coin, imported from CSV (or fetched on request), kept in the store.

* :func:`import_prices_csv` — read ``date,coin,fiat,price[,source]`` rows into the ``prices`` table;
* :class:`PriceBook` — the price of a day, and the fiat value of an amount (a coin's or a token's) with its source;
* :mod:`cointrail.prices.pegs` — the values that rest on a stablecoin's stated peg, and the sentence saying so.
"""

from cointrail.prices.table import Price, PriceBook, import_prices_csv, store_prices

__all__ = ["Price", "PriceBook", "import_prices_csv", "store_prices"]
