"""``cointrail export``: the findings of a case for partners (CSV, GraphML, STIX 2.1, TagPack, FollowTheMoney) and
reports for NCMEC, FIUs (goAML) and SAR filers."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from cointrail.cases import open_case
from cointrail.cli.case_cmd import case_option, cases_dir_option, operator_option
from cointrail.cli.output import emit, json_option
from cointrail.cli.report_cmd import facts_options, working
from cointrail.errors import EXIT_OK
from cointrail.exports import EXPORTERS
from cointrail.exports.goaml_profiles import load_profile
from cointrail.exports.write import written
from cointrail.investigation import Investigation


def render_written(result: dict[str, Any]) -> str:
    return (f"Wrote the {result['format']} export of case {result['case']} to {result['out']} "
            f"({result['bytes']:,} bytes, sha256 {result['sha256'][:16]}…); logged in the case's custody log.")


@click.command("export")
@case_option
@click.option("--format", "fmt", required=True, type=click.Choice(list(EXPORTERS)),
              help="; ".join(f"{name}: {e.help}" for name, e in EXPORTERS.items()))
@click.option("--out", "out", default=None, type=click.Path(dir_okay=False, path_type=Path),
              help="File to write. Default: standard output.")
@click.option("--profile", "profile", default=None, type=click.Path(dir_okay=False, exists=True, path_type=Path),
              help="goaml: the FIU's settings profile (TOML: schema version, currency, codes, indicators). "
                   "Amounts are priced in its currency from the ledger store's prices. "
                   "Default: the generic goAML 5.0.1 profile (USD).")
@click.option("--trafficking", is_flag=True, default=False,
              help="sar-sheet: the case involves human trafficking (adds FIN-2020-A008's key term and box).")
@facts_options
@cases_dir_option
@operator_option
@json_option
def command(case_name: str, fmt: str, out: Path | None, profile: Path | None, trafficking: bool, db: Path | None,
            site: tuple[str, ...], cases_dir: str | None, operator: str | None, as_json: bool) -> int:  # fmt: skip
    """Export the findings of a case for partners, in one of the formats.

    The findings are those of the case's latest report (cointrail report);
    with --db or --site they are collected afresh. Each export written to a
    file is recorded in the custody log with its SHA-256.
    """
    case = open_case(case_name, cases_dir, operator)
    chosen = load_profile(profile) if profile else None
    # Lazily: the latest report's facts need no store (a watch run may be writing it meanwhile).
    with working("Exporting…"), Investigation.open(case, db, lazy=True) as investigation:
        text = investigation.export(fmt, site=list(site) or None, latest=db is None, profile=chosen,
                                    trafficking=trafficking)  # fmt: skip
    result = written(case, fmt, text, out)
    if out is None:
        emit({**result, "content": text}, as_json, lambda r: r["content"].rstrip("\n"))
        return EXIT_OK
    emit(result, as_json, render_written)
    return EXIT_OK
