"""NCMEC CyberTipline: a report XML for registered reporters, and a paste sheet for NCMEC's public web form.

The CyberTipline Reporting API schema (root ``report``, no namespace) has no element for cryptocurrency, so the
tip is a **web page incident** (the site's URL) whose ``additionalInfo`` holds the findings as one fixed, readable
block (:func:`cointrail.exports.reportable.findings_block`): site addresses, payments, paying wallets, funding
exchanges with the withdrawal txids, deposits, red flags, how to re-check. The report's own ``additionalInfo`` says
what the tip is and what it is not. Never any media: a tip from cointrail carries no file, and nothing is uploaded;
the reporter submits it (docs/exports.md, issue 18).
"""

from __future__ import annotations

from lxml import etree

from cointrail.exports.reportable import Reportable, findings_block, reportable
from cointrail.facts.document import ReportFacts
from cointrail.times import utc_iso

INCIDENT_TYPE = "Child Pornography (possession, manufacture, and distribution)"  # the schema's incidentType value
NOTE = ("This tip was prepared with cointrail from public blockchain data and a capture of the web page. It carries "
        "no images or videos, and no media was downloaded on purpose. Wallets, transactions and exchanges are in the "
        "web page incident's additional information; a paying wallet is not a person.")  # fmt: skip


def _sub(parent: etree._Element, tag: str, text: str | None = None) -> etree._Element:
    child = etree.SubElement(parent, tag)
    if text is not None:
        child.text = text
    return child


def _when(r: Reportable) -> tuple[str, str]:
    """The incident's time (first capture of the page, else the first payment) and what that time is."""
    if r.seen_utc:
        return r.seen_utc, "the time the page was captured (UTC); payment times are in the additional information"
    first = next((p.time for p in r.payments if p.time), None)
    return utc_iso(first, missing=r.generated_utc), "the block time of the first payment to the site (UTC)"


def _reporter(parent: etree._Element, name: str | None) -> None:
    person = _sub(_sub(parent, "reporter"), "reportingPerson")
    first, _, last = (name or "").rpartition(" ")
    if first:
        _sub(person, "firstName", first)
    if last:
        _sub(person, "lastName", last)


def tip_tree(r: Reportable) -> etree._Element:
    """The ``report`` element of a CyberTipline report of the findings."""
    root = etree.Element("report")
    summary = _sub(root, "incidentSummary")
    _sub(summary, "incidentType", INCIDENT_TYPE)
    when, what = _when(r)
    _sub(summary, "incidentDateTime", when)
    _sub(summary, "incidentDateTimeDescription", what)
    page = _sub(_sub(root, "internetDetails"), "webPageIncident")
    for url in r.urls:
        _sub(page, "url", url)
    _sub(page, "additionalInfo", findings_block(r))
    _reporter(root, r.reported_by)
    _sub(root, "additionalInfo", NOTE)
    return root


def export_cybertip(facts: ReportFacts) -> str:
    """The CyberTipline report XML (valid against NCMEC's schema)."""
    tree = tip_tree(reportable(facts))
    return etree.tostring(tree, xml_declaration=True, encoding="UTF-8", pretty_print=True).decode("utf-8")


# The public web form's sections, in its order (report.cybertip.org): what to type in each, from the findings.
def _sheet_sections(r: Reportable) -> list[tuple[str, list[str]]]:
    when, what = _when(r)
    return [
        ("Incident type", [INCIDENT_TYPE]),
        ("Incident date and time", [f"{when} ({what})"]),
        ("Where it happened: Website / URL", list(r.urls) or ["(no page captured: give the site's address)"]),
        ("Information about the reported person or user", ["(unknown: the site's operator; no name is claimed)"]),
        ("Information about the child", ["(none from cointrail)"]),
        ("Uploaded files", ["NONE: attach no images or videos; cointrail exports none."]),
        ("Additional information (paste the block below as it is)", findings_block(r).splitlines()),
        ("Your information (the reporter)", [r.reported_by or "(your name and contact details)"]),
    ]  # fmt: skip


def export_cybertip_sheet(facts: ReportFacts) -> str:
    """A paste sheet for NCMEC's public CyberTipline web form, section by section in the form's order."""
    r = reportable(facts)
    lines = [f"CyberTipline web form: paste sheet (cointrail case {r.case})",
             "Nothing here is sent anywhere: open report.cybertip.org and type or paste each section.", ""]
    for n, (title, body) in enumerate(_sheet_sections(r), 1):
        lines += [f"== {n}. {title}", *body, ""]
    return "\n".join(lines)
