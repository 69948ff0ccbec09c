"""GraphSense TagPacks: the five real packs, the schema, and clear errors for broken packs."""

from __future__ import annotations

import contextlib
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from cointrail.errors import CointrailError
from cointrail.labels import LabelFormatError, load_labels, parse_labels
from cointrail.labels.source import from_bytes
from cointrail.labels.tagpack_schema import DEFAULT_SCHEMA, load_schema

PACKS = ["binance.yaml", "binance_hack.yaml", "bitzillions_ltc.yaml", "demo.yaml", "exchange-wallets-kucoin.yaml"]

HEADER = """\
title: test pack
creator: cointrail tests
confidence: forensic_investigation
category: market
label: example market
source: https://example.org/case-notes
currency: BTC
lastmod: 2024-01-31
tags:
"""


def pack(tags: str, header: str = HEADER) -> bytes:
    return (header + tags).encode()


@pytest.mark.parametrize("name", PACKS)
def test_every_tag_of_the_real_packs_is_loaded_or_rejected_with_a_reason(shared_data: Path, name: str):
    path = shared_data / "tagpacks" / name
    tags = yaml.safe_load(path.read_text())["tags"]
    result = load_labels(path)
    assert result.format == "tagpack"
    assert len(result.labels) + len(result.rejected) == len(tags)
    assert all(entry.reason and entry.where.startswith("tag ") for entry in result.rejected)
    assert result.labels, "every real pack has good tags"


def test_header_fields_are_inherited_and_tags_override_them(shared_data: Path):
    result = load_labels(shared_data / "tagpacks" / "exchange-wallets-kucoin.yaml")
    assert {lab.actor for lab in result.labels} == {"kucoin"}
    assert all(lab.category == "exchange" and lab.confidence.value == 50 for lab in result.labels)
    assert "kucoin USDT reserves" in {lab.label for lab in result.labels}
    demo = load_labels(shared_data / "tagpacks" / "demo.yaml")
    assert {lab.currency: lab.chains for lab in demo.labels}["XRP"] == ("xrp",)
    eth = next(lab for lab in demo.labels if lab.currency == "ETH")
    assert eth.address == "0xFA8E3920daF271daB92Be9B87d9998DDd94FEF08"
    assert eth.lastmod is not None and eth.lastmod.isoformat() == "2021-11-12"


def test_the_real_rejections_say_why(shared_data: Path):
    result = load_labels(shared_data / "tagpacks" / "exchange-wallets-kucoin.yaml")
    reasons = {entry.value: entry.reason for entry in result.rejected}
    assert "KCS" in reasons["0x14ea40648fc8c1781d19363f5b9cc9a877ac2469"]
    assert "not a valid address" in reasons["kucoinrise11"]


def test_the_built_in_schema_is_graphsense_s_schema(shared_data: Path):
    published = load_schema((shared_data / "tagpacks" / "tagpack_schema.yaml").read_text())
    assert published.header == DEFAULT_SCHEMA.header
    # the published file names the tag_type taxonomy "tag_types"; both spellings are accepted
    assert published.tag.keys() == DEFAULT_SCHEMA.tag.keys()
    for name, spec in published.tag.items():
        assert (spec.type, spec.mandatory) == (DEFAULT_SCHEMA.tag[name].type, DEFAULT_SCHEMA.tag[name].mandatory)


def test_a_good_made_up_pack_with_every_field():
    tags = """\
- address: 1Archive1n2C579dMsAu3iC6tWzuQJz8dN
  actor: example_actor
  abuse: child_sexual_abuse
  is_cluster_definer: true
  tag_type: actor
  context: '{"seen": "payment page"}'
  concepts: [market, dark_web]
- address: LbonesGyyeUDpQqtZQMmBUPJSEg4jHhUvb
  currency: LTC
  network: LTC
  confidence: web_crawl
  category: human_trafficking
"""
    result = parse_labels(from_bytes(pack(tags), "case.yaml"))
    assert not result.rejected
    first, second = result.labels
    assert (first.abuse, first.is_cluster_definer, first.tag_type) == ("child_sexual_abuse", True, "actor")
    assert first.confidence.name == "forensic_investigation" and first.confidence.value == 70
    assert any("payment page" in note for note in first.notes)
    assert (second.chains, second.category, second.confidence.value) == (("litecoin",), "human_trafficking", 20)


