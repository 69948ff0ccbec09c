"""``cointrail import-warc``: take a WARC from another tool into a case."""

from __future__ import annotations

from typing import Any

import click

from cointrail.capture import import_warc
from cointrail.cases import open_case
from cointrail.cli.capture_cmd import render_addresses
from cointrail.cli.case_cmd import case_option, cases_dir_option, operator_option
from cointrail.cli.output import emit, json_option
from cointrail.errors import EXIT_OK
from cointrail.wording import counted


def render_import(result: dict[str, Any]) -> str:
    lines = [f"Imported {result['source']} into case {result['case']} (operator {result['operator']}).",
             f"  stored as {result['warc']['path']}  sha256 {result['warc']['sha256']}",
             f"  {counted(result['records'], 'record')}; {result['records_searched']} searched; "
             f"{counted(result['media_records_skipped'], 'media record')} skipped unopened"]
    lines += render_addresses(result["addresses"], result["findings"])
    lines += [f"  warning: {w}" for w in result["warnings"]]
    lines.append(f"  findings: {result['findings_file']['path']} (logged in the custody log)")
    return "\n".join(lines)


@click.command("import-warc")
@click.argument("warc_file", type=click.Path(dir_okay=False))
@case_option
@cases_dir_option
@operator_option
@json_option
def command(warc_file: str, case_name: str, cases_dir: str | None, operator: str | None, as_json: bool) -> int:
    """Copy WARC_FILE (from a crawler or another tool) into a case and find its addresses."""
    result = import_warc(open_case(case_name, cases_dir, operator), warc_file)
    emit(result, as_json, render_import)
    return EXIT_OK
