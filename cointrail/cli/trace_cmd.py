"""``cointrail trace``: follow money forward or backward from an address, a transaction or a cluster."""

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
from cointrail.tracing import TAINT_MODELS
from cointrail.wording import counted


def render_trace(data: dict[str, Any]) -> str:
    """The trace in words, amounts in the coin of the store's chain (``--json`` keeps base units)."""
    chain = data["chain"]  # the store's, among the parameters of the answer
    start = data["start"]
    lines = [f"Trace {data['direction']} from {start['kind']} {start['value']} "
             f"({format_amount(start.get('amount'), chain)}), {data['hops']} hops, model {data['model']['name']}.",
             data["model"]["explanation"], "",
             f"{counted(len(data['nodes']), 'address', 'addresses')}, {counted(len(data['edges']), 'flow')}. "
             "Where the trails end:"]  # fmt: skip
    for end in data["ends"]:
        where = f" ({end['service']}, {end['category']})" if end["service"] else ""
        # A CoinJoin end, or anything found beyond one, is said in words: the reader must not take it as a fact.
        why = end["explanation"] if end.get("ambiguous") else end["reason"]
        if (end.get("label") or {}).get("detected"):  # no label names it (issue 17): never read as a named service
            why = "a lead: it behaves like an exchange, but no label names it"
        lines.append(f"  hop {end['hop']}: {format_amount(end['taint'], chain)} at {end['address']}{where}: "
                     f"{why}" + (f" in {end['txid']}" if end["txid"] else ""))  # fmt: skip
    lines += ["", "Reasons:"] + [f"  {r}: {format_amount(v, chain)}" for r, v in data["totals"]["by_reason"].items()]
    return "\n".join(lines + _coinjoin_lines(data, chain) + p2pk_lines(data))


def p2pk_lines(data: dict[str, Any]) -> list[str]:
    """A line for each address of the answer paid to its bare public key (issue 13: as explorers show them)."""
    return [f"  P2PK: {m['address']}: {m['note']}" for m in data.get("p2pk", [])]


def _coinjoin_lines(data: dict[str, Any], chain: str | None) -> list[str]:
    """What the trace could not see through: the CoinJoins it stopped at, or went through on request."""
    stopped = data["totals"]["by_reason"].get("coinjoin", 0)
    lines = []
    if stopped:
        lines.append(f"\n{format_amount(stopped, chain)} ended in CoinJoins: beyond a CoinJoin the money's path is "
                     "ambiguous, so the trace stops there. --through-coinjoins goes on, as possibilities only.")
    for mix in data.get("coinjoins", []):
        lines.append(f"\nWent through the CoinJoin {mix['txid']} of {mix['participants']} participants at hop "
                     f"{mix['hop']}: everything found beyond it is a possibility, not a finding.")
    return lines


@click.command("trace")
@click.argument("start")
@db_option
@click.option("--direction", type=click.Choice(["forward", "backward"]), default="forward", show_default=True,
              help="forward: where the money went; backward: where it came from.")  # fmt: skip
@click.option("--hops", type=click.IntRange(1, 50), default=3, show_default=True, help="How many hops to follow.")
@click.option("--min-value", type=click.IntRange(0), default=0, show_default=True,
              help="Stop trails carrying less than this (base units).")  # fmt: skip
@click.option("--since", help="Follow only transactions from this date or ISO time (UTC).")
@click.option("--until", help="Follow only transactions up to this date or ISO time (UTC).")
@click.option("--model", type=click.Choice(TAINT_MODELS), default="haircut", show_default=True,
              help="The taint model (explained in the output).")  # fmt: skip
@click.option("--through-coinjoins", is_flag=True,
              help="Go on through CoinJoins instead of stopping there; what lies beyond is marked ambiguous.")
@click.option("--asset", default="ETH", show_default=True,
              help="On an Ethereum or Tron store: the asset to follow (ETH, USDT, USDC).")  # fmt: skip
@json_option
def command(start: str, db: str, direction: str, hops: int, min_value: int, since: str | None, until: str | None,
            model: str, through_coinjoins: bool, asset: str, as_json: bool) -> int:  # fmt: skip
    """Trace money from START (an address, a txid, or cluster:ID) and say where each trail ends.

    A trail stops at a CoinJoin, where the money's path is ambiguous, unless --through-coinjoins.
    On an Ethereum or Tron store START is an account and --asset says what to follow."""
    try:
        store = open_for_reading(db)
    except AccountStoreError:  # issue 16
        with Investigation(accounts=AccountStore.open(db, read_only=True)) as investigation:
            found = investigation.account_trace(start, asset=asset, direction=direction, hops=hops, model=model)
        emit(found.to_json(), as_json, render_account_trace)
        return EXIT_OK
    with store:
        result = Investigation(store).trace(start, direction=direction, hops=hops, min_value=min_value,
                                            since=since, until=until, model=model,
                                            through_coinjoins=through_coinjoins)  # fmt: skip
    emit(result.to_json(), as_json, render_trace)
    return EXIT_OK


def render_account_trace(data: dict[str, Any]) -> str:
    """An account trace in words: each step, then where each trail ends and why."""
    forward = data["direction"] == "forward"
    if not data["steps"]:
        return (f"The store holds no {data['asset']} transfer {'out of' if forward else 'into'} {data['start']}: "
                f"nothing to follow (`cointrail address-info {data['start']}` says how much of its history the "
                "store holds).")  # fmt: skip
    lines = [f"Where {data['asset']} of {data['start']} {'went' if forward else 'came from'} ({data['model']} model), "
             f"{counted(len(data['steps']), 'step')}, {counted(len(data['ends']), 'trail end')}:"]  # fmt: skip
    lines += [f"  hop {s['hop']}: {s['sender']} -> {s['receiver']}, {s['amount']} traced, in {s['tx_hash']}"
              for s in data["steps"]]  # fmt: skip
    lines += [f"  ends at {e['address']} with {e['amount']}: {e['why']}" for e in data["ends"]]
    return "\n".join(lines)
