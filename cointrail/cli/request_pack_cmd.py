"""``cointrail request-pack``: per exchange, the deposits and withdrawals to ask about, as CSV and a letter."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from cointrail.cases import open_case
from cointrail.cases.settings import fiat_currency
from cointrail.cli.case_cmd import case_option, cases_dir_option, operator_option
from cointrail.cli.output import emit, json_option
from cointrail.cli.report_cmd import facts_options, working
from cointrail.errors import EXIT_NEGATIVE, EXIT_OK
from cointrail.investigation import Investigation
from cointrail.report import request_packs, write_request_packs
from cointrail.report.request_pack import PackOptions, asked_about
from cointrail.wording import days


def _days_words(date_range: str | None) -> str:
    """', on 2026-12-04' for one day, ', between 2026-12-03 and 2026-12-04' for several (the JSON keeps the range),
    as the report's summary words its payments' days (``cointrail.wording.days``)."""
    if not date_range:
        return ""
    first, _, last = date_range.partition(" to ")
    return f", {days(first, last)}"


def render_packs(packs: list[dict[str, Any]]) -> str:
    if not packs:
        return "No exchange was reached by the traces: there is no request to make yet."
    lines = []
    for pack in packs:
        span = _days_words(pack.get("date_range"))
        lines.append(f"{pack['exchange']} ({pack['category']}): {asked_about(pack)} to ask about{span}"
                     f"{' (URGENT)' if pack.get('urgent') else ''}")
        for kind, item in pack["files"].items():
            copy = f"  (copy: {item['copy']})" if item.get("copy") else ""
            lines.append(f"  {pack['exchange']} {kind:<6} {item['path']}{copy}")
    return "\n".join(lines)


@click.command("request-pack")
@case_option
@click.option("--exchange", default=None, metavar="NAME", help="Only this exchange (as named in the report).")
@click.option("--out", "out", default=None, type=click.Path(file_okay=False, path_type=Path),
              help="Also write NAME.csv and NAME.txt per exchange into this folder.")
@click.option("--case-number", default=None, metavar="NUMBER", help="Your case or reference number, in every pack.")
@click.option("--legal-basis", default=None, metavar="TEXT",
              help="The legal basis to name in the letter (e.g. the order or statute); default: a blank to fill.")
@click.option("--urgent", is_flag=True, default=False, help="Mark every pack urgent (a child may be at risk).")
@click.option("--no-preservation", "preserve", flag_value=False, default=True,
              help="Leave out the request to preserve the records.")
@click.option("--fiat", default=None, metavar="CODE",
              help="Fiat currency of the values (default: $COINTRAIL_FIAT, else the report's own currency).")
@facts_options
@cases_dir_option
@operator_option
@json_option
def command(case_name: str, exchange: str | None, out: Path | None, case_number: str | None, legal_basis: str | None,
            urgent: bool, preserve: bool, fiat: str | None, db: Path | None, site: tuple[str, ...],
            cases_dir: str | None, operator: str | None, as_json: bool) -> int:  # fmt: skip
    """Write the request pack of each exchange to contact: a CSV of the transactions and a letter-ready text.

    Each row names the address, the transaction id, the time (UTC), the
    amount and its fiat value at its block time. The packs are stored in the
    case as evidence. Exit code 1 when no exchange was reached.
    """
    case = open_case(case_name, cases_dir, operator)
    with working("Writing request packs…"):
        options = PackOptions(case_number, legal_basis, urgent, preserve)
        with Investigation.open(case, db, lazy=True) as investigation:  # the latest report's facts need no store
            # In the --fiat (or $COINTRAIL_FIAT) currency where it is not the report's: priced again from the store.
            facts = investigation.request_pack_facts(list(site) or None, latest=db is None, fiat=fiat_currency(fiat))
        packs = write_request_packs(case, request_packs(facts, exchange, options), out)
    emit(packs, as_json, render_packs)
    return EXIT_OK if packs else EXIT_NEGATIVE
