"""The investigation workspace in the browser: ``cointrail serve``.

A thin client over the Python API: :func:`create_app` builds the FastAPI application over a
:class:`Workspace` (a cases folder, the operator, the case's ledger stores). Pages are rendered on
the server from the same plain data the CLI prints; the graph page draws with Cytoscape.js, bundled
and served by cointrail itself (no CDN, no request to any other host). Long work (payers, traces,
reports) runs as background jobs whose progress the page polls. Errors are translated in one place
(:mod:`cointrail.web.errors`); security (loopback by default, a token for any other bind, a strict
Content-Security-Policy) is in :mod:`cointrail.web.security`. See docs/web.md.
"""

from cointrail.web.app import create_app
from cointrail.web.security import Security
from cointrail.web.workspace import Workspace

__all__ = ["Security", "Workspace", "create_app"]
