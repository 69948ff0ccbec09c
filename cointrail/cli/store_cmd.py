"""``cointrail store export|import|index``: move a ledger store to and from Parquet files; rebuild its lookup."""

from __future__ import annotations

from typing import Any

import click

from cointrail.cli.ledger_cmds import db_option, open_for_reading
from cointrail.cli.output import emit, json_option
from cointrail.errors import EXIT_OK
from cointrail.store.duckdb.address_lookup import refresh_address_lookup
from cointrail.store.duckdb.parquet import export_parquet, import_parquet
from cointrail.store.duckdb.store import LedgerStore, existing_store


def _render(verb: str) -> Any:
    def render(result: dict[str, Any]) -> str:
        rows = ", ".join(f"{n:,} {t}" for t, n in result["rows"].items() if t != "meta")
        return f"{verb} {result['chain']} {result['network']}: {rows}."

    return render


@click.group("store")
def command() -> None:
    """Export a ledger store to Parquet files, create one from them, or bring its address lookup up to date."""


@command.command("export")
@db_option
@click.option("--parquet", "directory", required=True, type=click.Path(file_okay=False),
              help="Directory for one .parquet file per table.")  # fmt: skip
@json_option
def export(db: str, directory: str, as_json: bool) -> int:
    """Write every table of --db to Parquet files in --parquet DIR."""
    with open_for_reading(db) as store:
        result = export_parquet(store, directory)
    emit(result, as_json, _render(f"Exported to {directory}:"))
    return EXIT_OK


@command.command("import")
@db_option
@click.option("--parquet", "directory", required=True, type=click.Path(file_okay=False, exists=True),
              help="Directory written by 'cointrail store export'.")  # fmt: skip
@json_option
def import_(db: str, directory: str, as_json: bool) -> int:
    """Create the store --db (a new file) from the Parquet files in --parquet DIR."""
    result = import_parquet(directory, db)
    emit(result, as_json, _render(f"Imported into {db}:"))
    return EXIT_OK


def _render_index(result: dict[str, Any]) -> str:
    tip = result["tip"]
    at = f"block {tip['height']} ({tip['hash']})" if tip else "an empty store"
    return (f"address_lookup of {result['db']}: {result['refresh']} ({result['addresses']:,} addresses, "
            f"{result['seconds']:.1f} s), for {at}.")  # fmt: skip


@command.command("index")
@db_option
@click.option("--full", is_flag=True, help="Rebuild the whole table even when it could be brought up to date.")
@json_option
def index(db: str, full: bool, as_json: bool) -> int:
    """Bring the address-info lookup table of --db to its tip (ingest and import do it themselves)."""
    existing_store(db)
    with LedgerStore.open(db) as store:
        result = refresh_address_lookup(store, full=full)
    emit(result, as_json, _render_index)
    return EXIT_OK
