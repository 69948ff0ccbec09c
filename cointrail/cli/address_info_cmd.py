"""``cointrail address-info``: what the ledger store knows about one address."""

from __future__ import annotations

from typing import Any

import click

from cointrail.cli.ledger_cmds import db_option, open_for_reading
from cointrail.cli.output import emit, json_option
from cointrail.errors import EXIT_OK
from cointrail.ledger.queries import address_info


def _seen(seen: dict[str, Any]) -> str:
    return f"block {seen['height']} (time {seen['time']}), transaction {seen['txid']}"


def render_address_info(info: dict[str, Any]) -> str:
    lines = [
        f"{info['address'] or '(no address) script ' + info['script_pubkey']}  ·  {info['chain']} {info['network']}"
        f"  ·  {info['type']}",
        f"  received: {info['received']:,} base units in {info['outputs_received']} outputs",
        f"  sent:     {info['sent']:,} base units from {info['outputs_spent']} outputs",
        f"  balance:  {info['balance']:,} base units",
        f"  transactions: {info['tx_count']}",
        f"  first seen: {_seen(info['first_seen'])}",
        f"  last seen:  {_seen(info['last_seen'])}",
    ]
    if info["counterparties"]:
        lines.append("  counterparties (by transactions in common):")
    for other in info["counterparties"]:
        name = other["address"] or f"script {other['script_pubkey']}"
        lines.append(
            f"    {name}: {other['transactions']} tx, paid us {other['paid_us']:,}, we paid {other['we_paid']:,}"
        )
    return "\n".join(lines)


@click.command("address-info")
@click.argument("address")
@db_option
@click.option("--counterparties", default=20, show_default=True, help="How many counterparties to list.")
@json_option
def command(address: str, db: str, counterparties: int, as_json: bool) -> int:
    """Received, sent and balance of ADDRESS (in base units), its transactions and counterparties."""
    with open_for_reading(db) as store:
        info = address_info(store, address, counterparties)
    emit(info, as_json, render_address_info)
    return EXIT_OK
