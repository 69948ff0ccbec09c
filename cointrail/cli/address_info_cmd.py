"""``cointrail address-info``: what the ledger store knows about one address."""

from __future__ import annotations

from typing import Any

import click

from cointrail.amounts import format_amount
from cointrail.cli.ledger_cmds import db_option, open_for_reading
from cointrail.cli.output import emit, json_option
from cointrail.errors import EXIT_OK
from cointrail.investigation import Investigation
from cointrail.store.duckdb.account import AccountStore
from cointrail.store.duckdb.store import AccountStoreError
from cointrail.times import format_time
from cointrail.wording import counted


def _seen(seen: dict[str, Any]) -> str:
    return f"{format_time(seen['time'], seen['height'])}, transaction {seen['txid']}"


def _balance(info: dict[str, Any]) -> str:
    """The balance, or in a sparse store that cannot know it, "not known" with why and the bound that holds."""
    if info.get("balance_known", True):
        return format_amount(info["balance"], info["chain"])
    unknown = info["balance_unknown"]
    return f"not known: {unknown['reason']}"


def render_address_info(info: dict[str, Any]) -> str:
    """Amounts in the chain's coin and times in UTC (``--json`` keeps base units and Unix seconds)."""
    def coins(value: int) -> str:
        return format_amount(value, info["chain"])

    lines = [
        f"{info['address'] or '(no address) script ' + info['script_pubkey']}  ·  {info['chain']} {info['network']}"
        f"  ·  {info['type']}",
        f"  received: {coins(info['received'])} in {counted(info['outputs_received'], 'output')}",
        f"  sent:     {coins(info['sent'])} from {counted(info['outputs_spent'], 'output')}",
        f"  balance:  {_balance(info)}",
        f"  transactions: {info['tx_count']:,}",
        f"  first seen: {_seen(info['first_seen'])}",
        f"  last seen:  {_seen(info['last_seen'])}",
    ]
    if info.get("coverage"):  # a sparse store (issue 15): the figures are only those of the crawled transactions
        lines.insert(1, f"  coverage: a sparse store; this address's history {info['coverage']['words']}")
    if info.get("p2pk"):  # outputs paid to the bare key, stored under its P2PKH address (cointrail.store.duckdb.p2pk)
        lines.insert(1, f"  P2PK: {info['p2pk']['note']}")
    if info["counterparties"]:
        lines.append("  counterparties (by transactions in common):")
    for other in info["counterparties"]:
        name = other["address"] or f"script {other['script_pubkey']}"
        lines.append(f"    {name}: {other['transactions']} tx, paid this address {coins(other['paid_us'])}, "
                     f"was paid {coins(other['we_paid'])} by it")  # fmt: skip
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
    try:
        store = open_for_reading(db)
    except AccountStoreError:  # an Ethereum store (issue 16)
        with Investigation(accounts=AccountStore.open(db, read_only=True)) as investigation:
            account = investigation.account(address, counterparties)
        emit(account.to_json(), as_json, render_account_info)
        return EXIT_OK
    with store:
        info = Investigation(store).address(address, counterparties)
    emit(info.to_json(), as_json, render_address_info)
    return EXIT_OK


def render_account_info(info: dict[str, Any]) -> str:
    """An Ethereum account in words: per asset received, sent and net; issuer actions; poisoning; coverage."""
    lines = [f"{info['address']}  ·  {info['chain']} {info['network']}  ·  account"]
    lines += [f"  label: {label['name']} ({label['category']}, from {label['source']})" for label in info["labels"]]
    for asset in info["assets"]:
        lines.append(f"  {asset['asset']}: received {asset['received_amount']} in "
                     f"{counted(asset['transfers_in'], 'transfer')}, sent {asset['sent_amount']} in "
                     f"{asset['transfers_out']}; net {asset['net_amount']}")  # fmt: skip
    lines.append(f"  transactions: {info['tx_count']:,}")
    for end in ("first", "last"):
        seen = info[f"{end}_seen"]
        lines.append(f"  {end} seen: " + (f"block {seen['block']}, {seen['tx_hash']}" if seen else "never"))
    for action in info["issuer_actions"]:
        lines.append(f"  issuer action: {action['symbol']} {action['action']} in block {action['block_number']} "
                     f"({action['tx_hash']})")
    for poison in info["suspected_poisoning"]:
        lines.append(f"  suspected poisoning, not counted: {poison['symbol']} {poison['sender']} -> "
                     f"{poison['receiver']} in {poison['tx_hash']}: {poison['poisoning']}")
    if info["counterparties"]:
        lines.append("  counterparties (by transfers):")
    lines += [f"    {c['address']} ({c['asset']}): {counted(c['transfers'], 'transfer')}"
              for c in info["counterparties"]]  # fmt: skip
    lines.append(f"  coverage: {info['coverage']}")
    if info.get("deposit_of"):
        deposit = info["deposit_of"]
        lines.append(f"  a deposit address of {deposit['exchange']}: it forwarded what {len(deposit['users'])} users "
                     f"paid in to the hot wallet {deposit['hot_wallet']} (e.g. {deposit['evidence'][0]['sweep_tx']})")
    for used in info.get("deposits", []):
        others = ", ".join(used["same_customer_probably"]) or "no one else"
        lines.append(f"  paid into {used['deposit_address']}, {used['note']}; also paid in by: {others}")
    same = info.get("same_key")
    if same:
        lines.append(f"  public key {same['public_key']} (from the signature of {same['tx_hash']}); {same['note']}:")
        lines += [f"    {a['chain']} {a['type']}: {a['address']}" for a in same["addresses"]]
    return "\n".join(lines)
