"""The Jinja2 templates of the workspace and the filters they share (amounts, times, the glossary).

Autoescaping is on for every template: text from a ledger, a label or a captured page is always
escaped; only :func:`cointrail.web.glossary.gloss` adds links, to text it escaped itself.
"""

from __future__ import annotations

from pathlib import Path

from fastapi.templating import Jinja2Templates
from jinja2 import pass_context
from jinja2.runtime import Context

from cointrail import __version__
from cointrail.addresses.glossary import describe_type
from cointrail.amounts import coin_number
from cointrail.graph import ROLES
from cointrail.times import utc_iso
from cointrail.web.glossary import TERMS, gloss, term
from cointrail.wording import counted

HERE = Path(__file__).resolve().parent
VENDOR = HERE / "static" / "vendor"
GRAPH_BUNDLE = VENDOR / "cytoscape.min.js"


@pass_context
def coins(context: Context, value: int | None) -> str:
    """Base units of the page's ``chain`` as coins (``0.25``), through :mod:`cointrail.amounts`, the one formatter
    of every text view (8 decimals on a page of no chain yet)."""
    return "—" if value is None else coin_number(value, context.get("chain"))


def utc(value: int | float | None) -> str:
    """Unix seconds as UTC ISO 8601 (``2026-12-01T10:15:00Z``), through :mod:`cointrail.times`."""
    return utc_iso(value)


def templates() -> Jinja2Templates:
    """The workspace's templates with their filters and globals."""
    found = Jinja2Templates(directory=str(HERE / "templates"))
    env = found.env
    env.filters.update(coins=coins, utc=utc, gloss=gloss, type_words=describe_type)
    env.globals.update(term=term, glossary=TERMS, roles=ROLES, version=__version__, counted=counted,
                       graph_bundle_present=GRAPH_BUNDLE.is_file)  # fmt: skip
    return found
