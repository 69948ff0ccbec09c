"""``cointrail serve``: the investigation workspace in the browser (loopback only unless given a token)."""

from __future__ import annotations

import click

from cointrail.cli.case_cmd import cases_dir_option, operator_option
from cointrail.errors import EXIT_OK, InputError

DEFAULT_PORT = 8765


def address_line(host: str, port: int, case: str | None, token: str | None) -> str:
    """The address to open, with the first-visit token when there is one."""
    shown = f"[{host}]" if ":" in host else host
    path = f"/cases/{case}" if case else "/"
    return f"http://{shown}:{port}{path}" + (f"?token={token}" if token else "")


@click.command("serve")
@click.option("--case", "case_name", default=None, metavar="NAME", help="Open this case first.")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on. Anything but loopback requires the access token printed at start.")
@click.option("--port", type=click.IntRange(0, 65535), default=DEFAULT_PORT, show_default=True,
              help="Port to listen on (0: any free port).")
@click.option("--token", default=None, metavar="TEXT",
              help="Use this access token instead of a generated one (also required on loopback when given).")
@cases_dir_option
@operator_option
def command(case_name: str | None, host: str, port: int, token: str | None, cases_dir: str | None,
            operator: str | None) -> int:  # fmt: skip
    """Start the investigation workspace in the browser, on this computer.

    Cases, their evidence and custody log; addresses and wallets with their
    labels and why; the flow graph; payers, traces, the report and exports.
    Every script and style is served by cointrail itself: the browser makes no
    request to any other host. Stop it with Ctrl-C.
    """
    import uvicorn

    from cointrail.web import Security, Workspace, create_app
    from cointrail.web.server import free_port, port_in_use
    from cointrail.web.templating import GRAPH_BUNDLE

    workspace = Workspace(cases_dir, operator, case_name)
    if port and port_in_use(host, port):
        raise InputError(f"port {port} of {host} is in use (another workspace?): give another with --port, "
                         "or --port 0 for any free one")  # fmt: skip
    port = port or free_port(host)
    security = Security.for_bind(host, port, token)
    # Set up uvicorn (its logging included) before saying where to go: a Ctrl-C pressed as soon as the address
    # shows then stops a server, instead of breaking logging's setup midway (an internal error, issue 13).
    server = uvicorn.Server(uvicorn.Config(create_app(workspace, security), host=host, port=port, log_level="warning"))
    click.echo(f"cointrail workspace over the cases in {workspace.root}")
    if not GRAPH_BUNDLE.is_file():
        click.echo("warning: the graph library is not built, so the graph page cannot draw; run scripts/web-assets.sh",
                   err=True)  # fmt: skip
    if security.token:
        click.echo(f"Access token (every request must carry it): {security.token}")
    click.echo(f"Open {address_line(host, port, case_name, security.token)}  (Ctrl-C stops it)")
    server.run()
    return EXIT_OK
