"""``cointrail case``: open, list and show case folders."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

from cointrail.cases import create_case, list_cases, open_case
from cointrail.cases.settings import CASES_DIR, OPERATOR
from cointrail.cli.output import emit, json_option
from cointrail.errors import EXIT_OK
from cointrail.wording import counted


def cases_dir_option(command: Callable[..., Any]) -> Callable[..., Any]:
    """``--cases-dir``, shared by every command that works on a case."""
    return click.option("--cases-dir", default=None, metavar="DIR",
                        help=f"{CASES_DIR.help} Default: ${CASES_DIR.env}, else ./{CASES_DIR.default}.")(command)


def operator_option(command: Callable[..., Any]) -> Callable[..., Any]:
    """``--operator``, the person recorded in the custody log."""
    return click.option("--operator", default=None, metavar="WHO",
                        help=f"{OPERATOR.help} Default: ${OPERATOR.env}, else the system user.")(command)


def case_option(command: Callable[..., Any]) -> Callable[..., Any]:
    """``--case NAME``, required by capture, import-warc and verify."""
    return click.option("--case", "case_name", required=True, metavar="NAME", help="The case to work in.")(command)


def render_case(info: dict[str, Any]) -> str:
    """Plain text for one case and its custody log."""
    lines = [f"Case {info['name']}  ({info['folder']})",
             f"  opened {info['created_utc']} by {info['created_by']}",
             f"  {counted(info['evidence_files'], 'evidence file')}, "
             f"{counted(info['log_entries'], 'custody-log entry', 'custody-log entries')}"]
    for entry in info["log"]:
        digest = f"  sha256 {entry['sha256'][:16]}…" if entry["sha256"] else ""
        lines.append(f"  #{entry['seq']:<3} {entry['time_utc']}  {entry['operator']}: {entry['action']} "
                     f"{entry['object']}{digest}")
    return "\n".join(lines)


def render_list(cases: list[dict[str, Any]]) -> str:
    if not cases:
        return "No cases yet. Open one with `cointrail case new NAME`."
    return "\n".join(f"{c['name']:<24} DAMAGED: {c['damaged']}" if c.get("damaged") else
                     f"{c['name']:<24} opened {c['created_utc']} by {c['created_by']}" for c in cases)  # fmt: skip


@click.group("case")
def command() -> None:
    """Open, list and show cases (folders of evidence with a custody log)."""


@command.command("new")
@click.argument("name")
@cases_dir_option
@operator_option
@json_option
def new(name: str, cases_dir: str | None, operator: str | None, as_json: bool) -> int:
    """Open a new case NAME: a folder with its evidence and custody log."""
    case = create_case(name, cases_dir, operator)
    emit(case.summary(), as_json, lambda info: render_case(info) + "\nCase opened.")
    return EXIT_OK


@command.command("list")
@cases_dir_option
@json_option
def list_(cases_dir: str | None, as_json: bool) -> int:
    """List the cases in the cases folder."""
    emit(list_cases(cases_dir), as_json, render_list)
    return EXIT_OK


@command.command("show")
@click.argument("name")
@cases_dir_option
@json_option
def show(name: str, cases_dir: str | None, as_json: bool) -> int:
    """Show a case and its custody log."""
    emit(open_case(name, cases_dir).summary(), as_json, render_case)
    return EXIT_OK
