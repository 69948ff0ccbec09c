"""Exports of a case's findings for partners: CSV, GraphML, STIX 2.1, GraphSense TagPack, FollowTheMoney; and
reports to the bodies that act: NCMEC's CyberTipline (XML and a web-form paste sheet), goAML STR, a FinCEN SAR
field sheet (issue 18).

Every exporter takes the report facts (:func:`cointrail.facts.collect_facts`,
the same data the report is rendered from) and returns the file's text; a few
take options (:attr:`Exporter.options`: the goAML ``profile`` and ``prices`` in its
currency, the SAR sheet's ``trafficking``).
Exporters are registered in :data:`EXPORTERS` by the name ``--format`` takes;
the mappings are documented in docs/exports.md.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from cointrail.errors import InputError
from cointrail.exports.cybertip import export_cybertip, export_cybertip_sheet
from cointrail.exports.ftm import export_ftm
from cointrail.exports.goaml import export_goaml
from cointrail.exports.graphml import export_graphml
from cointrail.exports.sar import export_sar_sheet
from cointrail.exports.stix import export_stix
from cointrail.exports.table import export_csv
from cointrail.exports.tagpack import export_tagpack
from cointrail.facts.document import ReportFacts


@dataclass(frozen=True)
class Exporter:
    """One export format: the function writing it, the file suffix, what it is for, the options it takes."""

    write: Callable[..., str]
    suffix: str
    help: str
    options: tuple[str, ...] = ()


EXPORTERS: dict[str, Exporter] = {
    "csv": Exporter(export_csv, ".csv", "one row per transaction of the findings (Maltego, i2, spreadsheets)"),
    "graphml": Exporter(export_graphml, ".graphml", "the flow graph (Maltego, Gephi, yEd, networkx)"),
    "stix": Exporter(export_stix, ".stix.json", "a STIX 2.1 bundle with cryptocurrency wallet and transaction SCOs"),
    "tagpack": Exporter(export_tagpack, ".tagpack.yaml", "a GraphSense TagPack of the site's addresses"),
    "ftm": Exporter(export_ftm, ".ftm.json", "FollowTheMoney entities, one JSON object a line (Aleph)"),
    "cybertip": Exporter(export_cybertip, ".cybertip.xml", "an NCMEC CyberTipline report (XML; no media)"),
    "cybertip-sheet": Exporter(export_cybertip_sheet, ".cybertip.txt",
                               "a paste sheet for NCMEC's public CyberTipline web form"),
    "goaml": Exporter(export_goaml, ".goaml.xml", "a goAML suspicious transaction report for an FIU (--profile)",
                      ("profile", "prices")),
    "sar-sheet": Exporter(export_sar_sheet, ".sar.txt", "a FinCEN SAR field sheet (--trafficking)",
                          ("trafficking",)),
}


def export(facts: ReportFacts, format: str, **options: Any) -> str:  # noqa: A002 - the CLI's word
    """The text of ``facts`` exported in ``format`` (a key of :data:`EXPORTERS`); ``options`` set to None are
    left out, and one the format does not take is refused."""
    if format not in EXPORTERS:
        raise InputError(f"unknown export format {format!r}; cointrail writes {', '.join(EXPORTERS)}")
    exporter = EXPORTERS[format]
    given = {name: value for name, value in options.items() if value is not None}
    extra = set(given) - set(exporter.options)
    if extra:
        raise InputError(f"the {format} export takes no {', '.join(sorted(extra))}")
    return exporter.write(facts, **given)


__all__ = ["EXPORTERS", "Exporter", "export", "export_csv", "export_cybertip", "export_cybertip_sheet", "export_ftm",
           "export_goaml", "export_graphml", "export_sar_sheet", "export_stix", "export_tagpack"]  # fmt: skip
