"""Exports of a case's findings for partners: CSV, GraphML, STIX 2.1, GraphSense TagPack, FollowTheMoney.

Every exporter takes the report facts (:func:`cointrail.report.collect_facts`,
the same data the report is rendered from) and returns the file's text.
Exporters are registered in :data:`EXPORTERS` by the name ``--format`` takes;
the mappings are documented in docs/exports.md.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from cointrail.errors import InputError
from cointrail.exports.ftm import export_ftm
from cointrail.exports.graphml import export_graphml
from cointrail.exports.stix import export_stix
from cointrail.exports.table import export_csv
from cointrail.exports.tagpack import export_tagpack


@dataclass(frozen=True)
class Exporter:
    """One export format: the function writing it, the file suffix, and what it is for."""

    write: Callable[[dict[str, Any]], str]
    suffix: str
    help: str


EXPORTERS: dict[str, Exporter] = {
    "csv": Exporter(export_csv, ".csv", "one row per transaction of the findings (Maltego, i2, spreadsheets)"),
    "graphml": Exporter(export_graphml, ".graphml", "the flow graph (Maltego, Gephi, yEd, networkx)"),
    "stix": Exporter(export_stix, ".stix.json", "a STIX 2.1 bundle with cryptocurrency wallet and transaction SCOs"),
    "tagpack": Exporter(export_tagpack, ".tagpack.yaml", "a GraphSense TagPack of the site's addresses"),
    "ftm": Exporter(export_ftm, ".ftm.json", "FollowTheMoney entities, one JSON object a line (Aleph)"),
}


def export(facts: dict[str, Any], format: str) -> str:  # noqa: A002 - the CLI's word
    """The text of ``facts`` exported in ``format`` (a key of :data:`EXPORTERS`)."""
    if format not in EXPORTERS:
        raise InputError(f"unknown export format {format!r}; cointrail writes {', '.join(EXPORTERS)}")
    return EXPORTERS[format].write(facts)


__all__ = ["EXPORTERS", "Exporter", "export", "export_csv", "export_ftm", "export_graphml", "export_stix",
           "export_tagpack"]  # fmt: skip
