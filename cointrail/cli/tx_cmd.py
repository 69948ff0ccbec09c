"""``cointrail tx``: one transaction from the ledger store."""

from __future__ import annotations

from typing import Any

import click

from cointrail.amounts import format_amount
from cointrail.cli.ledger_cmds import db_option, open_for_reading
from cointrail.cli.output import emit, json_option
from cointrail.errors import EXIT_OK
from cointrail.investigation import Investigation
from cointrail.times import format_time


def _input_line(i: dict[str, Any], chain: str) -> str:
    # A coinbase input spends nothing: it has no previous output, address or value (issue 13: its None
    # value crashed the text view of every coinbase transaction).
    if i["prev_txid"] is None:
        return "    coinbase (newly mined coins and the fees of the block)"
    spent = f"{i['prev_txid']}:{i['prev_vout']}"
    key = "  (spends a P2PK output: " + i["p2pk"]["note"] + ")" if i.get("p2pk") else ""
    if i.get("funding_known") is False:
        return f"    {spent}  (its funding transaction was not fetched: address and value not known)"
    return f"    {spent}  {i['address'] or '(no address)'}  {format_amount(i['value'], chain)}{key}"


def render_transaction(tx: dict[str, Any]) -> str:
    """Amounts in the chain's coin, the time in UTC with the block height (``--json`` keeps base units)."""
    chain = tx["chain"]
    fee = "none (coinbase)" if tx["coinbase"] else format_amount(tx["fee"], chain)
    if tx["fee"] is None and not tx["coinbase"]:
        fee = "not known (the transaction funding an input was not fetched)"
    lines = [
        f"transaction {tx['txid']}",
        f"  block {tx['block_height']} ({tx['block_hash']}), {format_time(tx['time'])}, position {tx['position']}",
        f"  size {tx['size']:,} bytes, vsize {tx['vsize']:,}; fee {fee}; "
        f"paid out {format_amount(tx['output_total'], chain)}" + ("; moves money inside MWEB" if tx["mweb"] else ""),
        "  inputs:",
    ]
    lines += [_input_line(i, chain) for i in tx["inputs"]]
    lines.append("  outputs:")
    for o in tx["outputs"]:
        spent = f"spent in {o['spent_by']['txid']}" if o["spent_by"] else "unspent"
        if not o["spent_by"] and o.get("spending_known") is False:
            spent = "spending not fetched (a sparse store: crawl further to know)"
        to = o["address"] or f"({o['type']})"
        lines.append(f"    {o['n']}: {to}  {format_amount(o['value'], chain)}  {spent}")
        if o.get("p2pk"):  # a P2PK output, shown under its key's P2PKH address (cointrail.store.duckdb.p2pk)
            lines.append(f"       P2PK: {o['p2pk']['note']}")
    return "\n".join(lines)


@click.command("tx")
@click.argument("txid")
@db_option
@json_option
def command(txid: str, db: str, as_json: bool) -> int:
    """Show transaction TXID: its block, inputs (with what they spent) and outputs (with who spent them)."""
    with open_for_reading(db) as store:
        data = Investigation(store).transaction(txid)
    emit(data.to_json(), as_json, render_transaction)
    return EXIT_OK
