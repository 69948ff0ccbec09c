"""The three forms of the OFAC SDN list, built at test time from the real sanctioned addresses.

The real files are not here; the tests write sdn.xml, sdn.csv and the advanced
XML in the structures OFAC publishes, around the real per-currency address
lists in ../shared/data/ofac-addresses, and check that all three importers give
the same labels and reject the same entries for the same reasons.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

import pytest

from cointrail.labels import LabelFormatError, load_labels, parse_labels
from cointrail.labels.source import from_bytes

SDN_XML_NS = "https://sanctionslistservice.ofac.treas.gov/api/PublicationPreview/exports/XML"
ADVANCED_NS = "https://sanctionslistservice.ofac.treas.gov/api/PublicationPreview/exports/ADVANCED_XML"
NAME_TYPES = {"Last Name": "1520", "First Name": "1521", "Middle Name": "1522", "Entity Name": "1525"}


@dataclass
class Entry:
    uid: int
    last: str
    first: str  # empty for an entity
    addresses: list[tuple[str, str]]  # (currency, address)

    @property
    def name(self) -> str:
        return f"{self.last}, {self.first}" if self.first else self.last


def make_entries(lists: dict[str, list[str]], per_entry: int = 4) -> list[Entry]:
    """Group the real addresses into made-up SDN entries, people and entities alternately."""
    entries: list[Entry] = []
    for currency, addresses in sorted(lists.items()):
        for start in range(0, len(addresses), per_entry):
            n = len(entries)
            person = n % 2 == 0
            entries.append(Entry(
                30000 + n, f"TESTNAME{n}" if person else f"TEST ORGANISATION {n} LLC",
                f"Given{n} Middle{n}" if person else "", [(currency, a) for a in addresses[start:start + per_entry]],
            ))
    return entries


def sdn_xml(entries: list[Entry]) -> bytes:
    parts = [f'<?xml version="1.0" standalone="yes"?>\n<sdnList xmlns="{SDN_XML_NS}">',
             "<publshInformation><Publish_Date>09/27/2024</Publish_Date>"
             f"<Record_Count>{len(entries)}</Record_Count></publshInformation>"]
    for e in entries:
        ids = "".join(
            f"<id><uid>{e.uid * 10 + i}</uid><idType>Digital Currency Address - {c}</idType>"
            f"<idNumber>{escape(a)}</idNumber></id>"
            for i, (c, a) in enumerate(e.addresses)
        )
        first = f"<firstName>{e.first}</firstName>" if e.first else ""
        kind = "Individual" if e.first else "Entity"
        parts.append(
            f"<sdnEntry><uid>{e.uid}</uid>{first}<lastName>{e.last}</lastName><sdnType>{kind}</sdnType>"
            f"<programList><program>CYBER2</program></programList>"
            f"<idList><id><uid>1</uid><idType>Gender</idType><idNumber>Male</idNumber></id>{ids}</idList>"
            "</sdnEntry>"
        )
    parts.append("</sdnList>")
    return "\n".join(parts).encode()


def sdn_csv(entries: list[Entry]) -> bytes:
    lines = []
    for e in entries:
        remarks = "; ".join(
            f"{'alt. ' if i else ''}Digital Currency Address - {c} {a}" for i, (c, a) in enumerate(e.addresses)
        )
        name = e.name.replace('"', '""')
        kind = '"individual"' if e.first else "-0- "
        lines.append(f'{e.uid},"{name}",{kind},"CYBER2",' + "-0- ," * 7 + f'"Nationality Russia; {remarks}; '
                     'Secondary sanctions risk: see Section 11 of Executive Order 14024."')
    return ("\r\n".join(lines) + "\r\n\x1a").encode()


def _advanced_party(e: Entry, feature_ids: dict[str, str]) -> str:
    if e.first:
        given, middle = e.first.split(" ")
        # Given name first in document order: the importer must still write "LAST, Given Middle".
        named = [("2", given), ("1", e.last), ("3", middle)]
        groups = {"1": "Last Name", "2": "First Name", "3": "Middle Name"}
    else:
        named, groups = [("1", e.last)], {"1": "Entity Name"}
    values = "".join(
        f'<DocumentedNamePart><NamePartValue NamePartGroupID="{g}" ScriptID="215">{v}</NamePartValue>'
        "</DocumentedNamePart>" for g, v in named
    )
    group_xml = "".join(
        f'<MasterNamePartGroup><NamePartGroup ID="{g}" NamePartTypeID="{NAME_TYPES[t]}"/></MasterNamePartGroup>'
        for g, t in groups.items()
    )
    aka = (f'<Alias FixedRef="{e.uid}" AliasTypeID="1400" Primary="false" LowQuality="false"><DocumentedName>'
           '<DocumentedNamePart><NamePartValue NamePartGroupID="1">AKA NAME</NamePartValue></DocumentedNamePart>'
           "</DocumentedName></Alias>")
    features = "".join(
        f'<Feature ID="{e.uid}{i}" FeatureTypeID="{feature_ids[c]}"><FeatureVersion ID="{e.uid}{i}" '
        f'ReliabilityID="1"><Comment/><VersionDetail DetailTypeID="1432">{escape(a)}</VersionDetail>'
        f'</FeatureVersion><IdentityReference IdentityID="{e.uid}" IdentityFeatureLinkTypeID="1"/></Feature>'
        for i, (c, a) in enumerate(e.addresses)
    )
    return (
        f'<DistinctParty FixedRef="{e.uid}"><Comment/><Profile ID="{e.uid}" PartySubTypeID="4">'
        f'<Identity ID="{e.uid}" FixedRef="{e.uid}" Primary="true" False="false">{aka}'
        f'<Alias FixedRef="{e.uid}" AliasTypeID="1403" Primary="true" LowQuality="false">'
        f'<DocumentedName ID="{e.uid}" FixedRef="{e.uid}" DocNameStatusID="1">{values}</DocumentedName></Alias>'
        f"<NamePartGroups>{group_xml}</NamePartGroups></Identity>{features}</Profile></DistinctParty>"
    )


def sdn_advanced(entries: list[Entry]) -> bytes:
    currencies = sorted({c for e in entries for c, _ in e.addresses})
    feature_ids = {c: str(344 + i) for i, c in enumerate(currencies)}
    feature_types = "".join(
        f'<FeatureType ID="{fid}" FeatureTypeGroupID="1">Digital Currency Address - {c}</FeatureType>'
        for c, fid in feature_ids.items()
    )
    name_types = "".join(f'<NamePartType ID="{i}">{t}</NamePartType>' for t, i in NAME_TYPES.items())
    parties = "".join(_advanced_party(e, feature_ids) for e in entries)
    return (
        f'<?xml version="1.0" encoding="utf-8"?>\n<Sanctions xmlns="{ADVANCED_NS}">'
        "<DateOfIssue><Year>2024</Year><Month>9</Month><Day>27</Day></DateOfIssue>"
        '<ReferenceValueSets><FeatureTypeValues><FeatureType ID="8" FeatureTypeGroupID="1">Vessel Flag</FeatureType>'
        f"{feature_types}</FeatureTypeValues><NamePartTypeValues>{name_types}</NamePartTypeValues>"
        f"</ReferenceValueSets><DistinctParties>{parties}</DistinctParties></Sanctions>"
    ).encode()


@pytest.fixture(scope="module")
def ofac_lists(shared_data: Path) -> dict[str, list[str]]:
    folder = shared_data / "ofac-addresses"
    return {p.stem.rsplit("_", 1)[1]: json.loads(p.read_text()) for p in folder.glob("sanctioned_addresses_*.json")}


@pytest.fixture(scope="module")
def documents(ofac_lists: dict[str, list[str]], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    entries = make_entries(ofac_lists)
    folder = tmp_path_factory.mktemp("ofac")
    paths = {"ofac-xml": folder / "sdn.xml", "ofac-csv": folder / "sdn.csv",
             "ofac-advanced": folder / "sdn_advanced.xml"}
    paths["ofac-xml"].write_bytes(sdn_xml(entries))
    paths["ofac-csv"].write_bytes(sdn_csv(entries))
    paths["ofac-advanced"].write_bytes(sdn_advanced(entries))
    return paths


def _key(label):
    return (label.address, label.chains, label.currency, label.network, label.label, label.actor, label.category,
            label.confidence, label.source, label.notes)


def test_the_three_forms_give_the_same_labels_and_rejections(documents, ofac_lists):
    results = {name: load_labels(path) for name, path in documents.items()}  # formats detected
    assert {r.format for r in results.values()} == set(documents)
    label_sets = [sorted(map(_key, r.labels)) for r in results.values()]
    assert label_sets[0] == label_sets[1] == label_sets[2]
    rejected = [sorted((e.value, e.reason) for e in r.rejected) for r in results.values()]
    assert rejected[0] == rejected[1] == rejected[2]
    listed = sum(len(addresses) for addresses in ofac_lists.values())
    for result in results.values():
        assert len(result.labels) + len(result.rejected) == listed  # nothing dropped silently


def test_ofac_labels_carry_sanction_authority_and_entity(documents):
    result = load_labels(documents["ofac-advanced"])
    label = next(lab for lab in result.labels if lab.currency == "XBT")
    assert label.category == "sanction"
    assert (label.confidence.name, label.confidence.value) == ("authority_data", 60)
    assert label.chains == ("bitcoin",)
    assert label.actor and label.label == f"OFAC SDN: {label.actor}"
    assert label.source.startswith("https://sanctionssearch.ofac.treas.gov/")
    assert label.source_sha256 == result.source_sha256 and len(result.source_sha256) == 64
    people = [lab.actor for lab in result.labels if lab.actor and lab.actor.startswith("TESTNAME")]
    assert people and all(", Given" in actor and "Middle" in actor for actor in people)
    assert all("AKA NAME" not in (lab.actor or "") for lab in result.labels)


def test_the_xmr_transaction_id_is_rejected_with_its_reason(documents):
    for path in documents.values():
        result = load_labels(path)
        txid = [e for e in result.rejected if e.value.startswith("5be5543f")]
        assert len(txid) == 1
        assert "transaction id" in txid[0].reason and "XMR" in txid[0].where


def test_a_tron_address_listed_as_bitcoin_is_rejected(documents):
    result = load_labels(documents["ofac-xml"])
    tron = [e for e in result.rejected if e.value == "TUCsTq7TofTCJRRoHk6RvhMoS2mJLm5Yzq"]
    assert len(tron) == 1 and "tron" in tron[0].reason and "XBT" in tron[0].reason


def test_tokens_and_cashaddr_are_placed_on_their_chains(documents):
    labels = load_labels(documents["ofac-csv"]).labels
    usdt_on_tron = [lab for lab in labels if lab.currency == "USDT" and lab.address.startswith("T")]
    assert usdt_on_tron and all(lab.chains == ("tron",) for lab in usdt_on_tron)
    bch = [lab for lab in labels if lab.currency == "BCH" and lab.address.startswith("bitcoincash:")]
    assert bch and all(lab.chains == ("bitcoin-cash",) for lab in bch)


def test_an_unknown_currency_code_is_rejected_not_dropped():
    entry = Entry(1, "EXAMPLE CORP", "", [("SOL", "So11111111111111111111111111111111111111112")])
    result = parse_labels(from_bytes(sdn_xml([entry]), "sdn.xml"))
    assert not result.labels
    assert len(result.rejected) == 1 and "does not know the currency code 'SOL'" in result.rejected[0].reason


def test_an_sdn_csv_in_windows_1252_is_read():
    entry = Entry(7, "CAFÉ", "José", [("XBT", "1Archive1n2C579dMsAu3iC6tWzuQJz8dN")])
    result = parse_labels(from_bytes(sdn_csv([entry]).decode().encode("cp1252"), "sdn.csv"))
    assert [lab.actor for lab in result.labels] == ["CAFÉ, José"]


def test_a_broken_xml_file_is_a_clear_error():
    with pytest.raises(LabelFormatError, match="not well-formed XML"):
        parse_labels(from_bytes(b"<sdnList><sdnEntry>", "sdn.xml"))
    with pytest.raises(LabelFormatError, match="not an OFAC sdn.csv"):
        parse_labels(from_bytes(b"a,b,c\n1,2,3\n", "list.csv"), "ofac-csv")
