"""``cointrail payers``: who paid a site, when and how much, and the exchange that funded each payer."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from cointrail.amounts import format_amount
from cointrail.cases.case import open_case
from cointrail.cases.settings import fiat_currency
from cointrail.cli.case_cmd import cases_dir_option
from cointrail.cli.ledger_cmds import db_option, open_for_reading
from cointrail.cli.output import emit, json_option, stderr_is_terminal
from cointrail.cli.trace_cmd import p2pk_lines
from cointrail.errors import EXIT_OK, InputError
from cointrail.investigation import Investigation
from cointrail.store.duckdb.account import AccountStore
from cointrail.store.duckdb.store import AccountStoreError
from cointrail.wording import counted, days


@contextmanager
def _progress_bar() -> Iterator[Callable[[int, int], None] | None]:
    """A rich progress bar on standard error while payers are traced back (none when not a terminal)."""
    if not stderr_is_terminal():
        yield None
        return
    with Progress(TextColumn("tracing payers back (hops)"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=Console(stderr=True), transient=True) as bar:  # fmt: skip
        task = bar.add_task("payers", total=None)
        yield lambda done, total: bar.update(task, completed=done, total=total)


def _fiat(value: dict[str, Any] | None) -> str:
    return f" = {value['value']:,.2f} {value['currency']}" if value else ""


def render_payers(data: dict[str, Any]) -> str:
    """The payers in words, amounts in the coin of the store's chain (``--json`` keeps base units)."""
    totals, chain = data["totals"], data["parameters"]["chain"]

    def coins(value: int) -> str:
        return format_amount(value, chain)

    payers = "1 payer (paying wallet)" if totals["payers"] == 1 else f"{totals['payers']:,} payers (paying wallets)"
    lines = [f"{counted(totals['payments'], 'payment')} ({coins(totals['amount'])}{_fiat(totals['fiat'])}) from "
             f"{payers} into {counted(len(data['site']['addresses']), 'site address', 'site addresses')}; "
             f"{counted(totals['with_service'], 'wallet')} traced to a service"
             + (f", {totals['with_possible_service']} possibly" if totals.get("with_possible_service") else "")
             + (f", {totals['with_unnamed_service']} to an unnamed exchange-like service (a lead)"
                if totals.get("with_unnamed_service") else "")
             + ".", totals["people_note"]]  # fmt: skip
    if data.get("coverage"):
        lines.append(f"Coverage: {data['coverage']['note']}.")
        lines += [f"  {a}: history {c['words']}" for a, c in data["coverage"]["addresses"].items()]
    note = (data["site"].get("from_case") or {}).get("note")
    if note:
        lines.append(f"Site addresses from the case's captures: {note}")
    if data["price_source"]:
        lines.append(f"Prices: {data['price_source']}")
    for payer in data["payers"]:
        span = days(payer["first_date"], payer["last_date"])
        lines.append(f"\nPaying wallet (cluster) {payer['payer_cluster_id']}: {counted(payer['payments'], 'payment')}, "
                     f"{coins(payer['total'])}{_fiat(payer['total_fiat'])}, {span}; "
                     f"addresses {', '.join(payer['payer_addresses'][:3])}"
                     + (" …" if len(payer["payer_addresses"]) > 3 else ""))  # fmt: skip
        lines += _funding_lines(payer, coins)
    for pattern in data["patterns"]:
        lines.append(f"\n{pattern['summary']}")
    lines += p2pk_lines(data)
    return "\n".join(lines)


def _funding_lines(payer: dict[str, Any], coins: Callable[[int], str]) -> list[str]:
    """"funded by" only where the confidence is enough (issue 12); the rest as possibilities, with the reason."""
    lines = []
    for found in payer["attributions"][:3]:
        best = next(t for t in payer["funding"] if t["service"] == found["service"])
        words = "funded by" if found["status"] == "funded_by" else "possibly funded by"
        lines.append(f"  {words} {found['service']} ({found['category']}): {found['reason']}; best payout "
                     f"{best['withdrawal_txid']} on {best['date']}, {counted(len(best['steps']), 'step')}")  # fmt: skip
        if best.get("joined_by"):  # the label is on another wallet of the exchange services detect found (issue 17)
            lines.append(f"    named through its behaviour: {best['joined_by']['words']}")
    for lead in payer.get("leads", [])[:3]:  # no label names it; it behaves like an exchange (issue 17)
        lines.append(f"  lead: {lead['words']}: {lead['share']:.0%} of the traced money, through "
                     f"{counted(len(lead['withdrawal_txids']), 'payout')} (first {lead['withdrawal_txids'][0]}); "
                     f"behaviour score {lead['score']:.2f}: {'; '.join(lead['evidence'][:2])}")  # fmt: skip
        lines.append(f"    {lead['next_step']}")
    coinjoin = payer["unresolved"].get("coinjoin")
    if coinjoin:
        lines.append(f"  {coins(coinjoin)} of its money ends in a CoinJoin of {payer['coinjoin_participants']} "
                     "participants: the money's origin is ambiguous, so no exchange is named through it")
    if not payer["funding"]:
        others = [r for r in payer["unresolved"] if r != "coinjoin"]
        if others or not (coinjoin or payer.get("leads")):
            lines.append(f"  no labelled service reached ({', '.join(others) or 'nothing to follow'})")
    return lines


