"""Rendering the facts to HTML (Jinja2) and PDF (WeasyPrint)."""

from __future__ import annotations

import base64
import contextlib
import io
import logging
from typing import Any

import jinja2

from cointrail.amounts import coin_number, unit_of
from cointrail.errors import CointrailError
from cointrail.facts.assets import row_text
from cointrail.facts.document import ReportFacts
from cointrail.facts.findings import utc_text
from cointrail.prices.pegs import peg_note
from cointrail.report.graph import flow_graph, flow_svg
from cointrail.report.layout import ReportIndex, for_print, when, wrap
from cointrail.report.paging import render_in_parts
from cointrail.report.request_pack import NO_PRICE
from cointrail.wording import counted


def _coin(chain: str | None) -> Any:
    """Amounts in the chain's coin through the one formatter of the CLI and the web (cointrail.amounts)."""

    def coin(amount: int | None) -> str:
        return "" if amount is None else coin_number(amount, chain)

    return coin


def _money(value: dict[str, Any] | None) -> str:
    """A fiat value as a table cell (``12.50 USD``, ``12.50 USD (peg)`` where it rests on a stablecoin's stated
    peg), "no price" without one: the one wording of every table, both chain families, and of the request packs."""
    if not value or value.get("value") is None:
        return NO_PRICE
    return f"{value['value']:,.2f} {value['currency']}{' (peg)' if value.get('peg') else ''}"


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.PackageLoader("cointrail.report", "templates"),
                             autoescape=jinja2.select_autoescape(["html", "j2"]), undefined=jinja2.StrictUndefined)
    env.globals.update(money=_money, peg_note=peg_note, utc=utc_text, wrap=wrap, when=when, counted=counted)
    return env


def graph_svg(facts: ReportFacts) -> str:
    """The flow graph of the findings as an SVG document."""
    return flow_svg(flow_graph(facts.payers, facts.findings["flows"]))


def render_html(facts: ReportFacts, facts_sha256: str, index: bool = True) -> str:
    """The report as one self-contained HTML page (the graph is embedded); ``index`` false leaves out the index of
    every txid and address at its end, and the anchors in the body it points to (``cointrail report --no-index``:
    a 400-payment report prints about a fifth faster)."""
    svg = base64.b64encode(graph_svg(facts).encode("utf-8")).decode("ascii")
    template = _environment().get_template("report.html.j2")
    chain = (facts.ledger or {}).get("chain")
    unit = unit_of(chain).symbol if chain else facts.symbol  # no ledger: findings given by hand, unit from captures
    marks = ReportIndex(facts.exhibits, marks=index)  # filled as the template writes each name
    return template.render(f=facts, facts_sha256=facts_sha256, graph_svg_b64=svg, unit=unit, coin=_coin(chain),
                           amount_of=lambda row, key: row_text(row, key, chain), ix=marks,
                           with_index=index)  # fmt: skip


class PdfUnavailable(CointrailError):
    """WeasyPrint cannot run here: Debian's pango libraries are missing."""


def render_pdf(html: str) -> bytes:
    """The HTML report printed to PDF by WeasyPrint (offline: the page links to nothing outside)."""
    try:
        # WeasyPrint prints its own help to stdout when a library is missing, which would break --json's
        # one document there: it is kept off stdout, and the error below says what to do instead.
        with contextlib.redirect_stdout(io.StringIO()):
            import weasyprint  # imported here: it loads pango, which the other commands do not need
    except OSError as error:  # cffi could not load libpango / libpangoft2
        raise PdfUnavailable(
            f"the PDF cannot be written because WeasyPrint cannot load pango ({str(error).splitlines()[0]}); "
            "install Debian's libpango-1.0-0 and libpangoft2-1.0-0 (scripts/system-deps.sh does)") from None

    for name in ("weasyprint", "fontTools"):  # their font-subsetting chatter is not for the user
        logging.getLogger(name).setLevel(logging.ERROR)
    printed = for_print(html)
    try:
        document = render_in_parts(weasyprint, printed)  # the page references from one layout (report/paging.py)
    except (AttributeError, TypeError):  # a WeasyPrint whose page boxes are not as paging.py knows them
        document = None
    if document is None:  # not the report's parts: WeasyPrint fills the references itself
        document = weasyprint.HTML(string=printed, base_url=None).render()
    pdf = document.write_pdf()
    assert pdf is not None
    return bytes(pdf)
