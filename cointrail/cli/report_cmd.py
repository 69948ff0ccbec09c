"""``cointrail report``: the court-ready report of a case, in HTML and PDF, stored in the case."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click
from rich.console import Console

from cointrail.cases import open_case
from cointrail.cases.settings import fiat_currency
from cointrail.cli.case_cmd import case_option, cases_dir_option, operator_option
from cointrail.cli.output import emit, json_option, stderr_is_terminal, warn
from cointrail.errors import EXIT_OK
from cointrail.facts.findings import DEFAULT_HOPS, DEFAULT_MODEL
from cointrail.report import make_report

MODELS = ("poison", "haircut", "fifo")


def facts_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """``--db`` and ``--site``, shared by report, export and request-pack."""
    command = click.option("--site", "site", multiple=True, metavar="ADDR",
                           help="An address of the site (repeat). Default: the addresses the case's captures "
                                "found.")(command)  # fmt: skip
    return click.option("--db", "db", default=None, type=click.Path(dir_okay=False, path_type=Path),
                        help="The ledger store. Default: ledger.duckdb in the case's work folder, if there is "
                             "one.")(command)  # fmt: skip


@contextmanager
def working(message: str) -> Iterator[None]:
    """A spinner on standard error while long work runs (only on a terminal)."""
    if not stderr_is_terminal():
        yield
        return
    with Console(stderr=True).status(message):
        yield


def render_result(result: dict[str, Any]) -> str:
    """Plain text: the summary, then where the files are."""
    lines = [f"Report of case {result['case']}:", *[f"  {line}" for line in result["summary"]], ""]
    lines.append("Stored in the case:")
    for kind, item in result["files"].items():
        copy = f"  (copy: {item['copy']})" if item.get("copy") else ""
        lines.append(f"  {kind:<5} {item['path']}  sha256 {item['sha256'][:16]}…{copy}")
    lines.append(f"Collected in {result['collect_seconds']:.1f} s, rendered in {result['render_seconds']:.1f} s.")
    return "\n".join(lines)


@click.command("report")
@case_option
@facts_options
@click.option("--out", "out", default=None, type=click.Path(file_okay=False, path_type=Path),
              help="Also copy the report files into this folder.")
@click.option("--fiat", default=None, metavar="CODE",
              help="Fiat currency of the amounts (default: $COINTRAIL_FIAT, else USD).")
@click.option("--hops", default=DEFAULT_HOPS, show_default=True, type=click.IntRange(1, 50),
              help="How many hops to trace back (payers' funding) and forward (the site's money).")
@click.option("--model", default=DEFAULT_MODEL, show_default=True, type=click.Choice(MODELS),
              help="Taint model of the forward trace.")
@click.option("--no-pdf", is_flag=True, help="Write the HTML only (faster).")
@click.option("--no-index", is_flag=True,
              help="Leave out the index of every transaction and address (a long report prints a fifth faster).")
@click.option("--explorer", default=None, metavar="URL",
              help="Block explorer for the transaction exhibits' links, with {txid} where the id goes. "
                   "Default: $COINTRAIL_EXPLORER, else no links.")
@click.option("--role", default=None, metavar="TEXT", help="The preparer's role, for the expert's statement.")
@click.option("--instructions", default=None, metavar="TEXT",
              help="The instructions the preparer was given, for the expert's statement.")
@cases_dir_option
@operator_option
@json_option
def command(case_name: str, db: Path | None, site: tuple[str, ...], out: Path | None, fiat: str | None, hops: int,
            model: str, no_pdf: bool, no_index: bool, explorer: str | None, role: str | None, instructions: str | None,
            cases_dir: str | None, operator: str | None, as_json: bool) -> int:  # fmt: skip
    """Write the court-ready report of a case (HTML and PDF) and store it in the case.

    The report holds a one-page summary in plain words, the findings (payers of
    the site, where their money came from, where the site's money went, the
    exchanges to contact), a flow graph, the evidence with hashes, the custody
    log, the data sources and how to re-check every fact, and a methods
    appendix with the measured error rate of every heuristic used.
    """
    case = open_case(case_name, cases_dir, operator)
    with working("Writing the report…"):
        result = make_report(case, db, list(site) or None, out, pdf=not no_pdf, index=not no_index,
                             fiat=fiat_currency(fiat) or "USD",
                             hops=hops, model=model, explorer=explorer, role=role, instructions=instructions)
    for message in result["warnings"]:
        warn(message)
    emit(result, as_json, render_result)
    return EXIT_OK