@click.command("payers")
@db_option
@click.option("--site", "sites", multiple=True, help="An address of the site (repeat for each).")
@click.option("--cluster", "cluster_id", type=int, help="Take the site's addresses from this cluster.")
@click.option("--case", "case_name", help="Take the site's addresses from the captures of this case.")
@cases_dir_option
@click.option("--fiat", default=None, metavar="CODE",
              help="The fiat currency of the values shown (default: $COINTRAIL_FIAT, else USD).")
@click.option("--hops", type=click.IntRange(1, 20), default=6, show_default=True,
              help="How far back to look for the service that funded each payer.")  # fmt: skip
@click.option("--through-coinjoins", is_flag=True,
              help="Trace back through CoinJoins instead of stopping there; services found beyond one are listed "
                   "as possibilities only, never as 'funded by'.")  # fmt: skip
@json_option
def command(db: str, sites: tuple[str, ...], cluster_id: int | None, case_name: str | None, cases_dir: str | None,
            fiat: str | None, hops: int, through_coinjoins: bool, as_json: bool) -> int:  # fmt: skip
    """Every payment into a site, grouped by payer, with the exchange that funded each payer."""
    if cluster_id is None and not sites and not case_name:
        raise InputError("give the site's addresses with --site, a --cluster, or a --case with captures")
    currency = fiat_currency(fiat) or "USD"  # the one setting reports and request packs follow too
    case = open_case(case_name, cases_dir) if case_name else None
    try:
        store = open_for_reading(db)
    except AccountStoreError:  # an Ethereum store (issue 16)
        with Investigation(None, case, accounts=AccountStore.open(db, read_only=True)) as investigation:
            found = investigation.account_payers(sites, hops=hops)
        emit(found.to_json(), as_json, render_account_payers)
        return EXIT_OK
    with store, _progress_bar() as advance:
        result = Investigation(store, case).payers(sites, cluster=cluster_id, from_case=case is not None, fiat=currency,
                                                   hops=hops, through_coinjoins=through_coinjoins, progress=advance)
    emit(result.to_json(), as_json, render_payers)
    return EXIT_OK


def render_account_payers(data: dict[str, Any]) -> str:
    """The payers of a site on an Ethereum store, per asset, each with the exchange that funded it."""
    payers = data["payers"]
    lines = [f"{counted(sum(len(p['payments']) for p in payers), 'payment')} from {len(payers)} payers (per asset) "
             f"into {len(data['site'])} site addresses on {data['chain']} {data['network']}; "
             f"{sum(1 for p in payers if p['funding']['exchange'])} traced to an exchange."]  # fmt: skip
    for payer in payers:
        funding = payer["funding"]
        lines.append(f"\nPayer {payer['address']} ({payer['asset']}): {counted(len(payer['payments']), 'payment')}, "
                     f"{payer['total_amount']}")
        if funding["exchange"]:
            lines.append(f"  funded by {funding['exchange']}: {funding['reason']}; "
                         f"withdrawal {funding['withdrawal_tx']}")
        else:
            lines.append(f"  no exchange reached: {funding['reason']}")
    if data["poisoning"]:
        lines.append(f"\n{counted(len(data['poisoning']), 'suspected poisoning transfer')}, never counted as payments:")
        lines += [f"  {p['amount']} from {p['sender']} to {p['receiver']} in {p['tx_hash']}: {p['reason']}"
                  for p in data["poisoning"]]  # fmt: skip
    for out in data["cash_outs"]:
        lines.append(f"\nThe site paid {out['amount']} into a deposit address of {out['exchange']} "
                     f"({out['deposit_address']}) in {out['tx_hash']}: ask that exchange who owns it.")
    return "\n".join(lines)
