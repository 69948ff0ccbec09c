"""The US Treasury OFAC SDN list's digital currency addresses, from its three published forms.

* ``sdn.xml``: ``sdnList/sdnEntry`` with ``idList/id``; an id whose ``idType``
  is "Digital Currency Address - XBT" (ETH, LTC, …) has the address in ``idNumber``.
* ``sdn.csv``: no header; column 1 the entry number, 2 the name, 12 the remarks,
  where addresses sit as "Digital Currency Address - XBT <address>;" (some "alt.").
* the advanced XML (``sdn_advanced.xml``): a ``Feature`` of a ``DistinctParty``
  whose ``FeatureTypeID`` names "Digital Currency Address - XBT" holds the
  address in a ``VersionDetail``; names are assembled from ``NamePartValue``\\ s.

Element names are matched without their namespace, which OFAC has changed over
the years. Every address is validated for its currency: the list has mistakes
(an "XMR" entry that is a transaction id, a Tron address under "XBT"); those are
reported as rejected entries, never dropped silently.

XML is read with the standard library's ElementTree: its expat (2.4.1 and
later, bundled with Python 3.11) refuses entity-expansion bombs and never
fetches external entities, which is what defusedxml would add.
"""

from __future__ import annotations

import csv
import datetime as _dt
import io
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass

from cointrail.labels.currencies import AddressRejected, check_address
from cointrail.labels.model import Label, LabelFormatError, LabelImport, RejectedEntry, confidence_named
from cointrail.labels.source import SourceFile

FEATURE_PREFIX = "Digital Currency Address - "
_REMARK_ADDRESS = re.compile(r"(alt\.\s*)?Digital Currency Address - ([A-Za-z0-9]+)\s+([^\s;]+)")
SDN_ENTRY_URL = "https://sanctionssearch.ofac.treas.gov/Details.aspx?id={uid}"


@dataclass(frozen=True)
class SdnAddress:
    """One address as an SDN entry lists it, before validation."""

    uid: str
    name: str
    currency: str
    address: str
    where: str


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _child_text(element: ET.Element, name: str) -> str:
    for child in element:
        if _local(child.tag) == name:
            return (child.text or "").strip()
    return ""


def _iterparse(source: SourceFile) -> Iterator[ET.Element]:
    """Elements of an XML file as they close; clear errors for a broken file."""
    try:
        with source.open() as stream:  # streamed from the file: the advanced XML is over 100 MB
            for _event, element in ET.iterparse(stream, events=("end",)):
                yield element
    except ET.ParseError as error:
        raise LabelFormatError(f"{source.path} is not well-formed XML: {error}") from None


# --- sdn.xml ---------------------------------------------------------------------------


def _sdn_entry_addresses(entry: ET.Element) -> list[SdnAddress]:
    uid = _child_text(entry, "uid")
    last, first = _child_text(entry, "lastName"), _child_text(entry, "firstName")
    name = f"{last}, {first}" if last and first else last or first
    found = []
    for element in entry.iter():
        if _local(element.tag) == "id" and _child_text(element, "idType").startswith(FEATURE_PREFIX):
            currency = _child_text(element, "idType")[len(FEATURE_PREFIX) :].strip()
            found.append(SdnAddress(uid, name, currency, _child_text(element, "idNumber"), f"SDN entry {uid}"))
    return found


def read_sdn_xml(source: SourceFile) -> tuple[list[SdnAddress], _dt.date | None]:
    """Addresses of ``sdn.xml``, and the list's publication date when given."""
    found: list[SdnAddress] = []
    published = None
    saw_root = False
    for element in _iterparse(source):
        name = _local(element.tag)
        if name == "sdnEntry":
            found += _sdn_entry_addresses(element)
            element.clear()
        elif name == "Publish_Date":
            published = _us_date(element.text or "")
        saw_root = saw_root or name == "sdnList"
    if not saw_root:
        raise LabelFormatError(f"{source.path} is XML but not an OFAC sdn.xml (no sdnList element)")
    return found, published