@pytest.mark.parametrize(
    ("tag", "words"),
    [
        ("- address: 1Archive1n2C579dMsAu3iC6tWzuQJz8dN\n  confidence: very_sure\n", ["'confidence'", "very_sure"]),
        ("- address: 1Archive1n2C579dMsAu3iC6tWzuQJz8dN\n  colour: red\n", ["'colour'", "not part"]),
        ("- address: 1Archive1n2C579dMsAu3iC6tWzuQJz8dN\n  category: bakery\n", ["'category'", "bakery"]),
        ("- address: 1Archive1n2C579dMsAu3iC6tWzuQJz8dN\n  is_cluster_definer: maybe\n", ["boolean"]),
        ("- address: 1Archive1n2C579dMsAu3iC6tWzuQJz8dN\n  lastmod: yesterday\n", ["'lastmod'", "date"]),
        ("- address: 1Archive1n2C579dMsAu3iC6tWzuQJz8dX\n", ["'address'", "checksum"]),
        ("- address: LbonesGyyeUDpQqtZQMmBUPJSEg4jHhUvb\n", ["'address'", "litecoin", "BTC"]),
        ("- address: 1Archive1n2C579dMsAu3iC6tWzuQJz8dN\n  label:\n", ["'label'", "empty"]),
        ("- just a string\n", ["not a mapping"]),
        ("- tx_hash: " + "ab" * 32 + "\n", ["no 'address'"]),
    ],
)
def test_a_bad_tag_is_rejected_naming_the_tag_and_field(tag: str, words: list[str]):
    good = "- address: 1K1rgZ1dz9w7dsR1HGS1drmzfUHMtqx1Tc\n"
    result = parse_labels(from_bytes(pack(good + tag), "case.yaml"))
    assert len(result.labels) == 1
    (entry,) = result.rejected
    assert entry.where == "tag 2"
    for word in words:
        assert word in entry.reason


def test_a_missing_mandatory_field_names_it():
    header = HEADER.replace("label: example market\n", "")
    result = parse_labels(from_bytes(pack("- address: 1K1rgZ1dz9w7dsR1HGS1drmzfUHMtqx1Tc\n", header), "x.yaml"))
    assert "mandatory field 'label'" in result.rejected[0].reason


@pytest.mark.parametrize(
    ("text", "words"),
    [
        (HEADER.replace("title: test pack\n", "") + "- address: x\n", ["'title'", "missing"]),
        (HEADER + "- address: x\n  address: y\n", ["line 11", "twice"]),
        ("tags: [unclosed\n", ["not valid YAML"]),
        ("- a list\n- at the top\n", ["not a mapping"]),
        (HEADER.replace("confidence: forensic_investigation", "confidence: whatever") + "- address: x\n",
         ["header", "'confidence'"]),
        (HEADER + "  oops: not a list\n", ["'tags'", "should be list"]),
    ],
)
def test_a_broken_pack_is_a_clear_error(text: str, words: list[str]):
    with pytest.raises(LabelFormatError) as caught:
        parse_labels(from_bytes(text.encode(), "broken.yaml"))
    for word in words:
        assert word in str(caught.value)


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=400) | st.text(max_size=400).map(str.encode))
def test_junk_gives_a_clear_error_never_a_crash(junk: bytes):
    with contextlib.suppress(CointrailError):  # a clear error is fine; any other exception fails
        parse_labels(from_bytes(junk, "junk.yaml"), "tagpack")


_fields = st.sampled_from(["address", "label", "currency", "confidence", "category", "lastmod", "tags", "title"])
_values = st.none() | st.booleans() | st.integers() | st.text(max_size=20) | st.lists(st.text(max_size=5), max_size=3)


@settings(max_examples=150, deadline=None)
@given(st.dictionaries(_fields, _values, max_size=6), st.lists(st.dictionaries(_fields, _values, max_size=4) | _values))
def test_wrong_shapes_give_a_clear_error_or_rejected_tags(header: dict, tags: list):
    text = yaml.safe_dump({**header, "tags": tags}) if tags or "tags" not in header else yaml.safe_dump(header)
    try:
        result = parse_labels(from_bytes(text.encode(), "shapes.yaml"), "tagpack")
    except CointrailError:
        return
    assert len(result.labels) + len(result.rejected) == len(tags)
