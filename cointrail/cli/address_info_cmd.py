"""``cointrail address-info``: what the ledger store knows about one address."""

from __future__ import annotations

from typing import Any

import click

from cointrail.amounts import format_amount
from cointrail.cli.ledger_cmds import db_option, open_for_reading
from cointrail.cli.output import emit, json_option
from cointrail.errors import EXIT_OK
from cointrail.investigation import Investigation
from cointrail.times import format_time


def _seen(seen: dict[str, Any]) -> str:
    return f"{format_time(seen['time'], seen['height'])}, transaction {seen['txid']}"


def _outputs(n: int) -> str:
    return f"{n:,} output" + ("" if n == 1 else "s")


def render_address_info(info: dict[str, Any]) -> str:
    """Amounts in the chain's coin and times in UTC (``--json`` keeps base units and Unix seconds)."""
    def coins(value: int) -> str:
        return format_amount(value, info["chain"])

    lines = [
        f"{info['address'] or '(no address) script ' + info['script_pubkey']}  ·  {info['chain']} {info['network']}"
        f"  ·  {info['type']}",
        f"  received: {coins(info['received'])} in {_outputs(info['outputs_received'])}",
        f"  sent:     {coins(info['sent'])} from {_outputs(info['outputs_spent'])}",
        f"  balance:  {coins(info['balance'])}",
        f"  transactions: {info['tx_count']:,}",
        f"  first seen: {_seen(info['first_seen'])}",
        f"  last seen:  {_seen(info['last_seen'])}",
    ]
    if info.get("p2pk"):  # outputs paid to the bare key, stored under its P2PKH address (cointrail.store.duckdb.p2pk)
        lines.insert(1, f"  P2PK: {info['p2pk']['note']}")
    if info["counterparties"]:
        lines.append("  counterparties (by transactions in common):")
    for other in info["counterparties"]:
        name = other["address"] or f"script {other['script_pubkey']}"
        lines.append(f"    {name}: {other['transactions']} tx, paid us {coins(other['paid_us'])}, "
                     f"we paid {coins(other['we_paid'])}")  # fmt: skip
    return "\n".join(lines)


@click.command("address-info")
@click.argument("address")
@db_option
@click.option("--counterparties", default=20, show_default=True, help="How many counterparties to list.")
@json_option
def command(address: str, db: str, counterparties: int, as_json: bool) -> int:
    """Received, sent and balance of ADDRESS, its transactions and counterparties.

    Text gives amounts in the chain's coin and times in UTC; --json gives base units and Unix seconds.
    """
    with open_for_reading(db) as store:
        info = Investigation(store).address(address, counterparties)
    emit(info.to_json(), as_json, render_address_info)
    return EXIT_OK
