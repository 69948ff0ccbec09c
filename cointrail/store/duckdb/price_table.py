"""The ``prices`` table of a store: daily prices per coin and fiat currency, each with its source.

What a price means and how a payment is priced are :mod:`cointrail.prices`'; this module holds the SQL (moved
from ``cointrail/prices/table.py`` in issue 14): rows in, rows out.
"""

from __future__ import annotations

import datetime as _dt
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from cointrail.store.duckdb.store import LedgerStore

DDL = """
CREATE TABLE IF NOT EXISTS prices (
    date DATE NOT NULL, coin VARCHAR NOT NULL, fiat VARCHAR NOT NULL, price DOUBLE NOT NULL,
    source VARCHAR NOT NULL, imported_at TIMESTAMP NOT NULL
)
"""

PriceRow = tuple[_dt.date, str, str, float, str]  # (date, coin, fiat, price, source)


def ensure_table(store: LedgerStore) -> None:
    """Create the ``prices`` table if the store has none."""
    store.con.execute(DDL)


def write_prices(store: LedgerStore, rows: list[PriceRow]) -> None:
    """Write price rows, replacing those of the same day, coin and fiat, in one transaction."""
    ensure_table(store)
    now = _dt.datetime.now(_dt.UTC).replace(tzinfo=None)
    store.con.execute("BEGIN TRANSACTION")
    try:
        for day, coin, fiat, price, source in rows:
            store.con.execute("DELETE FROM prices WHERE date = ? AND coin = ? AND fiat = ?", [day, coin, fiat])
            store.con.execute("INSERT INTO prices VALUES (?, ?, ?, ?, ?, ?)", [day, coin, fiat, price, source, now])
        store.con.execute("COMMIT")
    except BaseException:
        store.con.execute("ROLLBACK")
        raise


def read_prices(store: LedgerStore, coin: str, fiat: str) -> list[tuple[_dt.date, float, str]]:
    """(date, price, source) of one coin in one fiat currency, by date; none in a store without prices."""
    if not store.has_table("prices"):
        return []
    return store.rows("SELECT date, price, source FROM prices WHERE coin = ? AND fiat = ? ORDER BY date",
                      [coin, fiat])  # fmt: skip