def _us_date(text: str) -> _dt.date | None:
    try:
        return _dt.datetime.strptime(text.strip(), "%m/%d/%Y").date()
    except ValueError:
        return None


# --- sdn.csv ---------------------------------------------------------------------------


def _csv_row_addresses(row: list[str], line: int) -> list[SdnAddress]:
    uid, name, remarks = row[0].strip(), row[1].strip(), row[11]
    return [
        SdnAddress(uid, name, match.group(2), match.group(3).rstrip(".,"), f"SDN entry {uid} (line {line})")
        for match in _REMARK_ADDRESS.finditer(remarks)
    ]


def read_sdn_csv(source: SourceFile) -> tuple[list[SdnAddress], list[RejectedEntry]]:
    """Addresses in the remarks column of ``sdn.csv`` (rows that are not SDN rows are reported)."""
    found: list[SdnAddress] = []
    odd: list[RejectedEntry] = []
    rows = 0
    reader = csv.reader(io.StringIO(source.text(legacy_fallback=True), newline=""))
    try:
        for row in reader:
            if not any(cell.strip(" \x1a") for cell in row):
                continue  # blank lines, and the DOS end-of-file mark OFAC's file ends with
            if len(row) == 12 and row[0].strip().isdigit():
                rows += 1
                found += _csv_row_addresses(row, reader.line_num)
            elif FEATURE_PREFIX in ",".join(row):
                odd.append(RejectedEntry(f"line {reader.line_num}", ",".join(row)[:120], _CSV_ROW_SHAPE))
    except csv.Error as error:
        raise LabelFormatError(f"{source.path}, line {reader.line_num}: not valid CSV ({error})") from None
    if rows == 0:
        raise LabelFormatError(
            f"{source.path} is not an OFAC sdn.csv (no row of 12 columns starting with an entry number)"
        )
    return found, odd


_CSV_ROW_SHAPE = "it names a digital currency address, but the row is not 12 columns starting with an entry number"


# --- sdn_advanced.xml ------------------------------------------------------------------


@dataclass
class _Party:
    uid: str
    name_parts: list[tuple[str, str]]  # (NamePartGroupID, value) of the primary name
    group_types: dict[str, str]  # NamePartGroupID -> NamePartTypeID
    features: list[tuple[str, str]]  # (FeatureTypeID, VersionDetail text)


def _all(element: ET.Element, name: str) -> Iterator[ET.Element]:
    """Descendants named ``name`` in the element's own namespace (a C-level search: the file is large)."""
    namespace = element.tag[: element.tag.index("}") + 1] if element.tag.startswith("{") else ""
    return element.iter(namespace + name)


def _primary_alias(party: ET.Element) -> ET.Element | None:
    aliases = list(_all(party, "Alias"))
    primary = [a for a in aliases if a.get("Primary", "").lower() == "true"]
    return (primary or aliases)[0] if aliases else None


def _read_party(party: ET.Element) -> _Party:
    features = [
        (feature.get("FeatureTypeID", ""), (detail.text or "").strip())
        for feature in _all(party, "Feature")
        for detail in _all(feature, "VersionDetail")
    ]
    alias = _primary_alias(party) if features else None
    parts = [] if alias is None else [
        (e.get("NamePartGroupID", ""), (e.text or "").strip()) for e in _all(alias, "NamePartValue")
    ]
    groups = {e.get("ID", ""): e.get("NamePartTypeID", "") for e in _all(party, "NamePartGroup")}
    return _Party(party.get("FixedRef", ""), parts, groups, features)


def _party_name(party: _Party, name_types: dict[str, str]) -> str:
    typed = [(name_types.get(party.group_types.get(group, ""), ""), value) for group, value in party.name_parts]
    last = [value for kind, value in typed if kind == "Last Name"]
    rest = [value for kind, value in typed if kind != "Last Name"]
    if last and rest:
        return f"{' '.join(last)}, {' '.join(rest)}"  # as sdn.xml and sdn.csv write a person: "LAST, First"
    return " ".join(value for _, value in typed)


