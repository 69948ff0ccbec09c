"""``cointrail address``: recognise and validate address strings."""

from __future__ import annotations

import sys
from typing import Any

import click

from cointrail.addresses import parse_address
from cointrail.addresses.glossary import describe_type
from cointrail.chains import network_words
from cointrail.cli.output import emit, json_option
from cointrail.errors import EXIT_NEGATIVE, EXIT_OK, InputError


def _read_stdin_addresses() -> list[str]:
    return [line.strip() for line in sys.stdin if line.strip()]


def render_address(item: dict[str, Any]) -> str:
    """Plain text for one address result."""
    if not item["valid"]:
        return f"✗ {item['input']}\n  not a valid address: {item['reason']}."
    lines = [f"✓ {item['input']}"]
    if item["normalized"] and item["normalized"] != item["input"].strip():
        lines.append(f"  written canonically: {item['normalized']}")
    chains = "chain" if len(item["chains"]) == 1 else "chains"
    lines.append(f"  {chains}: {', '.join(item['chains'])}  ·  network: {network_words(item['network'])}")
    lines.append(f"  type: {item['type']} — {describe_type(item['type'])}")
    if item["script_pubkey"]:
        lines.append(f"  output script (scriptPubKey): {item['script_pubkey']}")
    also = sorted({form for c in item["candidates"] for form in c["also_written"]})
    if also:
        lines.append(f"  the same destination is also written: {', '.join(also)}")
    if item["private"]:
        lines.append("  PRIVACY COIN: payments to it are hidden on the ledger (see below).")
    lines += [f"  note: {note}" for note in item["notes"]]
    return "\n".join(lines)


@click.command("address")
@click.argument("addresses", nargs=-1)
@json_option
def command(addresses: tuple[str, ...], as_json: bool) -> int:
    """Check addresses: which currency, network and type, and whether valid.

    Give one or more ADDRESSES, or '-' to read one per line from standard
    input. Exit code 0 when all are valid, 1 otherwise.
    """
    inputs = _read_stdin_addresses() if addresses == ("-",) else list(addresses)
    if not inputs:
        raise InputError("give at least one address, or '-' to read them from standard input")
    results = [parse_address(text).to_dict() for text in inputs]
    emit(results, as_json, lambda items: "\n\n".join(render_address(i) for i in items))
    return EXIT_OK if all(r["valid"] for r in results) else EXIT_NEGATIVE
