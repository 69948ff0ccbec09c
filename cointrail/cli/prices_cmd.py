"""``cointrail prices``: daily fiat prices per coin, kept in the store with their source.

A store of either family takes prices: a Bitcoin-family one for its coin, an Ethereum one for ether and each token
(USDT and USDC only where the file prices them, a peg stated as such: :mod:`cointrail.prices.table`).
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import click

from cointrail.cli.ledger_cmds import db_option
from cointrail.cli.output import emit, json_option
from cointrail.errors import EXIT_OK
from cointrail.prices import import_prices_csv, store_prices
from cointrail.store.duckdb.account import AccountStore, store_family
from cointrail.store.duckdb.store import LedgerStore
from cointrail.wording import counted, days


def render_import(data: dict[str, Any]) -> str:
    return (f"Imported {counted(data['imported'], 'price')} ({', '.join(data['coins'])} in {', '.join(data['fiats'])}) "
            f"{days(data['first_date'], data['last_date'])}.")  # fmt: skip


@contextmanager
def _store(db: str) -> Iterator[LedgerStore | AccountStore]:
    """The store --db, of whichever family it is (an account-chain store keeps its prices in the same table)."""
    if store_family(db) == "account":
        with AccountStore.open(db) as accounts:
            yield accounts
        return
    with LedgerStore.open(db) as store:
        yield store


@click.group("prices")
def command() -> None:
    """Daily fiat prices: import them from CSV (or fetch them when online)."""


@command.command("import")
@click.argument("file", type=click.Path(dir_okay=False))
@db_option
@json_option
def import_command(file: str, db: str, as_json: bool) -> int:
    """Import FILE, a CSV with the header date,coin,fiat,price[,source].

    For an Ethereum store, the coin is ETH or a token's symbol (USDT, USDC). A stablecoin is priced only where the
    file gives it; a row whose source begins with "peg" states its peg, and the reports say it is an assumption.
    """
    with _store(db) as store:
        emit(import_prices_csv(store, file), as_json, render_import)
    return EXIT_OK


@command.command("fetch")
@db_option
@click.option("--coin", required=True, help="The coin symbol, e.g. LTC or BTC.")
@click.option("--fiat", default="USD", show_default=True)
@click.option("--since", required=True, type=click.DateTime(["%Y-%m-%d"]), help="First day (YYYY-MM-DD).")
@click.option("--fetch", "confirmed", is_flag=True, required=True,
              help="Confirm that cointrail may go online to Kraken's public API.")  # fmt: skip
@json_option
def fetch_command(db: str, coin: str, fiat: str, since: _dt.datetime, confirmed: bool, as_json: bool) -> int:
    """Fetch daily closing prices from Kraken's public API (online; only with --fetch)."""
    from cointrail.prices.fetch import fetch_daily

    rows = fetch_daily(coin, fiat, since.date())
    with _store(db) as store:
        emit(store_prices(store, rows), as_json, render_import)
    return EXIT_OK