def read_sdn_advanced(source: SourceFile) -> tuple[list[SdnAddress], _dt.date | None]:
    """Addresses of the advanced XML, and its date of issue when given."""
    feature_types: dict[str, str] = {}
    name_types: dict[str, str] = {}
    parties: list[_Party] = []
    issued = None
    for element in _iterparse(source):
        name = _local(element.tag)
        if name == "FeatureType":
            feature_types[element.get("ID", "")] = (element.text or "").strip()
        elif name == "NamePartType":
            name_types[element.get("ID", "")] = (element.text or "").strip()
        elif name == "DateOfIssue":
            issued = _issue_date(element)
        elif name == "DistinctParty":
            party = _read_party(element)
            if party.features:
                parties.append(party)
            element.clear()
    if not feature_types:
        raise LabelFormatError(f"{source.path} is XML but not an OFAC advanced XML (no FeatureType values)")
    return _advanced_addresses(parties, feature_types, name_types), issued


def _advanced_addresses(
    parties: list[_Party], feature_types: dict[str, str], name_types: dict[str, str]
) -> list[SdnAddress]:
    found = []
    for party in parties:
        name = _party_name(party, name_types)
        for type_id, address in party.features:
            kind = feature_types.get(type_id, "")
            if kind.startswith(FEATURE_PREFIX):
                currency = kind[len(FEATURE_PREFIX) :].strip()
                found.append(SdnAddress(party.uid, name, currency, address, f"SDN entry {party.uid}"))
    return found


def _issue_date(element: ET.Element) -> _dt.date | None:
    try:
        year, month, day = (int(_child_text(element, part)) for part in ("Year", "Month", "Day"))
        return _dt.date(year, month, day)
    except ValueError:
        return None


# --- addresses to labels ---------------------------------------------------------------


def _label(entry: SdnAddress, source: SourceFile, importer: str, published: _dt.date | None) -> Label:
    checked = check_address(entry.address, entry.currency)
    return Label(
        address=checked.address,
        chains=checked.chains,
        currency=entry.currency.upper(),
        network=checked.network,
        label=f"OFAC SDN: {entry.name}",
        source=SDN_ENTRY_URL.format(uid=entry.uid),
        source_sha256=source.sha256,
        confidence=confidence_named("authority_data"),
        importer=importer,
        category="sanction",
        actor=entry.name,
        lastmod=published,
        notes=(f"OFAC SDN entry {entry.uid}",),
    )


def to_import(
    entries: list[SdnAddress], source: SourceFile, importer: str,
    published: _dt.date | None = None, rejected: list[RejectedEntry] | None = None,
) -> LabelImport:
    """Validate every listed address; keep the good ones as labels, report the others."""
    labels: dict[tuple[str, str, str], Label] = {}
    refused = list(rejected or [])
    for entry in entries:
        try:
            label = _label(entry, source, importer, published)
        except AddressRejected as error:
            refused.append(RejectedEntry(f"{entry.where}, {entry.name}, {entry.currency}", entry.address, str(error)))
            continue
        labels.setdefault((label.address, label.currency, entry.uid), label)  # OFAC repeats some
    return LabelImport(source.path, importer, source.sha256, tuple(labels.values()), tuple(refused))


def parse_sdn_xml(source: SourceFile) -> LabelImport:
    """Labels from ``sdn.xml``."""
    entries, published = read_sdn_xml(source)
    return to_import(entries, source, "ofac-xml", published)


def parse_sdn_csv(source: SourceFile) -> LabelImport:
    """Labels from ``sdn.csv``."""
    entries, odd = read_sdn_csv(source)
    return to_import(entries, source, "ofac-csv", None, odd)


def parse_sdn_advanced(source: SourceFile) -> LabelImport:
    """Labels from the advanced XML (``sdn_advanced.xml``)."""
    entries, issued = read_sdn_advanced(source)
    return to_import(entries, source, "ofac-advanced", issued)
