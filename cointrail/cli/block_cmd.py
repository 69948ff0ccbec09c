"""``cointrail block``: one block from the ledger store."""

from __future__ import annotations

from typing import Any

import click

from cointrail.cli.ledger_cmds import db_option, open_for_reading
from cointrail.cli.output import emit, json_option
from cointrail.errors import EXIT_OK
from cointrail.investigation import Investigation
from cointrail.times import format_time
from cointrail.wording import counted


def render_block(b: dict[str, Any]) -> str:
    verified = "yes" if b["txids_recomputed"] and b["merkle_checked"] else "NO"
    lines = [
        f"block {b['height']}  {b['hash']}",
        f"  time {format_time(b['time'])}, {counted(b['tx_count'], 'transaction')}, {b['size']:,} bytes",
        f"  previous {b['prev_hash']}",
        f"  from {b['source']}; verified (txids recomputed, merkle root checked): {verified}",
    ]
    if b["mweb_extension_size"]:
        lines.append(f"  MWEB extension block: {b['mweb_extension_size']} bytes, private (not parsed)")
    lines += [f"    {txid}" for txid in b["txids"]]
    return "\n".join(lines)


@click.command("block")
@click.argument("ref", metavar="HEIGHT|HASH")
@db_option
@json_option
def command(ref: str, db: str, as_json: bool) -> int:
    """Show a block by height or hash: header, source, verification and transaction ids."""
    with open_for_reading(db) as store:
        data = Investigation(store).block(ref)
    emit(data.to_json(), as_json, render_block)
    return EXIT_OK
