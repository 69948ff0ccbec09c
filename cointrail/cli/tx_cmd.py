"""``cointrail tx``: one transaction from the ledger store."""

from __future__ import annotations

from typing import Any

import click

from cointrail.cli.ledger_cmds import db_option, open_for_reading
from cointrail.cli.output import emit, json_option
from cointrail.errors import EXIT_OK
from cointrail.ledger.queries import transaction


def render_transaction(tx: dict[str, Any]) -> str:
    fee = "none (coinbase)" if tx["coinbase"] else f"{tx['fee']:,}"
    lines = [
        f"transaction {tx['txid']}",
        f"  block {tx['block_height']} ({tx['block_hash']}), time {tx['time']}, position {tx['position']}",
        f"  size {tx['size']} bytes, vsize {tx['vsize']}; fee {fee}"
        + ("; moves money inside MWEB" if tx["mweb"] else ""),
        "  inputs:",
    ]
    for i in tx["inputs"]:
        spent = f"{i['prev_txid']}:{i['prev_vout']}  {i['address'] or '(no address)'}  {i['value']:,}"
        lines.append("    coinbase" if i["prev_txid"] is None else f"    {spent}")
    lines.append("  outputs:")
    for o in tx["outputs"]:
        spent = f"spent in {o['spent_by']['txid']}" if o["spent_by"] else "unspent"
        lines.append(f"    {o['n']}: {o['address'] or '(' + o['type'] + ')'}  {o['value']:,}  {spent}")
    return "\n".join(lines)


@click.command("tx")
@click.argument("txid")
@db_option
@json_option
def command(txid: str, db: str, as_json: bool) -> int:
    """Show transaction TXID: its block, inputs (with what they spent) and outputs (with who spent them)."""
    with open_for_reading(db) as store:
        data = transaction(store, txid)
    emit(data, as_json, render_transaction)
    return EXIT_OK
