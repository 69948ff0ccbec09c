"""Rendering of command results: JSON for machines, plain text for people.

A command computes plain data (dicts, lists, strings, numbers) through the
Python API and hands it to :func:`emit` together with a text renderer; it never
prints on its own. ``--json`` output is exactly that data, so the JSON fields
are the API's fields.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from typing import Any

import click


def json_option(command: Callable[..., Any]) -> Callable[..., Any]:
    """Add the ``--json`` flag every cointrail command has."""
    return click.option(
        "--json", "as_json", is_flag=True, help="Print machine-readable JSON instead of text."
    )(command)


def emit(data: Any, as_json: bool, render_text: Callable[[Any], str]) -> None:
    """Print ``data`` as JSON or through ``render_text``, to standard output."""
    if as_json:
        click.echo(json.dumps(data, indent=2, ensure_ascii=False, sort_keys=False))
    else:
        click.echo(render_text(data))


def warn(message: str) -> None:
    """Write a warning for people to standard error, never to standard output."""
    click.echo(f"warning: {message}", err=True)


def stderr_is_terminal() -> bool:
    """Whether progress bars make sense (they go to standard error)."""
    return sys.stderr.isatty()
