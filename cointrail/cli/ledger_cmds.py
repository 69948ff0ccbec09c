"""What the ledger commands share: the --db option, opening the store, the progress bar.

The commands themselves are one module each (``ingest_cmd``, ``tx_cmd``,
``block_cmd``, ``address_info_cmd``, ``store_cmd``), registered in
:data:`cointrail.cli.COMMANDS`.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, Self

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, ProgressColumn, Task, TextColumn, TimeRemainingColumn
from rich.text import Text

from cointrail.cli.output import stderr_is_terminal
from cointrail.errors import InputError
from cointrail.store.duckdb.store import LedgerStore


def node_credentials_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """``--cookie``, ``--rpc-user`` and ``--rpc-password``: how a command that reads a node (--rpc) logs in."""
    for option in reversed((
        click.option("--cookie", type=click.Path(dir_okay=False),
                     help="The node's .cookie file (its RPC credentials)."),
        click.option("--rpc-user", help="RPC user name (instead of --cookie)."),
        click.option("--rpc-password", envvar="COINTRAIL_RPC_PASSWORD",
                     help="RPC password (or $COINTRAIL_RPC_PASSWORD)."),
    )):  # fmt: skip
        command = option(command)
    return command


def db_option(command: Callable[..., Any]) -> Callable[..., Any]:
    """The ``--db FILE`` option naming the ledger store."""
    return click.option(
        "--db", "db", required=True, type=click.Path(dir_okay=False), help="The ledger store (a DuckDB file)."
    )(command)


def open_store(db: str | Path, read_only: bool = True) -> LedgerStore:
    """Open the store --db for a question about its blocks; one that holds none yet says so (exit 2).

    An empty store answers every question with "not found", which a person reads as "no activity"
    (issue 13): better to say that nothing was ingested, and how to.
    """
    store = LedgerStore.open(db, read_only=read_only)
    if store.tip() is None:
        store.close()
        raise InputError(
            f"the store {db} holds no blocks yet: run cointrail ingest --chain {store.chain} --network "
            f"{store.network} --db {db} with --rpc URL (a node) or --blocks DIR (its block files) first"
        )
    return store


def open_for_reading(db: str | Path) -> LedgerStore:
    return open_store(db, read_only=True)


class _TxRateColumn(ProgressColumn):
    """Transactions per second since the start of the bar."""

    def render(self, task: Task) -> Text:
        elapsed = task.elapsed or 0
        rate = task.fields.get("txs", 0) / elapsed if elapsed > 0 else 0
        return Text(f"{rate:,.0f} tx/s", style="progress.data.speed")


class StderrProgressBar:
    """One rich progress task on standard error (hidden when it is not a terminal), counting transactions in
    its ``txs`` field; a context manager. The ingest's and the crawl's bars (cointrail.cli.light_crawl)."""

    def __init__(self, *columns: str | ProgressColumn) -> None:
        self._bar = Progress(*columns, console=Console(stderr=True), disable=not stderr_is_terminal())
        self._task: Any = None
        self._txs = 0

    def __enter__(self) -> Self:
        self._bar.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._bar.stop()


class IngestProgressBar(StderrProgressBar):
    """A rich progress bar on standard error: blocks, transactions per second, time left."""

    def __init__(self) -> None:
        super().__init__(TextColumn("[bold]ingest[/] {task.description}"), BarColumn(), MofNCompleteColumn(),
                         TextColumn("blocks"), _TxRateColumn(), TimeRemainingColumn())  # fmt: skip

    def start(self, first_height: int, last_height: int) -> None:
        description = f"heights {first_height}–{last_height}"
        if self._task is None:
            self._task = self._bar.add_task(description, total=last_height - first_height + 1, txs=0)
        else:
            self._bar.update(self._task, description=description, total=last_height - first_height + 1, completed=0)

    def advance(self, blocks: int, transactions: int) -> None:
        self._txs += transactions
        self._bar.update(self._task, advance=blocks, txs=self._txs)
