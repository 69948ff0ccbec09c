"""The ``cointrail`` command line: a thin layer over the Python API.

Each command lives in its own module in this package and is registered, by
name, in :data:`COMMANDS`. Errors are translated here, in one place, into one
sentence and an exit code (see :mod:`cointrail.errors`); a traceback is never
shown to the user, it goes to a crash log instead.
"""

from __future__ import annotations

import importlib
import sys

import click

from cointrail import __version__
from cointrail.errors import EXIT_INTERNAL, EXIT_USAGE, CointrailError, write_crash_log

# Every command, by name, and the module of this package that defines it as
# ``command``. Modules are imported only when their command runs (or a help
# page lists it), so starting cointrail does not load DuckDB, NumPy or Chromium
# drivers for a command that needs none of them. The order is the help's order.
COMMANDS: dict[str, str] = {
    "demo": "cointrail.cli.demo_cmd",
    "address": "cointrail.cli.address_cmd",
    "extract": "cointrail.cli.extract_cmd",
    "case": "cointrail.cli.case_cmd",
    "capture": "cointrail.cli.capture_cmd",
    "import-warc": "cointrail.cli.import_warc_cmd",
    "verify": "cointrail.cli.verify_cmd",
    "ingest": "cointrail.cli.ingest_cmd",
    "address-info": "cointrail.cli.address_info_cmd",
    "tx": "cointrail.cli.tx_cmd",
    "block": "cointrail.cli.block_cmd",
    "store": "cointrail.cli.store_cmd",
    "labels": "cointrail.cli.labels_cmd",
    "label": "cointrail.cli.label_cmd",
    "cluster": "cointrail.cli.cluster_cmd",
    "services": "cointrail.cli.services_cmd",
    "trace": "cointrail.cli.trace_cmd",
    "payers": "cointrail.cli.payers_cmd",
    "prices": "cointrail.cli.prices_cmd",
    "report": "cointrail.cli.report_cmd",
    "export": "cointrail.cli.export_cmd",
    "request-pack": "cointrail.cli.request_pack_cmd",
    "watch": "cointrail.cli.watch_cmd",
    "serve": "cointrail.cli.serve_cmd",
}


class LazyGroup(click.Group):
    """A command group that imports each command's module on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        module_name = COMMANDS.get(cmd_name)
        if module_name is None:
            return None
        command: click.Command = importlib.import_module(module_name).command
        return command


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="cointrail")
def cli() -> None:
    """cointrail: follow the money in child-exploitation and trafficking cases.

    Run a command with --help to see what it does. Every command accepts --json
    for machine-readable output. Exit codes: 0 ok, 1 the answer is "no"
    (e.g. an address is invalid), 2 bad input, 3 an outside service failed,
    4 an internal error.
    """


def build_cli() -> click.Group:
    """Return the command group (commands are loaded when used)."""
    return cli


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
        path = write_crash_log("", f"cointrail {__version__}, argv={sys.argv!r}")
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
