"""The report facts document as a typed value: every fact of a case's report, one attribute per section.

:meth:`cointrail.investigation.Investigation.report_facts` answers with a :class:`ReportFacts`; the renderers (the
HTML and PDF report, the request packs, the exports) and the headline read its attributes. Its :meth:`to_json` is
the JSON-ready document kept in the case as the report's facts (hashed evidence: written with sorted keys, so the
kept file's bytes do not depend on the order of fields here), and :meth:`from_json` reads a kept one back, also one
an older version wrote without the sections added since (each then empty, as the renderers always took it).

Sections with a type of their own: :class:`CaseHeader` (``case``), :class:`SiteFacts` (``site``) and
:class:`Provenance` (``provenance``). The others are still the plain JSON values the facts package gathers
(docs/report.md names their fields); read-only by convention.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from cointrail.facts.assets import chain_of, symbol_of

__all__ = ["FACTS_FORMAT", "SECTIONS", "CaseHeader", "Provenance", "ReportFacts", "SiteFacts"]

FACTS_FORMAT = "cointrail-report-facts/1"

# The sections in the order the facts are collected (and a fresh document's JSON gives them).
SECTIONS = ("format", "generated_utc", "case", "site", "captures", "evidence", "records", "custody", "ledger",
            "findings", "methods", "provenance", "exhibits", "actions", "figures", "summary", "limitations",
            "statement")  # fmt: skip


@dataclass(frozen=True, slots=True)
class CaseHeader:
    """The case a report is of: its name, when and by whom it was opened, and who wrote the report."""

    name: str
    created_utc: str | None
    created_by: str | None
    reported_by: str | None

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> CaseHeader:
        return cls(data["name"], data.get("created_utc"), data.get("created_by"), data.get("reported_by"))

    def to_json(self) -> dict[str, str | None]:
        return {"name": self.name, "created_utc": self.created_utc, "created_by": self.created_by,
                "reported_by": self.reported_by}  # fmt: skip


@dataclass(frozen=True, slots=True)
class SiteFacts:
    """The site's addresses the report is about: ``given`` (by hand) or taken from the case's ``captures``, with a
    note on captured addresses left out (another chain's), None when none was."""

    addresses: tuple[str, ...]
    source: str  # "given" or "captures": the JSON's ``from``
    note: str | None

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> SiteFacts:
        return cls(tuple(data.get("addresses") or ()), data.get("from") or "given", data.get("note"))

    def to_json(self) -> dict[str, Any]:
        return {"addresses": list(self.addresses), "from": self.source, "note": self.note}


@dataclass(frozen=True, slots=True)
class Provenance:
    """What wrote the report: the tool and its version, Python, the platform, the libraries' versions, and the
    parameters of the run (the site, the store's file name, the fiat currency, hops, taint model, whether the
    findings were given, whether the report was printed with its index)."""

    tool: str
    python: str
    platform: str
    libraries: Mapping[str, str | None]
    parameters: Mapping[str, Any]

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Provenance:
        return cls(data["tool"], data.get("python") or "", data.get("platform") or "", data.get("libraries") or {},
                   data.get("parameters") or {})  # fmt: skip

    def to_json(self) -> dict[str, Any]:
        return {"tool": self.tool, "python": self.python, "platform": self.platform,
                "libraries": dict(self.libraries), "parameters": dict(self.parameters)}  # fmt: skip


@dataclass(frozen=True, slots=True)
class ReportFacts:
    """Every fact a case's report, its request packs and its exports are made of (docs/report.md)."""

    format: str
    generated_utc: str
    case: CaseHeader
    site: SiteFacts
    captures: list[dict[str, Any]]
    evidence: list[dict[str, Any]]
    records: list[dict[str, Any]]
    custody: dict[str, Any]
    ledger: dict[str, Any] | None
    findings: dict[str, Any]  # payers (PayersResult JSON or None), flows, exchanges, txids
    methods: dict[str, Any]
    provenance: Provenance
    exhibits: list[dict[str, Any]]
    actions: list[dict[str, Any]]
    figures: dict[str, Any]
    summary: list[str]
    limitations: list[dict[str, Any]]
    statement: dict[str, Any]
    # The sections as read, in their order (a kept file's are sorted), and any this version does not know (a newer
    # version's): written back as they came.
    order: tuple[str, ...] = SECTIONS
    unknown: Mapping[str, Any] = field(default_factory=dict)

    @property
    def chain(self) -> str | None:
        """The chain of the case's store (``litecoin``), else of the site's captured addresses; None if neither."""
        return chain_of(self.ledger, self.site.addresses, self.captures)

    @property
    def symbol(self) -> str:
        """The ticker of the case's coin (``LTC``), "coins" when no known chain is found."""
        return symbol_of(self.chain)

    @property
    def payers(self) -> dict[str, Any] | None:
        """The findings' payers (``PayersResult`` JSON, or an account chain's per asset), None without them."""
        found: dict[str, Any] | None = self.findings.get("payers")
        return found

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ReportFacts:
        """A facts document, fresh or kept; sections an older version did not write are empty."""
        return cls(
            data["format"], data["generated_utc"], CaseHeader.from_json(data["case"]),
            SiteFacts.from_json(data.get("site") or {}), data.get("captures") or [], data.get("evidence") or [],
            data.get("records") or [], data.get("custody") or {}, data.get("ledger"),
            data.get("findings") or {"payers": None, "flows": []}, data.get("methods") or {},
            Provenance.from_json(data["provenance"]), data.get("exhibits") or [], data.get("actions") or [],
            data.get("figures") or {}, data.get("summary") or [], data.get("limitations") or [],
            data.get("statement") or {}, tuple(data), {k: v for k, v in data.items() if k not in SECTIONS},
        )  # fmt: skip

    def section(self, name: str) -> Any:
        """One section as JSON, by its name in the document."""
        if name not in SECTIONS:
            return self.unknown[name]
        value = getattr(self, name)
        return value.to_json() if hasattr(value, "to_json") else value

    def to_json(self) -> dict[str, Any]:
        """The document as kept in the case: the sections it was read with, in their order."""
        return {name: self.section(name) for name in self.order}
