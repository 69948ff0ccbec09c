"""The ``prices`` table of a store: daily prices per coin and fiat currency, each with its source.

What a price means and how a payment is priced are :mod:`cointrail.prices`'; this module holds the SQL (moved
from ``cointrail/prices/table.py`` in issue 14): rows in, rows out.
"""

from __future__ import annotations

import datetime as _dt
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    import duckdb


class HasConnection(Protocol):
    """A store of either family (a Bitcoin-family LedgerStore, an account-chain AccountStore): both keep prices."""

    @property
    def con(self) -> duckdb.DuckDBPyConnection: ...

DDL = """
CREATE TABLE IF NOT EXISTS prices (
    date DATE NOT NULL, coin VARCHAR NOT NULL, fiat VARCHAR NOT NULL, price DOUBLE NOT NULL,
    source VARCHAR NOT NULL, imported_at TIMESTAMP NOT NULL
)
"""

PriceRow = tuple[_dt.date, str, str, float, str]  # (date, coin, fiat, price, source)


def ensure_table(store: HasConnection) -> None:
    """Create the ``prices`` table if the store has none."""
    store.con.execute(DDL)


def write_prices(store: HasConnection, rows: list[PriceRow]) -> None:
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


def fiats(store: HasConnection) -> list[str]:
    """The fiat currencies the store has any price in, sorted; none in a store without prices."""
    if not store.con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'prices'").fetchall()[0][0]:
        return []
    return [fiat for (fiat,) in store.con.execute("SELECT DISTINCT fiat FROM prices ORDER BY fiat").fetchall()]


def read_prices(store: HasConnection, coin: str, fiat: str) -> list[tuple[_dt.date, float, str]]:
    """(date, price, source) of one coin in one fiat currency, by date; none in a store without prices."""
    # fetchall, not fetchone: a result left unfinished blocks the connection's next call (DuckDB 1.4)
    if not store.con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'prices'").fetchall()[0][0]:
        return []
    return store.con.execute("SELECT date, price, source FROM prices WHERE coin = ? AND fiat = ? ORDER BY date",
                             [coin, fiat]).fetchall()  # fmt: skip
