"""``cointrail demo``: the demo investigation on bundled, harmless sample data."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from cointrail.cli.capture_cmd import render_capture
from cointrail.cli.output import emit, json_option
from cointrail.errors import EXIT_NEGATIVE, EXIT_OK


def _step(number: int, title: str) -> str:
    return f"\n── Step {number}: {title} " + "─" * max(0, 60 - len(title))


def _render_checks(checks: list[dict[str, Any]]) -> list[str]:
    lines = []
    for item in checks:
        mark = "✓" if item["valid"] else "✗"
        lines.append(f"  {mark} {item['normalized'] or item['input']}: {', '.join(item['chains'])} "
                     f"({item['network']}, {item['type']})")
        lines += [f"      {note}" for note in item["notes"]]
    return lines


def render_demo(result: dict[str, Any]) -> str:
    """The demo's story, step by step, for people."""
    capture, verification, tamper = result["capture"], result["verification"], result["tamper_test"]
    lines = ["cointrail demo: a fictitious subscription site takes payment in crypto.",
             "We preserve its payment page as evidence before it disappears, then check what we found.",
             _step(1, "capture the site as evidence"), render_capture(capture["summary"]),
             _step(2, "check every address with its currency's rules"), *_render_checks(result["address_checks"]),
             _step(3, "verify the evidence and the custody log")]
    state = "intact" if verification["intact"] else "NOT intact"
    lines.append(f"  Case {verification['case']}: {verification['files_checked']} evidence file(s) and "
                 f"{verification['log_entries']} custody-log entries re-checked: {state}.")
    lines.append(_step(4, "show that tampering is caught"))
    caught = "caught" if tamper["caught"] else "NOT caught"
    lines.append(f"  One byte of {tamper['tampered_file']} changed in a copy of the case: {caught} by verify.")
    lines.append(f"\nEverything is in {result['workdir']} (case folder: {capture['case_folder']}).")
    return "\n".join(lines)


@click.command("demo")
@click.option("--workdir", type=click.Path(file_okay=False, path_type=Path),
              help="Folder for the demo's case and files (default: a new temporary folder).")
@json_option
def command(workdir: Path | None, as_json: bool) -> int:
    """Run the demo investigation on bundled, harmless sample data (offline)."""
    from cointrail.demo import run_demo

    def say(message: str) -> None:
        click.echo(f"  … {message}", err=True)

    result = run_demo(workdir, progress=None if as_json else say)
    emit(result, as_json, render_demo)
    ok = result["verification"]["intact"] and result["tamper_test"]["caught"]
    return EXIT_OK if ok else EXIT_NEGATIVE
