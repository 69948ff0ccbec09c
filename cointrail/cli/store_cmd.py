"""``cointrail store export|import``: move a ledger store to and from Parquet files."""

from __future__ import annotations

from typing import Any

import click

from cointrail.cli.ledger_cmds import db_option, open_for_reading
from cointrail.cli.output import emit, json_option
from cointrail.errors import EXIT_OK
from cointrail.ledger.parquet import export_parquet, import_parquet


def _render(verb: str) -> Any:
    def render(result: dict[str, Any]) -> str:
        rows = ", ".join(f"{n:,} {t}" for t, n in result["rows"].items() if t != "meta")
        return f"{verb} {result['chain']} {result['network']}: {rows}."

    return render


@click.group("store")
def command() -> None:
    """Export a ledger store to Parquet files, or create one from them."""


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
