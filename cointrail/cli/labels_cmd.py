"""``cointrail labels``: read label files (TagPacks, the OFAC SDN list, CSV) and check them."""

from __future__ import annotations

import contextlib
from typing import Any

import click
from rich.console import Console

from cointrail.cli.output import emit, json_option, stderr_is_terminal
from cointrail.errors import EXIT_NEGATIVE, EXIT_OK
from cointrail.labels import IMPORTERS, load_labels


def _reading(file: str) -> contextlib.AbstractContextManager[object]:
    """A spinner on standard error while a large file (the OFAC advanced XML) is read, on a terminal only."""
    if not stderr_is_terminal():
        return contextlib.nullcontext()
    return Console(stderr=True).status(f"Reading and checking {file} …")


def _plural(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else many or one + 's'}"


def _counts_line(title: str, counts: dict[str, int]) -> str:
    return f"  {title}: " + (", ".join(f"{name} {n}" for name, n in counts.items()) or "none")


def render_check(data: dict[str, Any]) -> str:
    """Plain text for the result of ``labels check``."""
    lines = [
        f"{data['path']} ({data['format']}, SHA-256 {data['source_sha256']})",
        f"  {_plural(data['label_count'], 'label')} read, "
        f"{_plural(data['rejected_count'], 'entry', 'entries')} rejected",
        _counts_line("by category", data["by_category"]),
        _counts_line("by currency", data["by_currency"]),
    ]
    if data["rejected"]:
        lines.append("Rejected:")
        lines += [f"  ✗ {r['where']}: {r['value'] or '(no address)'}\n    {r['reason']}" for r in data["rejected"]]
    for label in data.get("labels", []):
        lines.append(f"  {label['address']}  {label['currency']}  {label['label']}  [{label['category'] or '-'}]")
    return "\n".join(lines)


@click.group("labels")
def command() -> None:
    """Attribution labels: GraphSense TagPacks, the OFAC SDN list, CSV."""


@command.command("check")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option(
    "--format", "format_", type=click.Choice(list(IMPORTERS)), help="The file's format (detected when left out)."
)
@click.option("--list", "with_labels", is_flag=True, help="Also list every label read.")
@json_option
def check(file: str, format_: str | None, with_labels: bool, as_json: bool) -> int:
    """Read a label FILE and report what it holds and every entry rejected, with why.

    Exit code 0 when every entry became a label, 1 when some were rejected.
    """
    with _reading(file):
        result = load_labels(file, format_)
    emit(result.summary(with_labels), as_json, render_check)
    return EXIT_OK if not result.rejected else EXIT_NEGATIVE
