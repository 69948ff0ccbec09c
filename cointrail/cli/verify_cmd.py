"""``cointrail verify``: re-check a case's evidence files and custody log."""

from __future__ import annotations

from typing import Any

import click

from cointrail.cases import open_case, verify_case
from cointrail.cli.case_cmd import case_option, cases_dir_option, operator_option
from cointrail.cli.output import emit, json_option
from cointrail.errors import EXIT_NEGATIVE, EXIT_OK
from cointrail.wording import counted


def render_report(report: dict[str, Any]) -> str:
    """Plain text for a verification report."""
    if report["intact"]:
        return (f"✓ Case {report['case']} is intact: {counted(report['files_checked'], 'evidence file')} "
                f"{'matches its' if report['files_checked'] == 1 else 'match their'} recorded SHA-256 and all "
                f"{report['log_entries']} custody-log entries link up.\n"
                f"  This check is logged as entry {report['logged_as']}.")
    lines = [f"✗ Case {report['case']} is NOT intact:"]
    lines += [f"  changed: {c['file']} (recorded {c['recorded_sha256'][:16]}…, now {c['actual_sha256'][:16]}…)"
              for c in report["changed"]]
    lines += [f"  missing: {path} (in the log, not on disk)" for path in report["missing"]]
    lines += [f"  added:   {path} (on disk, never logged)" for path in report["added"]]
    lines += [f"  log:     {problem}" for problem in report["log_problems"]]
    lines.append("  The case was left exactly as found; nothing was written to it.")
    return "\n".join(lines)


@click.command("verify")
@case_option
@cases_dir_option
@operator_option
@json_option
def command(case_name: str, cases_dir: str | None, operator: str | None, as_json: bool) -> int:
    """Re-hash every evidence file of a case and re-check its custody log.

    Exit code 0 only when everything is intact; 1 when any file was changed,
    is missing or was added, or any log entry was altered, removed or moved.
    """
    report = verify_case(open_case(case_name, cases_dir, operator)).to_dict()
    emit(report, as_json, render_report)
    return EXIT_OK if report["intact"] else EXIT_NEGATIVE
