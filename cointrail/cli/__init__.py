"""The ``cointrail`` command line: a thin layer over the Python API.

Each command lives in its own module in this package and is registered in
:data:`COMMAND_MODULES`. Errors are translated here, in one place, into one
sentence and an exit code (see :mod:`cointrail.errors`); a traceback is never
shown to the user, it goes to a crash log instead.
"""

from __future__ import annotations

import datetime as _dt
import importlib
import os
import sys
import tempfile
import traceback

import click

from cointrail import __version__
from cointrail.errors import EXIT_INTERNAL, EXIT_USAGE, CointrailError

# Modules of this package that define a ``command`` (a click command or group).
# Imported lazily in :func:`build_cli` so one slow import does not slow them all.
COMMAND_MODULES = (
    "cointrail.cli.address_cmd",
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="cointrail")
def cli() -> None:
    """cointrail: follow the money in child-exploitation and trafficking cases.

    Run a command with --help to see what it does. Every command accepts --json
    for machine-readable output. Exit codes: 0 ok, 1 the answer is "no"
    (e.g. an address is invalid), 2 bad input, 3 an outside service failed,
    4 an internal error.
    """


def build_cli() -> click.Group:
    """Return the command group with every command registered."""
    for module_name in COMMAND_MODULES:
        module = importlib.import_module(module_name)
        if module.command.name not in cli.commands:
            cli.add_command(module.command)
    return cli


def _write_crash_log() -> str:
    stamp = _dt.datetime.now(_dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    fd, path = tempfile.mkstemp(prefix=f"cointrail-crash-{stamp}-", suffix=".log")
    with os.fdopen(fd, "w") as log:
        log.write(f"cointrail {__version__}, argv={sys.argv!r}\n")
        log.write(traceback.format_exc())
    return path


def main(argv: list[str] | None = None) -> int:
    """Entry point of the console script; returns the process exit code."""
    group = build_cli()
    try:
        result = group.main(args=argv, prog_name="cointrail", standalone_mode=False)
    except CointrailError as error:
        click.echo(f"error: {error}", err=True)
        return error.exit_code
    except click.exceptions.Abort:
        click.echo("Interrupted.", err=True)
        return 130
    except click.exceptions.Exit as done:
        return done.exit_code
    except click.ClickException as error:
        error.show()
        return EXIT_USAGE if isinstance(error, click.UsageError) else error.exit_code
    except Exception as error:  # noqa: BLE001 - the one place bugs are caught
        path = _write_crash_log()
        click.echo(
            f"internal error: {type(error).__name__}: {error}. This is a bug in cointrail; "
            f"the details are in {path}.",
            err=True,
        )
        return EXIT_INTERNAL
    return result if isinstance(result, int) else 0


def run() -> None:
    """Console-script wrapper: exit with :func:`main`'s code."""
    sys.exit(main())
